/**
 * The native ISA-L gunzip (native/inflate.c, src/core/archive/native-gunzip.ts, decision D35) against the reference it
 * replaces, Node's zlib Gunzip: for the same bytes, the same output or the same error (message and code). Members one
 * after another, trailing zeros, garbage after a member, truncation anywhere, header checks byte by byte, trailer
 * checks; sources that hand out a few bytes per read; outputs of many chunks; random corruption of valid streams.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { constants, crc32, gunzipSync, gzipSync } from 'node:zlib';
import { nativeGunzip, type GunzipInto } from '../../src/core/archive/native-gunzip.ts';
import type { Filler } from '../../src/core/io/fill.ts';

const ADDON = join(import.meta.dirname, '../../dist/argoexec.d/inflate.node');

function native(): GunzipInto {
  assert.ok(existsSync(ADDON), `${ADDON} missing: run make build`);
  const g = nativeGunzip(ADDON);
  assert.ok(g, 'the native gunzip loads');
  return g;
}

/** A filler over `data` handing out at most `step` bytes per call, 0 only at the end (short reads, a growing file). */
function bufferFiller(data: Buffer, step = Infinity): Filler {
  let pos = 0;
  return async (buf) => {
    await new Promise((r) => setImmediate(r));
    const k = Math.min(buf.length, data.length - pos, step);
    data.copy(buf, 0, pos, pos + k);
    pos += k;
    return k;
  };
}

type Outcome = { ok: Buffer } | { error: string };

function reference(input: Buffer): Outcome {
  try {
    return { ok: gunzipSync(input) };
  } catch (err) {
    return { error: `${(err as Error).message} [${(err as NodeJS.ErrnoException).code}]` };
  }
}

async function ours(input: Buffer, step = Infinity, slowWriter = false): Promise<Outcome> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      parts.push(Buffer.from(chunk)); // a copy: the chunk is ours only until the callback
      if (slowWriter) setTimeout(cb, 1);
      else cb();
    },
  });
  try {
    await native()(bufferFiller(input, step), sink);
    return { ok: Buffer.concat(parts) };
  } catch (err) {
    return { error: `${(err as Error).message} [${(err as NodeJS.ErrnoException).code}]` };
  }
}

function same(got: Outcome, want: Outcome, label: string): void {
  if ('ok' in want) {
    assert.ok('ok' in got, `${label}: expected success, got ${'error' in got ? got.error : ''}`);
    assert.ok(got.ok.equals(want.ok), `${label}: output differs (${got.ok.length} vs ${want.ok.length} bytes)`);
  } else {
    assert.deepEqual(got, want, label);
  }
}

const hello = gzipSync('hello ');
const world = gzipSync('world');
const flip = (b: Buffer, at: number, mask = 0xff): Buffer => {
  const c = Buffer.from(b);
  const i = at < 0 ? c.length + at : at;
  c.writeUInt8(c.readUInt8(i) ^ mask, i);
  return c;
};

const TABLE: [string, Buffer][] = [
  ['one member', hello],
  ['two members', Buffer.concat([hello, world])],
  ['trailing zeros after a member', Buffer.concat([hello, Buffer.alloc(10)])],
  ['a zero byte, then another member (ignored, as zlib)', Buffer.concat([hello, Buffer.alloc(3), world])],
  ['garbage after a member', Buffer.concat([hello, Buffer.from('garbage')])],
  ['half a member after a member', Buffer.concat([hello, world.subarray(0, 9)])],
  ['empty input', Buffer.alloc(0)],
  ['one byte 0x1f', Buffer.from([0x1f])],
  ['one zero byte', Buffer.from([0])],
  ['two zero bytes', Buffer.from([0, 0])],
  ['not gzip', Buffer.from('nope, plain text')],
  ['wrong method', Buffer.from([0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 0, 0])],
  ['reserved flag bits', Buffer.from([0x1f, 0x8b, 8, 0x20, 0, 0, 0, 0, 0, 0, 0])],
  ['header cut after CM', Buffer.from([0x1f, 0x8b, 8])],
  ['header only', hello.subarray(0, 10)],
  ['wrong CRC-32', flip(hello, -8)],
  ['wrong ISIZE', flip(hello, -1)],
  ['missing trailer', hello.subarray(0, hello.length - 8)],
  ['half the trailer', hello.subarray(0, hello.length - 4)],
  ['FNAME and FCOMMENT fields', (() => {
    const body = gzipSync('named').subarray(10);
    return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x18, 0, 0, 0, 0, 0, 3]), Buffer.from('name.txt\0a comment\0'), body]);
  })()],
  ['FHCRC header CRC, right', (() => {
    const body = gzipSync('hcrc').subarray(10);
    const head = Buffer.from([0x1f, 0x8b, 8, 0x02, 0, 0, 0, 0, 0, 3]);
    const c = Buffer.alloc(2);
    c.writeUInt16LE(crc32(head) & 0xffff);
    return Buffer.concat([head, c, body]);
  })()],
  ['FHCRC header CRC, wrong', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x02, 0, 0, 0, 0, 0, 3, 0x12, 0x34]), gzipSync('hcrc').subarray(10)])],
  ['FEXTRA field', (() => {
    const body = gzipSync('extra').subarray(10);
    return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 4, 0]), Buffer.from('abcd'), body]);
  })()],
  ['stored blocks (level 0)', gzipSync(randomBytes(200_000), { level: 0 })],
  ['Huffman-only', gzipSync(Buffer.from('abcabcabc'.repeat(10_000)), { strategy: constants.Z_HUFFMAN_ONLY })],
];

