/**
 * The hand-over tar read as file ranges (src/core/archive/tar-scan.ts): for every tree it accepts, the ranges are
 * exactly what extracting the tar and walking the result gives (the files of the source directory: names and
 * bytes); for everything extraction treats specially (symlinks, hard links, FIFOs, a second top-level entry, a lone
 * file, damage) it declines, so the caller extracts as before.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, openSync, readFileSync, readSync, closeSync, readdirSync, lstatSync, symlinkSync, writeFileSync, linkSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { scanTarFileTree } from '../../src/core/archive/tar-scan.ts';
import { untar, writeTarTree } from '../../src/core/archive/index.ts';
import { makeTar, tmp } from './helpers.ts';

async function tarOf(src: string, dst: string): Promise<string> {
  const out = createWriteStream(dst);
  await writeTarTree(src, out);
  if (!out.closed) await once(out, 'close');
  return dst;
}

/** The regular files below `dir` (lstat: symlinks are not files), as rel → bytes. */
function walk(dir: string, rel = '', out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(join(dir, rel))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const st = lstatSync(join(dir, r));
    if (st.isDirectory()) walk(dir, r, out);
    else if (st.isFile()) out.set(r, readFileSync(join(dir, r)));
  }
  return out;
}

function rangeBytes(path: string, offset: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  const fd = openSync(path, 'r');
  try {
    let n = 0;
    while (n < size) {
      const k = readSync(fd, b, n, size - n, offset + n);
      if (k === 0) break;
      n += k;
    }
  } finally {
    closeSync(fd);
  }
  return b;
}

