/**
 * lifecycle §10.2: the same resource templates run by our executor (with the kubectl binary next to it) and by
 * the Go reference (REFERENCE_ARGOEXEC, v4.1.2 with kubectl v0.35.4 linked in) in identical simulated containers
 * against the real apiserver: exit status, termination message, TaskResult outputs and finalization label must
 * match, and so must the objects every kubectl action leaves behind (modulo uid, resourceVersion and times).
 * (Wildcards over maps are left out: Go iterates maps in random order.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { GO_EXECUTOR, PodSim, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { admin, createConfigMap, deleteConfigMap, deleteOwnerWorkflow, eventually, getConfigMap, grantExecutor, ownerWorkflow, rand, TR } from './helpers.ts';
import { deleteTaskResult, getTaskResult } from '../wait/helpers.ts';

const haveGo = existsSync(STACK.REFERENCE_ARGOEXEC ?? '/nonexistent');
let revoke: (() => Promise<void>) | undefined;
const existing = `diff-${rand()}`;
const runId = rand();

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
  for (const t of ['ts', 'go']) for (const x of ['a', 'b']) await deleteConfigMap(`diff-two-${t}-${runId}-${x}`);
  await admin.req('DELETE', `${TR}/${existing}`);
  await revoke?.();
  await deleteOwnerWorkflow();
});

const cm = (name: string, data: Record<string, string> = {}): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: ${JSON.stringify(data)}\n`;

/** The sequence of log messages (`msg=` of each line): the archived main.log of a resource template is this log. */
function messagesOf(log: string): string[] {
  return log.split('\n').map((l) => /\bmsg=("(?:[^"\\]|\\.)*"|\S+)/.exec(l)?.[1]).filter((m): m is string => m !== undefined);
}

async function run(exec: Executor, action: string, template: Record<string, unknown>): Promise<{ code: number | null; termination: string; outputs: string; completed: string | undefined; messages: string[] }> {
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
  return { code: r.code, termination, outputs: JSON.stringify(tr?.outputs), completed: tr?.metadata.labels['workflows.argoproj.io/report-outputs-completed'], messages: messagesOf(r.stderr) };
}

const JSONPATHS = ['{.metadata.labels}', '{.metadata.managedFields[*].manager}', '{range .metadata.managedFields[*]}{.manager}:{.operation}{"\\n"}{end}',
  '{.metadata.managedFields[?(@.manager=="unknown")].operation}', '{..manager}', '{.metadata.managedFields[0:1].manager}', '{.kind}{.apiVersion}', 'plain', '{$.metadata.name}',
  '{.data.a}{"\\t"}x', '{.metadata.creationTimestamp}', '{@}', '{.nope}'];
