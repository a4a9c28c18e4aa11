/**
 * OpenTelemetry spans (issue 10 part 3; Go v4.1.2 workflow/executor/tracing, util/telemetry/traces_list.go,
 * workflow/tracing/*_transport.go): the same pod — an S3 input artifact, an output artifact and a parameter, archived
 * logs; init, then main (emissary) and wait — through the Go reference executor and through ours, with TRACEPARENT set
 * to a known parent, each exporting to a real OpenTelemetry Collector (test/support/otel-collector.ts).
 *
 *   1. OTLP/gRPC (Go's default): the span trees under the parent are identical — names, nesting, kinds, status,
 *      attributes (run-specific names normalised), events, instrumentation scopes; the emissary hands its span to the command as TRACEPARENT.
 *   2. OTLP/HTTP (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf): identical trees too.
 *   3. An HTTP input artifact behind a redirect: a client span per request, `artifact.type` http (Go's otelhttp
 *      wraps the artifact client's transport), identical trees.
 *   4. A failing step (a required S3 input that does not exist): init's tree, with the 404 answer's client span in
 *      status Error (`error.type` 404) and the executor spans without a status (Go sets none), identical.
 *   5. Tracing off (no endpoint): nothing to export, but the command still gets a TRACEPARENT naming a new span of
 *      the parent's trace (or of a new trace without TRACEPARENT), as Go's SDK does.
 *   6. An endpoint that refuses: every container still succeeds, the outputs are saved and reported, and each
 *      container logs a "traces export" error naming the refusal (both executors).
 *   7. `data` (run by the emissary, so under its span): processDataTemplate (with the S3 listing), createTaskResult and
 *      patchTaskResultLabels straight under TRACEPARENT, identical.
 *   8. `supervisor` in an init-less pod: runSupervisorContainer with the pre-main steps (stageFiles, loads) and
 *      PostMain's, identical.
 *   9. An unknown OTEL_EXPORTER_OTLP_PROTOCOL: Go's fatal "OTEL tracing protocol invalid" (exit 1), both executors.
 *  10. `resource` (run by the emissary): stageFiles and the TaskResult writes under TRACEPARENT (kubectl is a separate
 *      process in both), identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GO_EXECUTOR, NAMESPACE, PodSim, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { spanForest, shape, startCollector, type AttrValue, type ReceivedSpan, type SpanTree } from '../support/otel-collector.ts';
import { admin, archiveLocation, getTaskResult, s3Get, s3Put, S3_SECRETS } from '../wait/helpers.ts';
import { InitlessPod } from '../supervisor/helpers.ts';
import { grantExecutor } from '../resource/helpers.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;
const TRACEPARENT_RE = /^TRACEPARENT=00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/m;
const INTERNAL = 1;

const keyOf = (): string => `otel-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

interface Run { pod: PodSim; key: string; codes: (number | null | undefined)[]; stderr: string[]; mainStdout: string }

/**
 * The pod, owned by a real Workflow object: a TaskResult whose owner does not exist is removed by the garbage
 * collector, which would race the executor's patch (and add a create span to the trace).
 */
/** The S3 pod: input from S3, output artifact + parameter, logs archived. */
function s3Template(key: string): Record<string, unknown> {
  return {
    name: 'otel', container: { image: 'x' },
    inputs: { artifacts: [{ name: 'in', path: '/in/in.txt', s3: { key: `${key}/in.txt` } }] },
    outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/out.txt' } }], artifacts: [{ name: 'out', path: '/tmp/out.txt' }] },
    archiveLocation: archiveLocation(key, true),
  };
}

