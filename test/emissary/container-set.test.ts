/** lifecycle §16 items 37–42: containerSet dependencies, retries, user sidecars. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { emissaryPod, runEmissary, startEmissary, until } from '../support/emissary.ts';

const graph = { containerSet: { containers: [{ name: 'a' }, { name: 'b', dependencies: ['a'] }] } };

test('37: b waits for a\'s exitcode before starting its command', async () => {
  const pod = await emissaryPod(graph);
  const run = startEmissary(pod, ['sh', '-c', 'echo b > /tmp/b'], { ARGO_CONTAINER_NAME: 'b' });
  await until(() => pod.exists('/var/run/argo/ctr/a'), 10_000, 'dependency dir pre-created');
  await sleep(1000);
  assert.equal(pod.exists('/tmp/b'), false);
  pod.write('/var/run/argo/ctr/a/exitcode', '0');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/tmp/b'), 'b\n');
  assert.equal(pod.read('/var/run/argo/ctr/b/exitcode'), '0');
  pod.cleanup();
});

test('38: a dependency exit 2 → b writes exitcode 2, exits 64 with the Go message', async () => {
  const pod = await emissaryPod(graph);
  pod.write('/var/run/argo/ctr/a/exitcode', '2');
  const r = await runEmissary(pod, ['sh', '-c', 'echo b > /tmp/b'], { ARGO_CONTAINER_NAME: 'b' });
  assert.equal(r.code, 64, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/b/exitcode'), '2');
  assert.equal(pod.terminationMessage(), 'dependency "a" exited with non-zero code: 2');
  assert.equal(pod.exists('/tmp/b'), false);
  pod.cleanup();
});

test('38b: an exitcode file still being written (not an integer yet) is waited on', async () => {
  const pod = await emissaryPod(graph);
  pod.write('/var/run/argo/ctr/a/exitcode', '');
  const run = startEmissary(pod, ['true'], { ARGO_CONTAINER_NAME: 'b' });
  await sleep(1000);
  pod.write('/var/run/argo/ctr/a/exitcode', ' 0\n');
  assert.equal((await run.done).code, 0);
  pod.cleanup();
});

test('39: SIGTERM while b waits for its dependency → b exits 143', async () => {
  const pod = await emissaryPod(graph);
  const run = startEmissary(pod, ['true'], { ARGO_CONTAINER_NAME: 'b' });
  await until(() => pod.exists('/var/run/argo/ctr/a'), 10_000, 'waiting');
  await sleep(200);
  process.kill(run.pid1(), 'SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 143, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/b/exitcode'), '64');
  pod.cleanup();
});

const failOnce = 'if [ -f /tmp/once ]; then exit 0; else touch /tmp/once; exit 3; fi';
const retrying = (retries: number | string, duration?: string): object => ({
  containerSet: { containers: [{ name: 'main' }], retryStrategy: { retries, ...(duration ? { duration } : {}) } },
});

test('40: retries: 2 gives two attempts (success); retries: 1 gives one (failure code)', async () => {
  const two = await emissaryPod(retrying(2));
  assert.equal((await runEmissary(two, ['sh', '-c', failOnce])).code, 0);
  const one = await emissaryPod(retrying(1));
  const r = await runEmissary(one, ['sh', '-c', failOnce]);
  assert.equal(r.code, 3);
  assert.equal(one.read('/var/run/argo/ctr/main/exitcode'), '3');
  const asString = await emissaryPod(retrying('2'));
  assert.equal((await runEmissary(asString, ['sh', '-c', failOnce])).code, 0, 'numeric strings count');
  for (const p of [two, one, asString]) p.cleanup();
});

test('40b: retries: 0 runs the command zero times and exits 0 (apimachinery backoff quirk)', async () => {
  const pod = await emissaryPod(retrying(0));
  const r = await runEmissary(pod, ['sh', '-c', 'touch /tmp/ran; exit 9']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.exists('/tmp/ran'), false);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '0');
  pod.cleanup();
});

test('41: duration "1s" waits ≥1 s between attempts; "-1s" → 64 failed to get retry strategy', async () => {
  const pod = await emissaryPod(retrying(3, '1s'));
  const r = await runEmissary(pod, ['sh', '-c', 'date +%s%N >> /tmp/t; exit 1']);
  assert.equal(r.code, 1, r.stderr);
  const times = pod.read('/tmp/t').trim().split('\n').map((n) => Number(BigInt(n) / 1_000_000n));
  assert.equal(times.length, 3);
  for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) - (times[i - 1] as number) >= 1000, `gap ${i}`);
  const neg = await emissaryPod(retrying(2, '-1s'));
  const r2 = await runEmissary(neg, ['true']);
  assert.equal(r2.code, 64);
  assert.equal(neg.terminationMessage(), 'failed to get retry strategy: duration has to be positive, current duration: -1s ');
  pod.cleanup();
  neg.cleanup();
});

test('42: a user sidecar gets SIGTERM once main has exited', async () => {
  const pod = await emissaryPod({ sidecars: [{ name: 'side' }] });
  const run = startEmissary(pod, ['sh', '-c', 'trap "echo term > /tmp/side; exit 0" TERM; while true; do sleep 0.1; done'], { ARGO_CONTAINER_NAME: 'side' });
  await until(() => pod.exists('/var/run/argo/ctr/side'), 10_000, 'sidecar started');
  await sleep(500);
  pod.write('/var/run/argo/ctr/main/exitcode', '0');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/tmp/side'), 'term\n');
  pod.cleanup();
});

test('42b: a sidecar ignoring SIGTERM is killed after ARGO_TERMINATION_GRACE_PERIOD_SECONDS (137)', async () => {
  const pod = await emissaryPod({ sidecars: [{ name: 'side' }] });
  const run = startEmissary(pod, ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'], { ARGO_CONTAINER_NAME: 'side', ARGO_TERMINATION_GRACE_PERIOD_SECONDS: '2' });
  await until(() => pod.exists('/var/run/argo/ctr/side'), 10_000, 'sidecar started');
  await sleep(500);
  const t0 = Date.now();
  pod.write('/var/run/argo/ctr/main/exitcode', '0');
  const r = await run.done;
  assert.equal(r.code, 137, r.stderr);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 2000 && elapsed < 8000, `killed after the grace period (${elapsed} ms)`);
  pod.cleanup();
});