const JQ_FILTERS = ['.', '.data.some | fromjson', '.data | keys', '.data.some | fromjson | .l | length', '.metadata.name | ascii_upcase', '.nope.deeper', '.data.a | tonumber + 1',
  '.data[]', '.data.some | fromjson | .l[] | tostring', '[.data | to_entries[] | .key]', '.data.some | fromjson | .d | has("a")', '.metadata.name, .kind',
  'select(.kind == "ConfigMap") | .metadata.name', '.data.a == "1"', '.data.some | fromjson | .l | map(. == 1)', '{a: .kind}', '{kind, "n": .metadata.name, (.kind): 1}',
  '.metadata.labels // "x"', '.kind | test("Config")', '{a: (1,2)}', '.data.some | fromjson | .l | sort', '.kind | ltrimstr("Con")', '.metadata | keys',
  // beyond the former hand-written subset: gojq itself (D16)
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
  ['create: unknown flag', 'create', () => ({ resource: { action: 'create', flags: ['--nope'], manifest: cm(existing) } })],
  ['delete: a flag missing its value', 'delete', () => ({ resource: { action: 'delete', flags: ['configmap', 'x', '--grace-period'] } })],
  ['apply: invalid object', 'apply', () => ({ resource: { action: 'apply', manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n' } })],
  ['create: invalid object, two causes', 'create', () => ({ resource: { action: 'create', manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n  labels: {"a b": "c d"}\n' } })],
  ['create: two new objects (kubectl prints one after the other)', 'create', (ts) => ({ resource: { action: 'create', manifest: `${cm(`diff-two-${ts ? 'ts' : 'go'}-${runId}-a`)}---\n${cm(`diff-two-${ts ? 'ts' : 'go'}-${runId}-b`)}` } })],
  ['create: two objects, both existing', 'create', () => ({ resource: { action: 'create', manifest: `${cm(existing)}---\n${cm(existing)}` } })],
  ['create: an object existing and an invalid one', 'create', () => ({ resource: { action: 'create', manifest: `${cm(existing)}---\n${cm('Not_Valid')}` } })],
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
    'data.a.#>1', `data.${'x'.repeat(70)} == 1`, 'data.a == x y', 'a,', ',a', 'data.a > x', 'data.a == x@y', 'A/b == 1', 'data.a === x', 'data.a in 1', 'data.a in (1',
    'a/b/c == 1', '/b == 1', 'Ex.com/b == 1', `data.${'x'.repeat(70)}- == 1`, `${'a'.repeat(254)}/b == 1`]
    .map((c): [string, string, () => Record<string, unknown>] => [`failureCondition ${c}`, 'get', () => ({ resource: { action: 'get', manifest: cm(existing), failureCondition: c } })])),
];

for (const [name, action, template] of CASES) {
  test(`10.2 vs Go: ${name}`, async () => {
    const go = await run(GO_EXECUTOR, action, template(false));
    const ts = await run(TS_EXECUTOR, action, template(true));
    assert.deepEqual(ts, go);
  });
}

// A documented difference (docs/compatibility.md): the kubectl binary registers klog's flags (-v, --vmodule,
// --log-flush-frequency: component-base's cli.Run), the kubectl command Go links in does not.
test('10.2 vs Go: -v=6 is an unknown flag to Go\'s embedded kubectl, the binary accepts it', async () => {
  const template = { resource: { action: 'get', flags: ['-v=6'], manifest: cm(existing) } };
  const go = await run(GO_EXECUTOR, 'get', template);
  const ts = await run(TS_EXECUTOR, 'get', template);
  assert.deepEqual([go.code, go.termination], [64, "no more retries unknown shorthand flag: 'v' in -v=6\nSee 'kubectl get --help' for usage."]);
  assert.deepEqual([ts.code, ts.termination], [0, '']);
});

/** The object as the apiserver holds it, without what differs between two runs (identity, versions, times). */
function normalized(obj: any): any {
  if (!obj) return obj;
  const o = structuredClone(obj);
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp']) delete o.metadata[k];
  for (const m of o.metadata.managedFields ?? []) m.time = '<time>';
  // entries with the same second are ordered by the apiserver as it pleases
  o.metadata.managedFields?.sort((a: any, b: any) => `${a.manager}/${a.operation}`.localeCompare(`${b.manager}/${b.operation}`));
  return o;
}

/**
 * Every kubectl action, one after the other on one ConfigMap, once with each executor (the same name: Go's run
 * first, the object deleted in between). Each step's result and the object after it must be the same.
 */
const SEQUENCE: [string, string, (name: string) => Record<string, unknown>][] = [
  ['create', 'create', (n) => ({ resource: { action: 'create', manifest: cm(n, { a: '1' }) },
    outputs: { parameters: [{ name: 'n', valueFrom: { jsonPath: '{.metadata.name}' } }, { name: 'm', valueFrom: { jsonPath: '{.metadata.managedFields[*].manager}' } }] } })],
  ['create again: AlreadyExists', 'create', (n) => ({ resource: { action: 'create', manifest: cm(n, { a: '2' }) } })],
  ['apply over a created object (no last-applied annotation yet)', 'apply', (n) => ({ resource: { action: 'apply', manifest: cm(n, { a: '1', b: '2' }) } })],
  ['apply again: client-side three-way merge prunes b', 'apply', (n) => ({ resource: { action: 'apply', manifest: cm(n, { a: '10' }) },
    outputs: { parameters: [{ name: 'ann', valueFrom: { jsonPath: "{.metadata.annotations['kubectl\\.kubernetes\\.io/last-applied-configuration']}" } }] } })],
  ['apply --server-side --force-conflicts', 'apply', (n) => ({ resource: { action: 'apply', flags: ['--server-side', '--force-conflicts'], manifest: cm(n, { a: 'ss', c: '3' }) } })],
  ['apply --server-side without --force-conflicts: conflict', 'apply', (n) => ({ resource: { action: 'apply', flags: ['--server-side', '--field-manager', 'other'], manifest: cm(n, { a: 'x' }) } })],
  ['replace', 'replace', (n) => ({ resource: { action: 'replace', manifest: cm(n, { z: 'z' }) } })],
  ['patch strategic (-f manifest)', 'patch', (n) => ({ resource: { action: 'patch', manifest: cm(n, { s: '1' }) } })],
  ['patch merge (TYPE NAME flags)', 'patch', (n) => ({ resource: { action: 'patch', mergeStrategy: 'merge', flags: ['configmap', n], manifest: 'data:\n  m: "2"\n  s: null\nmetadata:\n  annotations:\n    foo: bar\n' },
    outputs: { parameters: [{ name: 'm', valueFrom: { jsonPath: '{.data.m}' } }, { name: 'all', valueFrom: { jsonPath: '{.data}' } }] } })],
  ['patch json', 'patch', (n) => ({ resource: { action: 'patch', mergeStrategy: 'json', flags: ['configmap', n], manifest: '- op: add\n  path: /metadata/labels\n  value: {x: "y"}\n- op: remove\n  path: /data/z\n' } })],
  ['patch json: failing test op', 'patch', (n) => ({ resource: { action: 'patch', mergeStrategy: 'json', flags: ['configmap', n], manifest: '- op: test\n  path: /data/m\n  value: "nope"\n' } })],
  ['get with jsonPath parameters and a condition', 'get', (n) => ({ resource: { action: 'get', manifest: cm(n), successCondition: 'data.m == 2', failureCondition: 'metadata.labels.x == z' },
    // (not the paths printing uid, resourceVersion or times: they differ between the two objects)
    outputs: { parameters: JSONPATHS.filter((p) => !['{@}', '{.metadata.creationTimestamp}'].includes(p)).map((jsonPath, i) => ({ name: `jp${i}`, valueFrom: { jsonPath } })) } })],
  ['get with flags [--overwrite] (not a get flag)', 'get', (n) => ({ resource: { action: 'get', flags: ['--overwrite'], manifest: cm(n) } })],
  ['get by flags with --selector', 'get', (n) => ({ resource: { action: 'get', flags: ['configmap', n, '-l', 'x=y'] } })],
  ['get by TYPE/NAME flags', 'get', (n) => ({ resource: { action: 'get', flags: [`configmaps/${n}`] }, outputs: { parameters: [{ name: 'k', valueFrom: { jsonPath: '{.kind}' } }] } })],
  ['create --dry-run=server', 'create', (n) => ({ resource: { action: 'create', flags: ['--dry-run=server'], manifest: cm(`${n}-dry`, { d: '1' }) } })],
  ['delete', 'delete', (n) => ({ resource: { action: 'delete', manifest: cm(n) } })],
  ['delete again (--ignore-not-found)', 'delete', (n) => ({ resource: { action: 'delete', manifest: cm(n) } })],
  ['get after delete: NotFound', 'get', (n) => ({ resource: { action: 'get', manifest: cm(n) } })],
  ['apply creates (with the annotation)', 'apply', (n) => ({ resource: { action: 'apply', manifest: cm(n, { fresh: 'yes' }) } })],
  // (not foreground/orphan: their finalizers wait for a garbage collector the stack does not run)
  ['delete by flags, --wait=false --cascade=background', 'delete', (n) => ({ resource: { action: 'delete', flags: ['configmap', n, '--wait=false', '--cascade=background'] } })],
];

test('10.2 vs Go: every kubectl action leaves the same object and the same results', { timeout: 300_000 }, async () => {
  const name = `diff-seq-${rand()}`;
  const results: Record<string, unknown[]> = { go: [], ts: [] };
  for (const [exec, tag] of [[GO_EXECUTOR, 'go'], [TS_EXECUTOR, 'ts']] as const) {
    for (const [step, action, template] of SEQUENCE) {
      const r = await run(exec, action, template(name));
      results[tag]!.push({ step, ...r, object: normalized(await getConfigMap(name)) });
    }
    await deleteConfigMap(name);
    await deleteConfigMap(`${name}-dry`);
    await eventually(async () => ((await getConfigMap(name)) ? undefined : true));
  }
  for (let i = 0; i < SEQUENCE.length; i++) assert.deepEqual(results.ts![i], results.go![i], `step ${i}: ${SEQUENCE[i]![0]}`);
  // What the sequence shows is kubectl's (a test of the test): client-side apply keeps the last-applied annotation.
  const afterApply = results.go![3] as { object: any; code: number };
  assert.equal(afterApply.code, 0);
  assert.deepEqual(afterApply.object.data, { a: '10' });
  assert.ok(afterApply.object.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
});

test('10.2 vs Go: create then patch (strategic) leave the same object', async () => {
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