/** A Workflow object to own the pod's TaskResult; returns its name and uid. */
async function ownerWorkflow(executor: Executor): Promise<{ workflowName: string; workflowUid: string }> {
  const workflowName = `otel-${executor.name}-${Math.floor(Math.random() * 1e9)}`;
  const wf = await admin.req('POST', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflows`, {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
    // An instance id no controller serves: no controller acts on this object.
    metadata: { name: workflowName, labels: { 'workflows.argoproj.io/controller-instanceid': 'argoexec-ts-otel-test' } },
    spec: { entrypoint: 'none', templates: [] },
  });
  assert.equal(wf.status, 201, `create Workflow: ${wf.text}`);
  return { workflowName, workflowUid: wf.body.metadata.uid };
}

async function runPod(executor: Executor, env: Record<string, string>, templateOf: (key: string) => Record<string, unknown> = s3Template): Promise<Run> {
  const key = keyOf();
  await s3Put(`${key}/in.txt`, 'hello');
  const template = templateOf(key);
  const pod = new PodSim({ template, executor, secrets: S3_SECRETS, env }, await ownerWorkflow(executor));
  const r = await pod.run(['sh', '-c', 'cat /in/in.txt > /tmp/out.txt; env | grep ^TRACEPARENT= || true']);
  return {
    pod, key,
    codes: [r.init.code, r.main?.code, r.wait?.code],
    stderr: [r.init.stderr, r.main?.stderr ?? '', r.wait?.stderr ?? ''],
    mainStdout: r.main?.stdout ?? '',
  };
}

async function release(run: { pod: { workflowName: string; cleanup(): void } }): Promise<void> {
  // Deleting the Workflow lets the garbage collector remove its TaskResult.
  await admin.req('DELETE', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflows/${run.pod.workflowName}`);
  run.pod.cleanup();
}

/**
 * Run-specific values → placeholders; url.full without its query: the S3 clients differ there (minio-go's listing
 * asks `encoding-type=url&fetch-owner=true`, the AWS SDK's `max-keys=1`, and it marks operations with `x-id=…`),
 * which is the client library's business, not the trace's; the operation is compared through s3.operation.
 */
function normaliser(run: Run): (k: string, v: AttrValue) => AttrValue {
  return (k, v) => {
    if (typeof v !== 'string') return v;
    let s = v.split(run.key).join('<KEY>').split(run.pod.nodeId).join('<NODE>').split(run.pod.workflowName).join('<WF>');
    if (k === 'url.full') s = s.replace(/\?.*$/, '');
    return s;
  };
}

function rootsOf(spans: ReceivedSpan[], run: Run): SpanTree[] {
  return spanForest(spans, TRACE_ID, PARENT_SPAN_ID, normaliser(run)).sort((a, b) => a.name.localeCompare(b.name));
}

async function tracedRun(
  executor: Executor, env: (c: { grpcEndpoint: string; httpEndpoint: string }) => Record<string, string>, templateOf?: (key: string) => Record<string, unknown>,
): Promise<{ run: Run; spans: ReceivedSpan[] }> {
  const collector = await startCollector();
  const running = runPod(executor, { TRACEPARENT, ...env(collector) }, templateOf);
  // Stop the collector whatever the pod did, so that none outlives the test; read the spans only after it stopped.
  const [run, spans] = await Promise.allSettled([running]).then(async ([r]) => [r, await collector.stop()] as const);
  if (run.status === 'rejected') throw run.reason;
  return { run: run.value, spans };
}

