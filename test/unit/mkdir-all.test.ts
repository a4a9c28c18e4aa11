/** src/core/io/mkdir-all.ts against Go's os.MkdirAll error texts (a *PathError naming the failing component). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirAll } from '../../src/core/io/mkdir-all.ts';

test('creates missing parents; an existing directory is fine', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'mkdirall-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  mkdirAll(join(d, 'a/b/c'), 0o755);
  assert.ok(statSync(join(d, 'a/b/c')).isDirectory());
  mkdirAll(join(d, 'a/b/c'), 0o755);
});

test('a file in the way: `mkdir <file>: not a directory` (Go: PathError ENOTDIR on the file)', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'mkdirall-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  writeFileSync(join(d, 'f'), '');
  assert.throws(() => mkdirAll(join(d, 'f/x/y'), 0o755), { message: `mkdir ${join(d, 'f')}: not a directory` });
});

test('read-only parent: `mkdir <first missing>: read-only file system` (Go), not the leaf\'s ENOENT', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'mkdirall-'));
  mkdirSync(join(d, 'ro'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'mkdirall-ro', join(d, 'ro')]);
  t.after(() => { execFileSync('umount', [join(d, 'ro')]); rmSync(d, { recursive: true, force: true }); });
  assert.throws(() => mkdirAll(join(d, 'ro/argo/outputs/artifacts'), 0o777), { message: `mkdir ${join(d, 'ro/argo')}: read-only file system` });
});
