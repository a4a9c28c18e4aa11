/**
 * What the e2e runner provides for the `needs` of Argo's e2e rows (test/e2e/lib/needs.ts): every need written
 * in test/e2e/argo-tests.yaml is either provided or reported unmet (never silently dropped), and the provided
 * objects are Argo's own quick-start ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { ROOT } from '../e2e/lib/env.ts';
import { loadExpectations } from '../e2e/lib/argo-tests.ts';
import { provide, provideAll, type NeedContext } from '../e2e/lib/needs.ts';

// The quick-start files are plain single-document YAML; the runner reads them with Argo's parser.
const ctx: NeedContext = {
  buckets: new Set(['my-bucket', 'my-bucket-2']),
  parse: (file) => loadAll(readFileSync(file, 'utf8')).filter(Boolean) as Record<string, any>[],
  httpbin: 'http://127.0.0.1:39100',
};

test('my-httpbin-cred is the quick-start Secret, its tokenURL on the stack httpbin', () => {
  const r = provide('secret: my-httpbin-cred (clientID, clientSecret, tokenURL)', ctx);
  assert.ok('provision' in r);
  const [secret] = r.provision.support!;
  assert.equal(secret!.kind, 'Secret');
  assert.equal(secret!.metadata.name, 'my-httpbin-cred');
  assert.equal(secret!.stringData.user, 'admin');
  assert.equal(secret!.stringData.tokenURL, 'http://127.0.0.1:39100/base64/YWNjZXNzX3Rva2VuPWZha2V0b2tlbg==');
  assert.match(secret!.stringData['cert.pem'], /BEGIN CERTIFICATE/);
});

test('the github.com ServiceAccount comes with its quick-start role binding only', () => {
  const r = provide('serviceaccount: github.com with no executor role (quick-start webhooks/github.com-sa; only the submit-workflow-template role)', ctx);
  assert.ok('provision' in r);
  assert.deepEqual(r.provision.support!.map((d) => `${d.kind}/${d.metadata.name}`).sort(), ['Role/submit-workflow-template', 'RoleBinding/github.com', 'ServiceAccount/github.com']);
});

test('met by the stack, unmet, and alone', () => {
  assert.ok('provision' in provide("rbac: the executor's ServiceAccount may create/get pods (quick-start pod-manager role)", ctx));
  assert.ok('provision' in provide('bucket: my-bucket-2', ctx));
  assert.deepEqual(provide('bucket: not-created', ctx), { unmet: 'bucket: not-created' });
  const gone = provide('bucket: bucket-that-does-not-exist-2 must NOT exist beforehand (createBucketIfNotPresent)', ctx);
  assert.ok('provision' in gone && typeof gone.provision.before === 'function');
  const pods = provide('quota: ResourceQuota pods: 2 in namespace argo while it runs (the second item waits for the first)', ctx);
  assert.ok('provision' in pods && pods.provision.alone && pods.provision.before && pods.provision.after && !pods.provision.watch);
  // the quota is deleted once both nodes are Pending: the action belongs to the quota
  const pending = provideAll(['quota: ResourceQuota memory 130M (limits) while it runs', 'action: once nodes a(0) and b(0) are both Pending, delete the quota'], ctx);
  assert.ok('provision' in pending && pending.provision.alone && pending.provision.watch);
  assert.deepEqual(provideAll(['action: once nodes a and b are both Pending, delete the quota'], ctx), { unmet: 'action: once nodes a and b are both Pending, delete the quota' });
  const alone = provideAll(['alone: another test defines test-exit-handler', 'stack: http://httpbin:9100'], ctx);
  assert.ok('provision' in alone && alone.provision.alone === true);
  // a Role of exactly the named pod verbs, bound to the default ServiceAccount (pod-termination-failure)
  const verbs = provide('rbac: the default ServiceAccount may list and delete pods (check-status, delete-sleep-pod)', ctx);
  assert.ok('provision' in verbs);
  const [role, binding] = verbs.provision.support ?? [];
  assert.deepEqual(role?.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['delete', 'list'] }]);
  assert.deepEqual([binding?.kind, binding?.roleRef.name, binding?.subjects], ['RoleBinding', role?.metadata.name, [{ kind: 'ServiceAccount', name: 'default' }]]);
  // workflows (argoproj.io) for another ServiceAccount (TestDeleteWorkflow's `argo delete -l …` as the argo SA)
  const wfs = provide('rbac: the argo ServiceAccount may get, list and delete workflows (argo delete -l)', ctx);
  assert.ok('provision' in wfs);
  const [wrole, wbinding] = wfs.provision.support ?? [];
  assert.deepEqual(wrole?.rules, [{ apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['delete', 'get', 'list'] }]);
  assert.deepEqual(wbinding?.subjects, [{ kind: 'ServiceAccount', name: 'argo' }]);
  // anything else is not provided
  assert.ok('unmet' in provide('rbac: the argo ServiceAccount may delete secrets', ctx));
  // the first unmet need decides, whatever comes before it
  assert.deepEqual(provideAll(['alone: x', 'controller-config: retentionPolicy'], ctx), { unmet: 'controller-config: retentionPolicy' });
});

test('the progress watch needs both nodes at each value, in order', () => {
  const r = provide('watch: while it runs, the workflow node and node `progress` must reach progress 0/100, then 50/100 (the executor reports $ARGO_PROGRESS_FILE)', ctx);
  assert.ok('provision' in r && r.provision.watch);
  const wf = (root: string, node: string) => ({ metadata: { name: 'p' }, status: { nodes: { p: { displayName: 'p', progress: root }, 'p-1': { displayName: 'progress', progress: node } } } });
  const w = r.provision.watch();
  w.onPoll(wf('0/100', '0/100'));
  w.onPoll(wf('0/100', '50/100')); // not both
  assert.equal(w.failures!().length, 1);
  assert.match(w.failures!()[0]!, /never both showed 50\/100 .*seen in order: 0\/100/);
  w.onPoll(wf('50/100', '50/100'));
  assert.deepEqual(w.failures!(), []);
  const skipped = r.provision.watch();
  skipped.onPoll(wf('50/100', '50/100')); // 50 before 0 does not count
  assert.match(skipped.failures!()[0]!, /never both showed 0\/100/);
});

test('every need of argo-tests.yaml is classified; the unmet ones are the kinds the runner lacks', () => {
  const expectations = loadExpectations(join(ROOT, 'test/e2e/argo-tests.yaml'));
  const unmet = new Set<string>();
  for (const e of Object.values(expectations)) {
    // met by the selection itself (argo-tests-select.ts metHere)
    const needs = (e.needs ?? []).filter((n) => !n.startsWith('decode: ') && !n.startsWith('watch: after completion wait until status.artifactGCStatus.podsRecouped') && !n.startsWith("action: after the checks, remove the workflow's finalizers"));
    const r = provideAll(needs, { ...ctx, buckets: new Set(['my-bucket', 'my-bucket-2', 'my-bucket-3', 'plugin-bucket']) });
    if ('unmet' in r) unmet.add(r.unmet.split(':', 1)[0]!);
  }
  // what is still not provided: documented in docs/e2e.md
  assert.deepEqual([...unmet].sort(), ['controller-config']);
});

test('TestWorkflowTTL: its watch starts with the workflow, keeps its last version, and fails the row without the deletion', () => {
  const need = loadExpectations(join(ROOT, 'test/e2e/argo-tests.yaml'))['e2e/functional_test.go:TestWorkflowTTL']!.needs![0]!;
  const r = provideAll([need], ctx);
  assert.ok('provision' in r && r.provision.watch, 'a watch is provided');
  const w = r.provision.watch!();
  assert.equal(typeof w.started, 'function');
  assert.equal(w.lastVersion?.(), undefined, 'nothing seen before it starts');
  assert.deepEqual(w.failures?.(), ['the watch never saw the workflow finished']);
});

test('TestDeleteWorkflow: a self-deleting workflow\'s watch keeps the version that finished and waits for the deletion (settled)', async () => {
  const expectations = loadExpectations(join(ROOT, 'test/e2e/argo-tests.yaml'));
  const need = expectations['e2e/artifacts_test.go:TestDeleteWorkflow']!.needs!.find((n) => n.startsWith('watch: '))!;
  // combined with other needs, as the row has them: settled is passed on
  const r = provideAll(['alone: x', need], ctx);
  assert.ok('provision' in r && r.provision.watch);
  const w = r.provision.watch!();
  assert.equal(typeof w.settled, 'function');
  assert.deepEqual(w.failures?.(), ['the watch never saw the workflow finished']);
  // a watch without a deletion to wait for has no settled
  const other = provideAll(['alone: x'], ctx);
  assert.ok('provision' in other && other.provision.watch === undefined);
});

test('executor plugins: Argo\'s two plugin ConfigMaps around the row, alone, its pods in their own network namespace', () => {
  const parsed: string[] = [];
  const r = provide('plugins: the executor plugin ConfigMaps of test-e2e/manifests/plugins (hello, massive) while it runs', { ...ctx, parse: (f) => { parsed.push(f); return ctx.parse(f); } });
  assert.ok('provision' in r);
  assert.equal(r.provision.alone, true);
  assert.equal(r.provision.podNetns, true);
  assert.ok(r.provision.before && r.provision.after, 'applied before, deleted after');
  assert.deepEqual(parsed.map((f) => f.split('/').slice(-3).join('/')), ['manifests/plugins/hello-executor-plugin-configmap.yaml', 'manifests/plugins/massive-executor-plugin-configmap.yaml']);
  assert.equal(r.provision.support, undefined, 'never applied with the other support objects (every agent pod would run the plugins)');
  assert.ok('unmet' in provide('plugins: some other plugin', ctx));
});
