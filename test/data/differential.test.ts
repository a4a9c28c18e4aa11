/**
 * lifecycle §10.3: the same data templates (keys listed from MinIO, expr-lang transformations) run by our
 * executor and by the Go reference (REFERENCE_ARGOEXEC, the real expr-lang): exit status,
 * termination message (incl. expr's `(line:col)` excerpt) and outputs.result must match.
 * (v4.0.5 still calls InitializeOutput, so only these three are compared.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { GO_EXECUTOR, PodSim, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { deleteOwnerWorkflow, ownerWorkflow, rand } from '../resource/helpers.ts';
import { archiveLocation, deleteTaskResult, getTaskResult, s3Put, S3_SECRETS } from '../wait/helpers.ts';

const haveGo = existsSync(STACK.REFERENCE_ARGOEXEC ?? '/nonexistent');
const prefix = `data-diff/${rand()}`;

before(async () => {
  if (!haveGo) return;
  for (const k of ['a/main.log', 'a/other.txt', 'b/main.log', 'c.log', 'd&e/main.log']) await s3Put(`${prefix}/${k}`, k);
});
after(async () => { if (haveGo) await deleteOwnerWorkflow(); });

async function run(exec: Executor, template: Record<string, unknown>): Promise<{ code: number | null; termination: string; result: unknown }> {
  const wf = await ownerWorkflow();
  const pod = new PodSim({ template, executor: exec, secrets: S3_SECRETS }, { workflowName: wf.name, workflowUid: wf.uid, nodeId: `${wf.name}-${Math.floor(Math.random() * 1e9)}` });
  const env: Record<string, string> = {
    ARGO_POD_NAME: `${pod.nodeId}-pod`, ARGO_POD_UID: '11111111-2222-4333-8444-555555555555', ARGO_WORKFLOW_NAME: pod.workflowName, ARGO_WORKFLOW_UID: pod.workflowUid,
    ARGO_NODE_ID: pod.nodeId, ARGO_DEADLINE: '0001-01-01T00:00:00Z', ARGO_TEMPLATE: JSON.stringify(template),
    KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443', PATH: `${exec.binDir}:/usr/bin:/bin`,
  };
  const r = await pod.start('wait', ['argoexec', 'data', '{}', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], env).done;
  const termination = pod.terminationMessage('wait');
  pod.cleanup();
  let result: unknown;
  try { result = (await getTaskResult(pod.nodeId)).outputs?.result; await deleteTaskResult(pod.nodeId); } catch { result = undefined; }
  return { code: r.code, termination, result };
}

const EXPRESSIONS = [
  // values
  'filter(data, {# endsWith "main.log"})', 'map(data, {# + ".ready"})', 'filter(data, {not(# contains "/a/")})', 'len(data)', 'len(data) / 2', 'len(data) * 1.5', '7 % 3', '2 ** 10', '0.1 + 0.2',
  'data[-1]', 'data[1:3]', '{a: 1, b: [1, "x", nil, true]}', 'map(data, #index)', 'filter(data, # matches "^.*/a/")', 'count(data, # contains "main")', 'any(data, # startsWith "x")',
  'split(data[0], "/")[1:]', 'join(data, ",")', 'replace(data[0], "/", "_")', 'data | filter(# endsWith ".log") | map(len(#))', 'sum(map(data, len(#)))', 'reduce(data, #acc + 1, 0)',
  'len(data) > 3 ? "many" : "few"', 'nil ?? "dflt"', '"a" in ["a", "b"]', 'int("42") + 1', 'string(42)', 'max(1, 5, 3)', 'toJSON({a: 1})', 'sort([3, 1, 2])', 'uniq([1, 1, 2])',
  'find(data, # endsWith ".txt")', 'findIndex(data, # endsWith ".txt")', 'map(1..3, # * 2)', 'lower("ABC") + trimPrefix("xab", "x") + trimSuffix("abx", "x")',
  // errors
  'filter(data, # + 1)', 'data.foo', 'foo', '1 +', 'filter(data, {#})', 'data[10]', '1 / 0', '"a" < 1', 'filter(data,\n  # > 1)', 'upper(1)', 'bogus(1)', "'unterminated", '@',
  'data[0].x', '[1,2][1.5]', 'len(data) == 5 and "x"', 'filter(data, {#index > 2})',
  // beyond the former hand-written subset: expr-lang itself (D16)
  'let n = len(data); n * 2', 'map(data, # * 2)', 'groupBy(data, len(#))', 'toPairs({a: 1})', 'data | map(upper(#)) | sortBy(#, "desc")', 'keys({b: 1, a: 2})',
  'map(data, {name: #, size: len(#)})', 'date("2024-01-02") | string()', 'duration("1h30m")', 'first(data) ?? "none"', 'float("1.5") * 2', 'bitand(6, 3)',
  'data?.[0]', 'concat(data, ["x"])', '1e400', 'map(data, 1 / 0)',
];

