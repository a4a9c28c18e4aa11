/**
 * lifecycle §10.2 step 5, 7: the API calls of the built-in kubectl, through a recording, fault-injecting
 * proxy in front of the real apiserver: the same requests kubectl (embedded in the Go executor) makes —
 * paths, queries, content types, bodies (Go's sorted JSON) — and client-go DefaultBackoff retries
 * (4 attempts) of transient errors, also while polling conditions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiProxy, type Recorded } from '../wait/api-proxy.ts';
import { deleteTaskResult } from '../wait/helpers.ts';
import { CM, createConfigMap, deleteConfigMap, deleteOwnerWorkflow, getConfigMap, grantExecutor, mergePatchConfigMap, rand, runRole, type RunOptions } from './helpers.ts';

let revoke: (() => Promise<void>) | undefined;
const cleanup: string[] = [];
before(async () => {
  revoke = await grantExecutor(`resource-req-${rand()}`, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] }]);
});
after(async () => {
  for (const n of cleanup) await deleteConfigMap(n);
  await revoke?.();
  await deleteOwnerWorkflow();
});

const cm = (name: string, data: Record<string, string> = {}): string => `metadata:\n  name: ${name}\ndata: ${JSON.stringify(data)}\nkind: ConfigMap\napiVersion: v1\n`;
const line = (q: Recorded): string => `${q.method} ${q.path}${q.contentType ? ` ${q.contentType}` : ''}${q.method === 'GET' ? '' : ` ${q.body}`} → ${q.status}`;

async function viaProxy(args: string[], template: Record<string, unknown>, decide?: ApiProxy['decide'], opts: RunOptions = {}): Promise<{ code: number | null; termination: string; calls: string[]; stderr: string }> {
  const proxy = await ApiProxy.start();
  if (decide) proxy.decide = decide;
  const r = await runRole(args, template, { ...opts, proxy });
  await proxy.close();
  await deleteTaskResult(r.nodeId);
  return { code: r.code, termination: r.termination, stderr: r.stderr, calls: proxy.requests.filter((q) => !q.path.includes('/workflowtaskresults')).map(line) };
}

test('10.2: create, replace, patch, delete send kubectl\'s requests', async () => {
  const n = `req-${rand()}`;
  cleanup.push(n);
  const create = await viaProxy(['resource', 'create'], { resource: { action: 'create', manifest: cm(n, { a: '1' }) } });
  assert.equal(create.code, 0, create.stderr);
  assert.deepEqual(create.calls, [
    'GET /api → 200', 'GET /apis → 200',
    `POST ${CM}?fieldManager=kubectl-create&fieldValidation=Strict application/json {"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"name":"${n}","namespace":"argo"}} → 201`,
  ]);
  const rv = (await getConfigMap(n)).metadata.resourceVersion;
  const replace = await viaProxy(['resource', 'replace'], { resource: { action: 'replace', manifest: cm(n, { z: '1' }) } });
  assert.equal(replace.code, 0, replace.stderr);
  assert.deepEqual(replace.calls, [
    'GET /api → 200', 'GET /apis → 200', `GET ${CM}/${n} → 200`,
    `PUT ${CM}/${n}?fieldManager=kubectl-replace&fieldValidation=Strict application/json {"apiVersion":"v1","data":{"z":"1"},"kind":"ConfigMap","metadata":{"name":"${n}","namespace":"argo","resourceVersion":"${rv}"}} → 200`,
  ]);
  const patch = await viaProxy(['resource', 'patch'], { resource: { action: 'patch', mergeStrategy: 'merge', flags: ['cm', n], manifest: 'data:\n  b: "2"\n' } });
  assert.equal(patch.code, 0, patch.stderr);
  assert.deepEqual(patch.calls, ['GET /api → 200', 'GET /apis → 200', `GET ${CM}/${n} → 200`, `PATCH ${CM}/${n}?fieldManager=kubectl-patch application/merge-patch+json {"data":{"b":"2"}} → 200`]);
  assert.deepEqual((await getConfigMap(n)).data, { z: '1', b: '2' });
  const del = await viaProxy(['resource', 'delete'], { resource: { action: 'delete', manifest: cm(n) } });
  assert.equal(del.code, 0, del.stderr);
  assert.deepEqual(del.calls, ['GET /api → 200', 'GET /apis → 200', `DELETE ${CM}/${n} application/json {"propagationPolicy":"Background"} → 200`, `GET ${CM}/${n} → 404`]);
});

const UNAVAILABLE = { status: 503, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'injected outage', reason: 'ServiceUnavailable', code: 503 } };

test('10.2 step 5: transient errors retried with DefaultBackoff (4 attempts), then `no more retries …`', async () => {
  const n = `req-retry-${rand()}`;
  cleanup.push(n);
  let posts = 0;
  const ok = await viaProxy(['resource', 'create'], { resource: { action: 'create', manifest: cm(n) } }, (q) => (q.method === 'POST' && q.path.startsWith(CM) && ++posts <= 2 ? UNAVAILABLE : 'forward'));
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(ok.calls.filter((c) => c.startsWith('POST')).map((c) => c.slice(-3)), ['503', '503', '201']);
  assert.ok(await getConfigMap(n));

  const m = `req-fail-${rand()}`;
  const bad = await viaProxy(['resource', 'create'], { resource: { action: 'create', manifest: cm(m) } }, (q) => (q.method === 'POST' && q.path.startsWith(CM) ? UNAVAILABLE : 'forward'));
  assert.equal(bad.code, 64);
  assert.equal(bad.termination, 'no more retries Error from server (ServiceUnavailable): error when creating "/tmp/manifest.yaml": injected outage');
  assert.equal(bad.calls.filter((c) => c.startsWith('POST')).length, 4);
  assert.equal(await getConfigMap(m), undefined);

  const notTransient = await viaProxy(['resource', 'create'], { resource: { action: 'create', manifest: cm(m) } },
    (q) => (q.method === 'POST' && q.path.startsWith(CM) ? { status: 422, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'bad', reason: 'Invalid', code: 422 } } : 'forward'));
  assert.equal(notTransient.code, 64);
  assert.equal(notTransient.calls.filter((c) => c.startsWith('POST')).length, 1);
  assert.equal(notTransient.termination, 'no more retries Error from server (Invalid): error when creating "/tmp/manifest.yaml": bad');
});

test('10.2 step 7: a transient error while polling the conditions is retried at the next interval', async () => {
  const n = `req-poll-${rand()}`;
  cleanup.push(n);
  await createConfigMap(n, { phase: 'Running' });
  let gets = 0;
  const r = await viaProxy(['resource', 'get'], { resource: { action: 'get', manifest: cm(n), successCondition: 'data.phase == Done' } }, (q) => {
    if (q.method !== 'GET' || q.path !== `${CM}/${n}`) return 'forward';
    gets++;
    if (gets === 3) return { before: () => mergePatchConfigMap(n, { data: { phase: 'Done' } }) };
    return gets === 2 ? UNAVAILABLE : 'forward';
  }, { env: { RESOURCE_STATE_CHECK_INTERVAL: '100ms' } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.calls.slice(2), [`GET ${CM}/${n} → 200`, `GET ${CM}/${n} → 503`, `GET ${CM}/${n} → 200`]);
  assert.match(r.stderr, /msg="Waiting for resource resulted in retryable error" .*error="injected outage"/);
});

test('10.2: patch of an object given by its manifest (-f) sends the PATCH without reading the object first', async () => {
  // As the Go executor does (seen in the e2e run of examples/k8s-patch-pod.yaml: Go's failure is the
  // PATCH being forbidden, not a GET): only objects named on the command line are fetched first.
  const n = `req-${rand()}`;
  cleanup.push(n);
  await createConfigMap(n, { a: '1' });
  const patch = await viaProxy(['resource', 'patch'], { resource: { action: 'patch', mergeStrategy: 'merge', manifest: cm(n, { b: '2' }) } });
  assert.equal(patch.code, 0, patch.stderr);
  assert.deepEqual(patch.calls, ['GET /api → 200', 'GET /apis → 200',
    `PATCH ${CM}/${n}?fieldManager=kubectl-patch application/merge-patch+json {"apiVersion":"v1","data":{"b":"2"},"kind":"ConfigMap","metadata":{"name":"${n}"}} → 200`]);
  assert.deepEqual((await getConfigMap(n)).data, { a: '1', b: '2' });
});
