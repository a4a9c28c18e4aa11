/**
 * The parallel gzip pull source with both block deflaters: the native helper shipped with the executable
 * (dist/argoexec.d/deflate.node, loaded into this Node — the same Node the executable embeds) and Node's zlib.
 * Whatever the block boundaries, output buffer sizes and levels, the result is one gzip member that gunzips to
 * the input; reader errors and destroy surface to the puller; a too-small output buffer is refused natively.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { constants, crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { compressorFor, ParallelGzip } from '../../src/core/archive/gzip.ts';
import { defaultGzipLevel } from '../../src/core/archive/default-level.ts';
import { askGo } from '../fuzz/oracle.ts';
import { nativeDeflaters, outputBound, zlibDeflaters, type DeflaterFactory } from '../../src/core/archive/block-deflate.ts';
import type { Filler } from '../../src/core/io/fill.ts';

const PROJECT = join(import.meta.dirname, '../..');
const ADDON = join(PROJECT, 'dist/argoexec.d/deflate.node');

function native(): DeflaterFactory {
  assert.ok(existsSync(ADDON), `${ADDON} missing: run make build`);
  const f = nativeDeflaters(ADDON);
  assert.ok(f, 'native deflaters load');
  return f;
}

/** A filler over `data` that hands out at most `step` bytes per read call (like short file reads). */
function bufferFiller(data: Buffer, step = Infinity): Filler {
  let pos = 0;
  return async (buf) => {
    let n = 0;
    while (n < buf.length && pos < data.length) {
      await new Promise((r) => setImmediate(r));
      const k = Math.min(buf.length - n, data.length - pos, step);
      data.copy(buf, n, pos, pos + k);
      n += k;
      pos += k;
    }
    return n;
  };
}

async function drain(gz: ParallelGzip, outBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  const buf = Buffer.alloc(outBytes);
  for (;;) {
    const n = await gz.fill(buf);
    if (n === 0) break;
    parts.push(Buffer.from(buf.subarray(0, n)));
    if (n < buf.length) {
      assert.equal(await gz.fill(buf), 0, 'a short fill means the end');
      break;
    }
  }
  return Buffer.concat(parts);
}

function sample(bytes: number): Buffer {
  // Compressible text with random islands.
  const out = Buffer.alloc(bytes);
  let pos = 0;
  for (let i = 0; pos < bytes; i++) {
    const chunk = i % 3 === 2 ? randomBytes(3000) : Buffer.from(`row ${i} of the sample, `.repeat(200));
    pos += chunk.copy(out, pos);
  }
  return out;
}

for (const kind of ['native', 'zlib'] as const) {
  describe(`parallel gzip (${kind} deflater)`, () => {
    const deflaters = (): DeflaterFactory => (kind === 'native' ? native() : zlibDeflaters);
    const K64 = 64 * 1024;

    test('sizes around block boundaries gunzip to the input (one member, Go-like header)', async () => {
      for (const size of [0, 1, K64 - 1, K64, K64 + 1, 3 * K64, 5 * K64 + 12345]) {
        const data = sample(size);
        const gz = new ParallelGzip(bufferFiller(data, 10_000), -1, { chunkBytes: K64, concurrency: 3, deflaters: deflaters() });
        const out = await drain(gz, 4096);
        assert.deepEqual(out.subarray(0, 10), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]), `header (${size})`);
        assert.deepEqual(gunzipSync(out), data, `round trip of ${size} bytes`);
        assert.equal(out.readUInt32LE(out.length - 4), size, 'ISIZE');
      }
    });

    test('output pulled through tiny buffers (framing split across fills) and levels 0, 1, 9, Huffman-only', async () => {
      const data = sample(300_000);
      const sizes: Record<number, number> = {};
      for (const level of [0, 1, 9, -2]) {
        const gz = new ParallelGzip(bufferFiller(data), level, { chunkBytes: K64, concurrency: 2, deflaters: deflaters() });
        const out = await drain(gz, 7);
        assert.deepEqual(gunzipSync(out), data, `level ${level}`);
        sizes[level] = out.length;
      }
      assert.ok((sizes[0] as number) > data.length, 'level 0 stores');
      assert.ok((sizes[9] as number) < (sizes[1] as number), 'level 9 is smaller than level 1');
    });

    test('dictionary priming: 32 KiB-periodic data compresses across block boundaries', async () => {
      // 16 KiB of random bytes repeated: without the preset dictionary each 64 KiB block would store its first
      // 16 KiB again (≥ 128 KiB in all); with it only the very first period is stored.
      const period = randomBytes(16 * 1024);
      const data = Buffer.concat(Array.from({ length: 32 }, () => period));
      const gz = new ParallelGzip(bufferFiller(data), -1, { chunkBytes: K64, concurrency: 4, deflaters: deflaters() });
      const out = await drain(gz, 1 << 16);
      assert.deepEqual(gunzipSync(out), data);
      assert.ok(out.length < 40 * 1024, `blocks refer to the previous block's data (got ${out.length} bytes)`);
    });

    test('a reader error and destroy() reject the pull', async () => {
      let calls = 0;
      const failing: Filler = async (buf) => {
        if (++calls > 2) throw new Error('disk read failed');
        buf.fill(1);
        return buf.length;
      };
      const gz = new ParallelGzip(failing, -1, { chunkBytes: K64, concurrency: 2, deflaters: deflaters() });
      await assert.rejects(drain(gz, 4096), /disk read failed/);

      const never: Filler = () => new Promise(() => undefined);
      const stuck = new ParallelGzip(never, -1, { chunkBytes: K64, deflaters: deflaters() });
      // The header needs no input, but a pull waits for a full buffer or the end: destroy must end the wait.
      const waiting = stuck.fill(Buffer.alloc(64));
      setTimeout(() => stuck.destroy(new Error('upload aborted')), 20);
      await assert.rejects(waiting, /upload aborted/);
    });
  });
}