test('10.3 vs Go: the one known difference — int() of NaN/Inf saturates (WebAssembly, like Go on arm64); Go on amd64 gives MinInt64 (D16)', async () => {
  const template = (expression: string): Record<string, unknown> => ({
    data: { source: { artifactPaths: { name: 'files', s3: { bucket: 'my-bucket', key: prefix } } }, transformation: [{ expression }] },
    archiveLocation: archiveLocation('unused'),
  });
  assert.equal(process.arch, 'x64', 'the reference runs on amd64');
  for (const [expression, ours] of [['int(0 / 0)', '0'], ['int(1.0 / 0)', '9223372036854775807'], ['[int(-1.0 / 0), int(2.5)]', '[-9223372036854775808,2]']]) {
    const go = await run(GO_EXECUTOR, template(expression as string));
    const ts = await run(TS_EXECUTOR, template(expression as string));
    assert.deepEqual({ ...ts, result: undefined }, { ...go, result: undefined });
    assert.equal(ts.result, ours, expression);
    if (expression !== '[int(-1.0 / 0), int(2.5)]') assert.equal(go.result, '-9223372036854775808', expression);
    else assert.equal(go.result, ours, 'the same where the conversion is defined or both ends agree');
  }
});

test('10.3 vs Go: several transformation steps (each step\'s value, with its Go type, feeds the next)', async () => {
  const template = {
    data: {
      source: { artifactPaths: { name: 'files', s3: { bucket: 'my-bucket', key: prefix } } },
      transformation: [{ expression: 'filter(data, # endsWith ".log")' }, { expression: '' }, { expression: 'map(data, len(#))' }, { expression: 'sum(data) > 10 ? data : nil' }, { expression: 'data[0] + "x"' }],
    },
    archiveLocation: archiveLocation('unused'),
  };
  const go = await run(GO_EXECUTOR, template);
  const ts = await run(TS_EXECUTOR, template);
  assert.deepEqual(ts, go);
  assert.match(go.termination, /^unable to process data template: unable to process data transformation: error processing data step 4: /);
});

/** Results in a Go map's iteration order (random from run to run in Go, and in expr compiled to WebAssembly alike). */
const MAP_ORDER = new Set(['keys({b: 1, a: 2})']);
const sortedArray = <T extends { result: unknown }>(r: T): T => (typeof r.result !== 'string' ? r : { ...r, result: JSON.stringify((JSON.parse(r.result) as unknown[]).map((x) => JSON.stringify(x)).sort()) });

for (const expression of EXPRESSIONS) {
  test(`10.3 vs Go: ${JSON.stringify(expression)}`, async () => {
    const template = {
      data: { source: { artifactPaths: { name: 'files', s3: { bucket: 'my-bucket', key: prefix } } }, transformation: [{ expression }] },
      archiveLocation: archiveLocation('unused'),
    };
    const go = await run(GO_EXECUTOR, template);
    const ts = await run(TS_EXECUTOR, template);
    if (MAP_ORDER.has(expression)) assert.deepEqual(sortedArray(ts), sortedArray(go), 'the same elements, in a map\'s order');
    else assert.deepEqual(ts, go);
  });
}
