/**
 * lifecycle §10.5, §11, §16 item 91; artifacts spec §7.2: `argoexec artifact delete` in a simulated
 * artifact-GC pod (ServiceAccount bound to Argo's artifactgc Role, secrets at /argo/secret), against
 * WorkflowArtifactGCTasks created in the real apiserver (as admin) and objects in real MinIO. The API
 * calls go through a recording proxy that forwards every request unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { NAMESPACE, PodSim } from '../support/pod-sim.ts';
import { ApiProxy } from '../wait/api-proxy.ts';
import { admin, archiveLocation, s3Keys, s3Put, S3_SECRETS } from '../wait/helpers.ts';
import { MemoryCgroup } from '../support/memory-cgroup.ts';

const WFAT = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowartifactgctasks`;
const LABEL = 'workflows.argoproj.io/artifact-gc-pod';
const NOT_SUPPORTED = 'delete not supported for this artifact storage, please check the following issue for details: https://github.com/argoproj/argo-workflows/issues/3102';

const rand = (): string => `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

async function createTask(name: string, hash: string, artifactsByNode: Record<string, unknown>): Promise<void> {
  const r = await admin.req('POST', WFAT, {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowArtifactGCTask',
    metadata: { name, labels: { [LABEL]: hash } }, spec: { artifactsByNode },
  });
  assert.equal(r.status, 201, r.text);
}

async function getTask(name: string): Promise<any> {
  const r = await admin.req('GET', `${WFAT}/${name}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function deleteTask(name: string): Promise<void> {
  await admin.req('DELETE', `${WFAT}/${name}`);
}

/** The GC pod's main container (artifact_gc.go createArtifactGCPod) behind a recording proxy. */
async function runGC(env: Record<string, string>, secrets = S3_SECRETS, launcher?: string[]): Promise<{ code: number | null; stderr: string; termination: string; proxy: ApiProxy }> {
  const proxy = await ApiProxy.start();
  const pod = new PodSim({ template: {}, secrets, kubePort: String(proxy.port) });
  if (launcher) pod.launcher = () => launcher;
  writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
  const r = await pod.start('wait', ['argoexec', 'artifact', 'delete', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], {
    ARGO_POD_NAME: `gc-${rand()}`, ARGO_TEMPLATE: '{}', ARGO_DEADLINE: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ARGO_ARTIFACT_PLUGIN_NAMES: '',
    KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(proxy.port), PATH: `${pod.executor.binDir}:/usr/bin:/bin`,
    ...env,
  }).done;
  const termination = pod.terminationMessage('wait');
  await proxy.close();
  pod.cleanup();
  return { code: r.code, stderr: r.stderr, termination, proxy };
}

/** client-go's url.Values encoding of Go's `<label> = <hash>` selector. */
const listPath = (hash: string): string => `${WFAT}?labelSelector=workflows.argoproj.io%2Fartifact-gc-pod+%3D+${hash}`;

