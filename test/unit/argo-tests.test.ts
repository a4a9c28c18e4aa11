/**
 * Argo's own e2e suites as data (test/e2e/lib/argo-tests.ts, test/e2e/argo-tests.yaml): the Go
 * lexer, the extractor run on the real v4.1.2 test files in ../shared, the coverage of the ported
 * assertions, and the pure checkers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { functions, packageStrings, tokenize } from '../e2e/lib/go-source.ts';
import {
  ARGO_TEST_FILES, checkAssertions, checkLogs, checkStoreContent, coverage, expectationFor, extractArgoTests,
  loadExpectations, mergePatch, rewriteForStack, withKind, type Doc, type Expectation,
} from '../e2e/lib/argo-tests.ts';
import { ROOT, SHARED } from '../e2e/lib/env.ts';
import { rewriteInternetForStack } from '../e2e/lib/stack-hosts.ts';
import { load } from 'js-yaml';

const TEST_E2E = join(SHARED, 'argo-v4.1.2/test-e2e');
const workflows = extractArgoTests(TEST_E2E);
const byId = new Map(workflows.map((w) => [w.id, w]));
const expectations = loadExpectations(join(ROOT, 'test/e2e/argo-tests.yaml'));

// ------------------------------------------------------------------------------------------- lexer

test('the lexer keeps literals and comments apart from code', () => {
  const src = [
    'package e2e',
    'var x = `a // not a comment { `',
    '// func (s *S) TestCommented() { s.Given().Workflow(`@x.yaml`) }',
    'func (s *S) TestOne() {',
    '\ts.Given().Workflow("say \\"}\\" {").When() /* } */',
    "\tr := '}'",
    '}',
    'func helper(a func() int) { if true { _ = "}" } }',
  ].join('\n');
  const toks = tokenize(src);
  assert.deepEqual(toks.filter((t) => t.kind === 'raw').map((t) => t.value), ['a // not a comment { ']);
  assert.deepEqual(toks.filter((t) => t.kind === 'string').map((t) => t.value), ['say "}" {', '}']);
  assert.equal(toks.filter((t) => t.kind === 'comment').length, 2);
  const fns = functions(src, toks);
  assert.deepEqual(fns.map((f) => [f.name, f.receiver]), [['TestOne', 'S'], ['helper', undefined]], 'the commented-out function is not a function');
  assert.ok(src.slice(fns[0]!.bodyStart, fns[0]!.end).endsWith("'}'\n}"), 'braces in strings, runes and comments do not close the body');
  assert.deepEqual([...packageStrings(src, toks, fns)], [['x', 'a // not a comment { ']]);
});

test('a raw string keeps backslashes and drops carriage returns; an interpreted one is unescaped', () => {
  const toks = tokenize('x := `a\\n\r\nb` + "t\\tq\\x41\\u00e9\\101"');
  assert.equal(toks.find((t) => t.kind === 'raw')!.value, 'a\\n\nb');
  assert.equal(toks.find((t) => t.kind === 'string')!.value, 't\tqAéA');
  assert.throws(() => tokenize('x := `open'), /unterminated raw string/);
  assert.throws(() => tokenize('x := "open\n"'), /newline in string/);
});

// --------------------------------------------------------------------- extractor, real Argo tests

test('every test function of the 15 files that submits a workflow is extracted (158 in v4.1.2)', () => {
  // Counted by hand: the `func (s *…) Test…` methods of each file; each submits at least one workflow.
  const tests: Record<string, number> = {
    'artifacts_test.go': 29, 'signals_test.go': 9, 'daemon_pod_test.go': 6, 'failed_main_test.go': 1,
    'pod_restart_test.go': 1, 'progress_test.go': 2, 'retry_test.go': 4, 'run_as_not_root_test.go': 2,
    'agent_test.go': 2, 'executor_plugins_test.go': 3, 'http_artifacts_test.go': 6, 'resource_template_test.go': 6,
    'invalid_command_test.go': 1, 'functional_test.go': 72, 'hooks_test.go': 14,
  };
  assert.deepEqual(Object.keys(tests).sort(), [...ARGO_TEST_FILES].sort());
  for (const [file, n] of Object.entries(tests)) {
    assert.equal(new Set(workflows.filter((w) => w.source === file).map((w) => w.test)).size, n, file);
  }
});

