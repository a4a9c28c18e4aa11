/**
 * `make e2e`: Argo's example workflows through the real workflow-controller on the local e2e cluster,
 * once with the Go reference executor and once with ours, and a side-by-side report in
 * docs/compat-report.md (one row per workflow: phase with Go, phase with ours, outputs identical?,
 * durations, skip reason). Raw results: .stack/e2e/results-<executor>.json.
 *
 *   node test/e2e/run.ts [--executors go,ts] [--filter REGEX] [--list FILE] [--parallel N] [--timeout S]
 *                        [--report FILE] [--no-cluster-up] [--check]
 *   --executors ''  runs nothing and rewrites the report from the stored results.
 *
 * Env equivalents: E2E_EXECUTORS, E2E_FILTER, E2E_EXAMPLES (list file), E2E_PARALLEL, E2E_TIMEOUT.
 *
 * Selection (as Argo's own examples test, test/e2e/examples_test.go): every `Workflow` document under
 * the examples directory, plus our scenarios in test/e2e/scenarios (ids `scenario/…`); skipped with a reason when labelled `workflows.argoproj.io/no-test` (except
 * the values in --include / E2E_INCLUDE, default `expected-failure`: those run and must fail alike), when it
 * names an image we have no local stand-in for (images/build/build.sh), or when it needs something the
 * cluster lacks (PVCs: there is no volume provisioner; ClusterWorkflowTemplates: the controller is
 * namespaced). WorkflowTemplates and ConfigMaps of the examples are applied first.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as yaml from 'js-yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const { values: opts } = parseArgs({
  options: {
    executors: { type: 'string', default: process.env.E2E_EXECUTORS ?? 'go,ts' },
    filter: { type: 'string', default: process.env.E2E_FILTER },
    list: { type: 'string', default: process.env.E2E_EXAMPLES },
    parallel: { type: 'string', default: process.env.E2E_PARALLEL ?? '3' },
    timeout: { type: 'string', default: process.env.E2E_TIMEOUT ?? '180' },
    report: { type: 'string', default: join(ROOT, 'docs/compat-report.md') },
    examples: { type: 'string', default: process.env.ARGO_EXAMPLES ?? '/work/shared/argo-v4.1.2/examples' },
    'no-cluster-up': { type: 'boolean', default: false },
    // exit 1 when a workflow run here ends in another phase, or with other outputs, with ours than with Go
    check: { type: 'boolean', default: process.env.E2E_CHECK === '1' },
    // no-test labels whose workflows run anyway (expected failures must fail the same way with both)
    include: { type: 'string', default: process.env.E2E_INCLUDE ?? 'expected-failure' },
  },
});
const EXECUTORS = opts.executors!.split(',').map((s) => s.trim()).filter(Boolean) as ('go' | 'ts')[];
const PARALLEL = Number(opts.parallel);
const TIMEOUT_S = Number(opts.timeout);
const NS = 'argo';
const STATE = join(ROOT, '.stack/e2e');
mkdirSync(STATE, { recursive: true });

/** Images the local cluster has (images/build/build.sh), as examples name them. */
const LOCAL_IMAGES = new Set([
  'busybox', 'busybox:latest', 'busybox:1.36', 'alpine', 'alpine:latest', 'alpine:3.23', 'alpine:3.7',
  'python:alpine3.23', 'python:3', 'debian', 'debian:latest', 'debian:bookworm',
  'argoproj/argosay:v2', 'argoproj/argosay:v1', 'docker/whalesay', 'docker/whalesay:latest',
]);

function log(msg: string): void {
  process.stderr.write(`[e2e] ${msg}\n`);
}

// --- environment ------------------------------------------------------------------------------

function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return env;
  }
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    let v = m[2];
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1).replace(/'\\''/g, "'");
    env[m[1]] = v;
  }
  return env;
}

function stackEnv(): Record<string, string> {
  return readEnvFile(join(ROOT, '.stack/env'));
}