describe('native deflater', () => {
  test('refuses an output buffer below the deflate bound and bad arguments', async () => {
    const d = native().create(6, constants.Z_DEFAULT_STRATEGY);
    const input = randomBytes(100_000);
    await assert.rejects(async () => d.deflate(input, undefined, true, Buffer.alloc(1000)), /smaller than the deflate bound/);
    const out = Buffer.alloc(outputBound(input.length));
    const { bytes: n } = await d.deflate(input, undefined, true, out);
    assert.ok(n > input.length && n <= out.length, 'incompressible input is stored with a little overhead');
  });

  test('each block\'s CRC-32 (zlib\'s), combined in order as zlib\'s crc32_combine', async () => {
    const f = native();
    const d = f.create(6, constants.Z_DEFAULT_STRATEGY);
    const a = sample(300_000);
    const b = randomBytes(123_457);
    const ra = await d.deflate(a, undefined, false, Buffer.alloc(outputBound(a.length)));
    const rb = await d.deflate(b, undefined, true, Buffer.alloc(outputBound(b.length)));
    assert.equal(ra.crc, crc32(a));
    assert.equal(rb.crc, crc32(b));
    assert.ok(f.crc32Combine, 'the native factory combines');
    assert.equal(f.crc32Combine(ra.crc as number, rb.crc as number, b.length), crc32(Buffer.concat([a, b])));
  });

  test('D36: a block that would not shrink is stored; one compressible sample is enough to compress it', async () => {
    const d = native().create(6, constants.Z_DEFAULT_STRATEGY);
    const dict = randomBytes(32 * 1024);
    const random = randomBytes(1 << 20);
    const out = Buffer.alloc(outputBound(random.length));
    const r = await d.deflate(random, dict, false, out);
    assert.equal(r.stored, true, 'random bytes are stored');
    assert.ok(r.bytes > random.length && r.bytes < random.length * 1.001, `stored with a little overhead (${r.bytes})`);
    assert.ok(inflateRawSync(out.subarray(0, r.bytes), { finishFlush: constants.Z_SYNC_FLUSH }).equals(random), 'and inflates to the input');
    // Random but for 100 KB of text (longer than the 64 KiB between two samples): compressed at level 6 as before.
    const mixed = Buffer.from(random);
    Buffer.from('log line INFO ok 200\n'.repeat(5000)).copy(mixed, 300_000);
    const m = await d.deflate(mixed, dict, true, out);
    assert.equal(m.stored, false);
    assert.ok(inflateRawSync(out.subarray(0, m.bytes)).equals(mixed));
    assert.ok(m.bytes < mixed.length - 90_000, 'the text is compressed');
    // Compressible data, and the levels that do not search for matches, are never probed.
    assert.equal((await d.deflate(sample(1 << 20), undefined, true, Buffer.alloc(outputBound(1 << 20)))).stored, false);
    for (const [level, strategy] of [[1, constants.Z_DEFAULT_STRATEGY], [0, constants.Z_DEFAULT_STRATEGY], [6, constants.Z_HUFFMAN_ONLY]] as const) {
      assert.equal((await native().create(level, strategy).deflate(random, undefined, true, out)).stored, false, `level ${level} strategy ${strategy}`);
    }
  });

  test('a deflater compresses one block at a time', async () => {
    const d = native().create(6, constants.Z_DEFAULT_STRATEGY);
    const input = sample(200_000);
    const a = d.deflate(input, undefined, true, Buffer.alloc(outputBound(input.length)));
    await assert.rejects(async () => d.deflate(input, undefined, true, Buffer.alloc(outputBound(input.length))), /busy/);
    assert.ok((await a).bytes > 0);
  });
});

