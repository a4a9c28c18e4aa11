/**
 * Hostile archives (issue 13, hostile-input part): one table, each case with its exact outcome — the error text
 * (Go's archive/tar, compress/gzip, archive/zip or os texts where Go defines one; our safer-extraction texts of
 * docs/artifacts.md "Extraction security" where we deliberately refuse what Go accepts) or the exact tree extracted.
 * Every case extracts into <outer>/base/target and then lists all of <outer>: nothing may appear outside target.
 * Cases already in test/artifacts/archive.test.ts (plain `..`, absolute names, escaping/absolute symlinks, hard
 * link to outside, devices, write through a planted symlink, zip slip `../` and absolute) are not repeated.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { unpack, untar, unzip } from '../../src/core/archive/index.ts';
import { nativeGunzip, type GunzipInto } from '../../src/core/archive/native-gunzip.ts';
import { block, listTree, paxHeader, patchBytes, patchZipFirstEntry, tar, tarFile, tarHeader, zipBytes } from '../support/hostile.ts';

type Outcome = { tree: string[] } | { error: string };
interface Case { label: string; kind: 'tgz' | 'tar' | 'zip'; bytes: () => Buffer | Promise<Buffer>; expect: Outcome; check?: (target: string) => void }

const file = (name: string, data = 'x'): Buffer => tarFile(name, data);
const hdr = tarHeader;
const gz = (b: Buffer): Buffer => gzipSync(b);

/** `{src}`: the archive path; `{t}`: the real path of the target directory. */
const cases: Case[] = [
  // --- tar reader: truncation, sizes, checksums, headers (Go archive/tar texts) ---
  { label: 'tar body shorter than its header size', kind: 'tgz', bytes: () => gz(Buffer.concat([hdr({ name: 'a', size: 1000 }), Buffer.alloc(100, 97)])), expect: { error: 'failed to untar {src}: unexpected EOF' } },
  { label: 'tar cut inside a header', kind: 'tgz', bytes: () => gz(hdr({ name: 'a', size: 1 }).subarray(0, 300)), expect: { error: 'failed to untar {src}: unexpected EOF' } },
  { label: 'header claiming 8 GiB (octal 77777777777) with 512 bytes of data', kind: 'tgz', bytes: () => gz(Buffer.concat([hdr({ name: 'a', size: 0o77777777777 }), Buffer.alloc(512, 97)])), expect: { error: 'failed to untar {src}: unexpected EOF' } },
  { label: 'base-256 size of 2^59 bytes', kind: 'tgz', bytes: () => gz(Buffer.concat([hdr({ name: 'a', sizeField: Buffer.from([0x80, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0]) }), Buffer.alloc(512, 97)])), expect: { error: 'failed to untar {src}: unexpected EOF' } },
  { label: 'negative base-256 size', kind: 'tgz', bytes: () => gz(Buffer.concat([hdr({ name: 'a', sizeField: Buffer.alloc(12, 0xff) }), Buffer.alloc(512, 97)])), expect: { error: 'failed to untar {src}: archive/tar: invalid tar header' } },
  { label: 'bad header checksum', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'a', size: 1, checksum: 1234 }), block('x'))), expect: { error: 'failed to untar {src}: archive/tar: invalid tar header' } },
  { label: 'bad checksum on a later header', kind: 'tgz', bytes: () => gz(tar(file('ok'), hdr({ name: 'b', size: 1, checksum: 7 }), block('x'))), expect: { error: 'failed to untar {src}: archive/tar: invalid tar header' } },
  { label: 'garbage instead of a tar (plain, emissary hand-over)', kind: 'tar', bytes: () => Buffer.alloc(1024, 0x41), expect: { error: 'failed to untar {src}: archive/tar: invalid tar header' } },
  { label: 'V7 header (no ustar magic) is read as Go reads it', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'v7', size: 2, magic: 'abcdef' }), block('v7'))), expect: { tree: ['v7'] }, check: (t) => assert.equal(readFileSync(join(t, 'v7'), 'utf8'), 'v7') },
  { label: 'PAX header claiming 1 GiB is refused before it is buffered', kind: 'tgz', bytes: () => gz(Buffer.concat([hdr({ name: 'p', type: 'x', size: 1 << 30 }), Buffer.alloc(512)])), expect: { error: 'failed to untar {src}: archive/tar: header field too long' } },
  { label: 'GNU long name claiming 1 GiB', kind: 'tgz', bytes: () => gz(Buffer.concat([hdr({ name: '././@LongLink', type: 'L', size: 1 << 30 }), Buffer.alloc(512)])), expect: { error: 'failed to untar {src}: archive/tar: header field too long' } },
  { label: 'PAX size record that is not a number', kind: 'tgz', bytes: () => gz(tar(paxHeader({ size: 'lots' }), file('a'))), expect: { error: 'failed to untar {src}: archive/tar: invalid tar header' } },
  { label: 'PAX size record that is negative', kind: 'tgz', bytes: () => gz(tar(paxHeader({ size: '-5' }), file('a'))), expect: { error: 'failed to untar {src}: archive/tar: invalid tar header' } },
  { label: 'empty gzip member of an empty tar (only the end marker)', kind: 'tgz', bytes: () => gz(Buffer.alloc(1024)), expect: { tree: [] } },
  // --- gzip layer ---
  { label: 'not gzip at all', kind: 'tgz', bytes: () => Buffer.from('just some text, not an archive'), expect: { error: 'failed to untar {src}: gzip: invalid data (incorrect header check)' } },
  { label: 'gzip with a wrong CRC-32 trailer', kind: 'tgz', bytes: () => { const b = gz(tar(file('a'))); b.writeUInt8(b.readUInt8(b.length - 8) ^ 0xff, b.length - 8); return b; }, expect: { error: 'failed to untar {src}: gzip: invalid data (incorrect data check)' } },
  { label: 'gzip cut in the middle of the deflate stream', kind: 'tgz', bytes: () => gz(tar(file('a', '7'.repeat(100_000)))).subarray(0, 150), expect: { error: 'failed to untar {src}: gzip: invalid data (unexpected end of file)' } },
  { label: 'gzip missing its 8-byte trailer', kind: 'tgz', bytes: () => { const b = gz(tar(file('a'))); return b.subarray(0, b.length - 8); }, expect: { error: 'failed to untar {src}: gzip: invalid data (unexpected end of file)' } },
  // --- names carried by PAX / GNU headers ---
  { label: 'PAX path with ../ traversal', kind: 'tgz', bytes: () => gz(tar(paxHeader({ path: '../../evil-pax' }), file('innocent'))), expect: { error: 'illegal file path: ../../evil-pax (escapes the extraction directory)' } },
  { label: 'PAX path that is absolute', kind: 'tgz', bytes: () => gz(tar(paxHeader({ path: '/tmp/evil-pax-abs' }), file('innocent'))), expect: { error: 'illegal file path: /tmp/evil-pax-abs (absolute path)' } },
  { label: 'GNU long name with ../ traversal', kind: 'tgz', bytes: () => gz(tar(hdr({ name: '././@LongLink', type: 'L', size: 13 }), block('../../evilgnu'), file('innocent'))), expect: { error: 'illegal file path: ../../evilgnu (escapes the extraction directory)' } },
  { label: 'PAX linkpath: symlink to an absolute path', kind: 'tgz', bytes: () => gz(tar(paxHeader({ linkpath: '/etc/shadow' }), hdr({ name: 'l', type: '2', linkname: 'harmless' }))), expect: { error: 'illegal symlink target: l -> /etc/shadow' } },
  { label: 'NUL byte inside a PAX path', kind: 'tgz', bytes: () => gz(tar(paxHeader({ path: 'a\0b' }), file('innocent'))), expect: { error: 'illegal file path: "a\\u0000b"' } },
  { label: 'directory entry with ../ traversal', kind: 'tgz', bytes: () => gz(tar(hdr({ name: '../d/', type: '5', mode: 0o755 }))), expect: { error: 'illegal file path: ../d/ (escapes the extraction directory)' } },
  { label: 'a file named "." (the root itself)', kind: 'tgz', bytes: () => gz(tar(file('.'))), expect: { error: 'illegal file path: .' } },
  { label: 'name with a 300-byte component (PAX) fails like Go os.OpenFile', kind: 'tgz', bytes: () => gz(tar(paxHeader({ path: 'y'.repeat(300) }), file('innocent'))), expect: { error: `open {t}/${'y'.repeat(300)}: file name too long` } },
  // --- symlinks ---
  { label: 'symlink with an empty target', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'l', type: '2', linkname: '' }))), expect: { error: 'illegal symlink target: l -> ' } },
  { label: 'symlink chain: a -> d, then b -> a/../..', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'd/', type: '5', mode: 0o755 }), hdr({ name: 'a', type: '2', linkname: 'd' }), hdr({ name: 'b', type: '2', linkname: 'a/../..' }))), expect: { error: 'illegal symlink target: b -> a/../..' } },
  { label: 'symlink to the extraction root itself (Go refuses it too)', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'l', type: '2', linkname: '.' }))), expect: { error: 'illegal symlink target: l -> .' } },
  { label: 'd/l -> .. in a single top-level dir (would point above the target once d becomes it)', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'd/', type: '5', mode: 0o755 }), hdr({ name: 'd/l', type: '2', linkname: '..' }))), expect: { error: 'illegal symlink target: d/l -> ..' } },
  { label: 'symlink to a sibling dir, then a file through it (stays inside: allowed)', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'd/', type: '5', mode: 0o755 }), hdr({ name: 'l', type: '2', linkname: 'd' }), file('l/f', 'in'))), expect: { tree: ['d/', 'd/f', 'l -> d'] }, check: (t) => assert.equal(readFileSync(join(t, 'd/f'), 'utf8'), 'in') },
  { label: 'symlink to a file, then a directory entry below it', kind: 'tgz', bytes: () => gz(tar(file('f'), hdr({ name: 'l', type: '2', linkname: 'f' }), hdr({ name: 'l/sub/', type: '5', mode: 0o755 }))), expect: { error: 'illegal file path: l/sub/ (l is not a directory)' } },
  { label: 'dangling symlink used as a parent directory', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'l', type: '2', linkname: 'missing' }), file('l/f'))), expect: { error: 'illegal file path after symlink resolution: l/f (dangling symlink missing)' } },
  { label: 'the same symlink twice (Go: symlink … file exists)', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'l', type: '2', linkname: 'x' }), hdr({ name: 'l', type: '2', linkname: 'y' }))), expect: { error: 'symlink y {t}/l: file exists' } },
  // --- hard links (Go drops them; we recreate those to earlier regular files only) ---
  { label: 'hard link to a directory', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'd/', type: '5', mode: 0o755 }), hdr({ name: 'h', type: '1', linkname: 'd' }))), expect: { error: 'illegal hard link: h -> d (target is not a regular file extracted earlier)' } },
  { label: 'hard link to a symlink', kind: 'tgz', bytes: () => gz(tar(file('f'), hdr({ name: 'l', type: '2', linkname: 'f' }), hdr({ name: 'h', type: '1', linkname: 'l' }))), expect: { error: 'illegal hard link: h -> l (target is not a regular file extracted earlier)' } },
  { label: 'hard link to itself', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'h', type: '1', linkname: 'h' }))), expect: { error: 'illegal hard link: h -> h (target is not a regular file extracted earlier)' } },
  { label: 'hard link through a symlinked directory to outside', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'd/', type: '5', mode: 0o755 }), hdr({ name: 'up', type: '2', linkname: 'd' }), hdr({ name: 'h', type: '1', linkname: 'up/../../x' }))), expect: { error: 'illegal hard link target: up/../../x (escapes the extraction directory) (entry h)' } },
  { label: 'hard link onto an existing name (Go: link … file exists)', kind: 'tgz', bytes: () => gz(tar(file('a'), file('b'), hdr({ name: 'b', type: '1', linkname: 'a' }))), expect: { error: 'link {t}/a {t}/b: file exists' } },
  // --- kinds colliding ---
  { label: 'file, then a directory of the same name', kind: 'tgz', bytes: () => gz(tar(file('a'), hdr({ name: 'a/', type: '5', mode: 0o755 }))), expect: { error: 'illegal file path: a/ (a is not a directory)' } },
  { label: 'directory, then a file of the same name', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'a/', type: '5', mode: 0o755 }), file('a'))), expect: { error: 'cannot extract a: a directory of that name exists' } },
  { label: 'FIFO, then a file below it', kind: 'tgz', bytes: () => gz(tar(hdr({ name: 'p', type: '6' }), file('p/x'))), expect: { tree: ['p/', 'p/x'] } },
  { label: 'setuid/setgid/sticky bits are not extracted', kind: 'tgz', bytes: () => gz(tar(tarFile('s', 'x', 0o7755))), expect: { tree: ['s'] }, check: (t) => assert.equal(statSync(join(t, 's')).mode & 0o7777, 0o755) },
  // --- zip ---
  { label: 'zip: not a zip', kind: 'zip', bytes: () => Buffer.from('PK\x03\x04 garbage'), expect: { error: 'End of central directory record signature not found. Either not a zip file, or file is truncated.' } },
  { label: 'zip: cut in half', kind: 'zip', bytes: async () => { const z = await zipBytes([{ name: 'a', data: 'x'.repeat(5000) }]); return z.subarray(0, z.length >> 1); }, expect: { error: 'End of central directory record signature not found. Either not a zip file, or file is truncated.' } },
  { label: 'zip: end record claiming entries that are not there', kind: 'zip', bytes: () => { const b = Buffer.alloc(22); b.writeUInt32LE(0x06054b50, 0); b.writeUInt16LE(5, 8); b.writeUInt16LE(5, 10); b.writeUInt32LE(1000, 12); return b; }, expect: { error: 'unexpected EOF' } },
  { label: 'zip: wrong CRC-32 on a stored entry (Go: zip: checksum error)', kind: 'zip', bytes: async () => patchZipFirstEntry(await zipBytes([{ name: 'a.txt', data: 'hello', compress: false }]), { crc32: 1234 }), expect: { error: 'zip: checksum error (entry a.txt)' } },
  { label: 'zip: inflates to more than its declared size (bomb)', kind: 'zip', bytes: async () => patchZipFirstEntry(await zipBytes([{ name: 'a.txt', data: Buffer.alloc(1 << 20) }]), { uncompressedSize: 1000 }), expect: { error: 'too many bytes in the stream. expected 1000. got at least 16384' } },
  { label: 'zip: declares more than it inflates to', kind: 'zip', bytes: async () => patchZipFirstEntry(await zipBytes([{ name: 'a.txt', data: 'short' }]), { uncompressedSize: 1 << 30 }), expect: { error: 'not enough bytes in the stream. expected 1073741824. got only 5' } },
  { label: 'zip: backslash traversal ..\\evil', kind: 'zip', bytes: async () => patchBytes(await zipBytes([{ name: 'xx/evil', data: 'x' }]), 'xx/evil', '..\\evil'), expect: { error: 'illegal file path in zip {src}: invalid relative path: ../evil' } },
  { label: 'zip: a/../../ traversal', kind: 'zip', bytes: async () => patchBytes(await zipBytes([{ name: 'a/bbbbbbbbb', data: 'x' }]), 'a/bbbbbbbbb', 'a/../../../'), expect: { error: 'illegal file path in zip {src}: invalid relative path: a/../../../' } },
  { label: 'zip: NUL byte in a name', kind: 'zip', bytes: async () => patchBytes(await zipBytes([{ name: 'abc', data: 'x' }]), 'abc', 'a\0c'), expect: { error: 'illegal file path: "a\\u0000c"' } },
  { label: 'zip: file, then a file below it', kind: 'zip', bytes: () => zipBytes([{ name: 'a', data: 'x' }, { name: 'a/b', data: 'y' }]), expect: { error: 'illegal file path: a/b (a is not a directory)' } },
  { label: 'zip: symlink entry to /etc/passwd is written as a regular file (as Go)', kind: 'zip', bytes: () => zipBytes([{ name: 'l', data: '/etc/passwd', mode: 0o120777 }]), expect: { tree: ['l'] }, check: (t) => { assert.ok(lstatSync(join(t, 'l')).isFile()); assert.equal(readFileSync(join(t, 'l'), 'utf8'), '/etc/passwd'); } },
];

