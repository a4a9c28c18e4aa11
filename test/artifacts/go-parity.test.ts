/**
 * Differential check of tar headers against the real Go argoexec: its emissary tars an output path into
 * /var/run/argo/outputs/artifacts/<path>.tgz (run in a private mount namespace with a tmpfs on /run); our
 * writeTarTree must produce the same tar stream byte for byte (names, types, modes, ids, names, mtimes, link
 * names, USTAR prefix split, PAX headers, checksums, end-of-archive).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeTarTree } from '../../src/core/archive/index.ts';
import { stack, tmp } from './helpers.ts';

const reference = stack.REFERENCE_ARGOEXEC ?? '';
const canRun = process.getuid?.() === 0 && existsSync(reference) && existsSync('/usr/bin/unshare');

function buildTree(root: string): void {
  mkdirSync(join(root, 'sub/deeper'), { recursive: true });
  writeFileSync(join(root, 'a.txt'), 'hello\n');
  chownSync(join(root, 'a.txt'), 1234, 5678);
  chmodSync(join(root, 'a.txt'), 0o640);
  utimesSync(join(root, 'a.txt'), new Date('2020-01-02T03:04:05.700Z'), new Date('2020-01-02T03:04:05.700Z')); // rounds up
  writeFileSync(join(root, 'sub/b.bin'), Buffer.alloc(1000, 0x78));
  chmodSync(join(root, 'sub/b.bin'), 0o4755); // setuid kept
  chmodSync(join(root, 'sub/deeper'), 0o1777); // sticky kept
  writeFileSync(join(root, 'sub/half.txt'), 'x');
  utimesSync(join(root, 'sub/half.txt'), new Date(1_500_000_000_400), new Date(1_500_000_000_400)); // rounds down
  symlinkSync('a.txt', join(root, 'link-rel'));
  symlinkSync('/etc/passwd', join(root, 'link-abs'));
  symlinkSync(`${'t'.repeat(120)}/target`, join(root, 'link-long')); // PAX linkpath
  spawnSync('mkfifo', [join(root, 'fifo')]);
  spawnSync('mknod', [join(root, 'chardev'), 'c', '1', '3']);
  const d = 'd'.repeat(60);
  const e = 'e'.repeat(60);
  mkdirSync(join(root, d, e), { recursive: true });
  writeFileSync(join(root, d, e, 'f'.repeat(30)), 'split into USTAR prefix/name');
  writeFileSync(join(root, 'n'.repeat(120)), 'long name → PAX path');
  writeFileSync(join(root, 'ünïcødé.txt'), 'non-ASCII → PAX path');
  // Bodies across the writer's 1 MiB buffer and either side of its 64 KiB blocking-read limit (tar-tree.ts, D40).
  const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 9)) & 0xff));
  writeFileSync(join(root, 'sub/large.bin'), bytes(1536 * 1024 + 3, 1));
  writeFileSync(join(root, 'sub/limit.bin'), bytes(64 * 1024, 2));
  writeFileSync(join(root, 'sub/over-limit.bin'), bytes(64 * 1024 + 1, 3));
  mkdirSync(join(root, 'many'));
  for (let i = 0; i < 300; i++) writeFileSync(join(root, 'many', `f${i}`), bytes(5000 + i, i));
  writeFileSync(join(root, 'big-uid'), '');
  chownSync(join(root, 'big-uid'), 3_000_000, 3_000_001); // does not fit 7 octal digits → PAX uid/gid
}

test('tar stream is byte-identical to the Go argoexec emissary output', async () => {
  assert.ok(canRun, `needs root, unshare and the Go reference (REFERENCE_ARGOEXEC=${reference || 'unset'}): run make stack-up as root`);
  const base = tmp('parity-');
  const out = join(base, 'out');
  buildTree(out);
  const script = join(base, 'run.sh');
  const template = JSON.stringify({ name: 't', container: { image: 'x' }, outputs: { artifacts: [{ name: 'out', path: out }, { name: 'f', path: join(out, 'a.txt') }] } });
  writeFileSync(
    script,
    `set -e
mount --make-rprivate /
mount -t tmpfs tmpfs /run
mkdir -p /run/argo
cat > /run/argo/template <<'JSON'
${template}
JSON
ARGO_CONTAINER_NAME=main "$1" emissary -- true
cp /run/argo/outputs/artifacts${out}.tgz "$2/go-dir.tgz"
cp /run/argo/outputs/artifacts${out}/a.txt.tgz "$2/go-file.tgz"
`,
  );
  const r = spawnSync('/usr/bin/unshare', ['-m', 'bash', script, reference, base], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const [src, goFile] of [[out, 'go-dir.tgz'], [join(out, 'a.txt'), 'go-file.tgz']] as const) {
    const ours = join(base, `ours-${goFile}.tar`);
    await writeTarTree(src, createWriteStream(ours));
    const go = gunzipSync(readFileSync(join(base, goFile)));
    const mine = readFileSync(ours);
    if (!go.equals(mine)) {
      // Locate the first differing header for a readable failure.
      let i = 0;
      while (i < go.length && go[i] === mine[i]) i++;
      const blk = Math.floor(i / 512) * 512;
      assert.fail(`${goFile}: first difference at byte ${i} (block ${blk}): go=${JSON.stringify(go.subarray(blk, blk + 100).toString('latin1'))} ours=${JSON.stringify(mine.subarray(blk, blk + 100).toString('latin1'))}`);
    }
  }
});
