/**
 * Hostile archives that attack memory (issue 13, hostile-input part): a gzip bomb, a tar header claiming a huge size,
 * a PAX header claiming 1 GiB, a zip bomb. The extractor must stream them (or refuse them) — the process's peak RSS
 * (getrusage maxrss) may grow by at most BOUND while hundreds of MiB go through. The inputs are produced by
 * streaming zeros through a compressor in 1 MiB chunks so that building them does not raise the peak itself.
 * Its own file: node --test runs each file in a fresh process, so the peak is this file's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import yazl from 'yazl';
import { untar, unzip } from '../../src/core/archive/index.ts';
import { END, listTree, tarFile, tarHeader } from '../support/hostile.ts';

const MiB = 1 << 20;
const BOUND_KIB = 64 * 1024;

function* zeros(total: number): Generator<Buffer> {
  const chunk = Buffer.alloc(MiB);
  for (let left = total; left > 0; left -= MiB) yield left >= MiB ? chunk : chunk.subarray(0, left);
}

async function gzipTo(path: string, parts: Iterable<Buffer>): Promise<void> {
  await pipeline(Readable.from(parts), createGzip({ level: 1 }), createWriteStream(path));
}

const peakKiB = (): number => process.resourceUsage().maxRSS;

async function measured<T>(fn: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; growthKiB: number }> {
  const before = peakKiB();
  const [result] = await Promise.allSettled([fn()]);
  return { result: result as PromiseSettledResult<T>, growthKiB: peakKiB() - before };
}

function dirs(t: { after: (fn: () => void) => void }): { base: string; target: string } {
  const base = mkdtempSync(join(tmpdir(), 'bomb-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  mkdirSync(join(base, 'target'));
  return { base, target: join(base, 'target') };
}

test('gzip bomb: 256 MiB of zeros after the end marker stream through; only the real entry lands', async (t) => {
  const { base, target } = dirs(t);
  const src = join(base, 'bomb.tgz');
  await gzipTo(src, (function* () { yield tarFile('a', 'real'); yield END; yield* zeros(256 * MiB); })());
  assert.ok(statSync(src).size < 2 * MiB, 'the bomb is small on disk');
  const { result, growthKiB } = await measured(() => untar(src, target));
  assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
  assert.deepEqual(listTree(target), ['a']);
  t.diagnostic(`peak RSS +${growthKiB} KiB`);
  assert.ok(growthKiB < BOUND_KIB, `peak RSS grew by ${growthKiB} KiB`);
});

test('tar header claiming 8 GiB, 128 MiB of data, then EOF: streamed to disk, then "unexpected EOF"', async (t) => {
  const { base, target } = dirs(t);
  const src = join(base, 'huge.tgz');
  await gzipTo(src, (function* () { yield tarHeader({ name: 'big', size: 0o77777777777 }); yield* zeros(128 * MiB); })());
  const { result, growthKiB } = await measured(() => untar(src, target));
  assert.equal(result.status, 'rejected');
  assert.equal(((result as PromiseRejectedResult).reason as Error).message, `failed to untar ${src}: unexpected EOF`);
  t.diagnostic(`peak RSS +${growthKiB} KiB`);
  assert.ok(growthKiB < BOUND_KIB, `peak RSS grew by ${growthKiB} KiB`);
  assert.deepEqual(readdirSync(base).sort(), ['huge.tgz', 'target']);
});

test('PAX header claiming 1 GiB followed by 64 MiB: refused before buffering', async (t) => {
  const { base, target } = dirs(t);
  const src = join(base, 'pax.tgz');
  await gzipTo(src, (function* () { yield tarHeader({ name: 'PaxHeaders.0/x', type: 'x', size: 1 << 30 }); yield* zeros(64 * MiB); })());
  const { result, growthKiB } = await measured(() => untar(src, target));
  assert.equal(result.status, 'rejected');
  assert.equal(((result as PromiseRejectedResult).reason as Error).message, `failed to untar ${src}: archive/tar: header field too long`);
  t.diagnostic(`peak RSS +${growthKiB} KiB`);
  assert.ok(growthKiB < BOUND_KIB, `peak RSS grew by ${growthKiB} KiB`);
  assert.deepEqual(listTree(target), []);
});

test('zip bomb (honest sizes): 256 MiB entry from a ~256 KiB zip is streamed to disk', async (t) => {
  const { base, target } = dirs(t);
  const src = join(base, 'bomb.zip');
  const z = new yazl.ZipFile();
  z.addReadStream(Readable.from(zeros(256 * MiB)), 'zeros.bin', { compress: true });
  z.end();
  await pipeline(z.outputStream, createWriteStream(src));
  assert.ok(statSync(src).size < 2 * MiB);
  const { result, growthKiB } = await measured(() => unzip(src, target));
  assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
  assert.equal(statSync(join(target, 'zeros.bin')).size, 256 * MiB);
  t.diagnostic(`peak RSS +${growthKiB} KiB`);
  assert.ok(growthKiB < BOUND_KIB, `peak RSS grew by ${growthKiB} KiB`);
});
