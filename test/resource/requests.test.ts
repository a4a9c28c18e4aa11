/**
 * lifecycle §10.2 step 5, 7: the API calls of a resource template, through a recording, fault-injecting proxy in
 * front of the real apiserver, by our executor (the kubectl binary) and by the Go reference (kubectl linked in):
 * the same requests (paths, queries, content types, bodies) in the same order, the same client-go DefaultBackoff
 * retries (or none) of injected errors, also while polling conditions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ApiProxy, type Recorded } from '../wait/api-proxy.ts';
import { deleteTaskResult } from '../wait/helpers.ts';
import { GO_EXECUTOR, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { CM, createConfigMap, deleteConfigMap, deleteOwnerWorkflow, getConfigMap, grantExecutor, mergePatchConfigMap, rand, runRole, type RunOptions } from './helpers.ts';

const haveGo = existsSync(STACK.REFERENCE_ARGOEXEC ?? '/nonexistent');
const skip = !haveGo && 'REFERENCE_ARGOEXEC not built';
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

async function viaProxy(exec: Executor, args: string[], template: Record<string, unknown>, decide?: ApiProxy['decide'], opts: RunOptions = {}): Promise<{ code: number | null; termination: string; calls: string[]; stderr: string }> {
  const proxy = await ApiProxy.start();
  if (decide) proxy.decide = decide;
  const r = await runRole(args, template, { ...opts, proxy, executor: exec });
  await proxy.close();
  await deleteTaskResult(r.nodeId);
  return { code: r.code, termination: r.termination, stderr: r.stderr, calls: proxy.requests.filter((q) => !q.path.includes('/workflowtaskresults')).map(line) };
}

/** The calls, results and errors of `scenario` run by each executor in turn (Go's first); `between` resets state. */
async function both<T>(scenario: (exec: Executor) => Promise<T>, between: () => Promise<void> = async () => {}): Promise<{ go: T; ts: T }> {
  const go = await scenario(GO_EXECUTOR);
  await between();
  const ts = await scenario(TS_EXECUTOR);
  return { go, ts };
}
const noStderr = <T extends { stderr: string }>(r: T): Omit<T, 'stderr'> => { const { stderr: _, ...rest } = r; return rest; };

test('10.2: create, apply, replace, patch, delete send the requests Go\'s kubectl sends', { skip }, async () => {
  const n = `req-${rand()}`;
  cleanup.push(n);
  const { go, ts } = await both(async (exec) => {
    const out: Record<string, unknown> = {};
    out.create = noStderr(await viaProxy(exec, ['resource', 'create'], { resource: { action: 'create', manifest: cm(n, { a: '1' }) } }));
    out.apply = noStderr(await viaProxy(exec, ['resource', 'apply'], { resource: { action: 'apply', manifest: cm(n, { a: '2', b: '1' }) } }));
    out.replace = noStderr(await viaProxy(exec, ['resource', 'replace'], { resource: { action: 'replace', manifest: cm(n, { z: '1' }) } }));
    out.patch = noStderr(await viaProxy(exec, ['resource', 'patch'], { resource: { action: 'patch', mergeStrategy: 'merge', flags: ['cm', n], manifest: 'data:\n  b: "2"\n' } }));
    out.patchFile = noStderr(await viaProxy(exec, ['resource', 'patch'], { resource: { action: 'patch', mergeStrategy: 'merge', manifest: cm(n, { c: '3' }) } }));
    out.data = (await getConfigMap(n)).data;
    out.del = noStderr(await viaProxy(exec, ['resource', 'delete'], { resource: { action: 'delete', manifest: cm(n) } }));
    return out;
  }, () => deleteConfigMap(n));
  // resourceVersions differ between the runs
  const rv = (x: unknown): string => JSON.stringify(x).replace(/\\"resourceVersion\\":\\"\d+\\"/g, '"resourceVersion":"<rv>"');
  assert.equal(rv(ts), rv(go));
  assert.deepEqual((go as any).data, { z: '1', b: '2', c: '3' });
  assert.ok((go as any).create.calls.some((c: string) => c.startsWith(`POST ${CM}?fieldManager=kubectl-create&fieldValidation=Strict`)), (go as any).create.calls.join('\n'));
  assert.ok((go as any).apply.calls.some((c: string) => c.startsWith(`PATCH ${CM}/${n}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict application/strategic-merge-patch+json`)), 'client-side apply');
  assert.deepEqual((go as any).patchFile.calls.filter((c: string) => !c.startsWith('GET /api')).map((c: string) => c.split(' ')[0]), ['PATCH'], 'patch -f: no GET of the object first');
});

