/** lifecycle §16 items 58–61, 72–74: the WorkflowTaskResult protocol of `wait`, against the real apiserver. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { NAMESPACE, PodSim } from '../support/pod-sim.ts';
import { ApiProxy, status } from './api-proxy.ts';
import { admin, deleteTaskResult, getTaskResult, stripServerFields } from './helpers.ts';

const TR = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults`;
const template = { name: 't', container: { image: 'x' }, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] } };

function proxiedPod(proxy: ApiProxy, extra: Partial<ConstructorParameters<typeof PodSim>[0]> = {}): PodSim {
  const pod = new PodSim({ template, kubePort: String(proxy.port), ...extra });
  writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
  return pod;
}

const calls = (p: ApiProxy): string[] => p.taskResultCalls().map((r) => `${r.method} ${r.path} ${r.status ?? ''}`.trim());

test('58, 59, 72: create with identity/labels/ownerRef first, outputs merge-patch, label patch last; no instance-id label when unset', async () => {
  const proxy = await ApiProxy.start();
  const pod = proxiedPod(proxy);
  const r = await pod.run(['sh', '-c', 'printf x > /tmp/p']);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  assert.deepEqual(calls(proxy), [`POST ${TR} 201`, `PATCH ${TR}/${pod.nodeId} 200`, `PATCH ${TR}/${pod.nodeId} 200`]);
  const [create, outputs, finalize] = proxy.taskResultCalls();
  assert.equal(create?.body, JSON.stringify({
    kind: 'WorkflowTaskResult', apiVersion: 'argoproj.io/v1alpha1',
    metadata: {
      name: pod.nodeId,
      labels: { 'workflows.argoproj.io/report-outputs-completed': 'false', 'workflows.argoproj.io/workflow': pod.workflowName },
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: pod.workflowName, uid: pod.workflowUid }],
    },
  }));
  assert.equal(create?.contentType, 'application/json');
  assert.match(create?.userAgent ?? '', /^argo-workflows\/v[^ ]+ argo-executor$/);
  assert.equal(outputs?.contentType, 'application/merge-patch+json');
  assert.equal(outputs?.body, '{"metadata":{},"outputs":{"parameters":[{"name":"p","value":"x","valueFrom":{"path":"/tmp/p"}}]}}');
  assert.equal(finalize?.contentType, 'application/merge-patch+json');
  assert.equal(finalize?.body, '{"metadata":{"labels":{"workflows.argoproj.io/report-outputs-completed":"true"}}}');
  const tr = stripServerFields(await getTaskResult(pod.nodeId));
  assert.deepEqual(tr.metadata.labels, { 'workflows.argoproj.io/report-outputs-completed': 'true', 'workflows.argoproj.io/workflow': pod.workflowName });
  await deleteTaskResult(pod.nodeId);
  await proxy.close();
  pod.cleanup();
});

test('59: ARGO_INSTANCE_ID=i1 adds the controller-instanceid label', async () => {
  const pod = new PodSim({ template: { name: 't', container: { image: 'x' } }, env: { ARGO_INSTANCE_ID: 'i1' } });
  const r = await pod.run(['true']);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  const tr = await getTaskResult(pod.nodeId);
  assert.deepEqual(tr.metadata.labels, {
    'workflows.argoproj.io/controller-instanceid': 'i1',
    'workflows.argoproj.io/report-outputs-completed': 'true',
    'workflows.argoproj.io/workflow': pod.workflowName,
  });
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('60: a 409 AlreadyExists on create becomes a merge patch of the same result', async () => {
  const proxy = await ApiProxy.start();
  const pod = proxiedPod(proxy);
  const pre = await admin.req('POST', TR, { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTaskResult', metadata: { name: pod.nodeId, labels: { 'workflows.argoproj.io/workflow': pod.workflowName } }, progress: '1/2' });
  assert.equal(pre.status, 201, pre.text);
  const r = await pod.run(['sh', '-c', 'printf y > /tmp/p']);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  assert.deepEqual(calls(proxy), [`POST ${TR} 409`, `PATCH ${TR}/${pod.nodeId} 200`, `PATCH ${TR}/${pod.nodeId} 200`, `PATCH ${TR}/${pod.nodeId} 200`]);
  assert.equal(proxy.taskResultCalls()[1]?.body, '{"metadata":{}}');
  const tr = await getTaskResult(pod.nodeId);
  assert.equal(tr.progress, '1/2');
  assert.deepEqual(tr.outputs, { parameters: [{ name: 'p', value: 'y', valueFrom: { path: '/tmp/p' } }] });
  assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  await deleteTaskResult(pod.nodeId);
  await proxy.close();
  pod.cleanup();
});

test('61: a 404 on the outputs patch (the result was deleted meanwhile) triggers a create carrying the outputs', async (t) => {
  const proxy = await ApiProxy.start();
  t.after(() => proxy.close());
  const pod = proxiedPod(proxy);
  proxy.decide = (rec) => (rec.method === 'PATCH' && rec.body.includes('"outputs"') ? { before: () => deleteTaskResult(pod.nodeId) } : 'forward');
  const r = await pod.run(['sh', '-c', 'printf z > /tmp/p']);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  assert.deepEqual(calls(proxy), [`POST ${TR} 201`, `PATCH ${TR}/${pod.nodeId} 404`, `POST ${TR} 201`, `PATCH ${TR}/${pod.nodeId} 200`]);
  const recreate = JSON.parse(proxy.taskResultCalls()[2]?.body ?? '{}');
  assert.deepEqual(recreate.outputs, { parameters: [{ name: 'p', value: 'z', valueFrom: { path: '/tmp/p' } }] });
  assert.equal(recreate.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'false');
  const tr = await getTaskResult(pod.nodeId);
  assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('73: a 403 on create is not retried, wait continues, exits 64 with the API error as termination message', async () => {
  const pod = new PodSim({ template });
  writeFileSync(pod.path('sa', 'namespace'), 'default'); // the executor SA has no rights there: a real 403
  const r = await pod.run(['sh', '-c', 'printf x > /tmp/p']);
  assert.equal(r.main?.code, 0, r.main?.stderr);
  assert.equal(r.wait?.code, 64, r.wait?.stderr);
  const msg = 'workflowtaskresults.argoproj.io is forbidden: User "system:serviceaccount:argo:default" cannot create resource "workflowtaskresults" in API group "argoproj.io" in the namespace "default"';
  assert.equal(pod.terminationMessage('wait'), msg);
  assert.match(r.wait?.stderr ?? '', /failed to patch task result, see https:\/\/argo-workflows.readthedocs.io\/en\/latest\/workflow-rbac\//);
  assert.equal((r.wait?.stderr.match(/cannot create resource/g) ?? []).length >= 2, true); // init + report, each once
  pod.cleanup();
});

test('74: 503 and connection-refused on TaskResult writes are retried with a growing backoff until success', async () => {
  const proxy = await ApiProxy.start();
  const port = proxy.port;
  await proxy.close(); // down: connection refused until it comes back
  const pod = new PodSim({ template, kubePort: String(port) });
  writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
  let failures = 0;
  proxy.decide = (rec) => (rec.method === 'POST' && failures++ < 2 ? status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request') : 'forward');
  const init = await pod.runInit();
  assert.equal(init.code, 0, init.stderr);
  const t0 = Date.now();
  const wait = pod.startWait();
  const main = pod.startMain(['sh', '-c', 'printf w > /tmp/p']);
  await sleep(1500);
  await proxy.listen(port);
  const w = await wait.done;
  assert.equal((await main.done).code, 0);
  assert.equal(w.code, 0, w.stderr);
  const posts = proxy.taskResultCalls().filter((c) => c.method === 'POST');
  assert.deepEqual(posts.map((p) => p.status), [503, 503, 201]);
  assert.match(w.stderr, /connection refused/);
  assert.ok(Date.now() - t0 >= 1500 + 2000, 'backoff waited between attempts');
  const tr = await getTaskResult(pod.nodeId);
  assert.deepEqual(tr.outputs, { parameters: [{ name: 'p', value: 'w', valueFrom: { path: '/tmp/p' } }] });
  assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  await deleteTaskResult(pod.nodeId);
  await proxy.close();
  pod.cleanup();
});

test('an API server that is down for 30 s after the TaskResult was created delays the outputs but loses nothing', async () => {
  const proxy = await ApiProxy.start();
  const port = proxy.port;
  const pod = new PodSim({ template, kubePort: String(port) });
  writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
  assert.equal((await pod.runInit()).code, 0);
  const wait = pod.startWait();
  // Once the placeholder TaskResult exists, take the API server away for 30 s.
  for (const end = Date.now() + 20_000; !proxy.requests.some((r) => r.method === 'POST' && r.status === 201); await sleep(50)) {
    if (Date.now() > end) throw new Error('the wait container never created its TaskResult');
  }
  await proxy.close();
  const downAt = Date.now();
  const main = pod.startMain(['sh', '-c', 'printf survived > /tmp/p']);
  assert.equal((await main.done).code, 0);
  await sleep(30_000 - (Date.now() - downAt));
  await proxy.listen(port);
  const w = await wait.done;
  assert.equal(w.code, 0, w.stderr);
  assert.ok(Date.now() - downAt >= 30_000);
  assert.match(w.stderr, /connection refused/);
  const tr = await getTaskResult(pod.nodeId);
  assert.deepEqual(tr.outputs, { parameters: [{ name: 'p', value: 'survived', valueFrom: { path: '/tmp/p' } }] });
  assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  await deleteTaskResult(pod.nodeId);
  await proxy.close();
  pod.cleanup();
});
