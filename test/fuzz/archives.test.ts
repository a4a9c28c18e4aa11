/**
 * Property-based fuzzing of the tar and zip extractors (issue 13, hostile-input part), with fast-check: random
 * archives built from hostile pieces (`..`, absolute names, symlinks and hard links in chains, devices, FIFOs,
 * duplicate names), and random byte mutations/truncations of valid archives. Through the real entry point
 * (`unpack`: extraction into `<dest>.tmpdir`, single-top-level rename, cleanup on failure), for every input:
 *  - it succeeds or fails with an Error whose text is one of ours or Go's (never a TypeError, a bare stream error…);
 *  - nothing exists outside the artifact afterwards (the whole temporary parent is listed);
 *  - every symlink in the artifact resolves inside it.
 * Light by design (FUZZ_RUNS, default 120 per property): the machine is shared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { unpack, untar, unzip } from '../../src/core/archive/index.ts';
import { block, listTree, patchBytes, tar, tarFile, tarHeader, zipBytes } from '../support/hostile.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);

/** Texts of errors an extraction may end with: ours (docs/artifacts.md) and Go's (archive/tar, gzip, zip, os). */
const CLEAR = [
  /^illegal (file path|symlink target|hard link|hard link target)[: ]/,
  /^failed to untar \S+: (unexpected EOF|archive\/tar: (invalid tar header|header field too long)|gzip: invalid data \(.+\))$/,
  /^refusing to extract device file: /,
  /^cannot extract .+: a directory of that name exists$/,
  /^(symlink|link) .+ .+: [a-z ]+$/,
  /^(open|mkdir|lstat|rename|rmdir|readlink) .+: [a-z ]+$/,
  /^zip: checksum error \(entry .+\)$/,
  /^zip: invalid data in entry .+ \(.+\)$/,
  // yauzl's texts for malformed zips (node_modules/yauzl/index.js), as they are.
  /^(End of central directory record signature not found|Invalid comment length|invalid (central directory file header|local file header) signature|invalid zip64 end of central directory|extra field length exceeds|file data overflows file bounds|multi-disk zip files are not supported|unexpected EOF|unsupported compression method|strong encryption is not supported|entry is encrypted|zip file too large|zip64 extended information extra field does not include|too many bytes in the stream|not enough bytes in the stream|compressed\/uncompressed size mismatch for stored file)/,
];

function checkError(err: unknown): void {
  assert.ok(err instanceof Error, `not an Error: ${String(err)}`);
  assert.ok(!(err instanceof TypeError) && !(err instanceof RangeError) && !(err instanceof SyntaxError), `a crash: ${err.stack}`);
  assert.ok(!/undefined|NaN|\[object /.test(err.message), `unclear: ${err.message}`);
  assert.ok(CLEAR.some((re) => re.test(err.message)), `not one of the known clear texts: ${err.message}`);
}

/** After extraction into <outer>/base/art: nothing else exists in <outer>, and every symlink in art stays in art. */
function checkContainment(outer: string, archiveName: string): void {
  const all = listTree(outer);
  const outside = all.filter((p) => !(p === 'base/art' || p === 'base/art/' || p.startsWith('base/art/') || p.startsWith('base/art -> ')));
  assert.deepEqual(outside, ['base/', `base/${archiveName}`], 'nothing outside the artifact');
  const art = join(outer, 'base/art');
  if (!existsSync(art) && !all.some((p) => p.startsWith('base/art -> '))) return;
  const realArt = all.some((p) => p.startsWith('base/art -> ')) ? join(outer, 'base/art') : realpathSync(art);
  const links = all.filter((p) => p.includes(' -> ')).map((p) => p.slice(0, p.indexOf(' -> ')));
  for (const rel of links) {
    const p = join(outer, rel);
    const text = readlinkSync(p);
    assert.ok(!isAbsolute(text), `absolute symlink ${rel} -> ${text}`);
    let resolved: string;
    try { resolved = realpathSync(p); } catch { resolved = resolve(dirname(p), text); } // dangling: lexical
    const r = relative(realArt, resolved);
    assert.ok(r === '' || (!r.startsWith('..') && !isAbsolute(r)), `${rel} -> ${text} resolves to ${resolved}, outside ${realArt}`);
  }
}

async function extractChecked(bytes: Buffer, kind: 'tgz' | 'zip'): Promise<void> {
  const outer = mkdtempSync(join(tmpdir(), 'fuzz-x-'));
  try {
    const base = join(outer, 'base');
    mkdirSync(base);
    const name = kind === 'zip' ? 'in.zip' : 'in.tgz';
    const src = join(base, name);
    writeFileSync(src, bytes);
    try {
      await unpack(join(base, 'art'), (dir) => (kind === 'zip' ? unzip(src, dir) : untar(src, dir)));
    } catch (err) {
      checkError(err);
    }
    checkContainment(outer, name);
  } finally {
    rmSync(outer, { recursive: true, force: true });
  }
}

const segment = fc.constantFrom('a', 'b', 'd', 'l', '..', '.', '', 'x y', 'ü', 'a\\b');
const path = fc.tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([abs, parts, slash]) => `${abs ? '/' : ''}${parts.join('/')}${slash ? '/' : ''}`)
  .filter((p) => Buffer.byteLength(p) < 100);
