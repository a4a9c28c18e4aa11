// The Kubernetes API server is real, and the argo/default ServiceAccount has exactly the
// quick-start executor/agent/artifactgc permissions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { need } from './env.ts';
import { Kube } from './kube.ts';

const admin = () => new Kube(need('KUBECONFIG'));
const executor = () => new Kube(need('EXECUTOR_KUBECONFIG'));
const ns = () => need('ARGO_NAMESPACE');
const wtrPath = (name = '') => `/apis/argoproj.io/v1alpha1/namespaces/${ns()}/workflowtaskresults${name ? '/' + name : ''}`;

test('apiserver answers /version and serves all 8 Argo CRDs as established', async () => {
  const a = admin();
  const v = await a.req('GET', '/version');
  assert.equal(v.status, 200, v.text);
  assert.match(v.body.gitVersion, /^v1\.3[4-6]\./);
  const crds = await a.req('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
  assert.equal(crds.status, 200, crds.text);
  const argo = crds.body.items.filter((c: any) => c.spec.group === 'argoproj.io');
  assert.equal(argo.length, 8, argo.map((c: any) => c.metadata.name).join(','));
  for (const c of argo) {
    const est = (c.status.conditions ?? []).find((x: any) => x.type === 'Established');
    assert.equal(est?.status, 'True', `${c.metadata.name} not established`);
  }
});

test('the executor token authenticates as system:serviceaccount:argo:default', async () => {
  const r = await executor().req('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview',
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.status.userInfo.username, `system:serviceaccount:${ns()}:default`);
  assert.ok(r.body.status.userInfo.groups.includes('system:serviceaccounts'));
});

test('what a controller-manager would create exists: kube-root-ca.crt and the SA token secret', async () => {
  const a = admin();
  const cm = await a.req('GET', `/api/v1/namespaces/${ns()}/configmaps/kube-root-ca.crt`);
  assert.equal(cm.status, 200, cm.text);
  assert.equal(cm.body.data['ca.crt'], readFileSync(need('KUBE_CA_FILE'), 'utf8'));
  const s = await a.req('GET', `/api/v1/namespaces/${ns()}/secrets/default.service-account-token`);
  assert.equal(s.status, 200, s.text);
  assert.equal(s.body.type, 'kubernetes.io/service-account-token');
  assert.equal(s.body.metadata.annotations['kubernetes.io/service-account.name'], 'default');
  const token = Buffer.from(s.body.data.token, 'base64').toString();
  assert.equal(token, readFileSync(need('EXECUTOR_TOKEN_FILE'), 'utf8'));
  assert.equal(Buffer.from(s.body.data.namespace, 'base64').toString(), ns());
});

test('argo/default can create and patch a WorkflowTaskResult (executor role)', async (t) => {
  const e = executor();
  const a = admin();
  const name = `stack-smoke-${randomBytes(4).toString('hex')}`;
  t.after(async () => { await a.req('DELETE', wtrPath(name)); });

  const created = await e.req('POST', wtrPath(), {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTaskResult',
    metadata: { name, labels: { 'workflows.argoproj.io/workflow': 'stack-smoke', 'workflows.argoproj.io/report-outputs-completed': 'false' } },
    outputs: { parameters: [{ name: 'p', value: 'v1' }], exitCode: '0' },
    progress: '0/1',
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.metadata.name, name);
  assert.equal(created.body.outputs.parameters[0].value, 'v1');

  const patched = await e.req('PATCH', wtrPath(name), {
    metadata: { labels: { 'workflows.argoproj.io/report-outputs-completed': 'true' } },
    outputs: { parameters: [{ name: 'p', value: 'v2' }], exitCode: '0' },
    progress: '1/1',
  }, 'application/merge-patch+json');
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.progress, '1/1');

  // Read it back as admin (the executor role has no `get`).
  const got = await a.req('GET', wtrPath(name));
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.outputs.parameters[0].value, 'v2');
  assert.equal(got.body.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
});

test('argo/default is denied what the quick-start roles do not grant (403)', async () => {
  const e = executor();
  for (const [method, path] of [
    ['GET', `/api/v1/namespaces/${ns()}/secrets`],
    ['GET', wtrPath()],
    ['GET', `/api/v1/namespaces/${ns()}/pods`],
    ['GET', `/apis/argoproj.io/v1alpha1/namespaces/${ns()}/workflows`],
    ['GET', '/api/v1/namespaces/default/secrets'],
  ] as const) {
    const r = await e.req(method, path);
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.body.reason, 'Forbidden');
  }
});

test('argo/default may list/watch WorkflowTaskSets and WorkflowArtifactGCTasks (agent, artifactgc roles)', async () => {
  const e = executor();
  for (const plural of ['workflowtasksets', 'workflowartifactgctasks']) {
    const r = await e.req('GET', `/apis/argoproj.io/v1alpha1/namespaces/${ns()}/${plural}`);
    assert.equal(r.status, 200, `${plural}: ${r.text}`);
    assert.ok(Array.isArray(r.body.items));
  }
});

test('a forged token (bad signature) is rejected with 401', async () => {
  const token = readFileSync(need('EXECUTOR_TOKEN_FILE'), 'utf8');
  const [h, p, sig = ''] = token.split('.');
  assert.ok(sig.length > 10, 'token has no signature');
  const forged = [h, p, (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)].join('.');
  const r = await new Kube(need('EXECUTOR_KUBECONFIG'), forged).req('GET', `/apis/argoproj.io/v1alpha1/namespaces/${ns()}/workflowtasksets`);
  assert.equal(r.status, 401, r.text);
});