function checkRun(name: string, run: Run, spans: ReceivedSpan[]): SpanTree[] {
  assert.deepEqual(run.codes, [0, 0, 0], `${name}: exit codes; stderr:\n${run.stderr.join('\n---\n')}`);
  const roots = rootsOf(spans, run);
  assert.deepEqual(roots.map((r) => r.name), ['runInitContainer', 'runMainContainer', 'runWaitContainer'], `${name}: ${roots.map(shape).join(' ')}`);
  // The emissary's span is its command's parent (Go: injectTraceParent).
  const main = spans.find((s) => s.name === 'runMainContainer' && s.traceId === TRACE_ID);
  const m = TRACEPARENT_RE.exec(run.mainStdout);
  assert.ok(m, `${name}: the command saw no TRACEPARENT: ${run.mainStdout}`);
  assert.deepEqual([m[1], m[2], m[3]], [TRACE_ID, main?.spanId, '01'], `${name}: TRACEPARENT of the command`);
  for (const s of spans) {
    assert.equal(s.resource['service.name'], 'argoexec', `${name}: service.name of ${s.name}`);
    // Go's executor spans come from its `argoexec` tracer, HTTP client spans from otelhttp's.
    assert.equal(s.scope, s.name.startsWith('HTTP ') ? 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp@0.69.0' : 'argoexec', `${name}: scope of ${s.name}`);
  }
  return roots;
}

test('1. OTLP/gRPC: Go reference and argoexec-ts send the same span trees under TRACEPARENT', { timeout: 180_000 }, async () => {
  const go = await tracedRun(GO_EXECUTOR, (c) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: c.grpcEndpoint }));
  const ts = await tracedRun(TS_EXECUTOR, (c) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: c.grpcEndpoint }));
  try {
    const goRoots = checkRun('go', go.run, go.spans);
    const tsRoots = checkRun('ts', ts.run, ts.spans);
    // What traces_list.go and the call sites prescribe, independently of either run.
    assert.equal(shape(goRoots[0] as SpanTree), 'runInitContainer(stageFiles,loadArtifacts(loadArtifact(HTTP HEAD,HTTP GET,unarchiveArtifact)))');
    assert.equal(shape(goRoots[2] as SpanTree), 'runWaitContainer(createTaskResult(HTTP POST),waitWorkload,captureScriptResult,'
      + 'saveArtifacts(saveArtifact(archiveArtifact,HTTP PUT)),saveLogs(saveContainerLogs(HTTP PUT)),patchTaskResult(HTTP PATCH),patchTaskResultLabels(HTTP PATCH))');
    assert.deepEqual(tsRoots, goRoots);
    const internal = (t: SpanTree): boolean => (t.name.startsWith('HTTP ') || t.kind === INTERNAL) && t.children.every(internal);
    assert.ok(tsRoots.every(internal), 'executor spans are INTERNAL');
  } finally {
    await release(go.run);
    await release(ts.run);
  }
});

test('2. OTLP/HTTP (http/protobuf): the same trees', { timeout: 180_000 }, async () => {
  const env = (c: { httpEndpoint: string }): Record<string, string> => ({ OTEL_EXPORTER_OTLP_ENDPOINT: c.httpEndpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
  const go = await tracedRun(GO_EXECUTOR, env);
  const ts = await tracedRun(TS_EXECUTOR, env);
  try {
    assert.deepEqual(checkRun('ts', ts.run, ts.spans), checkRun('go', go.run, go.spans));
    assert.match(ts.run.stderr[2] as string, /msg="Starting OTLP tracing exporter".*endpoint=http:\/\/127\.0\.0\.1:\d+.*protocol=http/);
  } finally {
    await release(go.run);
    await release(ts.run);
  }
});

test('3. HTTP artifact (with a redirect): one client span per request, with artifact.type', { timeout: 180_000 }, async () => {
  const httpbin = STACK.HTTPBIN_URL as string;
  const template = (): Record<string, unknown> => ({
    name: 'otel-http', container: { image: 'x' },
    inputs: { artifacts: [{ name: 'in', path: '/in/in.txt', http: { url: `${httpbin}/redirect-to?url=${encodeURIComponent('/base64/aGVsbG8=')}` } }] },
  });
  const go = await tracedRun(GO_EXECUTOR, (c) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: c.grpcEndpoint }), template);
  const ts = await tracedRun(TS_EXECUTOR, (c) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: c.grpcEndpoint }), template);
  try {
    const goInit = checkRun('go', go.run, go.spans)[0] as SpanTree;
    const tsInit = checkRun('ts', ts.run, ts.spans)[0] as SpanTree;
    assert.equal(shape(goInit), 'runInitContainer(stageFiles,loadArtifacts(loadArtifact(HTTP GET,HTTP GET,unarchiveArtifact)))');
    assert.deepEqual(tsInit, goInit);
  } finally {
    await release(go.run);
    await release(ts.run);
  }
});