test('inline workflows per file match a hand count (raw strings, plus fmt.Sprintf ones)', () => {
  // `Workflow(\`` not followed by `@`, counted with grep, plus `Workflow(fmt.Sprintf(\``:
  // functional 19 + 1 (TestWorkflowPodSpecPatch), signals 0 + 1 (TestInjectedSidecar).
  const inline: Record<string, number> = {
    'artifacts_test.go': 8, 'signals_test.go': 1, 'daemon_pod_test.go': 2, 'failed_main_test.go': 1, 'retry_test.go': 5,
    'agent_test.go': 2, 'resource_template_test.go': 4, 'functional_test.go': 20, 'hooks_test.go': 14,
  };
  for (const file of ARGO_TEST_FILES) {
    assert.equal(workflows.filter((w) => w.source === file && w.from === 'inline').length, inline[file] ?? 0, file);
  }
});

test('file references, table rows, package strings and template submissions', () => {
  const w = byId.get('e2e/functional_test.go:TestWhenExpressions')!;
  assert.equal(w.ref, '@functional/conditionals.yaml');
  assert.match(w.path!, /argo-v4\.1\.2\/examples\/conditionals\.yaml$/, 'the link file functional/conditionals.yaml is followed into examples/');
  assert.match(w.yaml, /print-hello-govaluate/);

  // table-driven: `workflowFile: "@…"` rows, in source order
  assert.deepEqual(['#0', '#1', '#2', '#3'].map((i) => byId.get(`e2e/artifacts_test.go:TestGlobalArtifactPassing${i}`)?.ref), [
    '@testdata/global-artifact-passing.yaml', '@testdata/complex-global-artifact-passing.yaml',
    '@testdata/global-artifact-passing-plugin.yaml', '@testdata/complex-global-artifact-passing-plugin.yaml',
  ]);
  assert.equal(workflows.filter((x) => x.test === 'TestArtifactGC').length, 20);
  assert.equal(byId.get('e2e/artifacts_test.go:TestArtifactGC#0')!.templates.length, 8, 'the 8 WorkflowTemplates TestArtifactGC creates');

  // a package-level raw string the test passes on
  const role = byId.get('e2e/artifacts_test.go:TestInsufficientRole')!;
  assert.equal(role.from, 'package-var');
  assert.match(role.yaml, /^\napiVersion: argoproj\.io\/v1alpha1\nkind: Workflow\nmetadata:\n {2}generateName: art-gc-simple-\n/);
  assert.match(role.yaml, /serviceAccountName: artgc-role-test-sa/);

  // fmt.Sprintf with fixtures.AuxContainerName() through a local variable and directly
  assert.match(byId.get('e2e/functional_test.go:TestWorkflowPodSpecPatch')!.yaml, /\{"name":"wait", "resources"/);
  assert.match(byId.get('e2e/signals_test.go:TestInjectedSidecar')!.yaml, /containers:\n {6}- name: wait\n/);

  // the same file submitted three times is one workflow
  assert.equal(byId.get('e2e/functional_test.go:TestWorkflowRetention')!.submissions, 3);

  // SubmitWorkflowsFromWorkflowTemplates: one workflow per template, as common.NewWorkflowFromWorkflowTemplate
  assert.match(byId.get('e2e/daemon_pod_test.go:TestDaemonTemplateRef#0')!.yaml, /generateName: broken-pipeline-\n[\s\S]*workflowTemplateRef:\n {4}name: broken-pipeline\n/);
  assert.match(byId.get('e2e/daemon_pod_test.go:TestDaemonTemplateRef#1')!.yaml, /workflowTemplateRef:\n {4}name: run-tests-broken\n/);
  assert.match(byId.get('e2e/daemon_pod_test.go:TestDaemonFromClusterWorkflowTemplate')!.yaml, /clusterScope: true/);

  // commented-out code is not read: the hooks tests with commented assertions submit one workflow each
  assert.equal(workflows.filter((x) => x.test === 'TestTemplateLevelHooksStepSuccessVersion').length, 1);

  // an inline document without apiVersion/kind gets them (Given decodes into a typed Workflow)
  assert.match(byId.get('e2e/retry_test.go:TestRetryLimit')!.yaml, /^apiVersion: argoproj\.io\/v1alpha1\nkind: Workflow\nmetadata:\n {2}name: test-retry-limit\n/);
  assert.match(byId.get('e2e/functional_test.go:TestEntrypointName')!.templates[0]!.yaml, /kind: WorkflowTemplate/);
});

test('fixtures no listed test references run with the directory default; referenced ones are not repeated', () => {
  const fixtures = workflows.filter((w) => !w.test);
  assert.ok(fixtures.some((w) => w.id === 'e2e/functional/hello-world.yaml'));
  assert.ok(fixtures.some((w) => w.id === 'e2e/expectedfailures/pns/pns-output-artifacts.yaml'), 'subdirectories too');
  for (const id of ['e2e/functional/conditionals.yaml', 'e2e/expectedfailures/failed-step-event.yaml', 'e2e/functional/entrypointName-template.yaml', 'e2e/functional/testvolume.yaml']) {
    assert.equal(byId.has(id), false, `${id}: referenced by a test, or not a Workflow`);
  }
  assert.deepEqual(byId.get('e2e/functional/hello-world.yaml')!.defaultExpect, ['Succeeded']);
  assert.deepEqual(byId.get('e2e/expectedfailures/failed-step.yaml')!.defaultExpect, ['Failed', 'Error']);
  assert.equal(byId.get('e2e/functional/suspend-template.yaml')!.noTest, 'environment', 'the examples label travels with the link');
  assert.equal(fixtures.length, 112);
});

test('argo-tests.yaml has an entry for every extracted test workflow and none for anything else', () => {
  assert.deepEqual(coverage(workflows, expectations), { unknown: [], missing: [] });
  for (const [id, e] of Object.entries(expectations)) {
    assert.ok(e.skip || e.phase, `${id}: a phase or a skip reason`);
    if (e.skip) assert.ok(e.skip.length > 20, `${id}: a specific skip reason`);
    for (const n of e.needs ?? []) assert.match(n, /^(stack|bucket|secret|serviceaccount|rbac|controller-config|action|quota|alone|watch|cluster|decode|plugins): /, `${id}: ${n}`);
  }
  assert.deepEqual(expectationFor(byId.get('e2e/expectedfailures/dag-fail.yaml')!, expectations), { phase: ['Failed', 'Error'] });
});

// ---------------------------------------------------------------------------------- checkAssertions

function wf(name: string, status: Doc, metadata: Doc = {}): Doc {
  return { metadata: { name, ...metadata }, status };
}

test('an entry that runs a test\'s workflow again with a merge patch (TestInsufficientRole, forceFinalizerRemoval false)', () => {
  const again = expectations['e2e/artifacts_test.go:TestInsufficientRole(forceFinalizerRemoval=false)']!;
  assert.equal(again.from, 'e2e/artifacts_test.go:TestInsufficientRole');
  const original = load(byId.get(again.from!)!.yaml) as Doc;
  assert.equal(original.spec.artifactGC.forceFinalizerRemoval, true);
  const patched = mergePatch(original, again.patch) as Doc;
  assert.equal(patched.spec.artifactGC.forceFinalizerRemoval, false);
  assert.deepEqual(patched.spec.templates, original.spec.templates);
  assert.deepEqual(again.finalizers, { contains: ['workflows.argoproj.io/artifact-gc'] });
  // RFC 7386: null deletes, objects merge, arrays and scalars replace
  assert.deepEqual(mergePatch({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null, e: 'x' }), { a: { b: 1, c: [3] }, e: 'x' });
  // a `from` naming no extracted workflow is an unknown entry
  assert.deepEqual(coverage(workflows, { ...expectations, 'x(again)': { from: 'e2e/no_such_test.go:TestNothing', phase: ['Succeeded'] } }).unknown, ['x(again)']);
});

test('TestRetryLimit as Argo asserts it: a matching status passes, each deviation is named', () => {
  const e = expectations['e2e/retry_test.go:TestRetryLimit']!;
  const good = wf('test-retry-limit', {
    phase: 'Failed', message: 'No more retries left', progress: '0/1',
    nodes: {
      'test-retry-limit': { id: 'test-retry-limit', name: 'test-retry-limit', displayName: 'test-retry-limit', type: 'Retry', phase: 'Failed', children: ['a'] },
      a: { id: 'a', name: 'test-retry-limit(0)', displayName: 'test-retry-limit(0)', type: 'Pod', phase: 'Failed', nodeFlag: { retried: true } },
    },
  });
  assert.deepEqual(checkAssertions(e, good), []);
  const bad = structuredClone(good);
  bad.status.message = 'Error (exit code 1)';
  bad.status.nodes['test-retry-limit'].nodeFlag = { retried: false };
  delete bad.status.nodes.a.nodeFlag;
  assert.deepEqual(checkAssertions(e, bad), [
    'workflow message: want "No more retries left", got "Error (exit code 1)"',
    'node named "test-retry-limit": nodeFlag: want none, got {"retried":false}',
    'node named "test-retry-limit(0)": nodeFlag.retried: want true, nodeFlag is absent',
  ]);
});

test('phases, $WF, absent nodes and text matches', () => {
  const e: Expectation = {
    phase: ['Failed', 'Error'],
    message: { contains: '(exit code 143)', regex: '^Error' },
    nodes: [
      { displayName: 'A', phase: ['Failed', 'Error'] },
      { displayName: '$WF.onExit', absent: true },
      { name: '$WF', message: { contains: 'child $WF' } },
    ],
  };
  const w = wf('stop-abc12', {
    phase: 'Succeeded', message: 'Error (exit code 143)',
    nodes: {
      r: { id: 'r', name: 'stop-abc12', displayName: 'stop-abc12', type: 'DAG', phase: 'Failed', message: 'child stop-abc12.A failed' },
      a: { id: 'a', name: 'stop-abc12.A', displayName: 'A', type: 'Pod', phase: 'Failed' },
      x: { id: 'x', name: 'stop-abc12.onExit', displayName: 'stop-abc12.onExit', type: 'Pod', phase: 'Succeeded' },
    },
  });
  assert.deepEqual(checkAssertions(e, w), [
    'workflow phase: want Failed|Error, got Succeeded',
    'node "$WF.onExit": want none, found 1',
  ]);
  assert.deepEqual(checkAssertions({ nodes: [{ displayName: 'B' }] }, w), ['node "B": not found']);
  assert.deepEqual(checkAssertions({ message: { empty: true } }, wf('x', { message: 'boom' })), ['workflow message: want empty, got "boom"']);
});

test('selection modes: every node with a display name, any node for a `where` selector', () => {
  const nodes = {
    g1: { id: 'g1', name: 'w[0]', displayName: '[0]', type: 'StepGroup', phase: 'Failed' },
    g2: { id: 'g2', name: 'w[0].x[0]', displayName: '[0]', type: 'StepGroup', phase: 'Succeeded' },
    p1: { id: 'p1', name: 'w[0].a', displayName: 'a', type: 'Pod', phase: 'Succeeded' },
    p2: { id: 'p2', name: 'w[0].b', displayName: 'b', type: 'Pod', phase: 'Failed' },
  };
  const w = wf('w', { phase: 'Failed', nodes });
  assert.deepEqual(checkAssertions({ nodes: [{ displayName: '[0]', phase: 'Failed' }] }, w), ['node "[0]" (w[0].x[0]): phase: want Failed, got Succeeded']);
  assert.deepEqual(checkAssertions({ nodes: [{ where: { type: 'Pod', phase: 'Failed' } }] }, w), []);
  assert.deepEqual(checkAssertions({ nodes: [{ where: { type: 'Pod' }, phase: 'Failed' }] }, w), []);
  assert.deepEqual(checkAssertions({ nodes: [{ where: { type: 'Pod' }, match: 'all', phase: 'Failed' }] }, w), ['node where {"type":"Pod"} (w[0].a): phase: want Failed, got Succeeded']);
  assert.deepEqual(checkAssertions({ nodes: [{ where: { type: 'Pod', phase: 'Omitted' } }] }, w), ['node where {"type":"Pod","phase":"Omitted"}: not found']);
  assert.deepEqual(checkAssertions({ nodes: [{ nameContains: 'w[0].', phase: 'Succeeded' }] }, w), ['node whose name contains "w[0]." (w[0].b): phase: want Succeeded, got Failed'], 'nameContains checks every match');
  assert.deepEqual(checkAssertions({ nodeCount: 4 }, w), []);
  assert.deepEqual(checkAssertions({ nodeCount: { max: 3 } }, w), ['node count: want at most 3, got 4']);
});

test('inputs and outputs: by index, by name, result, exit code, artifacts, equality with $WF', () => {
  const w = wf('cs-x', {
    phase: 'Succeeded',
    nodes: {
      c: {
        id: 'c', name: 'cs-x.consumer', displayName: 'consumer', type: 'Pod', phase: 'Succeeded',
        inputs: { parameters: [{ name: 'p', value: 'fallback-from-input' }] },
        outputs: { parameters: [{ name: 'json', value: 'my-pod' }, { name: 'jq', value: 'my-pod' }], result: '["a"]', exitCode: '0', artifacts: [{ name: 'a-logs', s3: { key: 'cs-x/cs-x/a.log' } }] },
      },
    },
  });
  const ok: Expectation = {
    nodes: [{
      displayName: 'consumer',
      inputs: { parameterCount: 1, parameters: ['fallback-from-input'] },
      outputs: {
        parameterCount: 2, parameters: { json: 'my-pod', jq: { contains: 'pod' } }, result: '["a"]', exitCode: { present: true },
        artifacts: ['a-logs'], artifactKeys: { 'a-logs': '$WF/$WF/a.log' },
        equals: { parameters: [{ name: 'json', value: 'my-pod' }, { name: 'jq', value: 'my-pod' }], result: '["a"]', exitCode: '0', artifacts: [{ name: 'a-logs', s3: { key: '$WF/$WF/a.log' } }] },
      },
    }],
  };
  assert.deepEqual(checkAssertions(ok, w), []);
  const bad: Expectation = { nodes: [{ displayName: 'consumer', inputs: { parameters: ['hello', 'second'] }, outputs: { parameters: { nope: 'x' }, artifacts: ['b-logs'], exitCode: '1' } }] };
  assert.deepEqual(checkAssertions(bad, w), [
    'node "consumer": inputs.parameters[0]: want "hello", got "fallback-from-input"; inputs.parameters[1]: absent (1 parameters); outputs.parameters.nope: absent; outputs.exitCode: want "1", got "0"; outputs.artifacts: want ["b-logs"], got ["a-logs"]',
  ]);
});

test('flags, memoization, children, fields, labels, finalizers, conditions, repository ref (Go zero values)', () => {
  const w = wf('r', {
    phase: 'Succeeded', progress: '2/2', finishedAt: '2026-01-01T00:00:00Z',
    conditions: [{ type: 'PodRunning' }],
    artifactRepositoryRef: { configMap: 'artifact-repositories', key: 'my-key', namespace: 'argo' },
    taskResultsCompletionStatus: { a: true, b: false },
    nodes: {
      b: { id: 'b', name: 'r[0].build', displayName: 'build', type: 'Retry', phase: 'Succeeded', children: ['b0', 'h'] },
      b0: { id: 'b0', name: 'r[0].build(0)', displayName: 'build(0)', type: 'Pod', phase: 'Succeeded', nodeFlag: { retried: true }, memoizationStatus: { hit: true } },
      h: { id: 'h', name: 'r[0].build.hooks.started', displayName: 'build.hooks.started', type: 'Pod', phase: 'Succeeded', nodeFlag: { hooked: true }, outputs: { artifacts: [{ name: 'x', s3: { key: 'k' } }] } },
      o: { id: 'o', name: 'r.other', displayName: 'other', type: 'Pod', phase: 'Succeeded', failedPodRestarts: 1 },
    },
  }, { labels: { 'my-label': 'bar' }, finalizers: ['workflows.argoproj.io/artifact-gc'] });
  const ok: Expectation = {
    progress: '2/2', finished: true, labels: { 'my-label': 'bar' }, finalizers: { contains: ['workflows.argoproj.io/artifact-gc'] },
    artifactRepositoryRef: { namespace: 'argo', configMap: 'artifact-repositories', key: 'my-key', default: false },
    fields: { 'status.conditions.0.type': 'PodRunning' },
    nodes: [
      { name: 'r[0].build(0)', childOf: 'r[0].build', hooked: false, retried: true },
      { name: 'r[0].build.hooks.started', childOf: 'r[0].build', hooked: true, fields: { 'outputs.artifacts.0.s3.bucket': { empty: true }, 'outputs.artifacts.0.s3.key': { empty: false } } },
      { where: {}, memoizationHit: true },
      { displayName: 'other', failedPodRestarts: 1 },
    ],
  };
  assert.deepEqual(checkAssertions(ok, w), []);
  const bad: Expectation = {
    conditions: ['ArtifactGCError'], taskResultsComplete: true, finalizers: { notContains: ['workflows.argoproj.io/artifact-gc'] },
    artifactRepositoryRef: { default: true }, labels: { 'my-label': 'baz' },
    nodes: [{ name: 'r.other', childOf: 'r[0].build', memoizationHit: true }],
  };
  assert.deepEqual(checkAssertions(bad, w), [
    'label my-label: want "baz", got "bar"',
    'finalizers: want no workflows.argoproj.io/artifact-gc',
    'conditions: want ArtifactGCError, got ["PodRunning"]',
    'artifactRepositoryRef: want {"default":true} within {"configMap":"artifact-repositories","key":"my-key","namespace":"argo"}',
    'taskResultsCompletionStatus.b: want true, got false',
    'node named "r.other": memoizationStatus.hit: want true; not a child of r[0].build',
  ]);
  assert.deepEqual(checkAssertions({ anyOutputParameter: 'Default value' }, w), ['no node has an output parameter "Default value"']);
});

test('the ported entries check shapes Argo documents: a skipped-default workflow and a fail-fast one', () => {
  const e = expectations['e2e/functional_test.go:TestWorkflowParallelismStepFailFast']!;
  const w = wf('parallelism-step-fail-fast', {
    phase: 'Failed', message: 'template has failed or errored children and failFast enabled',
    nodes: {
      s: { id: 's', name: 'parallelism-step-fail-fast', displayName: 'parallelism-step-fail-fast', type: 'Steps', phase: 'Failed' },
      g: { id: 'g', name: 'parallelism-step-fail-fast[0]', displayName: '[0]', type: 'StepGroup', phase: 'Failed' },
      a: { id: 'a', name: 'parallelism-step-fail-fast[0].step1', displayName: 'step1', type: 'Pod', phase: 'Failed' },
      b: { id: 'b', name: 'parallelism-step-fail-fast[0].step2', displayName: 'step2', type: 'Pod', phase: 'Succeeded' },
    },
  });
  assert.deepEqual(checkAssertions(e, w), []);
  w.status.nodes.b.phase = 'Failed';
  assert.deepEqual(checkAssertions(e, w), ['node "step2": phase: want Succeeded, got Failed']);

  const loops = expectations['e2e/functional_test.go:TestLoopEmptyParam']!;
  const l = wf('l', { phase: 'Succeeded', nodes: Object.fromEntries([1, 2, 3, 4].map((i) => [`n${i}`, { id: `n${i}`, name: `l.n${i}`, displayName: `n${i}`, phase: 'Succeeded' }])) });
  l.status.nodes.s = { id: 's', name: 'l[1].sleep', displayName: 'sleep', phase: 'Skipped', message: 'Skipped, empty params' };
  assert.deepEqual(checkAssertions(loops, l), []);
  l.status.nodes.s.message = 'Skipped, empty params ';
  assert.deepEqual(checkAssertions(loops, l), ['node "sleep": message: want "Skipped, empty params", got "Skipped, empty params "']);
});

// ---------------------------------------------------------------------------- logs, store, kinds

test('container logs as ExpectContainerLogs checks them (counts, contains, not contains)', () => {
  const [c1, c2, c3] = expectations['e2e/retry_test.go:TestWorkflowTemplateWithRetryStrategyInContainerSet']!.containerLogs!;
  assert.deepEqual(checkLogs(c1!, 'capturing logs\nhi\n'), []);
  assert.deepEqual(checkLogs(c2!, 'exec: "invalid": executable file not found in $PATH\n'), []);
  assert.deepEqual(checkLogs(c3!, 'intentional failure\ncapturing logs\nintentional failure\n'), ['$WF/c3 log: want "capturing logs" 2 time(s), got 1']);
  const wait = expectations['e2e/functional_test.go:TestWorkflowInvalidServiceAccountError']!.containerLogs![1]!;
  assert.deepEqual(checkLogs(wait, 'Error: workflowtaskresults.argoproj.io is forbidden: User "system:serviceaccount:argo:github.com" cannot create resource "workflowtaskresults"\nUsage:\n'), ['$WF/wait log: want no "Usage:"']);
});

test('stored artifacts are compared after gunzip when compressed; an absent object fails', () => {
  const c = { key: 'globalArtifact', bucket: 'my-bucket-3', equals: '01' };
  assert.deepEqual(checkStoreContent(c, Buffer.from('01')), []);
  assert.deepEqual(checkStoreContent(c, gzipSync('01')), []);
  assert.deepEqual(checkStoreContent({ ...c, equals: undefined, contains: ':) Hello Argo!' }, gzipSync('x :) Hello Argo! y')), []);
  assert.deepEqual(checkStoreContent(c, Buffer.from('0')), ['my-bucket-3/globalArtifact: want "01", got "0"']);
  assert.deepEqual(checkStoreContent(c, null), ['my-bucket-3/globalArtifact: absent from the store']);
});

test('withKind adds apiVersion and kind only when missing', () => {
  assert.equal(withKind('\nmetadata:\n  name: x\n', 'WorkflowTemplate'), 'apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata:\n  name: x\n');
  assert.equal(withKind('apiVersion: argoproj.io/v1alpha1\nmetadata: {}\n', 'Workflow'), 'kind: Workflow\napiVersion: argoproj.io/v1alpha1\nmetadata: {}\n');
  const full = 'apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {}\n';
  assert.equal(withKind(full, 'Workflow'), full);
});

test('rewriteForStack points minio:9000 and httpbin:9100 at the stack', () => {
  const text = byId.get('e2e/artifacts_test.go:TestGlobalArtifactPassing#0')!.yaml + byId.get('e2e/http_artifacts_test.go:TestBasicAuthArtifactHttp')!.yaml;
  const out = rewriteForStack(text, { minio: 'http://127.0.0.1:9100', httpbin: 'http://127.0.0.1:8088/' });
  assert.match(out, /endpoint: 127\.0\.0\.1:9100\n/);
  assert.match(out, /url: http:\/\/127\.0\.0\.1:8088\/basic-auth\/admin\/password\n/);
  assert.doesNotMatch(out, /minio:9000|httpbin:9100/);
  assert.equal(rewriteForStack(text, {}), text);
});

test('rewriteInternetForStack points the internet URLs of Argo\'s tests at stand-ins on the stack, whole URLs only', () => {
  const peers = { httpbin: 'http://127.0.0.1:8088/', gitHttp: 'http://127.0.0.1:9419' };
  const yaml = (id: string) => byId.get(id)!.yaml;
  const depth = rewriteInternetForStack(yaml('e2e/artifacts_test.go:TestGitArtifactDepthClone'), peers);
  assert.match(depth, /repo: http:\/\/127\.0\.0\.1:9419\/argoproj-labs\/go-git\.git\n/);
  const parallel = rewriteInternetForStack(yaml('e2e/agent_test.go:TestParallel'), peers);
  assert.equal(parallel.match(/value: "http:\/\/127\.0\.0\.1:8088\/html"/g)?.length, 4, 'the four HTTP steps');
  const condition = rewriteInternetForStack(yaml('e2e/agent_test.go:TestStatusCondition'), peers);
  assert.match(condition, /value: "http:\/\/127\.0\.0\.1:8088\/anything\/google"/);
  assert.match(condition, /http:\/\/httpbin:9100\/status\/201/, 'Argo\'s CI host is rewriteForStack\'s job');
  const optional = rewriteInternetForStack(yaml('e2e/functional_test.go:TestOptionalInputArtifacts'), peers);
  assert.match(optional, /url: http:\/\/127\.0\.0\.1:8088\/status\/404\n/);
  const outputs = rewriteInternetForStack(yaml('e2e/functional_test.go:TestHTTPOutputs'), peers);
  assert.match(outputs, /http:\/\/127\.0\.0\.1:8088\/json\n/);
  const load = rewriteInternetForStack(byId.get('e2e/expectedfailures/failed-artifact-load.yaml')!.yaml, peers);
  assert.match(load, /url: http:\/\/127\.0\.0\.1:1\/doesnt-exist\.txt\n/);
  for (const t of [depth, parallel, condition, optional, outputs, load]) assert.doesNotMatch(t, /https:\/\//);
  // a longer URL that starts like a stand-in's is not rewritten; without its peer a URL stays
  assert.equal(rewriteInternetForStack('url: https://google.com/search', peers), 'url: https://google.com/search');
  assert.equal(rewriteInternetForStack('repo: https://github.com/argoproj-labs/go-git.git\n', { httpbin: peers.httpbin }), 'repo: https://github.com/argoproj-labs/go-git.git\n');
});