describe('D37: the default level compresses with ISA-L igzip level 3; explicit levels are zlib\'s', () => {
  test('Go\'s levels map to a compressor; anything else is refused as Go\'s gzip.NewWriterLevel would', () => {
    assert.deepEqual(compressorFor(-1), { level: 6, strategy: constants.Z_DEFAULT_STRATEGY, isalLevel: 3 });
    for (const level of [0, 1, 6, 9]) assert.deepEqual(compressorFor(level), { level, strategy: constants.Z_DEFAULT_STRATEGY });
    assert.deepEqual(compressorFor(-2), { level: 6, strategy: constants.Z_HUFFMAN_ONLY });
    for (const bad of [-3, 10, 1.5]) assert.throws(() => compressorFor(bad), /gzip: invalid compression level/);
  });

  test('ARGOEXEC_DEFAULT_GZIP: unset or fast keeps the default level (ISA-L), zlib makes it level 6; anything else is refused', () => {
    for (const v of [undefined, '', 'fast']) assert.equal(defaultGzipLevel(v), -1);
    assert.equal(defaultGzipLevel('zlib'), 6);
    for (const bad of ['Zlib', '6', 'isal']) assert.throws(() => defaultGzipLevel(bad), new RegExp(`ARGOEXEC_DEFAULT_GZIP="${bad}": expected "fast" \\(the default\\) or "zlib"`));
  });

  test('ParallelGzip asks its factory for ISA-L at the default level only', () => {
    const asked: unknown[][] = [];
    const recording: DeflaterFactory = { kind: 'zlib', create: (...args) => (asked.push(args), zlibDeflaters.create(args[0], args[1])) };
    new ParallelGzip(bufferFiller(Buffer.alloc(0)), -1, { concurrency: 1, deflaters: recording });
    new ParallelGzip(bufferFiller(Buffer.alloc(0)), 6, { concurrency: 1, deflaters: recording });
    assert.deepEqual(asked, [[6, constants.Z_DEFAULT_STRATEGY, 3], [6, constants.Z_DEFAULT_STRATEGY, undefined]]);
  });

  test('Go\'s compress/gzip inflates the default output to the input (text, random, mixed, block-boundary sizes)', async () => {
    const K64 = 64 * 1024;
    const inputs = [Buffer.alloc(0), Buffer.from('x'), sample(K64 - 1), sample(3 * K64 + 7), randomBytes(2 * K64 + 99),
      Buffer.concat([sample(100_000), randomBytes(150_000), sample(90_000)]), Buffer.from('INFO ok 200\n'.repeat(40_000))];
    const outs: string[] = [];
    for (const data of inputs) {
      const out = await drain(new ParallelGzip(bufferFiller(data, 9_999), -1, { chunkBytes: K64, concurrency: 3, deflaters: native() }), 5000);
      assert.deepEqual(gunzipSync(out), data, `Node inflates ${data.length} bytes`);
      outs.push(out.toString('base64'));
    }
    const answers = askGo('gunzip', outs);
    answers.forEach((a, i) => {
      const data = inputs[i] as Buffer;
      assert.deepEqual(a, { ok: `${createHash('sha256').update(data).digest('hex')}:${data.length}` }, `Go inflates ${data.length} bytes`);
    });
  });

  test('ISA-L and zlib blocks concatenate into one deflate stream; a bad ISA-L level is refused', async () => {
    const f = native();
    const isal = f.create(6, constants.Z_DEFAULT_STRATEGY, 3);
    const zlib = f.create(6, constants.Z_DEFAULT_STRATEGY);
    const a = sample(200_000);
    const b = sample(150_000);
    const c = randomBytes(70_000);
    const parts: Buffer[] = [];
    for (const [d, block, dict, last] of [[isal, a, undefined, false], [zlib, b, a.subarray(-32768), false], [isal, c, b.subarray(-32768), true]] as const) {
      const out = Buffer.alloc(outputBound(block.length));
      const r = await d.deflate(block, dict, last, out);
      assert.equal(r.crc, crc32(block), 'the CRC-32 of the block');
      parts.push(out.subarray(0, r.bytes));
    }
    assert.deepEqual(inflateRawSync(Buffer.concat(parts)), Buffer.concat([a, b, c]));
    assert.ok((parts[0] as Buffer).length < a.length / 2, 'ISA-L compresses the text between the random islands');
    for (const bad of [0, 4, -2]) assert.throws(() => f.create(6, constants.Z_DEFAULT_STRATEGY, bad), /ISA-L level must be 1\.\.3/);
  });

  test('D36 holds for ISA-L: a block that would not shrink is stored', async () => {
    const d = native().create(6, constants.Z_DEFAULT_STRATEGY, 3);
    const random = randomBytes(1 << 20);
    const out = Buffer.alloc(outputBound(random.length));
    const r = await d.deflate(random, randomBytes(32 * 1024), true, out);
    assert.equal(r.stored, true);
    assert.ok(inflateRawSync(out.subarray(0, r.bytes)).equals(random));
  });
});