test('91: lists the pod\'s tasks by label, deletes every artifact (relocated to archiveLocation), patches each status with the exact results', async () => {
  const hash = String(Math.floor(Math.random() * 4e9));
  const key = `gc-tests/${rand()}`;
  for (const k of ['a.tgz', 'b.tgz', 'dir/x', 'dir/y', 'keep.tgz']) await s3Put(`${key}/${k}`, k);
  const fullS3 = (k: string): Record<string, unknown> => ({ ...(archiveLocation(k).s3 as Record<string, unknown>) });
  // One prefix: the apiserver lists by name, so t1 comes before t2.
  const base = `gc-${rand()}`;
  const t1 = `${base}-0`;
  const t2 = `${base}-1`;
  const other = `${base}-other`;
  await createTask(t1, hash, {
    'wf-node-1': {
      archiveLocation: archiveLocation('ignored'),
      artifacts: {
        a: { name: 'a', path: '/tmp/a', s3: { key: `${key}/a.tgz` } },
        dir: { name: 'dir', path: '/tmp/dir', s3: { key: `${key}/dir/` } },
        l: { name: 'l', http: { url: 'http://127.0.0.1:1/x?a=1&b=<2>' } },
      },
    },
    'wf-node-0': { artifacts: { b: { name: 'b', s3: fullS3(`${key}/b.tgz`) } } },
  });
  await createTask(t2, hash, { 'wf-node-2': { artifacts: {} } });
  await createTask(other, `${hash}1`, { n: { artifacts: { keep: { name: 'keep', s3: fullS3(`${key}/keep.tgz`) } } } });

  const r = await runGC({ ARGO_ARTIFACT_POD_NAME: hash });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.termination, 'resource name may not be empty', 'FinalizeOutput of the (unnamed) task result, as in Go');

  const calls = r.proxy.requests.map((q) => `${q.method} ${q.path} ${q.status}`);
  assert.deepEqual(calls, [`GET ${listPath(hash)} 200`, `PATCH ${WFAT}/${t1}/status 200`, `PATCH ${WFAT}/${t2}/status 200`]);
  const [, p1, p2] = r.proxy.requests;
  assert.equal(p1?.contentType, 'application/merge-patch+json');
  assert.equal(p1?.body, '{"status":{"artifactResultsByNode":{'
    + '"wf-node-0":{"artifactResults":{"b":{"name":"b","success":true}}},'
    + '"wf-node-1":{"artifactResults":{"a":{"name":"a","success":true},"dir":{"name":"dir","success":true},'
    + `"l":{"name":"l","error":"${NOT_SUPPORTED}"}}}}}}`);
  assert.equal(p2?.body, '{"status":{"artifactResultsByNode":{"wf-node-2":{}}}}');

  assert.deepEqual((await getTask(t1)).status, { artifactResultsByNode: {
    'wf-node-0': { artifactResults: { b: { name: 'b', success: true } } },
    'wf-node-1': { artifactResults: { a: { name: 'a', success: true }, dir: { name: 'dir', success: true }, l: { name: 'l', error: NOT_SUPPORTED } } },
  } });
  assert.equal((await getTask(other)).status, undefined, 'another GC pod\'s task is untouched');
  assert.deepEqual(await s3Keys(key), [`${key}/keep.tgz`]);
  for (const t of [t1, t2, other]) await deleteTask(t);
});

test('91: a failing delete is retried (DefaultRetry: 5 attempts, or RETRY_BACKOFF_STEPS) and reported with success omitted and the error', async () => {
  const hash = String(Math.floor(Math.random() * 4e9));
  const task = `gc-${rand()}-0`;
  const loc = archiveLocation('unused');
  const badBucket = { ...(loc.s3 as Record<string, unknown>), bucket: 'no-such-bucket-gc', key: 'k.tgz' };
  await createTask(task, hash, { n: { artifacts: { bad: { name: 'bad', s3: badBucket } } } });
  for (const [steps, attempts] of [[undefined, 5], ['2', 2]] as const) {
    const r = await runGC({ ARGO_ARTIFACT_POD_NAME: hash, ...(steps ? { RETRY_BACKOFF_STEPS: steps } : {}) });
    assert.equal(r.code, 0, 'failures only live in the task status');
    assert.equal(r.termination, 'resource name may not be empty');
    assert.equal(r.stderr.split('\n').filter((l) => l.includes('msg="S3 Delete"')).length, attempts, r.stderr);
    const result = (await getTask(task)).status.artifactResultsByNode.n.artifactResults.bad;
    assert.deepEqual(Object.keys(result).sort(), ['error', 'name']);
    assert.equal(result.name, 'bad');
    assert.match(result.error, /bucket does not exist|NoSuchBucket/);
  }
  await deleteTask(task);
});