const UNAVAILABLE = { status: 503, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'injected outage', reason: 'ServiceUnavailable', code: 503 } };
const INVALID = { status: 422, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'bad', reason: 'Invalid', code: 422 } };

test('10.2 step 5: injected API errors — retried (or not) as Go retries them; the same final message', { skip }, async () => {
  const n = `req-retry-${rand()}`;
  cleanup.push(n);
  const posts = (r: { calls: string[] }): string[] => r.calls.filter((c) => c.startsWith('POST')).map((c) => c.slice(-3));
  const { go, ts } = await both(async (exec) => {
    let count = 0;
    const twice = await viaProxy(exec, ['resource', 'create'], { resource: { action: 'create', manifest: cm(n) } }, (q) => (q.method === 'POST' && q.path.startsWith(CM) && ++count <= 2 ? UNAVAILABLE : 'forward'));
    const created = Boolean(await getConfigMap(n));
    await deleteConfigMap(n);
    const always = await viaProxy(exec, ['resource', 'create'], { resource: { action: 'create', manifest: cm(n) } }, (q) => (q.method === 'POST' && q.path.startsWith(CM) ? UNAVAILABLE : 'forward'));
    const invalid = await viaProxy(exec, ['resource', 'create'], { resource: { action: 'create', manifest: cm(n) } }, (q) => (q.method === 'POST' && q.path.startsWith(CM) ? INVALID : 'forward'));
    return [twice, always, invalid].map((r) => ({ code: r.code, termination: r.termination, posts: posts(r) })).concat([{ created } as any]);
  }, () => deleteConfigMap(n));
  assert.deepEqual(ts, go);
  // Go's embedded kubectl returns its fatal message as a plain error: IsTransientErr finds no API status in it, so
  // a 503 is not retried (only messages matching the transient network texts or TRANSIENT_ERROR_PATTERN are).
  assert.deepEqual(go.map((r: any) => r.posts ?? r.created), [['503'], ['503'], ['422'], false]);
  assert.equal(go[1]!.termination, 'no more retries Error from server (ServiceUnavailable): error when creating "/tmp/manifest.yaml": injected outage');
  assert.equal(go[2]!.code, 64);
});

test('10.2 step 7: a transient error while polling the conditions is retried at the next interval', { skip }, async () => {
  const n = `req-poll-${rand()}`;
  cleanup.push(n);
  const { go, ts } = await both(async (exec) => {
    await createConfigMap(n, { phase: 'Running' });
    let gets = 0;
    const r = await viaProxy(exec, ['resource', 'get'], { resource: { action: 'get', manifest: cm(n), successCondition: 'data.phase == Done' } }, (q) => {
      if (q.method !== 'GET' || q.path !== `${CM}/${n}`) return 'forward';
      gets++;
      if (gets === 3) return { before: () => mergePatchConfigMap(n, { data: { phase: 'Done' } }) };
      return gets === 2 ? UNAVAILABLE : 'forward';
    }, { env: { RESOURCE_STATE_CHECK_INTERVAL: '100ms' } });
    assert.match(r.stderr, /Waiting for resource resulted in retryable error/);
    return { code: r.code, calls: r.calls.filter((c) => c.startsWith(`GET ${CM}/${n}`)) };
  }, () => deleteConfigMap(n));
  assert.deepEqual(ts, go);
  assert.deepEqual(go.calls, [`GET ${CM}/${n} → 200`, `GET ${CM}/${n} → 503`, `GET ${CM}/${n} → 200`]);
});