function kubectl(args: string[], input?: string): string {
  const env = stackEnv();
  return execFileSync(env.KUBECTL ?? 'kubectl', ['--kubeconfig', env.KUBECONFIG ?? '', '-n', NS, ...args], {
    encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function clusterUp(executor: string): void {
  log(`cluster-up EXECUTOR=${executor}`);
  const r = spawnSync(join(ROOT, 'stack/cluster/up.sh'), [], { env: { ...process.env, EXECUTOR: executor }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`stack/cluster/up.sh EXECUTOR=${executor} failed (exit ${r.status})`);
}

// --- examples ---------------------------------------------------------------------------------

type Doc = Record<string, any>;
interface Example {
  file: string; // relative to the examples dir
  index: number; // document index in the file
  doc: Doc;
  id: string; // file (+ #index when a file holds several workflows)
  skip?: string;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

function loadDocs(file: string): Doc[] {
  try {
    return (yaml.loadAll(readFileSync(file, 'utf8')) as Doc[]).filter((d) => d && typeof d === 'object');
  } catch {
    return [];
  }
}

function imagesOf(doc: unknown, acc = new Set<string>()): Set<string> {
  if (Array.isArray(doc)) for (const x of doc) imagesOf(x, acc);
  else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (k === 'image' && typeof v === 'string') acc.add(v);
      else imagesOf(v, acc);
    }
  }
  return acc;
}

function templatesByName(): Map<string, Doc> {
  const m = new Map<string, Doc>();
  for (const f of walk(opts.examples!)) for (const d of loadDocs(f)) if (d.kind === 'WorkflowTemplate' || d.kind === 'ClusterWorkflowTemplate') m.set(`${d.kind}/${d.metadata?.name}`, d);
  return m;
}

function refs(doc: unknown, acc: { kind: string; name: string }[] = []): { kind: string; name: string }[] {
  if (Array.isArray(doc)) for (const x of doc) refs(x, acc);
  else if (doc && typeof doc === 'object') {
    const o = doc as Record<string, any>;
    if (o.workflowTemplateRef?.name) acc.push({ kind: o.workflowTemplateRef.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate', name: o.workflowTemplateRef.name });
    if (o.templateRef?.name) acc.push({ kind: o.templateRef.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate', name: o.templateRef.name });
    for (const v of Object.values(o)) refs(v, acc);
  }
  return acc;
}

/** http(s) URLs a workflow's HTTP templates / artifacts fetch that are not on this machine. */
function externalUrls(doc: unknown, acc: string[] = []): string[] {
  if (Array.isArray(doc)) for (const x of doc) externalUrls(x, acc);
  else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if ((k === 'url' || k === 'value' || k === 'default') && typeof v === 'string' && /^https?:\/\//.test(v) && !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(v)) acc.push(v.replace(/^(https?:\/\/[^/]+).*/, '$1'));
      else externalUrls(v, acc);
    }
  }
  return [...new Set(acc)];
}

function selectExamples(useSelection: boolean): Example[] {
  const tmpl = templatesByName();
  let wanted: Set<string> | null = null;
  if (useSelection && opts.list) wanted = new Set(readFileSync(opts.list, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean));
  const filter = useSelection && opts.filter ? new RegExp(opts.filter) : null;
  const out: Example[] = [];
  const scenarios = join(ROOT, 'test/e2e/scenarios');
  for (const path of [...walk(opts.examples!), ...walk(scenarios)]) {
    const file = path.startsWith(scenarios) ? `scenario/${relative(scenarios, path)}` : relative(opts.examples!, path);
    if (wanted && !wanted.has(file)) continue;
    if (filter && !filter.test(file)) continue;
    const wfs = loadDocs(path).filter((d) => d.kind === 'Workflow');
    wfs.forEach((doc, index) => {
      const ex: Example = { file, index, doc, id: wfs.length > 1 ? `${file}#${index}` : file };
      const noTest = doc.metadata?.labels?.['workflows.argoproj.io/no-test'];
      const all = new Set(imagesOf(doc));
      for (const r of refs(doc)) {
        const t = tmpl.get(`${r.kind}/${r.name}`);
        if (t) imagesOf(t, all);
        if (r.kind === 'ClusterWorkflowTemplate') ex.skip ??= 'needs a ClusterWorkflowTemplate (the controller is namespaced)';
        else if (!t) ex.skip ??= `references WorkflowTemplate ${r.name}, not in the examples`;
      }
      const missing = [...all].filter((i) => !LOCAL_IMAGES.has(i) && !i.includes('{{'));
      const include = new Set(opts.include!.split(',').map((x) => x.trim()));
      if (noTest && !include.has(noTest)) ex.skip = `labelled no-test: ${noTest}`;
      else if (missing.length) ex.skip ??= `image not available locally: ${missing.join(', ')}`;
      else if (externalUrls(doc).length) ex.skip ??= `needs the internet: ${externalUrls(doc).join(', ')}`;
      else if (/"(daemon":true|readinessProbe"|ports")/.test(JSON.stringify(doc))) ex.skip ??= 'serves on a port (daemon/server): pods use the host network here, it would listen beyond loopback';
      out.push(ex);
    });
  }
  return out;
}

function applySupportObjects(): void {
  // As Argo's examples test: ConfigMaps, PVCs and WorkflowTemplates of the examples exist before submitting.
  const docs: Doc[] = [];
  for (const f of walk(opts.examples!)) for (const d of loadDocs(f)) if (d.kind === 'ConfigMap' || d.kind === 'WorkflowTemplate' || d.kind === 'PersistentVolumeClaim') docs.push(d);
  for (const d of docs) {
    d.metadata = { ...d.metadata, namespace: NS };
    try {
      kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=argoexec-ts-e2e', '-f', '-'], JSON.stringify(d));
    } catch (e) {
      log(`could not apply ${d.kind}/${d.metadata?.name}: ${String((e as any).stderr ?? e).trim().split('\n')[0]}`);
    }
  }
}

// --- running ----------------------------------------------------------------------------------

interface NodeResult {
  phase: string;
  message?: string;
  outputs?: unknown;
}
interface Result {
  id: string;
  phase: string; // Succeeded, Failed, Error, Timeout, SubmitError, Skipped
  message: string;
  seconds: number | null;
  outputs: Record<string, NodeResult>; // by node display path, workflow name replaced
  skip?: string;
  workflow?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The workflow's generated name -> $WF, and pod-name hashes ($WF-<template>-<fnv hash>) -> #. */
function normalise(value: unknown, wfName: string): unknown {
  const text = JSON.stringify(value ?? null).split(wfName).join('$WF').replace(/(\$WF(?:-[a-z0-9-]*?)?)-\d{5,10}\b/g, '$1-#');
  return JSON.parse(text);
}

/** JSON with sorted object keys, for comparisons. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

function summarise(wf: Doc): Record<string, NodeResult> {
  const name = wf.metadata.name as string;
  const nodes = (wf.status?.nodes ?? {}) as Record<string, Doc>;
  const out: Record<string, NodeResult> = {};
  for (const n of Object.values(nodes)) {
    if (n.type === 'StepGroup' || n.type === 'TaskGroup') continue;
    const key = `${normalise(n.name, name)} [${n.type}]`;
    const outputs = n.outputs ? { ...n.outputs } : undefined;
    out[key] = { phase: n.phase, message: n.message ? String(normalise(n.message, name)) : undefined, outputs: normalise(outputs, name) };
  }
  return out;
}

async function runOne(ex: Example, executor: string): Promise<Result> {
  const doc = JSON.parse(JSON.stringify(ex.doc));
  doc.metadata = { ...doc.metadata, namespace: NS };
  doc.metadata.labels = { ...doc.metadata.labels, 'argoexec-ts/e2e': 'true' };
  let name: string;
  const t0 = Date.now();
  try {
    name = kubectl(['create', '-f', '-', '-o', 'jsonpath={.metadata.name}'], JSON.stringify(doc)).trim();
  } catch (e) {
    return { id: ex.id, phase: 'SubmitError', message: String((e as any).stderr ?? e).trim().split('\n')[0] ?? '', seconds: null, outputs: {} };
  }
  const deadline = t0 + TIMEOUT_S * 1000;
  let wf: Doc | null = null;
  // Scenarios (test/e2e/scenarios): shut the workflow down once its main container runs.
  const shutdown = ex.doc.metadata?.annotations?.['argoexec-ts.e2e/shutdown-when-running'];
  if (shutdown) {
    while (Date.now() < deadline) {
      await sleep(1000);
      try {
        const pods = JSON.parse(kubectl(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${name}`, '-o', 'json'])) as Doc;
        if (pods.items.some((p: Doc) => (p.status?.containerStatuses ?? []).some((c: Doc) => c.name === 'main' && c.state?.running))) break;
      } catch { /* retry */ }
    }
    kubectl(['patch', 'workflow', name, '--type=merge', '-p', JSON.stringify({ spec: { shutdown } })]);
  }
  while (Date.now() < deadline) {
    await sleep(2000);
    try {
      wf = JSON.parse(kubectl(['get', 'workflow', name, '-o', 'json']));
    } catch {
      continue;
    }
    const phase = wf?.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Error') break;
  }
  const phase = wf?.status?.phase;
  const terminal = phase === 'Succeeded' || phase === 'Failed' || phase === 'Error';
  const started = wf?.status?.startedAt ? Date.parse(wf.status.startedAt) : t0;
  const finished = wf?.status?.finishedAt ? Date.parse(wf.status.finishedAt) : Date.now();
  const result: Result = {
    id: ex.id,
    workflow: name,
    phase: terminal ? phase : `Timeout (${phase ?? 'no phase'})`,
    message: String(normalise(wf?.status?.message ?? '', name)),
    seconds: terminal ? Math.round((finished - started) / 100) / 10 : null,
    outputs: wf ? summarise(wf) : {},
  };
  if (!terminal) {
    // Keep what explains a timeout: the pods' states.
    try {
      result.message += ` pods: ${kubectl(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${name}`, '--no-headers']).trim().replace(/\s+/g, ' ')}`;
    } catch { /* ignore */ }
  }
  // Guard: every executor container of the workflow's pods must be the executor under test.
  const images = executorImagesOf(name);
  const wrong = images.filter((i) => !i.includes(`/argoexec-${executor}`));
  if (wrong.length > 0) {
    result.phase = 'WrongExecutor';
    result.message = `pods ran executor image(s) ${wrong.join(', ')} instead of argoexec-${executor}`;
  }
  // Clean up: kube-controller-manager's garbage collector deletes the pods (ownerReferences); deleting
  // them here would race with artifact GC pods created on deletion and leave the workflow's finalizer.
  try {
    kubectl(['delete', 'workflow', name, '--wait=false']);
  } catch { /* ignore */ }
  return result;
}

/** Images of the executor containers (init, wait, …) of a workflow's pods. */
function executorImagesOf(workflow: string): string[] {
  try {
    const pods = JSON.parse(kubectl(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${workflow}`, '-o', 'json'])) as Doc;
    const images = new Set<string>();
    for (const p of pods.items as Doc[]) {
      for (const c of [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])] as Doc[]) {
        if (/argoexec-(ts|go)/.test(String(c.image))) images.add(String(c.image));
      }
    }
    return [...images];
  } catch {
    return [];
  }
}

