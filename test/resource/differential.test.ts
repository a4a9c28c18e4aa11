/**
 * lifecycle §10.2: the same resource templates run by our executor and by the Go reference
 * (REFERENCE_ARGOEXEC, v4.0.5 with its embedded kubectl) in identical simulated containers against the
 * real apiserver: exit status, termination message, TaskResult outputs and finalization label must match.
 * (Wildcards over maps are left out: Go iterates maps in random order.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { GO_EXECUTOR, PodSim, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { admin, createConfigMap, deleteConfigMap, deleteOwnerWorkflow, getConfigMap, grantExecutor, ownerWorkflow, rand, TR } from './helpers.ts';
import { deleteTaskResult, getTaskResult } from '../wait/helpers.ts';

const haveGo = existsSync(STACK.REFERENCE_ARGOEXEC ?? '/nonexistent');
let revoke: (() => Promise<void>) | undefined;
const existing = `diff-${rand()}`;

before(async () => {
  if (!haveGo) return;
  revoke = await grantExecutor(`resource-diff-${rand()}`, [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'] },
    { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['get'] },
  ]);
  await createConfigMap(existing, { a: '1', some: '{"l":[1,"x"],"d":{"b":1,"a":"<"}}' });
  const r = await admin.req('POST', TR, { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTaskResult', metadata: { name: existing } });
  assert.equal(r.status, 201, r.text);
});
after(async () => {
  if (!haveGo) return;
  await deleteConfigMap(existing);
  await admin.req('DELETE', `${TR}/${existing}`);
  await revoke?.();
  await deleteOwnerWorkflow();
});

const cm = (name: string, data: Record<string, string> = {}): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: ${JSON.stringify(data)}\n`;

async function run(exec: Executor, action: string, template: Record<string, unknown>): Promise<{ code: number | null; termination: string; outputs: string; completed: string | undefined }> {
  const wf = await ownerWorkflow();
  const pod = new PodSim({ template, executor: exec }, { workflowName: wf.name, workflowUid: wf.uid, nodeId: `${wf.name}-${Math.floor(Math.random() * 1e9)}` });
  const env: Record<string, string> = {
    ARGO_POD_NAME: `${pod.nodeId}-pod`, ARGO_POD_UID: '11111111-2222-4333-8444-555555555555', ARGO_WORKFLOW_NAME: pod.workflowName, ARGO_WORKFLOW_UID: pod.workflowUid,
    ARGO_NODE_ID: pod.nodeId, ARGO_DEADLINE: '0001-01-01T00:00:00Z', ARGO_TEMPLATE: JSON.stringify(template),
    KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443', PATH: `${exec.binDir}:/usr/bin:/bin`, RESOURCE_STATE_CHECK_INTERVAL: '100ms',
  };
  const r = await pod.start('wait', ['argoexec', 'resource', action, '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], env).done;
  const termination = pod.terminationMessage('wait');
  pod.cleanup();
  let tr: any;
  try { tr = await getTaskResult(pod.nodeId); await deleteTaskResult(pod.nodeId); } catch { tr = undefined; }
  return { code: r.code, termination, outputs: JSON.stringify(tr?.outputs), completed: tr?.metadata.labels['workflows.argoproj.io/report-outputs-completed'] };
}

const JSONPATHS = ['{.metadata.labels}', '{.metadata.managedFields[*].manager}', '{range .metadata.managedFields[*]}{.manager}:{.operation}{"\\n"}{end}',
  '{.metadata.managedFields[?(@.manager=="unknown")].operation}', '{..manager}', '{.metadata.managedFields[0:1].manager}', '{.kind}{.apiVersion}', 'plain', '{$.metadata.name}',
  '{.data.a}{"\\t"}x', '{.metadata.creationTimestamp}', '{@}', '{.nope}'];
const JQ_FILTERS = ['.', '.data.some | fromjson', '.data | keys', '.data.some | fromjson | .l | length', '.metadata.name | ascii_upcase', '.nope.deeper', '.data.a | tonumber + 1',
  '.data[]', '.data.some | fromjson | .l[] | tostring', '[.data | to_entries[] | .key]', '.data.some | fromjson | .d | has("a")', '.metadata.name, .kind',
  'select(.kind == "ConfigMap") | .metadata.name', '.data.a == "1"', '.data.some | fromjson | .l | map(. == 1)', '{a: .kind}', '{kind, "n": .metadata.name, (.kind): 1}',
  '.metadata.labels // "x"', '.kind | test("Config")', '{a: (1,2)}', '.data.some | fromjson | .l | sort', '.kind | ltrimstr("Con")', '.metadata | keys',
  // beyond the former hand-written subset: gojq itself (D13)
  '[.. | strings] | length', '"\\(.kind)/\\(.metadata.name)"', '. as $o | $o.metadata.name', 'reduce (.data | keys[]) as $k (0; . + 1)', '[paths] | length > 3',
  '.data.a | @base64', '.data | tojson', '[limit(1; .data[])]', '.metadata.creationTimestamp | fromdateiso8601 | type', 'env', '$ENV', '$__loc__', 'input',
  '.data.some | fromjson | .d | to_entries', '[.data[] | ascii_downcase] | unique', 'error("boom")', '.data.a | tonumber | . / 3', '1e1000', '[.[]?] | length', 'def f: .kind; f'];

const CASES: [string, string, (ts: boolean) => Record<string, unknown>][] = [
  ['create: AlreadyExists', 'create', () => ({ resource: { action: 'create', manifest: cm(existing) } })],
  ['get: NotFound', 'get', () => ({ resource: { action: 'get', manifest: cm('nope-diff') } })],
  ['create: Forbidden', 'create', () => ({ resource: { action: 'create', manifest: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n' } })],
  ['create: unknown kind', 'create', () => ({ resource: { action: 'create', manifest: 'apiVersion: example.com/v1\nkind: Nope\nmetadata:\n  name: x\n' } })],
  ['get: several objects', 'get', () => ({ resource: { action: 'get', manifest: `${cm(existing)}---\n${cm(existing)}` } })],
  ['create: empty manifest', 'create', () => ({ resource: { action: 'create', manifest: '' } })],
  ['patch: a list without mergeStrategy json', 'patch', () => ({ resource: { action: 'patch', manifest: '- op: add\n  path: /x\n  value: 1\n' } })],
  ['patch: strategic on a custom resource', 'patch', () => ({ resource: { action: 'patch', flags: ['workflowtaskresult', existing], manifest: 'metadata:\n  labels:\n    x: "y"\n' } })],
  ['delete: missing by flags', 'delete', () => ({ resource: { action: 'delete', flags: ['configmap', 'gone-diff'] } })],
  ['delete with failureCondition', 'delete', () => ({ resource: { action: 'delete', manifest: cm(existing), failureCondition: 'data.a' } })],
  ['get: parameters', 'get', () => ({
    resource: { action: 'get', manifest: cm(existing) },
    outputs: { parameters: [
      { name: 'p', valueFrom: { jsonPath: '{.data}' } }, { name: 'q', valueFrom: { jsonPath: '{.metadata.name} {.data.a}' } }, { name: 'm', valueFrom: { jsonPath: '{.nope}' } },
      { name: 'j', valueFrom: { jqFilter: '.data.some | fromjson | .d' } }, { name: 'k', valueFrom: { jqFilter: '.data.some | fromjson | .l[]' } },
      { name: 'v', value: 'kept' },
    ] },
  })],
  ['get: jsonPath parameters', 'get', () => ({
    resource: { action: 'get', manifest: cm(existing) },
    outputs: { parameters: JSONPATHS.map((jsonPath, i) => ({ name: `jp${i}`, valueFrom: { jsonPath } })) },
  })],
  ['get: jqFilter parameters', 'get', () => ({
    resource: { action: 'get', manifest: cm(existing) },
    outputs: { parameters: JQ_FILTERS.map((jqFilter, i) => ({ name: `jq${i}`, valueFrom: { jqFilter } })) },
  })],
  ...['{.metadata.name', '{range .x}'].map((jsonPath): [string, string, () => Record<string, unknown>] => [`get: jsonPath ${jsonPath}`, 'get', () => ({ resource: { action: 'get', manifest: cm(existing) }, outputs: { parameters: [{ name: 'p', valueFrom: { jsonPath } }] } })]),
  ...['.[', '.x)'].map((jqFilter): [string, string, () => Record<string, unknown>] => [`get: jqFilter ${jqFilter}`, 'get', () => ({ resource: { action: 'get', manifest: cm(existing) }, outputs: { parameters: [{ name: 'p', valueFrom: { jqFilter } }] } })]),
  ...(['data.a in (b, a, 1, a)', 'data.a', '!data.zz', 'data.a > 0', 'data.a < 5', 'data.a!=2', 'data.a in (1,,2)', 'data.a == 1 , data.b',
    'data.a.#>1', `data.${'x'.repeat(70)} == 1`, 'data.a == x y', 'a,', ',a', 'data.a > x', 'data.a == x@y', 'A/b == 1', 'data.a === x', 'data.a in 1', 'data.a in (1']
    .map((c): [string, string, () => Record<string, unknown>] => [`failureCondition ${c}`, 'get', () => ({ resource: { action: 'get', manifest: cm(existing), failureCondition: c } })])),
];

for (const [name, action, template] of CASES) {
  test(`10.2 vs Go: ${name}`, { skip: !haveGo && 'REFERENCE_ARGOEXEC not built' }, async () => {
    const go = await run(GO_EXECUTOR, action, template(false));
    const ts = await run(TS_EXECUTOR, action, template(true));
    assert.deepEqual(ts, go);
  });
}

test('10.2 vs Go: create then patch (strategic) leave the same object', { skip: !haveGo && 'REFERENCE_ARGOEXEC not built' }, async () => {
  const data: Record<string, unknown> = {};
  for (const [exec, tag] of [[GO_EXECUTOR, 'go'], [TS_EXECUTOR, 'ts']] as const) {
    const name = `diff-cp-${tag}-${rand()}`;
    const c = await run(exec, 'create', { resource: { action: 'create', manifest: cm(name, { a: '1' }) }, outputs: { parameters: [{ name: 'n', valueFrom: { jsonPath: '{.metadata.name}' } }] } });
    assert.equal(c.code, 0);
    assert.equal(JSON.parse(c.outputs).parameters[0].value, name);
    const p = await run(exec, 'patch', { resource: { action: 'patch', manifest: cm(name, { b: '2' }) } });
    assert.equal(p.code, 0);
    data[tag] = (await getConfigMap(name)).data;
    await deleteConfigMap(name);
  }
  assert.deepEqual(data.ts, data.go);
  assert.deepEqual(data.ts, { a: '1', b: '2' });
});
