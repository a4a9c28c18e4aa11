/** lifecycle §16 items 23–27: the large-args file and debug pauses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { emissaryPod, runEmissary, startEmissary, until } from '../support/emissary.ts';

const ARGS_FILE = '/argo/config/ARGO_CONTAINER_ARGS_FILE';

test('23: ARGO_CONTAINER_ARGS_FILE args are appended after the command-line args', async () => {
  const pod = await emissaryPod();
  pod.write(ARGS_FILE, JSON.stringify(['a', 'b']));
  const r = await runEmissary(pod, ['sh', '-c', 'echo "$@"', 'sh', 'x'], { ARGO_CONTAINER_ARGS_FILE: ARGS_FILE });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'x a b\n');
  pod.cleanup();
});

test('24: an argument over 131072 bytes is written to /tmp/argo_arg_<i>.txt and passed as @file', async () => {
  const pod = await emissaryPod();
  const big = 'y'.repeat(131073);
  pod.write(ARGS_FILE, JSON.stringify(['a', big]));
  // combined args (without the command): -c, script, sh, a, BIG → BIG has index 4
  const r = await runEmissary(pod, ['sh', '-c', 'printf %s "$2"', 'sh'], { ARGO_CONTAINER_ARGS_FILE: ARGS_FILE });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '@/tmp/argo_arg_4.txt');
  assert.equal(pod.read('/tmp/argo_arg_4.txt'), big);
  const exact = await emissaryPod();
  exact.write(ARGS_FILE, JSON.stringify(['z'.repeat(131072)]));
  // Exactly 131072 bytes stays inline (as in Go) — and the kernel's MAX_ARG_STRLEN, which counts the
  // terminating NUL, refuses it: the start failure surfaces like Go's.
  const r2 = await runEmissary(exact, ['sh', '-c', 'printf %s "$1" | wc -c', 'sh'], { ARGO_CONTAINER_ARGS_FILE: ARGS_FILE });
  assert.equal(r2.code, 64);
  assert.equal(exact.terminationMessage(), 'failed to start command: fork/exec /usr/bin/sh: argument list too long');
  assert.equal(exact.exists('/tmp/argo_arg_3.txt'), false);
  pod.cleanup();
  exact.cleanup();
});

test('25: unreadable args file and invalid JSON give exit 64 and the Go messages', async () => {
  const pod = await emissaryPod();
  const missing = await runEmissary(pod, ['true'], { ARGO_CONTAINER_ARGS_FILE: '/argo/config/missing' });
  assert.equal(missing.code, 64);
  assert.equal(pod.terminationMessage(), 'failed to read container args file /argo/config/missing: open /argo/config/missing: no such file or directory');
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '64');
  pod.write(ARGS_FILE, '{not json');
  const bad = await runEmissary(pod, ['true'], { ARGO_CONTAINER_ARGS_FILE: ARGS_FILE });
  assert.equal(bad.code, 64);
  assert.match(pod.terminationMessage(), /^failed to unmarshal container args: /);
  pod.cleanup();
});

test('26: ARGO_DEBUG_PAUSE_BEFORE holds the command until ctr/main/before exists', async () => {
  const pod = await emissaryPod();
  const run = startEmissary(pod, ['sh', '-c', 'echo started > /tmp/started'], { ARGO_DEBUG_PAUSE_BEFORE: 'true' });
  await until(() => pod.exists('/var/run/argo/ctr/main'), 10_000, 'ctr dir');
  await sleep(1500);
  assert.equal(pod.exists('/tmp/started'), false, 'not started while paused');
  pod.write('/var/run/argo/ctr/main/before', '');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/tmp/started'), 'started\n');
  pod.cleanup();
});

test('27: ARGO_DEBUG_PAUSE_AFTER holds the exitcode until ctr/main/after exists', async () => {
  const pod = await emissaryPod();
  const run = startEmissary(pod, ['sh', '-c', 'echo done > /tmp/done; exit 5'], { ARGO_DEBUG_PAUSE_AFTER: 'true' });
  await until(() => pod.exists('/tmp/done'), 10_000, 'command ran');
  await sleep(1500);
  assert.equal(pod.exists('/var/run/argo/ctr/main/exitcode'), false, 'exitcode withheld while paused');
  pod.write('/var/run/argo/ctr/main/after', '');
  const r = await run.done;
  assert.equal(r.code, 5, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '5');
  pod.cleanup();
});

test('debug pause interrupted by SIGTERM → 64 with "failed waiting for debug-pause-before marker"', async () => {
  const pod = await emissaryPod();
  const run = startEmissary(pod, ['true'], { ARGO_DEBUG_PAUSE_BEFORE: 'true' });
  await until(() => pod.exists('/var/run/argo/ctr/main'), 10_000, 'ctr dir');
  await sleep(300);
  process.kill(run.pid1(), 'SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 64, r.stderr);
  assert.equal(pod.terminationMessage(), 'failed waiting for debug-pause-before marker: context canceled');
  pod.cleanup();
});
