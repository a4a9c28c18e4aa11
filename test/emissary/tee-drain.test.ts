/**
 * The native output copier (native/tee.c through src/roles/emissary/thread-tee.ts, loaded from the built
 * dist/argoexec.d/tee.node): when the emissary stops waiting for the pipes (the child exited 100 ms ago and a pipe
 * is still open, Go's WaitDelay), what the pipes already hold is still copied — output the child wrote before it
 * exited is never lost to a copy thread that had not run yet. Seen through the real controller on a loaded node:
 * a containerSet container's `hello argo` missing from its archived log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeAddon } from '../../src/core/runtime/native.ts';
import { ThreadTee } from '../../src/roles/emissary/thread-tee.ts';

const ADDON = join(import.meta.dirname, '../../dist/argoexec.d/tee.node');

test('cancel right after start: the bytes already in both pipes reach stdout and combined; the writer may stay open', async () => {
  assert.ok(existsSync(ADDON), `${ADDON} missing: run make build`);
  const addon = loadNativeAddon<ConstructorParameters<typeof ThreadTee>[0]>('tee', ADDON);
  assert.ok(addon);
  const dir = mkdtempSync(join(tmpdir(), 'tee-drain-'));
  try {
    for (let round = 0; round < 20; round++) {
      const tee = new ThreadTee(addon);
      const [outW, errW] = tee.childFds;
      writeSync(outW, `hello argo ${round}\n`);
      writeSync(errW, `warning ${round}\n`);
      const stdout = openSync(join(dir, `stdout-${round}`), 'w');
      const combined = openSync(join(dir, `combined-${round}`), 'w');
      const devnull = openSync('/dev/null', 'w');
      // the write ends stay open, as when a background grandchild holds them: no EOF will come
      const done = tee.start({ stdout, combined }, { stdout: devnull, stderr: devnull });
      tee.cancel();
      await done;
      for (const fd of [outW, errW, stdout, combined, devnull]) closeSync(fd);
      assert.equal(readFileSync(join(dir, `stdout-${round}`), 'utf8'), `hello argo ${round}\n`);
      const both = readFileSync(join(dir, `combined-${round}`), 'utf8');
      assert.deepEqual(both.split('\n').filter(Boolean).sort(), [`hello argo ${round}`, `warning ${round}`].sort());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the child\'s pipes hold 1 MiB: a writer is not held up while the copy thread has not run (D34)', () => {
  assert.ok(existsSync(ADDON), `${ADDON} missing: run make build`);
  const addon = loadNativeAddon<ConstructorParameters<typeof ThreadTee>[0]>('tee', ADDON);
  assert.ok(addon);
  const [r, w] = addon.pipe();
  try {
    // 16 × 64 KiB with nobody reading: completes only if the pipe holds 1 MiB (the default 64 KiB would block dd).
    const res = spawnSync('dd', ['if=/dev/zero', 'bs=65536', 'count=16', 'status=none'], { stdio: ['ignore', w, 'inherit'], timeout: 10_000 });
    assert.equal(res.signal, null, 'dd was still blocked after 10 s: the pipe holds less than 1 MiB');
    assert.equal(res.status, 0);
  } finally {
    closeSync(r);
    closeSync(w);
  }
});