test('4. a failing init (missing S3 input): the same tree, the failed request in status Error', { timeout: 180_000 }, async () => {
  const template = (key: string): Record<string, unknown> => ({
    name: 'otel-missing', container: { image: 'x' },
    inputs: { artifacts: [{ name: 'in', path: '/in/in.txt', s3: { key: `${key}/missing.txt` } }] },
    archiveLocation: archiveLocation(key),
  });
  const go = await tracedRun(GO_EXECUTOR, (c) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: c.grpcEndpoint }), template);
  const ts = await tracedRun(TS_EXECUTOR, (c) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: c.grpcEndpoint }), template);
  try {
    const trees: SpanTree[][] = [];
    for (const [name, { run, spans }] of [['go', go], ['ts', ts]] as const) {
      assert.deepEqual(run.codes, [64, undefined, undefined], `${name} init fails: ${run.stderr[0]}`);
      trees.push(rootsOf(spans, run));
    }
    const [goRoots, tsRoots] = trees as [SpanTree[], SpanTree[]];
    assert.deepEqual(goRoots.map(shape), ['runInitContainer(stageFiles,loadArtifacts(loadArtifact(HTTP HEAD,HTTP GET)))']);
    // The 404 of the object's HEAD is an Error; the directory listing that follows (is it a "directory"?) is not.
    const [head, list] = goRoots[0]?.children[1]?.children[0]?.children ?? [];
    assert.deepEqual([head?.status.code, head?.attributes['error.type'], list?.attributes['s3.operation'], list?.status.code], [2 /* ERROR */, '404', 'ListObjects', 0]);
    assert.deepEqual(tsRoots, goRoots);
  } finally {
    await release(go.run);
    await release(ts.run);
  }
});

test('5. tracing off: the command still gets its TRACEPARENT, a new span of the parent\'s trace (or of a new trace)', { timeout: 120_000 }, async () => {
  for (const executor of [GO_EXECUTOR, TS_EXECUTOR]) {
    for (const env of [{ TRACEPARENT }, {}] as Record<string, string>[]) {
      const run = await runPod(executor, env);
      try {
        assert.deepEqual(run.codes, [0, 0, 0], `${executor.name}: ${run.stderr.join('\n')}`);
        const m = TRACEPARENT_RE.exec(run.mainStdout);
        assert.ok(m, `${executor.name} ${JSON.stringify(env)}: ${run.mainStdout}`);
        assert.equal(m[3], '01', 'sampled');
        assert.notEqual(m[2], PARENT_SPAN_ID);
        assert.notEqual(m[2], '0'.repeat(16));
        if ('TRACEPARENT' in env) assert.equal(m[1], TRACE_ID);
        else assert.notEqual(m[1], TRACE_ID);
        assert.doesNotMatch(run.stderr.join('\n'), /OTLP|traces export/);
      } finally {
        await release(run);
      }
    }
  }
});

test('6. an OTLP endpoint that refuses: the step succeeds, nothing is lost, each container logs the export error', { timeout: 240_000 }, async () => {
  // A port nothing listens on (taken from the collector helper's free-port logic: a collector started and stopped).
  const c = await startCollector();
  await c.stop();
  const refused = c.grpcEndpoint;
  for (const executor of [GO_EXECUTOR, TS_EXECUTOR]) {
    const run = await runPod(executor, { TRACEPARENT, OTEL_EXPORTER_OTLP_ENDPOINT: refused });
    try {
      assert.deepEqual(run.codes, [0, 0, 0], `${executor.name}: ${run.stderr.join('\n')}`);
      assert.equal((await s3Get(`${run.key}/out.tgz`)).length > 0, true);
      const tr = await getTaskResult(run.pod.nodeId);
      assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
      assert.deepEqual(tr.outputs.parameters, [{ name: 'p', value: 'hello', valueFrom: { path: '/tmp/out.txt' } }]);
      assert.deepEqual(tr.outputs.artifacts.map((a: { name: string }) => a.name), ['out', 'main-logs']);
      for (const [i, stderr] of run.stderr.entries()) {
        // Go: `<date> traces export: … connection refused`; ours: level=ERROR msg="traces export" error="… ECONNREFUSED …".
        assert.match(stderr, /traces export.*(connection refused|ECONNREFUSED)/, `${executor.name} container ${i}`);
      }
    } finally {
      await release(run);
    }
  }
});

