/**
 * lifecycle §10.2, §16 item 87: `argoexec resource ACTION` as the main container of a resource-template
 * pod, against the real apiserver as the executor ServiceAccount (argo/default) with an admin-created
 * Role on configmaps (as users grant for resource templates). Assertions are on the objects in the
 * apiserver, the WorkflowTaskResult, exit statuses and termination messages.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  admin, CM, createConfigMap, deleteConfigMap, deleteOwnerWorkflow, getConfigMap, getTaskResult, grantExecutor, mergePatchConfigMap, NAMESPACE, rand, runRole, TR,
} from './helpers.ts';
import { deleteTaskResult } from '../wait/helpers.ts';

const SA = `system:serviceaccount:${NAMESPACE}:default`;
let revoke: (() => Promise<void>) | undefined;
const cleanup: string[] = [];

before(async () => {
  revoke = await grantExecutor(`resource-test-${rand()}`, [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['get'] },
  ]);
});
after(async () => {
  await revoke?.();
  await deleteOwnerWorkflow();
  for (const n of cleanup) await deleteConfigMap(n);
});

const cmManifest = (name: string, data: Record<string, string>, labels: Record<string, string> = {}): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\ndata: ${JSON.stringify(data)}\n`;

const completed = (tr: any): string => tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'];

test('10.2: create → object in the apiserver; jsonPath and jqFilter output parameters in the TaskResult; finalized', async () => {
  const name = `res-create-${rand()}`;
  cleanup.push(name);
  const template = {
    name: 'create-cm',
    resource: { action: 'create', manifest: cmManifest(name, { some: '{"one_value":"v1","one_list":[1,"two"],"one_dict":{"b":1,"a":"<x>"}}', phase: 'Running' }, { app: 'res' }) },
    outputs: {
      parameters: [
        { name: 'name', valueFrom: { jsonPath: '{.metadata.name}' } },
        { name: 'uid', valueFrom: { jsonPath: '{.metadata.uid}' } },
        { name: 'both', valueFrom: { jsonPath: '{.metadata.labels.app}/{.data.phase}' } },
        { name: 'value', valueFrom: { jqFilter: '.data.some | fromjson | .one_value' } },
        { name: 'list', valueFrom: { jqFilter: '.data.some | fromjson | .one_list' } },
        { name: 'dict', valueFrom: { jqFilter: '.data.some | fromjson | .one_dict' } },
        { name: 'lines', valueFrom: { jqFilter: '.data.some | fromjson | .one_list[]' } },
        { name: 'plain', value: 'kept' },
      ],
    },
  };
  const r = await runRole(['resource', 'create'], template);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.termination, '');
  const cm = await getConfigMap(name);
  assert.deepEqual(cm.data, { some: '{"one_value":"v1","one_list":[1,"two"],"one_dict":{"b":1,"a":"<x>"}}', phase: 'Running' });
  assert.deepEqual(cm.metadata.labels, { app: 'res' });
  assert.equal(cm.metadata.managedFields[0].manager, 'kubectl-create');
  assert.match(r.stderr, new RegExp(`msg="kubectl create -f /tmp/manifest.yaml -o json"`));
  assert.match(r.stderr, new RegExp(`msg=Resource .*resource=configmap./${name} selfLink=api/v1/namespaces/${NAMESPACE}/configmaps/${name}`));

  const tr = await getTaskResult(r.nodeId);
  assert.equal(completed(tr), 'true');
  assert.deepEqual(tr.outputs, {
    parameters: [
      { name: 'name', value: name, valueFrom: { jsonPath: '{.metadata.name}' } },
      { name: 'uid', value: cm.metadata.uid, valueFrom: { jsonPath: '{.metadata.uid}' } },
      { name: 'both', value: 'res/Running', valueFrom: { jsonPath: '{.metadata.labels.app}/{.data.phase}' } },
      { name: 'value', value: 'v1', valueFrom: { jqFilter: '.data.some | fromjson | .one_value' } },
      { name: 'list', value: '[1,"two"]', valueFrom: { jqFilter: '.data.some | fromjson | .one_list' } },
      { name: 'dict', value: '{"a":"\\u003cx\\u003e","b":1}', valueFrom: { jqFilter: '.data.some | fromjson | .one_dict' } },
      { name: 'lines', value: '1\ntwo', valueFrom: { jqFilter: '.data.some | fromjson | .one_list[]' } },
      { name: 'plain', value: 'kept' },
    ],
  });
  await deleteTaskResult(r.nodeId);
});

test('10.2: create of an existing object → exit 64 with kubectl\'s AlreadyExists text after "no more retries"', async () => {
  const name = `res-exists-${rand()}`;
  cleanup.push(name);
  await createConfigMap(name, { a: '1' });
  const r = await runRole(['resource', 'create'], { resource: { action: 'create', manifest: cmManifest(name, { a: '2' }) } });
  assert.equal(r.code, 64, r.stderr);
  assert.equal(r.termination, `no more retries Error from server (AlreadyExists): error when creating "/tmp/manifest.yaml": configmaps "${name}" already exists`);
  assert.deepEqual((await getConfigMap(name)).data, { a: '1' });
  assert.equal(completed(await getTaskResult(r.nodeId)), 'true', 'FinalizeOutput still runs');
  await deleteTaskResult(r.nodeId);
});

test('10.2 step 7: successCondition polled every RESOURCE_STATE_CHECK_INTERVAL until the object matches', async () => {
  const name = `res-wait-${rand()}`;
  cleanup.push(name);
  const template = {
    resource: { action: 'create', manifest: cmManifest(name, { phase: 'Pending', count: '0' }), successCondition: 'data.phase == Succeeded, data.count > 2', failureCondition: 'data.phase in (Failed, Error)' },
  };
  const started = Date.now();
  const r = await runRole(['resource', 'create'], template, {
    env: { RESOURCE_STATE_CHECK_INTERVAL: '200ms' },
    during: async () => {
      const deadline = Date.now() + 20_000;
      while (!(await getConfigMap(name)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      await new Promise((res) => setTimeout(res, 800));
      await mergePatchConfigMap(name, { data: { phase: 'Succeeded' } });
      await new Promise((res) => setTimeout(res, 600));
      await mergePatchConfigMap(name, { data: { count: '3' } });
    },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - started >= 1400);
  assert.match(r.stderr, /msg="Waiting for conditions" argo=true conditions="data.count>2,data.phase==Succeeded"/);
  assert.match(r.stderr, /msg="failure condition '\{data.phase in \[Error Failed\]\}' evaluated false"/);
  assert.match(r.stderr, /msg="success conditions matched" argo=true numMatched=1 total=2/);
  assert.match(r.stderr, /msg="Returning from successful wait for resource"/);
  const polls = r.stderr.split('\n').filter((l) => l.includes('msg="success conditions matched"')).length;
  assert.ok(polls >= 5, `polled every 200ms (${polls} checks)`);
  await deleteTaskResult(r.nodeId);
});

test('10.2 step 7: failure condition → exit 64 "failure condition \'<req>\' evaluated true"; deleted object → not retried', async () => {
  const name = `res-fail-${rand()}`;
  cleanup.push(name);
  const template = { resource: { action: 'create', manifest: cmManifest(name, { phase: 'Pending' }), successCondition: 'data.phase == Succeeded', failureCondition: 'data.phase in (Failed, Error)' } };
  const r = await runRole(['resource', 'create'], template, {
    env: { RESOURCE_STATE_CHECK_INTERVAL: '100ms' },
    during: async () => {
      const deadline = Date.now() + 20_000;
      while (!(await getConfigMap(name)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      await mergePatchConfigMap(name, { data: { phase: 'Error' } });
    },
  });
  assert.equal(r.code, 64, r.stderr);
  assert.equal(r.termination, "failure condition '{data.phase in [Error Failed]}' evaluated true", 'the requirement as Go\'s %s prints the struct');
  assert.equal(completed(await getTaskResult(r.nodeId)), 'true');
  await deleteTaskResult(r.nodeId);

  const gone = `res-gone-${rand()}`;
  const r2 = await runRole(['resource', 'create'], { resource: { action: 'create', manifest: cmManifest(gone, {}), successCondition: 'data.phase == Succeeded' } }, {
    env: { RESOURCE_STATE_CHECK_INTERVAL: '100ms' },
    during: async () => {
      const deadline = Date.now() + 20_000;
      while (!(await getConfigMap(gone)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      await deleteConfigMap(gone);
    },
  });
  assert.equal(r2.code, 64, r2.stderr);
  assert.equal(r2.termination, `The resource has been deleted while its status was still being checked. Will not be retried: configmaps "${gone}" not found`);
  await deleteTaskResult(r2.nodeId);

  const bad = await runRole(['resource', 'get'], { resource: { action: 'get', manifest: cmManifest(name, {}), successCondition: 'data.phase === x' } });
  assert.equal(bad.code, 64);
  assert.equal(bad.termination, "success condition 'data.phase === x' failed to parse: unable to parse requirement: found '=', expected: identifier");
  await deleteTaskResult(bad.nodeId);
});

test('87: delete with a successCondition → exit 64 "successCondition, failureCondition and outputs are not supported for delete action"', async () => {
  const name = `res-del87-${rand()}`;
  cleanup.push(name);
  await createConfigMap(name, {});
  const r = await runRole(['resource', 'delete'], { resource: { action: 'delete', manifest: cmManifest(name, {}), successCondition: 'data.x == y' } });
  assert.equal(r.code, 64, r.stderr);
  assert.equal(r.termination, 'successCondition, failureCondition and outputs are not supported for delete action');
  assert.ok(await getConfigMap(name), 'nothing deleted');
  const tr = await getTaskResult(r.nodeId);
  assert.equal(completed(tr), 'true');
  assert.equal(tr.outputs, undefined, 'InitializeOutput placeholder only');
  await deleteTaskResult(r.nodeId);
});

test('10.2: delete -f (missing objects ignored) and delete by flags `configmap --selector …` with -n', async () => {
  const a = `res-del-${rand()}`;
  await createConfigMap(a, {});
  const r = await runRole(['resource', 'delete'], { resource: { action: 'delete', manifest: `${cmManifest(a, {})}---\n${cmManifest(`never-${rand()}`, {})}` } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await getConfigMap(a), undefined);
  assert.match(r.stderr, /msg="kubectl delete --ignore-not-found -f \/tmp\/manifest.yaml -o name"/);
  await deleteTaskResult(r.nodeId);

  const sel = `sel-${rand()}`;
  const victims = [`res-sel-${rand()}`, `res-sel-${rand()}`];
  const keep = `res-keep-${rand()}`;
  cleanup.push(keep);
  for (const v of victims) await createConfigMap(v, {}, { group: sel });
  await createConfigMap(keep, {}, { group: `${sel}-other` });
  const r2 = await runRole(['resource', 'delete'], { resource: { action: 'delete', flags: ['configmap', '--selector', `group=${sel}`, '-n', NAMESPACE] } });
  assert.equal(r2.code, 0, r2.stderr);
  for (const v of victims) assert.equal(await getConfigMap(v), undefined);
  assert.ok(await getConfigMap(keep));
  await deleteTaskResult(r2.nodeId);
});

test('10.2: apply (kubectl\'s client-side apply: last-applied annotation, pruning) creates then updates; --server-side applies; replace swaps the data', async () => {
  const name = `res-apply-${rand()}`;
  cleanup.push(name);
  const r1 = await runRole(['resource', 'apply'], { resource: { action: 'apply', manifest: cmManifest(name, { a: '1', b: '2' }) } });
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual((await getConfigMap(name)).data, { a: '1', b: '2' });
  const r2 = await runRole(['resource', 'apply'], { resource: { action: 'apply', manifest: cmManifest(name, { a: '10' }) } });
  assert.equal(r2.code, 0, r2.stderr);
  const cm = await getConfigMap(name);
  assert.deepEqual(cm.data, { a: '10' }, 'fields no longer applied are removed');
  assert.deepEqual(cm.metadata.managedFields.map((m: any) => `${m.manager}/${m.operation}`), ['kubectl-client-side-apply/Update']);
  assert.deepEqual(JSON.parse(cm.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).data, { a: '10' });
  const r3 = await runRole(['resource', 'apply'], { resource: { action: 'apply', flags: ['--server-side', '--force-conflicts'], manifest: cmManifest(name, { a: 'ss' }) } });
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stderr, /msg="kubectl apply --server-side --force-conflicts -f \/tmp\/manifest.yaml -o json"/);
  const ss = await getConfigMap(name);
  assert.deepEqual(ss.data, { a: 'ss' });
  assert.ok(ss.metadata.managedFields.some((m: any) => m.manager === 'kubectl' && m.operation === 'Apply'), 'server-side apply, field manager kubectl');
  const r4 = await runRole(['resource', 'replace'], { resource: { action: 'replace', manifest: cmManifest(name, { z: 'z' }) } });
  assert.equal(r4.code, 0, r4.stderr);
  assert.deepEqual((await getConfigMap(name)).data, { z: 'z' });
  for (const r of [r1, r2, r3, r4]) await deleteTaskResult(r.nodeId);
});

test('10.2: patch — merge and json with `TYPE NAME` flags, strategic from the manifest; strategic on a custom resource refused as kubectl does', async () => {
  const name = `res-patch-${rand()}`;
  cleanup.push(name);
  await createConfigMap(name, { a: '1' });
  const merge = await runRole(['resource', 'patch'], {
    resource: { action: 'patch', mergeStrategy: 'merge', flags: ['configmap', name], manifest: 'data:\n  b: "2"\nmetadata:\n  annotations:\n    foo: bar\n' },
    outputs: { parameters: [{ name: 'b', valueFrom: { jsonPath: '{.data.b}' } }] },
  });
  assert.equal(merge.code, 0, merge.stderr);
  assert.match(merge.stderr, new RegExp(`msg="kubectl patch --type merge --patch-file /tmp/manifest.yaml configmap ${name} -o json"`));
  assert.deepEqual((await getConfigMap(name)).data, { a: '1', b: '2' });
  assert.equal((await getConfigMap(name)).metadata.annotations.foo, 'bar');
  assert.equal((await getTaskResult(merge.nodeId)).outputs.parameters[0].value, '2');

  const json = await runRole(['resource', 'patch'], {
    resource: { action: 'patch', mergeStrategy: 'json', flags: ['configmap', name], manifest: '- op: add\n  path: /metadata/labels\n  value: {x: "y"}\n- op: remove\n  path: /data/a\n' },
  });
  assert.equal(json.code, 0, json.stderr);
  const cm = await getConfigMap(name);
  assert.deepEqual(cm.data, { b: '2' });
  assert.deepEqual(cm.metadata.labels, { x: 'y' });

  const strategic = await runRole(['resource', 'patch'], { resource: { action: 'patch', manifest: cmManifest(name, { c: '3' }) } });
  assert.equal(strategic.code, 0, strategic.stderr);
  assert.deepEqual((await getConfigMap(name)).data, { b: '2', c: '3' });

  // A WorkflowTaskResult (a custom resource the executor may patch): strategic merge is refused (415) and
  // reported as kubectl does (no fallback); `mergeStrategy: merge` patches it.
  const trName = `res-cr-${rand()}`;
  const created = await admin.req('POST', TR, { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTaskResult', metadata: { name: trName, labels: { a: 'b' } } });
  assert.equal(created.status, 201, created.text);
  const patch = 'metadata:\n  labels:\n    patched: "yes"\n';
  const refused = await runRole(['resource', 'patch'], { resource: { action: 'patch', flags: ['workflowtaskresult', trName], manifest: patch } });
  assert.equal(refused.code, 64, refused.stderr);
  assert.equal(refused.termination, 'no more retries error: application/strategic-merge-patch+json is not supported by argoproj.io/v1alpha1, Kind=WorkflowTaskResult: '
    + 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  assert.deepEqual((await admin.req('GET', `${TR}/${trName}`)).body.metadata.labels, { a: 'b' });
  const cr = await runRole(['resource', 'patch'], { resource: { action: 'patch', mergeStrategy: 'merge', flags: ['workflowtaskresult', trName], manifest: patch } });
  assert.equal(cr.code, 0, cr.stderr);
  assert.deepEqual((await admin.req('GET', `${TR}/${trName}`)).body.metadata.labels, { a: 'b', patched: 'yes' });
  await admin.req('DELETE', `${TR}/${trName}`);
  for (const r of [merge, json, strategic, refused, cr]) await deleteTaskResult(r.nodeId);
});

test('10.2: get — output parameters from an existing object; a missing object → exit 64 NotFound', async () => {
  const name = `res-get-${rand()}`;
  cleanup.push(name);
  await createConfigMap(name, { k: 'v' });
  const r = await runRole(['resource', 'get'], {
    resource: { action: 'get', manifest: cmManifest(name, {}) },
    outputs: { parameters: [{ name: 'k', valueFrom: { jsonPath: '{.data.k}' } }, { name: 'all', valueFrom: { jqFilter: '.data' } }] },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await getTaskResult(r.nodeId)).outputs.parameters.map((p: any) => p.value), ['v', '{"k":"v"}']);
  await deleteTaskResult(r.nodeId);

  const missing = `res-missing-${rand()}`;
  const r2 = await runRole(['resource', 'get'], { resource: { action: 'get', manifest: cmManifest(missing, {}) } });
  assert.equal(r2.code, 64, r2.stderr);
  assert.equal(r2.termination, `no more retries Error from server (NotFound): configmaps "${missing}" not found`);
  await deleteTaskResult(r2.nodeId);
});

test('10.2: manifestFrom.artifact reads the input artifact\'s path, not /tmp/manifest.yaml', async () => {
  const name = `res-from-${rand()}`;
  cleanup.push(name);
  const r = await runRole(['resource', 'create'], {
    inputs: { artifacts: [{ name: 'other', path: '/tmp/other.yaml' }, { name: 'manifest', path: '/tmp/in/manifest.yaml' }] },
    resource: { action: 'create', manifest: 'ignored: true', manifestFrom: { artifact: { name: 'manifest' } } },
  }, { tmpFiles: { 'in/manifest.yaml': cmManifest(name, { from: 'artifact' }), 'other.yaml': 'x: 1' } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await getConfigMap(name)).data, { from: 'artifact' });
  assert.match(r.stderr, /msg="kubectl create -f \/tmp\/in\/manifest.yaml -o json"/);
  await deleteTaskResult(r.nodeId);
});

test('10.2: refusals — no manifest and no flags, RBAC Forbidden, unknown kubectl flag, unknown kind, multiple objects', async () => {
  const empty = await runRole(['resource', 'create'], { resource: { action: 'create', manifest: '' } });
  assert.equal(empty.code, 64);
  assert.equal(empty.termination, 'Must provide at least one of flags or manifest.');

  const secret = `res-secret-${rand()}`;
  const forbidden = await runRole(['resource', 'create'], { resource: { action: 'create', manifest: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${secret}\n` } });
  assert.equal(forbidden.code, 64);
  assert.equal(forbidden.termination, `no more retries Error from server (Forbidden): error when creating "/tmp/manifest.yaml": secrets is forbidden: User "${SA}" cannot create resource "secrets" in API group "" in the namespace "${NAMESPACE}"`);

  // A flag kubectl does not know: cobra's error, returned by Go's embedded kubectl as is (no "error: ").
  const flag = await runRole(['resource', 'create'], { resource: { action: 'create', flags: ['--nope'], manifest: cmManifest(`x-${rand()}`, {}) } });
  assert.equal(flag.code, 64);
  assert.equal(flag.termination, "no more retries unknown flag: --nope\nSee 'kubectl create --help' for usage.");

  const kind = await runRole(['resource', 'create'], { resource: { action: 'create', manifest: 'apiVersion: example.com/v1\nkind: Nope\nmetadata:\n  name: x\n' } });
  assert.equal(kind.code, 64);
  assert.equal(kind.termination, 'no more retries error: resource mapping not found for name: "x" namespace: "" from "/tmp/manifest.yaml": no matches for kind "Nope" in version "example.com/v1"\nensure CRDs are installed first');

  const a = `res-multi-${rand()}`;
  const b = `res-multi-${rand()}`;
  cleanup.push(a, b);
  const multi = await runRole(['resource', 'create'], { resource: { action: 'create', manifest: `${cmManifest(a, {})}---\n${cmManifest(b, {})}` } });
  assert.equal(multi.code, 64, 'kubectl create prints one object after the other; Go unmarshals the output as one');
  assert.equal(multi.termination, "invalid character '{' after top-level value");
  assert.ok(await getConfigMap(a));
  assert.ok(await getConfigMap(b));

  const args = await runRole(['resource'], { resource: { action: 'create', manifest: cmManifest(`x-${rand()}`, {}) } });
  assert.equal(args.code, 64);
  assert.equal(args.termination, 'accepts 1 arg(s), received 0');
  for (const r of [empty, forbidden, flag, kind, multi]) await deleteTaskResult(r.nodeId);
  void CM;
});

test('10.2: get --ignore-not-found of a missing object → no output: parameters take their default (or ""); archived logs → wait finalizes, not resource', async () => {
  const missing = `res-none-${rand()}`;
  const r = await runRole(['resource', 'get'], {
    resource: { action: 'get', flags: ['--ignore-not-found'], manifest: cmManifest(missing, {}) },
    outputs: { parameters: [{ name: 'a', valueFrom: { jsonPath: '{.data.a}', default: 'dflt' } }, { name: 'b', valueFrom: { jqFilter: '.data' } }] },
  });
  assert.equal(r.code, 0, r.stderr);
  const tr = await getTaskResult(r.nodeId);
  assert.deepEqual(tr.outputs.parameters.map((p: any) => p.value), ['dflt', '']);
  assert.equal(completed(tr), 'true');
  await deleteTaskResult(r.nodeId);

  const name = `res-logs-${rand()}`;
  cleanup.push(name);
  const archived = await runRole(['resource', 'create'], { resource: { action: 'create', manifest: cmManifest(name, {}) }, archiveLocation: { archiveLogs: true } });
  assert.equal(archived.code, 0, archived.stderr);
  assert.equal(completed(await getTaskResult(archived.nodeId)), 'false', 'the wait container finalizes when logs are archived');
  await deleteTaskResult(archived.nodeId);
});

test('10.2 step 7: SIGTERM while waiting for the conditions → exit 64 "context canceled", still finalized (as Go)', async () => {
  const name = `res-term-${rand()}`;
  cleanup.push(name);
  await createConfigMap(name, { a: '1' });
  const r = await runRole(['resource', 'get'], { resource: { action: 'get', manifest: cmManifest(name, {}), successCondition: 'data.a == 2' } }, {
    env: { RESOURCE_STATE_CHECK_INTERVAL: '300ms' },
    during: async (pid1) => {
      await new Promise((res) => setTimeout(res, 1500));
      process.kill(pid1(), 'SIGTERM');
    },
  });
  assert.equal(r.code, 64, r.stderr);
  assert.equal(r.termination, 'context canceled');
  // Go's WaitResource: wait.Interrupted(ctx's error) → this warning, then the error (functional/resource-template.yaml,
  // stopped through the controller, archives it in main.log with the Go reference)
  assert.match(r.stderr, /Waiting for resource resulted in timeout due to repeated errors/);
  assert.equal(completed(await getTaskResult(r.nodeId)), 'true');
  await deleteTaskResult(r.nodeId);
});