test('10.5: a relocate error aborts the command: earlier tasks are patched, the failing one is not, exit 64 with the error', async () => {
  const hash = String(Math.floor(Math.random() * 4e9));
  const key = `gc-tests/${rand()}`;
  await s3Put(`${key}/a.tgz`, 'a');
  const base = `gc-${rand()}`; // one prefix: listed by name, `ok` before `bad`
  const ok = `${base}-a`;
  const bad = `${base}-b`;
  await createTask(ok, hash, { n: { archiveLocation: archiveLocation('x'), artifacts: { a: { name: 'a', s3: { key: `${key}/a.tgz` } } } } });
  await createTask(bad, hash, { n: { archiveLocation: archiveLocation('x'), artifacts: { g: { name: 'g', git: { repo: '' } } } } });
  const r = await runGC({ ARGO_ARTIFACT_POD_NAME: hash });
  assert.equal(r.code, 64, r.stderr);
  assert.equal(r.termination, 'key unsupported: git artifact does not have a key');
  assert.deepEqual(r.proxy.requests.map((q) => `${q.method} ${q.path}`), [`GET ${listPath(hash)}`, `PATCH ${WFAT}/${ok}/status`]);
  assert.deepEqual((await getTask(ok)).status, { artifactResultsByNode: { n: { artifactResults: { a: { name: 'a', success: true } } } } });
  assert.equal((await getTask(bad)).status, undefined);
  assert.deepEqual(await s3Keys(key), []);
  for (const t of [ok, bad]) await deleteTask(t);
});

test('10.5, 11: ARGO_NAMESPACE chooses the namespace; a Forbidden list → exit 64 with the apiserver\'s message', async () => {
  const r = await runGC({ ARGO_ARTIFACT_POD_NAME: '1', ARGO_NAMESPACE: 'default' });
  assert.equal(r.code, 64, r.stderr);
  assert.equal(r.termination, 'workflowartifactgctasks.argoproj.io is forbidden: User "system:serviceaccount:argo:default" cannot list resource "workflowartifactgctasks" in API group "argoproj.io" in the namespace "default"');
  assert.deepEqual(r.proxy.requests.map((q) => `${q.method} ${q.status}`), ['GET 403']);
});

test('10.5: without ARGO_ARTIFACT_POD_NAME nothing is listed; exit 0', async () => {
  const r = await runGC({});
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.proxy.requests, []);
  assert.equal(r.termination, 'resource name may not be empty');
});

test('4: the bootstrap applies — an unparsable ARGO_DEADLINE panics (exit 2) before any API call', async () => {
  const noDeadline = await runGC({ ARGO_ARTIFACT_POD_NAME: '1', ARGO_DEADLINE: '' });
  assert.equal(noDeadline.code, 2, noDeadline.stderr);
  assert.equal(noDeadline.termination, 'parsing time "" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "2006"');
  assert.deepEqual(noDeadline.proxy.requests, []);
});

test('10.5: 1,000 artifacts deleted inside the GC pod\'s memory limit (64Mi: artifact_gc.go createArtifactGCPod), every object gone', { timeout: 600_000 }, async () => {
  const n = 1000;
  const hash = String(Math.floor(Math.random() * 4e9));
  const key = `gc-tests/${rand()}`;
  const names = Array.from({ length: n }, (_, i) => `a${i}`);
  for (let i = 0; i < n; i += 25) await Promise.all(names.slice(i, i + 25).map((a) => s3Put(`${key}/${a}`, a)));
  assert.equal((await s3Keys(`${key}/`)).length, n);
  const task = `gc-${rand()}-0`;
  // As the controller writes them: one node, each artifact's full S3 location (the GC pod has no archiveLocation default).
  const full = archiveLocation('x').s3 as Record<string, unknown>;
  await createTask(task, hash, { 'wf-node': { artifacts: Object.fromEntries(names.map((a) => [a, { name: a, path: `/tmp/a/${a}`, s3: { ...full, key: `${key}/${a}` } }])) } });
  const cg = new MemoryCgroup(`argoexec-gc-test-${rand()}`, 64 * 1024 * 1024);
  try {
    const r = await runGC({ ARGO_ARTIFACT_POD_NAME: hash }, S3_SECRETS, cg.launcher());
    const usage = cg.usage();
    assert.equal(usage.oomKills, 0, `OOM-killed at 64 MiB (peak ${(usage.peakBytes / 2 ** 20).toFixed(0)} MiB); exit ${r.code}; ${r.stderr.slice(-300)}`);
    assert.equal(r.code, 0, r.stderr.slice(-1000));
    assert.deepEqual(await s3Keys(`${key}/`), []);
    const st = await getTask(task);
    const results = st.status?.artifactResultsByNode?.['wf-node']?.artifactResults ?? {};
    assert.equal(Object.keys(results).length, n);
    assert.ok(Object.values(results).every((x: any) => x.success === true));
  } finally {
    cg.remove();
    await deleteTask(task);
  }
});