const entry = fc.record({
  name: path,
  type: fc.constantFrom('0', '0', '0', '5', '2', '2', '1', '6', '3', '7'),
  linkname: path,
  data: fc.string({ maxLength: 20 }),
  mode: fc.constantFrom(0o644, 0o755, 0o4755, 0o000, 0o777),
});

function tarOf(entries: { name: string; type: string; linkname: string; data: string; mode: number }[]): Buffer {
  return tar(...entries.map((e) => (e.type === '0' || e.type === '7'
    ? Buffer.concat([tarHeader({ name: e.name, type: e.type, size: Buffer.byteLength(e.data), mode: e.mode }), block(e.data)])
    : tarHeader({ name: e.name, type: e.type, linkname: e.linkname, mode: e.mode }))));
}

test('random hostile tar.gz: clear outcome, nothing outside the artifact, symlinks inside', async () => {
  await fc.assert(fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 6 }), async (entries) => {
    await extractChecked(gzipSync(tarOf(entries)), 'tgz');
  }), { seed: SEED, numRuns: RUNS });
});

test('mutated and truncated tar.gz (bytes of the tar, then of the gzip): clear outcome, contained', async () => {
  const base = tar(tarFile('d/f', 'hello'), tarHeader({ name: 'd/l', type: '2', linkname: 'f' }), tarHeader({ name: 'd/h', type: '1', linkname: 'd/f' }), tarFile('d/g', 'x'.repeat(700)));
  const mutation = fc.record({
    layer: fc.constantFrom('tar', 'gzip'),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  });
  await fc.assert(fc.asyncProperty(mutation, async ({ layer, edits, cut }) => {
    let bytes = layer === 'tar' ? Buffer.from(base) : gzipSync(base);
    for (const [pos, val] of edits) bytes[pos % bytes.length] = val;
    if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
    await extractChecked(layer === 'tar' ? gzipSync(bytes) : bytes, 'tgz');
  }), { seed: SEED, numRuns: RUNS });
});

test('random hostile zips (names patched past yazl) and mutated zips: clear outcome, contained', async () => {
  const zipEntry = fc.record({ name: path, data: fc.string({ maxLength: 30 }), compress: fc.boolean(), mode: fc.constantFrom(0o100644, 0o120777, 0o100755, 0o40755) });
  const input = fc.record({
    entries: fc.array(zipEntry, { minLength: 1, maxLength: 4 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  });
  await fc.assert(fc.asyncProperty(input, async ({ entries, edits, cut }) => {
    // yazl refuses hostile names: write placeholders of the same byte length, then patch the real names in.
    const placeholders = entries.map((e, i) => `${String.fromCharCode(65 + i)}${'q'.repeat(Math.max(0, Buffer.byteLength(e.name) - 1))}`);
    let bytes = await zipBytes(entries.map((e, i) => ({ name: placeholders[i] as string, data: e.data, compress: e.compress, mode: e.mode, dir: e.mode === 0o40755 })));
    entries.forEach((e, i) => { if (Buffer.byteLength(e.name) > 0) bytes = patchBytes(bytes, placeholders[i] as string, e.name); });
    for (const [pos, val] of edits) bytes[pos % bytes.length] = val;
    if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
    await extractChecked(bytes, 'zip');
  }), { seed: SEED, numRuns: RUNS });
});