/** The native ISA-L gunzip shipped with the executable (D35): the tar.gz cases run through it and through Node's zlib. */
const INFLATE_ADDON = join(import.meta.dirname, '../../dist/argoexec.d/inflate.node');
const gunzips: [string, () => GunzipInto | 'zlib'][] = [
  ['', () => 'zlib'],
  [' [native gunzip]', () => {
    const g = nativeGunzip(INFLATE_ADDON);
    assert.ok(g, `${INFLATE_ADDON} missing: run make build`);
    return g;
  }],
];

describe('hostile archives: exact outcome, nothing outside the target', () => {
  for (const c of cases) for (const [suffix, gunzip] of c.kind === 'tgz' ? gunzips : gunzips.slice(0, 1)) {
    test(c.label + suffix, async (t) => {
      const outer = mkdtempSync(join(tmpdir(), 'hostile-'));
      t.after(() => rmSync(outer, { recursive: true, force: true }));
      const base = join(outer, 'base');
      mkdirSync(join(base, 'target'), { recursive: true });
      const src = join(base, c.kind === 'zip' ? 'in.zip' : 'in.tgz');
      writeFileSync(src, await c.bytes());
      const target = join(base, 'target');
      const fill = (s: string): string => s.replaceAll('{src}', src).replaceAll('{t}', realpathSync(target));
      const run = c.kind === 'zip' ? unzip(src, target) : untar(src, target, { gzip: c.kind === 'tgz', gunzip: gunzip() });
      const expect = c.expect;
      if ('error' in expect) {
        await assert.rejects(run, (err: Error) => {
          assert.ok(err instanceof Error, 'an Error');
          assert.equal(err.message, fill(expect.error));
          return true;
        });
      } else {
        await run;
        assert.deepEqual(listTree(target), expect.tree);
        c.check?.(target);
      }
      // Containment: <outer> holds base/, the archive and whatever is inside target — nothing else.
      const outside = listTree(outer).filter((p) => !p.startsWith('base/target/') && p !== 'base/target/');
      assert.deepEqual(outside, ['base/', `base/${c.kind === 'zip' ? 'in.zip' : 'in.tgz'}`]);
    });
  }
});

describe('hostile archives: placement (unpack)', () => {
  test('an archive whose only entry is a symlink is refused: renamed to the artifact it would resolve beside it', async (t) => {
    const outer = mkdtempSync(join(tmpdir(), 'hostile-'));
    t.after(() => rmSync(outer, { recursive: true, force: true }));
    const src = join(outer, 'in.tgz');
    writeFileSync(src, gz(tar(hdr({ name: 'a', type: '2', linkname: 'b/secret' }))));
    await assert.rejects(unpack(join(outer, 'art'), (dir) => untar(src, dir)), (err: Error) => {
      assert.equal(err.message, "illegal symlink target: a -> b/secret (the archive's only entry is a symlink; it would point outside the artifact)");
      return true;
    });
    assert.deepEqual(listTree(outer), ['in.tgz']);
  });
});