describe('native gunzip: the same outcome as Node\'s zlib Gunzip', () => {
  for (const [label, input] of TABLE) {
    test(label, async () => {
      const want = reference(input);
      same(await ours(input), want, 'whole reads');
      // Byte by byte (every header and trailer split), but not for the large inputs (a threadpool round trip each).
      if (input.length < 4096) same(await ours(input, 1), want, 'one byte per read');
      same(await ours(input, input.length < 4096 ? 7 : 4093), want, 'short reads');
    });
  }

  test('outputs of many chunks: 24 MiB of zeros (a 1 MiB input fills the output again and again), a slow writer', async () => {
    const input = gzipSync(Buffer.alloc(24 << 20));
    same(await ours(input, Infinity, true), { ok: Buffer.alloc(24 << 20) }, 'zeros');
  });

  test('mixed data across input and output chunk boundaries, 3 members, odd read sizes', async () => {
    const parts = [randomBytes(3 << 20), Buffer.from('log line 42 INFO ok\n'.repeat(200_000)), randomBytes(777)];
    const input = Buffer.concat(parts.map((p) => gzipSync(p)));
    const want = Buffer.concat(parts);
    same(await ours(input), { ok: want }, 'whole reads');
    same(await ours(input, 65_537), { ok: want }, '64 KiB + 1 per read');
  });

  test('truncated at every 97th byte of a 2-member stream: the same error as zlib', async () => {
    const input = Buffer.concat([gzipSync(randomBytes(5000)), gzipSync('tail '.repeat(1000))]);
    for (let cut = 0; cut < input.length; cut += 97) {
      const cutInput = input.subarray(0, cut);
      same(await ours(cutInput), reference(cutInput), `cut at ${cut}`);
    }
  });

  test('random corruption: the same success and output; zlib\'s error words where the header or trailer is hit', async () => {
    const base = gzipSync(Buffer.from('some log text 0123456789 '.repeat(4000) + Buffer.alloc(3000, 'q9Z+/').toString('base64')));
    let bothFailed = 0;
    let seed = 20261204; // a fixed sequence (xorshift32): the same 300 flips every run
    const rand = (n: number): number => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (let i = 0; i < 300; i++) {
      const at = rand(base.length);
      const input = flip(base, at, 1 << rand(8));
      const want = reference(input);
      const got = await ours(input);
      if ('ok' in want) {
        same(got, want, `bit flip at ${at}`);
      } else {
        assert.ok('error' in got, `bit flip at ${at}: zlib fails (${want.error}), ours succeeded`);
        bothFailed++;
        // Inside the deflate data the two inflaters may name the fault differently; at the edges they agree.
        if (at < 10 || at >= base.length - 8) assert.equal(got.error, want.error, `bit flip at ${at}`);
        else assert.match(got.error, /\[Z_(DATA|BUF)_ERROR\]$/);
      }
    }
    assert.ok(bothFailed > 250, `most flips are detected (${bothFailed})`);
  });
});

describe('native gunzip: sources that return short reads before their end', () => {
  test('a growing file\'s filler (fewer bytes than asked, 0 only at the end): the whole stream, not an early EOF', async () => {
    const data = Buffer.concat([randomBytes(2 << 20), Buffer.from('text '.repeat(400_000))]);
    const input = gzipSync(data);
    // Hands out 100,000 bytes at most per call, however large the buffer: like GrowingFile at its written prefix.
    same(await ours(input, 100_000), { ok: data }, 'short reads');
  });
});