/** A role run by itself in one container (as the emissary's child in a data pod), exporting to its own collector. */
async function tracedContainer(
  executor: Executor, template: Record<string, unknown>, start: (pod: PodSim, env: Record<string, string>) => Promise<{ code: number | null; stderr: string }>,
): Promise<{ run: Run; spans: ReceivedSpan[] }> {
  const collector = await startCollector();
  const key = keyOf();
  const pod = new PodSim({ template, executor, secrets: S3_SECRETS }, await ownerWorkflow(executor));
  const r = await start(pod, { TRACEPARENT, OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcEndpoint }).finally(() => undefined);
  // (the role ended, so it has flushed: stop the collector and read what it received)
  const spans = await collector.stop();
  return { run: { pod, key, codes: [r.code], stderr: [r.stderr], mainStdout: '' }, spans };
}

test('7. data (the emissary\'s child): processDataTemplate and the TaskResult writes straight under TRACEPARENT', { timeout: 180_000 }, async () => {
  const prefix = keyOf();
  for (const k of ['a/main.log', 'b.txt']) await s3Put(`${prefix}/${k}`, k);
  const template = {
    name: 'otel-data', data: { source: { artifactPaths: { name: 'files', s3: { bucket: 'my-bucket', key: prefix } } }, transformation: [{ expression: 'filter(data, {# endsWith ".log"})' }] },
    archiveLocation: archiveLocation('unused'),
  };
  const start = (pod: PodSim, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> => pod.start('wait', ['argoexec', 'data', '{}', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], {
    ARGO_POD_NAME: `${pod.nodeId}-pod`, ARGO_POD_UID: '11111111-2222-4333-8444-555555555555', ARGO_WORKFLOW_NAME: pod.workflowName, ARGO_WORKFLOW_UID: pod.workflowUid,
    ARGO_NODE_ID: pod.nodeId, ARGO_DEADLINE: '0001-01-01T00:00:00Z', ARGO_TEMPLATE: JSON.stringify(template),
    KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443', PATH: `${pod.executor.binDir}:/usr/bin:/bin`, ...env,
  }).done;
  const go = await tracedContainer(GO_EXECUTOR, template, start);
  const ts = await tracedContainer(TS_EXECUTOR, template, start);
  try {
    const forests: SpanTree[][] = [];
    for (const [name, { run, spans }] of [['go', go], ['ts', ts]] as const) {
      assert.deepEqual(run.codes, [0], `${name}: ${run.stderr[0]}`);
      // In start order (one process): the spans are siblings under the parent, not under a role span.
      forests.push(spanForest(spans, TRACE_ID, PARENT_SPAN_ID, (k, v) => (typeof v === 'string' ? normaliser(run)(k, v.split(prefix).join('<PREFIX>')) : v)));
    }
    const [goForest, tsForest] = forests as [SpanTree[], SpanTree[]];
    assert.deepEqual(goForest.map(shape), ['processDataTemplate(HTTP GET)', 'createTaskResult(HTTP POST)', 'patchTaskResultLabels(HTTP PATCH)']);
    assert.deepEqual(tsForest, goForest);
  } finally {
    await release(go.run);
    await release(ts.run);
  }
});

test('8. supervisor (init-less pod): runSupervisorContainer with pre-main and PostMain steps', { timeout: 180_000 }, async () => {
  const trees: SpanTree[] = [];
  for (const executor of [GO_EXECUTOR, TS_EXECUTOR]) {
    const collector = await startCollector();
    const key = keyOf();
    await s3Put(`${key}/in.txt`, 'hello');
    // No output artifact: main's emissary comes from our image (/argo-bin) in both runs, and the Go supervisor cannot
    // read our emissary's artifact hand-over (decision D4); parameters and logs are common ground.
    const template = { ...s3Template(key), outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/out.txt' } }] } };
    const pod = new InitlessPod({ template, executor, secrets: S3_SECRETS, env: { TRACEPARENT, OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcEndpoint } }, await ownerWorkflow(executor));
    const sup = pod.startSupervisor();
    const main = pod.startMain(['sh', '-c', 'cat /argo/inputs/artifacts/in > /tmp/out.txt']);
    const [s, m] = [await sup.done, await main.done];
    const codes = [s.code, m.code];
    const stderr = `${s.stderr}\n---\n${m.stderr}`;
    const spans = await collector.stop();
    try {
      assert.deepEqual(codes, [0, 0], `${executor.name}: ${stderr}`);
      const run = { pod: pod.sim, key, codes, stderr: [], mainStdout: '' };
      const sup = rootsOf(spans, run).find((t) => t.name === 'runSupervisorContainer');
      assert.ok(sup, `${executor.name}: no runSupervisorContainer span`);
      trees.push(sup);
    } finally {
      await release({ pod: pod.sim });
    }
  }
  const [goTree, tsTree] = trees as [SpanTree, SpanTree];
  assert.equal(shape(goTree), 'runSupervisorContainer(stageFiles,loadArtifacts(loadArtifact(HTTP HEAD,HTTP GET,unarchiveArtifact)),createTaskResult(HTTP POST),'
    + 'waitWorkload,captureScriptResult,saveArtifacts,saveLogs(saveContainerLogs(HTTP PUT)),patchTaskResult(HTTP PATCH),patchTaskResultLabels(HTTP PATCH))');
  assert.deepEqual(tsTree, goTree);
});

test('9. an invalid OTEL_EXPORTER_OTLP_PROTOCOL is fatal, as in Go: init exits 1 naming the protocol', { timeout: 120_000 }, async () => {
  for (const executor of [GO_EXECUTOR, TS_EXECUTOR]) {
    const run = await runPod(executor, { TRACEPARENT, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' });
    try {
      assert.equal(run.codes[0], 1, `${executor.name}: ${run.stderr[0]}`);
      assert.match(run.stderr[0] as string, /level=ERROR msg="OTEL tracing protocol invalid".*protocol=carrier-pigeon/, executor.name);
    } finally {
      await release(run);
    }
  }
});

test('10. resource (the emissary\'s child): its spans straight under TRACEPARENT, identical', { timeout: 180_000 }, async () => {
  const revoke = await grantExecutor(`otel-resource-${Math.floor(Math.random() * 1e9)}`, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'delete'] }]);
  const forests: SpanTree[][] = [];
  try {
    for (const executor of [GO_EXECUTOR, TS_EXECUTOR]) {
      const cmName = `otel-${executor.name}-${Math.floor(Math.random() * 1e9)}`;
      const template = { name: 'otel-resource', resource: { action: 'create', manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cmName}\ndata: {a: "1"}\n` } };
      const { run, spans } = await tracedContainer(executor, template, (pod, env) => pod.start('wait', ['argoexec', 'resource', 'create', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], {
        ARGO_POD_NAME: `${pod.nodeId}-pod`, ARGO_POD_UID: '11111111-2222-4333-8444-555555555555', ARGO_WORKFLOW_NAME: pod.workflowName, ARGO_WORKFLOW_UID: pod.workflowUid,
        ARGO_NODE_ID: pod.nodeId, ARGO_DEADLINE: '0001-01-01T00:00:00Z', ARGO_TEMPLATE: JSON.stringify(template),
        KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443', PATH: `${pod.executor.binDir}:/usr/bin:/bin`, ...env,
      }).done);
      try {
        assert.deepEqual(run.codes, [0], `${executor.name}: ${run.stderr[0]}`);
        forests.push(spanForest(spans, TRACE_ID, PARENT_SPAN_ID, normaliser(run)));
      } finally {
        await admin.req('DELETE', `/api/v1/namespaces/${NAMESPACE}/configmaps/${cmName}`);
        await release(run);
      }
    }
  } finally {
    await revoke();
  }
  const [goForest, tsForest] = forests as [SpanTree[], SpanTree[]];
  assert.ok(goForest.some((t) => t.name === 'stageFiles') && goForest.some((t) => t.name === 'createTaskResult'), goForest.map(shape).join(' '));
  assert.deepEqual(tsForest, goForest);
});