async function runAll(executor: string, examples: Example[], previous: Map<string, Result>): Promise<Map<string, Result>> {
  if (!opts['no-cluster-up']) clusterUp(executor);
  applySupportObjects();
  const results: Result[] = [];
  const queue = examples.filter((e) => !e.skip);
  for (const e of examples.filter((e) => e.skip)) results.push({ id: e.id, phase: 'Skipped', message: '', seconds: null, outputs: {}, skip: e.skip });
  let done = 0;
  const total = queue.length;
  const worker = async () => {
    for (;;) {
      const ex = queue.shift();
      if (!ex) return;
      const r = await runOne(ex, executor);
      results.push(r);
      done++;
      log(`${executor} ${done}/${total} ${ex.id}: ${r.phase}${r.seconds !== null ? ` (${r.seconds} s)` : ''}${r.phase !== 'Succeeded' && r.message ? ` — ${r.message.slice(0, 160)}` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  // Merge into the previous results of this executor (runs of a subset update only their rows).
  const merged = new Map(previous);
  for (const r of results) merged.set(r.id, r);
  writeFileSync(join(STATE, `results-${executor}.json`), JSON.stringify([...merged.values()], null, 2));
  return merged;
}

// --- report -----------------------------------------------------------------------------------

function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function writeReport(examples: Example[], byExec: Record<string, Map<string, Result>>, seconds: number): void {
  const go = byExec.go ?? new Map<string, Result>();
  const ts = byExec.ts ?? new Map<string, Result>();
  const rows: string[] = [];
  let same = 0, ran = 0, bothOk = 0, goOk = 0, tsOk = 0, skipped = 0, random = 0;
  for (const ex of examples) {
    const g = go.get(ex.id), t = ts.get(ex.id);
    if (ex.skip) {
      skipped++;
      rows.push(`| ${md(ex.id)} | – | – | – | – | – | skipped: ${md(ex.skip)} |`);
      continue;
    }
    ran++;
    if (g?.phase === 'Succeeded') goOk++;
    if (t?.phase === 'Succeeded') tsOk++;
    if (g?.phase === 'Succeeded' && t?.phase === 'Succeeded') bothOk++;
    let ident = '–';
    if (g && t) {
      const eq = g.phase === t.phase && canonical(g.outputs) === canonical(t.outputs);
      ident = eq ? 'yes' : /random|RANDOM/.test(JSON.stringify(ex.doc)) ? 'no (random)' : 'no';
      if (eq) same++;
      else if (ident === 'no (random)') random++;
    }
    const notes: string[] = [];
    if (g && g.phase !== 'Succeeded' && g.message) notes.push(`go: ${g.message}`);
    if (t && t.phase !== 'Succeeded' && t.message) notes.push(`ts: ${t.message}`);
    if (ident === 'no' && g && t && g.phase === t.phase) notes.push(`outputs differ: ${diffOutputs(g.outputs, t.outputs)}`);
    const dur = (r?: Result) => (r?.seconds != null ? `${r.seconds} s` : '–');
    rows.push(`| ${md(ex.id)} | ${g?.phase ?? '–'} | ${t?.phase ?? '–'} | ${ident} | ${dur(g)} | ${dur(t)} | ${md(notes.join('; ').slice(0, 400))} |`);
  }
  const env = stackEnv();
  const text = `# Compatibility report: Argo examples, Go argoexec vs argoexec-ts

Generated by \`make e2e\` (test/e2e/run.ts) on ${new Date().toISOString()} in ${Math.round(seconds)} s.
Cluster: kube-apiserver/kubelet/kube-scheduler v1.36.3, containerd 1.6 + runc (Debian), workflow-controller
${env.ARGO_REFERENCE_VERSION ?? 'v4.0.5'}; Go executor = reference argoexec ${env.ARGO_REFERENCE_VERSION ?? 'v4.0.5'}
(\`localhost/argoexec-go\`), ours = \`localhost/argoexec-ts:e2e\` built from this checkout. See docs/e2e.md.

Examples: ${examples.length} workflows from \`examples/\` of Argo v4.1.2; last invocation ran ${EXECUTORS.length === 0 ? 'nothing (report rebuilt from the stored results)' : opts.list || opts.filter ? `a subset (${opts.list ? `list ${relative(ROOT, resolve(opts.list))}` : ''}${opts.filter ? ` filter /${opts.filter}/` : ''}; other rows are from earlier runs)` : 'all of them'}; ran ${ran},
skipped ${skipped}. Succeeded with Go: ${goOk}/${ran}; with ours: ${tsOk}/${ran}; both: ${bothOk};
same phase and identical outputs: ${same}/${ran}; differing only by randomness: ${random}.

"Outputs identical" compares, node by node (keyed by node name and type, the workflow's generated name
replaced by \`$WF\`, pod-name hashes by \`#\`), phase, message and outputs (parameters, result, exitCode,
artifact keys). "no (random)": the workflow draws random numbers (coinflip, retries…), so runs differ
legitimately. Timeouts and \`Unschedulable\` pods are environment limits (2 CPUs), see docs/e2e.md.

| workflow | phase (Go) | phase (ours) | outputs identical | duration (Go) | duration (ours) | notes / skip reason |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
  writeFileSync(opts.report!, text);
  log(`report: ${opts.report}`);
}

function diffOutputs(a: Record<string, NodeResult>, b: Record<string, NodeResult>): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const k of keys) {
    const x = canonical(a[k] ?? null), y = canonical(b[k] ?? null);
    if (x !== y) return `${k}: go ${x.slice(0, 150)} vs ts ${y.slice(0, 150)}`;
  }
  return '';
}

// --- main -------------------------------------------------------------------------------------

const t0 = Date.now();
const allExamples = selectExamples(false);
const examples = selectExamples(true);
log(`${examples.length} workflows (${examples.filter((e) => !e.skip).length} to run), executors: ${EXECUTORS.join(', ')}, parallel ${PARALLEL}`);
const byExec: Record<string, Map<string, Result>> = {};
for (const ex of ['go', 'ts']) {
  try {
    const prev = JSON.parse(readFileSync(join(STATE, `results-${ex}.json`), 'utf8')) as Result[];
    byExec[ex] = new Map(prev.map((r) => [r.id, r]));
  } catch { /* none yet */ }
}
for (const executor of EXECUTORS) {
  byExec[executor] = await runAll(executor, examples, byExec[executor] ?? new Map());
}
writeReport(allExamples, byExec, (Date.now() - t0) / 1000);

if (opts.check) {
  const go = byExec.go ?? new Map<string, Result>();
  const ts = byExec.ts ?? new Map<string, Result>();
  const problems: string[] = [];
  for (const ex of examples) {
    if (ex.skip) continue;
    const g = go.get(ex.id), t = ts.get(ex.id);
    if (!g || !t) { problems.push(`${ex.id}: missing a result (go ${g?.phase ?? 'none'}, ts ${t?.phase ?? 'none'})`); continue; }
    const random = /random|RANDOM/.test(JSON.stringify(ex.doc));
    if (random) continue;
    if (g.phase !== t.phase) problems.push(`${ex.id}: phase ${g.phase} with Go, ${t.phase} with ours${t.message ? ` (${t.message})` : ''}`);
    else if (canonical(g.outputs) !== canonical(t.outputs)) problems.push(`${ex.id}: outputs differ: ${diffOutputs(g.outputs, t.outputs)}`);
  }
  if (problems.length > 0) {
    log(`check failed for ${problems.length} workflow(s):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  log('check passed: every workflow that ran ended in the same phase with identical outputs');
}
