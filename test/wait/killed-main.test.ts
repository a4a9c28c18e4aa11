/**
 * Issue 13 / Argo #9083: main killed with its emissary (an OOM kill takes the whole container, memory.oom.group) leaves
 * no exitcode file. Go's wait waits for the file for ever — the workflow stays Running. Ours sees the emissary's alive
 * lock (core/alive-lock.ts, native/alive-lock.c) gone without an exit code, says so in one line, reports and finishes.
 * The kill here is SIGKILL to the main container's PID 1, which ends its PID namespace (every process in it), as the
 * kernel's OOM kill of the container's cgroup does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { GO_EXECUTOR, PodSim, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { until } from '../support/emissary.ts';
import { deleteTaskResult, getTaskResult } from './helpers.ts';

const template = { container: { image: 'x' }, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p', default: 'none' } }] } };

async function killMain(executor: Executor): Promise<{ pod: PodSim; wait: ReturnType<PodSim['startWait']> }> {
  const pod = new PodSim({ template, executor });
  assert.equal((await pod.runInit()).code, 0);
  const wait = pod.startWait({}, 60_000);
  const main = pod.startMain(['sh', '-c', 'echo started > /tmp/started; sleep 60']);
  await until(() => existsSync(pod.path('tmp-main', 'started')), 20_000, 'the user command to start');
  process.kill(main.pid1(), 'SIGKILL');
  await main.done;
  return { pod, wait };
}

test('main killed with its emissary (no exitcode file): ours reports and finishes, with the cause in one line', async () => {
  const { pod, wait } = await killMain(TS_EXECUTOR);
  try {
    assert.equal(existsSync(pod.path('var-run-argo', 'ctr/main/exitcode')), false, 'no exitcode was written');
    const w = await wait.done;
    assert.equal(w.signal, null, 'wait ended on its own');
    assert.match(w.stderr, /container ended without an exit code: its emissary was killed \(OOMKilled or SIGKILL\)".*container=main/);
    const tr = await getTaskResult(pod.nodeId);
    assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true', 'the TaskResult is completed');
    assert.deepEqual(tr.outputs.parameters, [{ name: 'p', value: 'none', valueFrom: { path: '/tmp/p', default: 'none' } }]);
  } finally {
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
    pod.cleanup();
  }
});

test('the same with the Go reference v4.1.2: its wait is still waiting (the documented difference)', async () => {
  assert.ok(existsSync(STACK.REFERENCE_ARGOEXEC ?? ''), 'REFERENCE_ARGOEXEC must be built (make stack-up)');
  const { pod, wait } = await killMain(GO_EXECUTOR);
  try {
    let ended = false;
    void wait.done.then(() => { ended = true; });
    await sleep(8000);
    assert.equal(ended, false, 'Go\'s wait is still waiting for the exitcode file 8 s after main was killed');
    process.kill(wait.pid1(), 'SIGTERM');
    await wait.done;
  } finally {
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
    pod.cleanup();
  }
});