describe('hand-over tar as file ranges', () => {
  test('a plain tree: the ranges are the source files (names, bytes), as extraction + walk gives them', async () => {
    const base = tmp('scan-');
    const src = join(base, 'out');
    mkdirSync(join(src, 'a', 'deep', 'er'), { recursive: true });
    mkdirSync(join(src, 'empty-dir'));
    writeFileSync(join(src, 'top.txt'), 'top\n');
    writeFileSync(join(src, 'empty'), '');
    writeFileSync(join(src, 'a', 'x.json'), '{"x":1}');
    writeFileSync(join(src, 'a', 'deep', 'er', 'blob.bin'), Buffer.alloc(70_000, 0xab)); // several blocks, not 512-aligned
    // A long path (ustar prefix/name split) and one no USTAR field can hold (PAX path record); non-ASCII (PAX).
    const long = join(src, 'l'.repeat(90), 'm'.repeat(90));
    mkdirSync(long, { recursive: true });
    writeFileSync(join(long, 'n'.repeat(99)), 'long');
    writeFileSync(join(src, 'é-ü-名前.txt'), 'unicode');
    const tarPath = await tarOf(src, join(base, 'out.tar'));

    const tree = await scanTarFileTree(tarPath);
    assert.ok(tree, 'a plain tree is accepted');
    const expected = walk(src);
    const got = new Map(tree.files.map((f) => [f.rel, rangeBytes(f.path, f.offset, f.size)]));
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
    for (const [rel, bytes] of expected) assert.ok(bytes.equals(got.get(rel) as Buffer), `bytes of ${rel}`);
    assert.equal(tree.totalBytes, [...expected.values()].reduce((a, b) => a + b.length, 0));

    // The same set as our own extraction of that tar (the single top-level directory becomes the target).
    const x = join(base, 'x');
    mkdirSync(x);
    await untar(tarPath, x, { gzip: false });
    const extracted = walk(join(x, 'out'));
    assert.deepEqual([...extracted.keys()].sort(), [...got.keys()].sort());
  });

  test('GNU tar\'s own archive of a plain tree is read too (another writer, same answer)', async () => {
    const base = tmp('scan-gnu-');
    const src = join(base, 'd');
    mkdirSync(join(src, 's'), { recursive: true });
    writeFileSync(join(src, 's', 'f'), 'f\n');
    writeFileSync(join(src, 'g'), 'gg');
    const r = spawnSync('tar', ['--format=ustar', '-C', base, '-cf', join(base, 'd.tar'), 'd']);
    assert.equal(r.status, 0, String(r.stderr));
    const tree = await scanTarFileTree(join(base, 'd.tar'));
    assert.ok(tree);
    assert.deepEqual(tree.files.map((f) => [f.rel, rangeBytes(f.path, f.offset, f.size).toString()]).sort(), [['g', 'gg'], ['s/f', 'f\n']]);
  });

  test('declines what extraction treats specially: symlink, hard link, FIFO', async () => {
    for (const kind of ['symlink', 'hardlink', 'fifo'] as const) {
      const base = tmp(`scan-${kind}-`);
      const src = join(base, 'out');
      mkdirSync(src);
      writeFileSync(join(src, 'f'), 'x');
      if (kind === 'symlink') symlinkSync('f', join(src, 'link'));
      if (kind === 'fifo') assert.equal(spawnSync('mkfifo', [join(src, 'p')]).status, 0);
      let tarPath: string;
      if (kind === 'hardlink') {
        linkSync(join(src, 'f'), join(src, 'g'));
        tarPath = join(base, 'out.tar');
        assert.equal(spawnSync('tar', ['-C', base, '-cf', tarPath, 'out']).status, 0); // GNU tar stores the second name as a link
      } else {
        tarPath = await tarOf(src, join(base, 'out.tar'));
      }
      assert.equal(await scanTarFileTree(tarPath), undefined, kind);
    }
  });

  test('declines a lone file, two top-level entries, names that escape or repeat, a file below a file', async () => {
    const cases: [string, { name: string; type?: string; body?: string }[]][] = [
      ['lone file', [{ name: 'f', body: 'x' }]],
      ['second top-level entry', [{ name: 'd/', type: 'directory' }, { name: 'd/f', body: 'x' }, { name: 'e', body: 'y' }]],
      ['escapes', [{ name: 'd/', type: 'directory' }, { name: 'd/../../etc/x', body: 'x' }]],
      ['absolute', [{ name: 'd/', type: 'directory' }, { name: '/d/f', body: 'x' }]],
      ['repeats', [{ name: 'd/', type: 'directory' }, { name: 'd/f', body: 'x' }, { name: 'd/f', body: 'y' }]],
      ['file below a file', [{ name: 'd/', type: 'directory' }, { name: 'd/f', body: 'x' }, { name: 'd/f/g', body: 'y' }]],
      ['file then same dir', [{ name: 'd/', type: 'directory' }, { name: 'd/f', body: 'x' }, { name: 'd/f/', type: 'directory' }]],
    ];
    for (const [what, entries] of cases) {
      const p = join(tmp('scan-bad-'), 'x.tar');
      writeFileSync(p, await makeTar(entries));
      assert.equal(await scanTarFileTree(p), undefined, what);
    }
  });

  test('declines damage: a bad checksum, a truncated archive', async () => {
    const good = await makeTar([{ name: 'd/', type: 'directory' }, { name: 'd/f', body: 'hello' }]);
    const dir = tmp('scan-damage-');
    writeFileSync(join(dir, 'ok.tar'), good);
    assert.ok(await scanTarFileTree(join(dir, 'ok.tar')), 'the undamaged archive is accepted');
    const bad = Buffer.from(good);
    bad[512 + 10] = (bad[512 + 10] as number) ^ 0x01; // a name byte of the second header
    writeFileSync(join(dir, 'bad.tar'), bad);
    assert.equal(await scanTarFileTree(join(dir, 'bad.tar')), undefined, 'bad checksum');
    writeFileSync(join(dir, 'short.tar'), good.subarray(0, 1024 + 3));
    assert.equal(await scanTarFileTree(join(dir, 'short.tar')), undefined, 'truncated');
  });
});
