/**
 * Archive toolkit: parallel gzip readable by gzip/tar, tar.gz/zip writers, Go placement rules on extraction, and
 * hostile archives (nothing may be written outside the target).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import yazl from 'yazl';
import { gzipFile, isTarball, tarGzPath, unarchiveArtifact, untar, unzip, unpackTo, writeTarTree, zipPath } from '../../src/core/archive/index.ts';
import { makeTar, tmp, type TarEntry as E } from './helpers.ts';

async function toFile(path: string, fn: (out: NodeJS.WritableStream & import('node:stream').Writable) => Promise<unknown>): Promise<void> {
  await fn(createWriteStream(path));
}

const tgz = async (entries: E[]): Promise<Buffer> => gzipSync(await makeTar(entries));

function sh(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('parallel gzip', () => {
  test('multi-block output is one valid gzip member: gzip -t, zcat and tar tzf read it; levels differ', async () => {
    const d = tmp();
    const src = join(d, 'in.bin');
    // 5 MiB: compressible text with random islands, cut into 64 KiB blocks → 80 deflate blocks compressed concurrently.
    const parts: Buffer[] = [];
    for (let i = 0; i < 80; i++) parts.push(Buffer.from(`line ${i} `.repeat(6000)).subarray(0, 60_000), randomBytes(5536));
    writeFileSync(src, Buffer.concat(parts));
    await toFile(join(d, 'l6.gz'), (o) => gzipFile(src, o, -1, { chunkBytes: 64 * 1024, concurrency: 4 }));
    await toFile(join(d, 'l0.gz'), (o) => gzipFile(src, o, 0, { chunkBytes: 64 * 1024 }));
    await toFile(join(d, 'l9.gz'), (o) => gzipFile(src, o, 9));
    for (const f of ['l6.gz', 'l0.gz', 'l9.gz']) {
      sh('gzip', ['-t', join(d, f)]);
      assert.deepEqual(gunzipSync(readFileSync(join(d, f))), readFileSync(src), f);
    }
    assert.ok(statSync(join(d, 'l0.gz')).size > statSync(src).size, 'level 0 stores');
    assert.ok(statSync(join(d, 'l6.gz')).size < statSync(src).size * 0.5, 'level 6 compresses');
    // One member: header bytes like Go (no name, mtime 0, OS 255), and `gzip -l` sees the full size.
    const gz = readFileSync(join(d, 'l6.gz'));
    assert.deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    assert.equal(gz.readUInt32LE(gz.length - 4), statSync(src).size);
    // The emissary's tar → .tgz path; tar reads it.
    mkdirSync(join(d, 'tree/sub'), { recursive: true });
    writeFileSync(join(d, 'tree/sub/x.txt'), 'x');
    await toFile(join(d, 'tree.tar'), (o) => writeTarTree(join(d, 'tree'), o));
    await toFile(join(d, 'tree.tgz'), (o) => gzipFile(join(d, 'tree.tar'), o));
    assert.deepEqual(sh('tar', ['tzf', join(d, 'tree.tgz')]).trim().split('\n'), ['tree', 'tree/sub', 'tree/sub/x.txt']);
  });

  test('empty input gives a valid empty gzip', async () => {
    const d = tmp();
    writeFileSync(join(d, 'e'), '');
    await toFile(join(d, 'e.gz'), (o) => gzipFile(join(d, 'e'), o));
    sh('gzip', ['-t', join(d, 'e.gz')]);
    assert.equal(gunzipSync(readFileSync(join(d, 'e.gz'))).length, 0);
  });

  test('the output fails mid-way (ENOSPC on a full /tmp): tarGzPath rejects with that error, never waits forever', async () => {
    // Found by the faults suite: the tar writer, still pushing into the gzip's input, waited for a pull that the
    // failed output would never make; the wait role then ended with exit 0 and no report.
    const d = tmp();
    mkdirSync(join(d, 'out'));
    for (let i = 0; i < 4; i++) writeFileSync(join(d, `out/f${i}.bin`), randomBytes(1 << 20));
    for (const level of [-1, 1]) {
      let taken = 0;
      const full = new Writable({
        write(chunk: Buffer, _enc, cb) {
          taken += chunk.length;
          if (taken > 1 << 20) cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
          else cb();
        },
      });
      full.on('error', () => undefined);
      const outcome = await Promise.race([
        tarGzPath(join(d, 'out'), full, level, { chunkBytes: 256 * 1024, concurrency: 2 }).then(() => 'resolved', (err: Error) => err.message),
        new Promise<string>((res) => setTimeout(() => res('still waiting after 10 s'), 10_000).unref()),
      ]);
      assert.equal(outcome, 'ENOSPC: no space left on device, write', `level ${level}`);
    }
  });

  test('invalid level is refused', async () => {
    const d = tmp();
    writeFileSync(join(d, 'e'), 'x');
    await assert.rejects(gzipFile(join(d, 'e'), createWriteStream(join(d, 'o')), 11), /invalid compression level/);
  });
});

describe('tar.gz / zip writers and extraction placement', () => {
  test('tarGzPath → unpackTo round trip keeps modes, mtimes, symlinks; single top dir becomes the target', async () => {
    const d = tmp();
    const src = join(d, 'out');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.sh'), '#!/bin/sh\n');
    chmodSync(join(src, 'a.sh'), 0o750);
    writeFileSync(join(src, 'sub/b.txt'), 'b');
    chmodSync(join(src, 'sub/b.txt'), 0o604);
    utimesSync(join(src, 'sub/b.txt'), new Date(1_600_000_000_000), new Date(1_600_000_000_000));
    symlinkSync('../a.sh', join(src, 'sub/link'));
    await toFile(join(d, 'out.tgz'), (o) => tarGzPath(src, o, 1));
    assert.equal(await isTarball(join(d, 'out.tgz')), true);
    await unpackTo(join(d, 'out.tgz'), join(d, 'dest'));
    assert.deepEqual(readdirSync(join(d, 'dest')).sort(), ['a.sh', 'sub']);
    assert.equal(statSync(join(d, 'dest/a.sh')).mode & 0o777, 0o750);
    assert.equal(statSync(join(d, 'dest/sub/b.txt')).mode & 0o777, 0o604);
    assert.equal(statSync(join(d, 'dest/sub/b.txt')).mtimeMs, 1_600_000_000_000);
    assert.equal(readlinkSync(join(d, 'dest/sub/link')), '../a.sh');
    assert.equal(existsSync(join(d, 'dest.tmpdir')), false);
  });

  test('isTarball: gzip tar yes; plain tar, gzip of text, zip, gzip of empty tar, directory: no', async () => {
    const d = tmp();
    writeFileSync(join(d, 'ok.tgz'), await tgz([{ name: 'f', body: 'x' }]));
    writeFileSync(join(d, 'plain.tar'), await makeTar([{ name: 'f', body: 'x' }]));
    writeFileSync(join(d, 'text.gz'), gzipSync('just some text that is long enough '.repeat(40)));
    writeFileSync(join(d, 'empty.tgz'), gzipSync(await makeTar([])));
    await toFile(join(d, 'z.zip'), (o) => zipPath(join(d, 'plain.tar'), o));
    assert.equal(await isTarball(join(d, 'ok.tgz')), true);
    for (const f of ['plain.tar', 'text.gz', 'empty.tgz', 'z.zip']) assert.equal(await isTarball(join(d, f)), false, f);
    mkdirSync(join(d, 'dir'));
    assert.equal(await isTarball(join(d, 'dir')), false);
  });

  test('unarchiveArtifact: auto single file → file; several entries → dir; none → verbatim; tar on non-gzip fails', async () => {
    const d = tmp();
    writeFileSync(join(d, 'a.tmp'), await tgz([{ name: 'only.txt', body: 'one' }]));
    await unarchiveArtifact(undefined, join(d, 'a.tmp'), join(d, 'a'));
    assert.equal(readFileSync(join(d, 'a'), 'utf8'), 'one');
    assert.equal(existsSync(join(d, 'a.tmp')), false);

    writeFileSync(join(d, 'b.tmp'), await tgz([{ name: 'x', body: '1' }, { name: 'y', body: '2' }]));
    await unarchiveArtifact({}, join(d, 'b.tmp'), join(d, 'b'));
    assert.deepEqual(readdirSync(join(d, 'b')).sort(), ['x', 'y']);
    assert.equal(statSync(join(d, 'b')).mode & 0o777, 0o777);

    const tgzBytes = await tgz([{ name: 'x', body: '1' }]);
    writeFileSync(join(d, 'c.tmp'), tgzBytes);
    await unarchiveArtifact({ none: {} }, join(d, 'c.tmp'), join(d, 'c'));
    assert.deepEqual(readFileSync(join(d, 'c')), tgzBytes);

    writeFileSync(join(d, 'd.tmp'), await makeTar([{ name: 'x', body: '1' }]));
    await assert.rejects(unarchiveArtifact({ tar: {} }, join(d, 'd.tmp'), join(d, 'd')));
    assert.equal(existsSync(join(d, 'd')), false);
    assert.equal(existsSync(join(d, 'd.tmpdir')), false);

    // A plain tar without `archive` is placed verbatim (not a tarball for Go's auto-detection).
    writeFileSync(join(d, 'e.tmp'), await makeTar([{ name: 'x', body: '1' }]));
    await unarchiveArtifact(undefined, join(d, 'e.tmp'), join(d, 'e'));
    assert.ok(statSync(join(d, 'e')).isFile());
  });

  test('zip: writer layout <base>/<rel>, files only; unzip with the single-entry rule', async () => {
    const d = tmp();
    mkdirSync(join(d, 'out/sub/empty'), { recursive: true });
    writeFileSync(join(d, 'out/a.txt'), 'a');
    writeFileSync(join(d, 'out/sub/b.txt'), 'b');
    await toFile(join(d, 'out.zip'), (o) => zipPath(join(d, 'out'), o));
    assert.deepEqual(sh('unzip', ['-Z1', join(d, 'out.zip')]).trim().split('\n'), ['out/a.txt', 'out/sub/b.txt']);
    await unarchiveArtifact({ zip: {} }, join(d, 'out.zip'), join(d, 'back'));
    assert.equal(readFileSync(join(d, 'back/sub/b.txt'), 'utf8'), 'b');
    assert.equal(statSync(join(d, 'back/a.txt')).mode & 0o777, 0o666);
  });

  test('a `./` root entry (tar -C dir -czf x.tgz .) is accepted', async () => {
    const d = tmp();
    mkdirSync(join(d, 'src'));
    writeFileSync(join(d, 'src/f'), 'f');
    writeFileSync(join(d, 'src/g'), 'g');
    sh('tar', ['-C', join(d, 'src'), '-czf', join(d, 'x.tgz'), '.']);
    await unpackTo(join(d, 'x.tgz'), join(d, 'dest'));
    assert.deepEqual(readdirSync(join(d, 'dest')).sort(), ['f', 'g']);
  });
});

describe('hostile archives', () => {
  // Each case extracts into <base>/target; nothing may appear in <base> besides target (and the archive).
  const cases: [string, E[], RegExp][] = [
    ['../ traversal', [{ name: '../evil', body: 'x' }], /illegal file path: \.\.\/evil/],
    ['nested traversal', [{ name: 'a/../../evil', body: 'x' }], /illegal file path: a\/\.\.\/\.\.\/evil/],
    ['absolute path', [{ name: '/tmp/evil-abs', body: 'x' }], /illegal file path: \/tmp\/evil-abs/],
    ['absolute symlink', [{ name: 'l', type: 'symlink', linkname: '/etc' }], /illegal symlink target: l -> \/etc/],
    ['escaping symlink', [{ name: 'd/l', type: 'symlink', linkname: '../../..' }], /illegal symlink target: d\/l -> \.\.\/\.\.\/\.\./],
    ['write through a symlink to a dir outside (link refused first)', [{ name: 'l', type: 'symlink', linkname: '..' }, { name: 'l/evil', body: 'x' }], /illegal symlink target: l -> \.\./],
    ['chain: link valid when created, escapes after a later link', [{ name: 'sub/l', type: 'symlink', linkname: 'd/../../evil' }, { name: 'sub/d', type: 'symlink', linkname: '.' }], /illegal symlink target/],
    ['hard link outside', [{ name: 'h', type: 'link', linkname: '../../etc/passwd' }], /illegal hard link target: \.\.\/\.\.\/etc\/passwd/],
    ['hard link to absolute', [{ name: 'h', type: 'link', linkname: '/etc/passwd' }], /illegal hard link target/],
    ['character device', [{ name: 'null', type: 'character-device' }], /refusing to extract device file: null/],
    ['block device', [{ name: 'sda', type: 'block-device' }], /refusing to extract device file: sda/],
  ];
  for (const [label, entries, err] of cases) {
    test(label, async () => {
      const base = tmp('hostile-');
      writeFileSync(join(base, 'x.tgz'), await tgz(entries));
      mkdirSync(join(base, 'target'));
      await assert.rejects(untar(join(base, 'x.tgz'), join(base, 'target')), err);
      assert.deepEqual(readdirSync(base).sort(), ['target', 'x.tgz']);
      assert.equal(existsSync('/tmp/evil-abs'), false);
    });
  }

  test('a file entry cannot overwrite through a symlink planted inside the target', async () => {
    const base = tmp('hostile-');
    writeFileSync(join(base, 'outside.txt'), 'original');
    // `in/link -> ../../outside.txt` is refused; so plant a symlink whose final target is inside, then write over it.
    writeFileSync(join(base, 'x.tgz'), await tgz([{ name: 'f', body: 'inside' }, { name: 'l', type: 'symlink', linkname: 'f' }, { name: 'l', body: 'overwrite' }]));
    mkdirSync(join(base, 'target'));
    await assert.rejects(untar(join(base, 'x.tgz'), join(base, 'target')), /would write through a symlink/);
    assert.equal(readFileSync(join(base, 'target/f'), 'utf8'), 'inside');
  });

  test('a pre-existing symlink to outside in the target is not followed', async () => {
    const base = tmp('hostile-');
    mkdirSync(join(base, 'target'));
    mkdirSync(join(base, 'elsewhere'));
    symlinkSync(join(base, 'elsewhere'), join(base, 'target/dir'));
    writeFileSync(join(base, 'x.tgz'), await tgz([{ name: 'dir/evil', body: 'x' }]));
    await assert.rejects(untar(join(base, 'x.tgz'), join(base, 'target')), /illegal file path after symlink resolution: dir\/evil/);
    assert.deepEqual(readdirSync(join(base, 'elsewhere')), []);
  });

  test('hard links inside the archive are recreated; FIFOs skipped', async () => {
    const base = tmp('hl-');
    writeFileSync(join(base, 'x.tgz'), await tgz([{ name: 'a', body: 'data' }, { name: 'b', type: 'link', linkname: 'a' }, { name: 'p', type: 'fifo' }]));
    mkdirSync(join(base, 't'));
    await untar(join(base, 'x.tgz'), join(base, 't'));
    assert.equal(readFileSync(join(base, 't/b'), 'utf8'), 'data');
    assert.equal(lstatSync(join(base, 't/b')).ino, lstatSync(join(base, 't/a')).ino);
    assert.equal(existsSync(join(base, 't/p')), false);
  });

  // Zip slip: yazl refuses to write such names, so patch the names in place (same length).
  async function zipWithName(fake: string, real: string): Promise<Buffer> {
    const z = new yazl.ZipFile();
    z.addBuffer(Buffer.from('x'), fake);
    z.end();
    const chunks: Buffer[] = [];
    for await (const c of z.outputStream) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    const from = Buffer.from(fake);
    const to = Buffer.from(real);
    let i = buf.indexOf(from);
    while (i >= 0) { to.copy(buf, i); i = buf.indexOf(from, i + 1); }
    return buf;
  }
  for (const [label, fake, real] of [['zip slip ../', 'aa/evil.txt', '../evil.txt'], ['zip absolute', 'xtmp/evil.txt', '/tmp/evil.txt']] as const) {
    test(label, async () => {
      const base = tmp('zipslip-');
      writeFileSync(join(base, 'x.zip'), await zipWithName(fake, real));
      mkdirSync(join(base, 'target'));
      await assert.rejects(unzip(join(base, 'x.zip'), join(base, 'target')), /illegal file path in zip/);
      assert.deepEqual(readdirSync(base).sort(), ['target', 'x.zip']);
      assert.equal(existsSync('/tmp/evil.txt'), false);
    });
  }
});
