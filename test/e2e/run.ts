/**
 * `make e2e`: Argo's example workflows (and our scenarios) through the real workflow-controller on the
 * local e2e cluster, once with the Go reference executor and once with ours, compared deeply
 * (test/e2e/lib/compare.ts: phases, messages, node outputs, artifact contents in the store, archived
 * logs, WorkflowTaskResults, container statuses) and checked against what Argo's own tests expect of
 * each workflow. Writes a report from this one run (docs/compat-report.md for a full run, else
 * .stack/e2e/report.md) and the raw snapshots to .stack/e2e/results-<executor>.json.
 *
 *   node test/e2e/run.ts [--executors go,ts] [--filter REGEX] [--list FILE] [--parallel N] [--timeout S]
 *                        [--report FILE] [--no-cluster-up] [--check] [--layout classic|initless] [--from-results]
 *
 * --from-results runs nothing: it compares again the snapshots the last run saved (.stack/e2e/results-[layout-]<executor>.json
 * and run[-layout].json, the run's commit and duration) with this checkout's compare.ts and writes the report, which says so.
 *
 * --layout (env LAYOUT, default classic) is the controller's pod layout (cluster-up LAYOUT=…): classic
 * (init + wait containers, the emissary copied to /var/run/argo) or initless (initlessPod: a supervisor
 * container, the executor image mounted at /argo-bin as an image volume). Every pod is checked to have
 * the layout asked for (a pod of the other layout is a failure, WrongLayout).
 *
 * A row passes only when both executors ran it, each ended in a phase the workflow expects, and the
 * snapshots are identical (or differ only as docs/compatibility.md says). Failures, never matches:
 * a timeout, a submit error or the wrong executor on either side, a document Argo's parser refuses, a
 * listed workflow that does not exist. --check exits 1 on any failing row.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareSnapshots, type Difference } from './lib/compare.ts';
import { kubectl, kubectlAsync, kubectlJson, kubectlJsonAsync, log, NS, ROOT, SHARED, sleep, stackEnv, STATE } from './lib/env.ts';
import { selectArgoTests } from './lib/argo-tests-select.ts';
import { refs, selectExamples, type Doc, type Example } from './lib/examples.ts';
import { deleteObjectsCreatedSince, ownerlessObjects } from './lib/namespace-objects.ts';
import { deleteExecutorPlugins } from './lib/needs.ts';
import { execProbes, withPodNetns } from './lib/pod-netns.ts';
import { gcOutcome, gcStrategy, normalise, readTaskResults, Stores, takeSnapshot, type Snapshot } from './lib/snapshot.ts';

const { values: opts } = parseArgs({
  options: {
    executors: { type: 'string', default: process.env.E2E_EXECUTORS ?? 'go,ts' },
    filter: { type: 'string', default: process.env.E2E_FILTER },
    list: { type: 'string', default: process.env.E2E_EXAMPLES },
    parallel: { type: 'string', default: process.env.E2E_PARALLEL ?? '3' },
    timeout: { type: 'string', default: process.env.E2E_TIMEOUT ?? '180' },
    report: { type: 'string' },
    examples: { type: 'string', default: process.env.ARGO_EXAMPLES ?? join(SHARED, 'argo-v4.1.2/examples') },
    'no-cluster-up': { type: 'boolean', default: false },
    check: { type: 'boolean', default: process.env.E2E_CHECK === '1' },
    // no-test labels whose workflows run anyway (expected failures must fail the same way with both)
    // Argo's `environment`, `duration` and `flaky` labels mean "not in Argo's CI", not "cannot run": the runner
    // runs them (what needs what this machine lacks is skipped with its reason by examples.ts).
    include: { type: 'string', default: process.env.E2E_INCLUDE ?? 'expected-failure,environment,duration,flaky' },
    // examples (Argo's examples/, our scenarios and variants) and argo (Argo's own e2e suites, test/e2e/argo-tests.yaml)
    suites: { type: 'string', default: process.env.E2E_SUITES ?? 'examples,argo' },
    layout: { type: 'string', default: process.env.LAYOUT || 'classic' },
    // A row that timed out runs once more, alone, at the end of its executor's queue (E2E_RERUN_TIMEOUTS=0: never).
    'rerun-timeouts': { type: 'boolean', default: process.env.E2E_RERUN_TIMEOUTS !== '0' },
    'from-results': { type: 'boolean', default: false },
  },
});
const LAYOUT = opts.layout!;
if (LAYOUT !== 'classic' && LAYOUT !== 'initless') throw new Error(`--layout must be classic or initless (got ${LAYOUT})`);
/** Where a user container's command starts: the emissary, as the controller wires it in each layout. */
const EMISSARY_PATH = LAYOUT === 'initless' ? '/argo-bin/bin/argoexec' : '/var/run/argo/argoexec';
const EXECUTORS = opts.executors!.split(',').map((s) => s.trim()).filter(Boolean) as ('go' | 'ts')[];
const PARALLEL = Number(opts.parallel);
const TIMEOUT_S = Number(opts.timeout);
const RERUN_TIMEOUTS = Boolean(opts['rerun-timeouts']);
const SUBSET = Boolean(opts.list || opts.filter);
const REPORT = opts.report ?? (SUBSET ? join(STATE, 'report.md') : join(ROOT, 'docs/compat-report.md'));
mkdirSync(STATE, { recursive: true });
/** The raw snapshots of the last run (results-[layout-]<executor>.json) and what it was (run[-layout].json). */
const stateFile = (kind: 'results' | 'run', executor = '') => join(STATE, `${[kind, LAYOUT === 'classic' ? '' : LAYOUT, executor].filter(Boolean).join('-')}.json`);

interface Result {
  id: string;
  assertions?: string[]; // Argo's own assertions that failed (rows of its e2e suites)
  phase: string; // Succeeded, Failed, Error, or Timeout (…), SetupError, SubmitError, WrongExecutor, WrongLayout
  message: string;
  seconds: number | null;
  /** The first attempt's outcome when the row timed out and ran again alone (--rerun-timeouts). */
  firstAttempt?: string;
  workflow?: string;
  snapshot?: Snapshot;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Error']);
/** v4.0.x controllers delete TaskResults after reading them: compare those both runs found (compare.ts). */
/**
 * The controller deletes a workflow's TaskResults when it completes (operator.go deleteTaskResults, v4.0 and
 * v4.1): the runner reads them while the workflow runs (every 2 s) and once more after, and a fast node's may be
 * gone before either read, on one side and not the other. So only the TaskResults both runs found are compared.
 */
const PARTIAL_TASK_RESULTS = true;

function clusterUp(executor: string): void {
  log(`cluster-up EXECUTOR=${executor} LAYOUT=${LAYOUT}`);
  const r = spawnSync(join(ROOT, 'stack/cluster/up.sh'), [], { env: { ...process.env, EXECUTOR: executor, LAYOUT }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`stack/cluster/up.sh EXECUTOR=${executor} LAYOUT=${LAYOUT} failed (exit ${r.status})`);
}

const CLUSTER_SCOPED = new Set(['ClusterWorkflowTemplate', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

/**
 * `podNetns`: the (Cluster)WorkflowTemplates that workflows running with pod namespaces of their own reference — their
 * network probes become exec probes too (lib/pod-netns.ts); the others are applied as written.
 */
function applySupportObjects(support: Doc[], podNetns = new Set<string>()): void {
  // As Argo's examples test: ConfigMaps, PVCs and (Cluster)WorkflowTemplates of the examples exist before submitting.
  // A PVC is made anew for each executor: a workflow may append to it (volumes-existing), and the second run
  // must not read the first run's writes.
  for (const d of support.filter((x) => x.kind === 'PersistentVolumeClaim')) {
    try {
      kubectl(['delete', 'pvc', String(d.metadata?.name), '--ignore-not-found', '--wait=true', '--timeout=90s']);
    } catch (e) {
      log(`could not delete PersistentVolumeClaim/${d.metadata?.name}: ${String((e as any).stderr ?? e).trim().split('\n')[0]}`);
    }
  }
  for (const s of support) {
    const d = podNetns.has(`${s.kind}/${s.metadata?.name}`) ? execProbes(s) : s;
    const obj = CLUSTER_SCOPED.has(d.kind) ? d : { ...d, metadata: { ...d.metadata, namespace: NS } };
    try {
      kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=argoexec-ts-e2e', '-f', '-'], JSON.stringify(obj));
    } catch (e) {
      log(`could not apply ${d.kind}/${d.metadata?.name}: ${String((e as any).stderr ?? e).trim().split('\n')[0]}`);
    }
  }
}

/**
 * The executor images of a workflow's pods (init, wait, supervisor containers and the argoexec-bin image
 * volume), and what in them does not belong to the layout under test: an `init` container or a `wait`
 * one in the init-less layout, a `supervisor` or an image volume in the classic one, and every user
 * container whose emissary does not start from EMISSARY_PATH. Pods already gone (podGC) are not seen.
 */
async function executorPodsOf(workflow: string): Promise<{ images: string[]; layoutProblems: string[]; emissaries: number }> {
  const pods = await kubectlJsonAsync<Doc>(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${workflow}`]);
  const images = new Set<string>();
  const problems: string[] = [];
  let emissaries = 0;
  for (const p of (pods?.items ?? []) as Doc[]) {
    const pod = String(p.metadata?.name);
    const inits = (p.spec?.initContainers ?? []) as Doc[];
    const ctrs = (p.spec?.containers ?? []) as Doc[];
    for (const c of [...inits, ...ctrs]) if (/argoexec-(ts|go)/.test(String(c.image))) images.add(String(c.image));
    for (const v of (p.spec?.volumes ?? []) as Doc[]) if (/argoexec-(ts|go)/.test(String(v.image?.reference))) images.add(String(v.image.reference));
    // Artifact-GC and agent pods (workflows.argoproj.io/component) have one shape in both layouts.
    if (p.metadata?.labels?.['workflows.argoproj.io/component']) continue;
    const names = new Set([...inits, ...ctrs].map((c) => String(c.name)));
    const imageVolume = ((p.spec?.volumes ?? []) as Doc[]).some((v) => v.name === 'argoexec-bin' && v.image);
    if (LAYOUT === 'initless') {
      for (const n of ['init', 'wait']) if (names.has(n)) problems.push(`${pod} has a ${n} container`);
    } else {
      if (names.has('supervisor')) problems.push(`${pod} has a supervisor container`);
      if (imageVolume) problems.push(`${pod} has the argoexec-bin image volume`);
    }
    for (const c of ctrs) {
      const cmd = (c.command ?? []) as string[];
      if (cmd[1] !== 'emissary') continue; // executor containers (wait, supervisor, agent…) run `argoexec <role>`
      emissaries++;
      if (cmd[0] !== EMISSARY_PATH) problems.push(`${pod}/${c.name} starts ${cmd[0]}, not ${EMISSARY_PATH}`);
      else if (LAYOUT === 'initless' && !((c.volumeMounts ?? []) as Doc[]).some((m) => m.name === 'argoexec-bin' && m.mountPath === '/argo-bin')) {
        problems.push(`${pod}/${c.name} does not mount argoexec-bin at /argo-bin`);
      }
    }
  }
  return { images: [...images], layoutProblems: problems, emissaries };
}

/** A suspend node that has waited this long is resumed (as `argo resume` does), the same way for both executors. */
const RESUME_AFTER_MS = 5000;

/**
 * `argo resume` (workflow/util ResumeWorkflow): every active suspend node succeeds, its output parameters take their
 * `valueFrom.default`, and the workflow's `spec.suspend` is cleared. Examples with a suspend template (approval
 * steps) wait for it; Argo's examples test resumes them the same way.
 */
async function resumeWhenSuspended(wf: Doc, since: Map<string, number>): Promise<void> {
  const now = Date.now();
  const active = Object.entries((wf.status?.nodes ?? {}) as Record<string, Doc>).filter(([, n]) => n.type === 'Suspend' && n.phase === 'Running');
  for (const [id] of active) if (!since.has(id)) since.set(id, now);
  const due = active.filter(([id]) => now - (since.get(id) ?? now) >= RESUME_AFTER_MS);
  if (due.length === 0 && !wf.spec?.suspend) return;
  const next = JSON.parse(JSON.stringify(wf)) as Doc;
  if (next.spec?.suspend) delete next.spec.suspend;
  for (const [id] of due) {
    const n = next.status.nodes[id];
    // `argo node set --output-parameter` first, where the parameter is to be supplied and has no default
    for (const p of (n.outputs?.parameters ?? []) as Doc[]) {
      if (p.valueFrom?.default !== undefined) p.value = p.valueFrom.default;
      else if (p.valueFrom?.supplied && p.value === undefined) p.value = `supplied by the e2e runner`;
    }
    n.phase = 'Succeeded';
    n.finishedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  }
  try {
    await kubectlAsync(['replace', '-f', '-'], JSON.stringify(next));
    log(`${wf.metadata.name}: resumed ${due.length} suspended node(s)`);
  } catch (e) {
    log(`${wf.metadata.name}: resume failed (retried): ${String((e as any).stderr ?? e).trim().split('\n')[0]}`);
  }
}

async function runOne(ex: Example, executor: string, stores: Stores, timeoutS = TIMEOUT_S): Promise<Result> {
  // A workflow that serves on a port: its pods get a network namespace of their own (lib/pod-netns.ts).
  const doc = ex.podNetns ? withPodNetns(ex.doc) : JSON.parse(JSON.stringify(ex.doc));
  doc.metadata = { ...doc.metadata, namespace: NS };
  doc.metadata.labels = { ...doc.metadata.labels, 'argoexec-ts/e2e': 'true' };
  const fixedName: string | undefined = doc.metadata.generateName ? undefined : doc.metadata.name;
  if (fixedName) {
    // A fixed name (Argo's tests use `example`, …): generated instead, so that runs never collide; the
    // name is normalised to $WF in the comparison, and Argo's assertions see the workflow under its own name.
    doc.metadata.generateName = `${fixedName}-`;
    delete doc.metadata.name;
  }
  let name: string;
  if (ex.before) {
    try {
      await ex.before();
    } catch (e) {
      return { id: ex.id, phase: 'SetupError', message: String((e as Error).message ?? e), seconds: null };
    }
  }
  const t0 = Date.now();
  try {
    name = (await kubectlAsync(['create', '-f', '-', '-o', 'jsonpath={.metadata.name}'], JSON.stringify(doc))).trim();
  } catch (e) {
    return { id: ex.id, phase: 'SubmitError', message: String((e as any).stderr ?? e).trim().split('\n')[0] ?? '', seconds: null };
  }
  const deadline = t0 + timeoutS * 1000;
  const watch = ex.watch?.(fixedName);
  try {
    await watch?.started?.(name);
  } catch (e) {
    log(`${name}: the row's watch did not start: ${String((e as Error).message ?? e)}`);
  }
  let wf: Doc | null = null;
  const seen = new Map<string, Doc>(); // TaskResults as last read while the workflow ran
  const suspendedSince = new Map<string, number>();
  while (Date.now() < deadline) {
    await sleep(2000);
    // Gone before the poll read it finished (ttlStrategy): the row's watch kept its last version.
    wf = (await kubectlJsonAsync<Doc>(['get', 'workflow', name])) ?? watch?.lastVersion?.() ?? wf;
    if (wf && !TERMINAL.has(wf.status?.phase)) {
      await resumeWhenSuspended(wf, suspendedSince);
      try {
        await watch?.onPoll(wf);
      } catch (e) {
        log(`${name}: action failed (retried): ${String((e as { stderr?: string }).stderr ?? e).trim().split('\n')[0]}`);
      }
    }
    // only final versions: an earlier one may be all that is left to read once the controller deleted the rest
    for (const [k, r] of await readTaskResults(name)) if (r.metadata?.labels?.['workflows.argoproj.io/report-outputs-completed'] === 'true') seen.set(k, r);
    if (TERMINAL.has(wf?.status?.phase)) break;
  }
  const phase = wf?.status?.phase;
  const terminal = TERMINAL.has(phase);
  const started = wf?.status?.startedAt ? Date.parse(wf.status.startedAt) : t0;
  const finished = wf?.status?.finishedAt ? Date.parse(wf.status.finishedAt) : Date.now();
  const result: Result = {
    id: ex.id,
    workflow: name,
    phase: terminal ? phase : `Timeout (${phase ?? 'no phase'})`,
    message: normalise(String(wf?.status?.message ?? ''), name),
    seconds: terminal ? Math.round((finished - started) / 100) / 10 : null,
  };
  if (terminal && wf) {
    try {
      if (ex.check) result.assertions = await ex.check(wf, fixedName);
      if (watch?.settled) await watch.settled(); // what the watch must see after the end (a deletion) has time to come
      else if (watch?.lastVersion) await sleep(3000);
      const missed = watch?.failures?.() ?? [];
      if (missed.length) result.assertions = [...(result.assertions ?? []), ...missed];
      result.snapshot = await takeSnapshot(wf, stores, seen);
    } catch (e) {
      result.phase = 'SnapshotError';
      result.message = String((e as Error).message ?? e);
    }
  } else {
    // Keep what explains a timeout: the pods' states.
    try {
      result.message += ` pods: ${(await kubectlAsync(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${name}`, '--no-headers'])).trim().replace(/\s+/g, ' ')}`;
    } catch { /* ignore */ }
  }
  // Guard: every executor container of the workflow's pods must be the executor under test, in the
  // layout under test.
  const seenPods = await executorPodsOf(name);
  const wrong = seenPods.images.filter((i) => !i.includes(`/argoexec-${executor}`));
  if (wrong.length > 0) {
    result.phase = 'WrongExecutor';
    result.message = `pods ran executor image(s) ${wrong.join(', ')} instead of argoexec-${executor}`;
  } else if (seenPods.layoutProblems.length > 0) {
    result.phase = 'WrongLayout';
    result.message = `not the ${LAYOUT} layout: ${seenPods.layoutProblems.slice(0, 3).join('; ')}`;
  }
  // Clean up: kube-controller-manager's garbage collector deletes the pods (ownerReferences); deleting
  // them here would race with artifact GC pods created on deletion and leave the workflow's finalizer.
  try {
    // A workflow that did not finish is terminated first: held by its finalizer after the delete, the controller
    // would go on making its pods (a fan-out kept adding pods to the next rows' load).
    if (!terminal) await kubectlAsync(['patch', 'workflow', name, '--type=merge', '-p', '{"spec":{"shutdown":"Terminate"}}']).catch(() => undefined);
    await kubectlAsync(['delete', 'workflow', name, '--wait=false']);
    if (ex.removeFinalizers) await kubectlAsync(['patch', 'workflow', name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  } catch { /* ignore */ }
  // Artifact GC: the workflow's finalizer stays until its GC pods are done; then every artifact it owns
  // must be gone from the store (checked, not assumed).
  // Only a workflow the controller gave the artifact-gc finalizer has its artifacts collected (HasArtifactGC:
  // a declared output with a strategy; the archived main.log alone is never collected).
  const gcOwned = !ex.artifactGcFails && (wf?.metadata?.finalizers ?? []).includes('workflows.argoproj.io/artifact-gc') && Object.values((wf?.status?.nodes ?? {}) as Record<string, Doc>).some((n) => (n.outputs?.artifacts ?? []).some((a: Doc) => !['', 'Never'].includes(gcStrategy(a, wf!))));
  if (result.snapshot && (gcOwned || ex.checkAfterDeletion)) {
    const until = Date.now() + 120_000;
    while (Date.now() < until && (await kubectlJsonAsync(['get', 'workflow', name])) !== null) await sleep(2000);
    if (gcOwned) {
      result.snapshot.gc = await gcOutcome(wf!, stores);
      if ((await kubectlJsonAsync(['get', 'workflow', name])) !== null) result.snapshot.gc['(workflow)'] = 'still present 120 s after deletion (artifact GC finalizer)';
    }
    if (ex.checkAfterDeletion) result.assertions = [...(result.assertions ?? []), ...await ex.checkAfterDeletion(wf!)];
  }
  watch?.stop?.();
  return result;
}

async function runAll(executor: string, examples: Example[], support: Doc[]): Promise<Map<string, Result>> {
  if (!opts['no-cluster-up']) clusterUp(executor);
  applySupportObjects(support, new Set(examples.filter((e) => e.podNetns && !e.skip).flatMap((e) => refs(e.doc).map((r) => `${r.kind}/${r.name}`))));
  // The namespace is the runner's: workflows an interrupted run left (a killed `make e2e`) would collide with the
  // rows' own (cron-backfill applies fixed names, and a second apply of them is a patch its role may not make).
  const leftOver = kubectlJson<Doc>(['get', 'workflows'])?.items?.length ?? 0;
  if (leftOver > 0) {
    log(`deleting ${leftOver} workflow(s) left in namespace ${NS} by an earlier run`);
    try { kubectl(['delete', 'workflows', '--all', '--wait=true', '--timeout=120s']); } catch (e) { log(`not all deleted: ${String((e as { stderr?: string }).stderr ?? e).trim().split('\n')[0]}`); }
  }
  // executor plugin ConfigMaps a killed run left would put their servers into every agent pod
  deleteExecutorPlugins();
  const baseline = ownerlessObjects();
  const runsBegan = Date.now();
  const stores = new Stores();
  const results = new Map<string, Result>();
  const queue = examples.filter((e) => !e.skip && !e.parseError);
  const total = queue.length;
  let done = 0;
  // Rows of one serial group (Argo's TestArtifactGC table: fixed keys shared by its rows) never overlap; a row
  // that must run alone (a ResourceQuota, a template name defined differently elsewhere) starts when nothing
  // runs, and nothing starts while it runs. Those rows come last, so that the others are not held up.
  queue.sort((a, b) => Number(Boolean(a.alone)) - Number(Boolean(b.alone)));
  const busy = new Set<string>();
  const rerun = new Map<string, string>();
  let running = 0;
  let aloneRunning = false;
  const worker = async () => {
    for (;;) {
      if (queue.length === 0) return;
      const at = aloneRunning ? -1 : queue.findIndex((e) => (!e.serial || !busy.has(e.serial)) && (!e.alone || running === 0));
      if (at < 0) { await sleep(1000); continue; }
      const ex = queue.splice(at, 1)[0]!;
      if (ex.serial) busy.add(ex.serial);
      if (ex.alone) aloneRunning = true;
      running++;
      const began = Date.now();
      const timeoutS = Math.max(ex.minTimeoutS ?? 0, TIMEOUT_S);
      const r = await runOne(ex, executor, stores, rerun.has(ex.id) ? 2 * timeoutS : timeoutS).finally(async () => {
        try {
          await ex.after?.();
        } catch (e) {
          log(`${ex.id}: cleanup failed: ${String((e as { stderr?: string }).stderr ?? e).trim().split('\n')[0]}`);
        }
        if (ex.serial) busy.delete(ex.serial);
        if (ex.alone) aloneRunning = false;
        running--;
      });
      // A timeout under the parallel load of a 2-CPU machine says nothing about the executor: such a row runs once
      // more, alone and with twice the time (a fan-out of 100 pods), at the end of the queue; the report names it and
      // keeps the first attempt's outcome.
      if (r.phase.startsWith('Timeout') && !rerun.has(ex.id) && RERUN_TIMEOUTS) {
        rerun.set(ex.id, `${r.phase}${r.message ? ` — ${r.message.slice(0, 200)}` : ''}`);
        log(`${executor} ${ex.id}: ${r.phase} — runs again alone at the end`);
        queue.push({ ...ex, alone: true });
        continue;
      }
      if (rerun.has(ex.id)) r.firstAttempt = rerun.get(ex.id);
      results.set(ex.id, r);
      done++;
      log(`${executor} ${done}/${total} ${ex.id}: ${r.phase}${r.seconds !== null ? ` (${r.seconds} s, row ${Math.round((Date.now() - began) / 1000)} s)` : ''}${r.phase !== 'Succeeded' && r.message ? ` — ${r.message.slice(0, 160)}` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  stores.destroy();
  // What the workflows created and left (resource templates), so that the next executor starts from the same namespace.
  const left = deleteObjectsCreatedSince(baseline, runsBegan);
  if (left.length > 0) log(`${executor}: deleted ${left.length} object(s) the workflows left: ${left.join(', ')}`);
  writeFileSync(stateFile('results', executor), JSON.stringify([...results.values()], null, 2));
  return results;
}

// --- verdicts ---------------------------------------------------------------------------------

interface Verdict { id: string; pass: boolean; label: string; notes: string[]; differences: Difference[] }

/**
 * A workflow that draws random numbers may fail by its own draw (retry-on-error exits with a random code, three
 * attempts): accepted when it Failed and every failed pod failed with the user's exit code (`main: Error (exit code
 * N)`), nothing else — never for an error of the executor.
 */
function failedByItsOwnDice(r: Result): boolean {
  if (r.phase !== 'Failed' || !r.snapshot) return false;
  const failedPods = Object.entries(r.snapshot.nodes).filter(([k, n]) => k.endsWith('[Pod]') && (n as { phase?: string }).phase === 'Failed');
  return failedPods.length > 0 && failedPods.every(([, n]) => /^main: Error \(exit code [1-9]\d*\)$/.test(String((n as { message?: string }).message ?? '')));
}

function verdict(ex: Example, g: Result | undefined, t: Result | undefined): Verdict {
  const id = ex.id;
  if (ex.parseError) return { id, pass: false, label: 'FAIL: Argo cannot parse it', notes: [ex.parseError], differences: [] };
  if (!g || !t) return { id, pass: false, label: 'FAIL: not run with both', notes: [`go ${g?.phase ?? 'not run'}, ts ${t?.phase ?? 'not run'}`], differences: [] };
  const notes: string[] = [];
  for (const [who, r] of [['go', g], ['ts', t]] as const) {
    if (!TERMINAL.has(r.phase)) notes.push(`${who}: ${r.phase}${r.message ? ` — ${r.message}` : ''}`);
    else if (!ex.expect.includes(r.phase) && !(ex.random && failedByItsOwnDice(r))) notes.push(`${who}: ${r.phase}, expected ${ex.expect.join(' or ')}${r.message ? ` — ${r.message}` : ''}`);
  }
  if (notes.length > 0) return { id, pass: false, label: 'FAIL: unexpected phase', notes, differences: [] };
  for (const [who, r] of [['go', g], ['ts', t]] as const) for (const a of r.assertions ?? []) notes.push(`${who}: ${a}`);
  if (notes.length > 0) return { id, pass: false, label: "FAIL: Argo's assertions", notes, differences: [] };
  for (const [who, r] of [['go', g], ['ts', t]] as const) {
    for (const [k, v] of Object.entries(r.snapshot?.gc ?? {})) if (!v.startsWith('deleted')) notes.push(`${who}: artifact GC: ${k} ${v}`);
  }
  if (notes.length > 0) return { id, pass: false, label: 'FAIL: artifact GC', notes, differences: [] };
  let differences = compareSnapshots(g.snapshot!, t.snapshot!, ex.random, ex.id, PARTIAL_TASK_RESULTS);
  // a random workflow's own draw decided the phase of one run (the node shapes are still compared)
  if (ex.random && (failedByItsOwnDice(g) || failedByItsOwnDice(t))) differences = differences.filter((d) => d.path !== 'phase');
  const real = differences.filter((d) => !d.intended);
  if (real.length > 0) return { id, pass: false, label: `FAIL: ${real.length} difference(s)`, notes: real.slice(0, 3).map((d) => `${d.path}: go ${d.go} vs ts ${d.ts}`), differences };
  const intended = differences.filter((d) => d.intended);
  return { id, pass: true, label: intended.length > 0 ? 'identical but intended differences' : ex.random ? 'identical structure (random)' : 'identical', notes: intended.map((d) => `${d.path}: ${d.intended}`).slice(0, 3), differences };
}

// --- report -----------------------------------------------------------------------------------

function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function versionOf(cmd: string[]): string {
  try {
    return execFileSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' }).split('\n').find((l) => /v\d|version/i.test(l))?.trim() ?? '?';
  } catch {
    return '?';
  }
}

/** What the report says of the run its snapshots come from (stateFile('run') beside the results). */
interface RunMeta { commit: string; finished: string; seconds: number }

function writeReport(examples: Example[], missing: string[], byExec: Record<string, Map<string, Result>>, run: RunMeta, recompared?: string): Verdict[] {
  const go = byExec.go ?? new Map<string, Result>();
  const ts = byExec.ts ?? new Map<string, Result>();
  const rows: string[] = [];
  const rerunRows: string[] = [];
  const verdicts: Verdict[] = [];
  let ran = 0, passed = 0, skipped = 0, random = 0;
  for (const id of missing) {
    rows.push(`| ${md(id)} | – | – | – | FAIL: listed but does not exist | – | – |`);
    verdicts.push({ id, pass: false, label: 'FAIL: listed but does not exist', notes: [], differences: [] });
  }
  for (const ex of examples) {
    if (ex.skip) {
      skipped++;
      rows.push(`| ${md(ex.id)} | – | – | – | skipped: ${md(ex.skip)} | – | – |`);
      continue;
    }
    ran++;
    const g = go.get(ex.id), t = ts.get(ex.id);
    const v = verdict(ex, g, t);
    verdicts.push(v);
    if (v.pass) passed++;
    if (v.pass && ex.random) random++;
    const dur = (r?: Result) => (r?.seconds != null ? `${r.seconds} s` : '–');
    const reruns = [g?.firstAttempt ? `Go's first attempt: ${g.firstAttempt}` : '', t?.firstAttempt ? `our first attempt: ${t.firstAttempt}` : ''].filter(Boolean);
    if (reruns.length > 0) rerunRows.push(`- ${md(ex.id)}: ran again alone after a timeout — ${md(reruns.join('; ').slice(0, 400))}`);
    rows.push(`| ${md(ex.id)} | ${md(ex.expect.join('/'))} | ${g?.phase ?? '–'} | ${t?.phase ?? '–'} | ${md(v.label)} | ${dur(g)} / ${dur(t)} | ${md(v.notes.join('; ').slice(0, 500))} |`);
  }
  const env = stackEnv();
  const goVersion = versionOf([env.REFERENCE_ARGOEXEC ?? 'argoexec', 'version', '--short']);
  const tsVersion = versionOf([join(ROOT, 'dist/argoexec'), 'version', '--short']);
  const text = `# Compatibility report: Go argoexec vs argoexec-ts, deep comparison

Generated by \`make e2e\` (test/e2e/run.ts) on ${run.finished} in ${Math.round(run.seconds)} s, from one run of
${SUBSET ? `a subset (${opts.list ? `list ${relative(ROOT, resolve(opts.list))}` : ''}${opts.filter ? ` filter /${opts.filter}/` : ''})` : 'every example'}.${recompared ? `
Compared again on ${new Date().toISOString()} by the comparison of \`${recompared}\` (\`--from-results\`: that run's snapshots, nothing re-run).` : ''}
Our commit: \`${run.commit}\`. Go executor: \`${goVersion}\` (\`localhost/argoexec-go\`); ours: \`${tsVersion}\`
(\`localhost/argoexec-ts:e2e\`); workflow-controller ${env.ARGO_REFERENCE_VERSION ?? '?'}; kube-apiserver/kubelet v1.36.3. See docs/e2e.md.
Pod layout: **${LAYOUT}**${LAYOUT === 'initless' ? ' (controller `initlessPod.enabled: true`: supervisor container, no init container, the executor image mounted at `/argo-bin` as an image volume)' : ' (init + wait containers)'}.

Suites: ${[...suites].join(', ')} — Argo's \`examples/\` with our scenarios and variants, and Argo's own e2e suites
(\`test/e2e\` of v4.1.2: functional/, expectedfailures/ and the workflows of the executor-relevant Go tests,
with their assertions ported in test/e2e/argo-tests.yaml, ids \`e2e/…\`).
Workflows: ${examples.length + missing.length} (${ran} run with both executors, ${skipped} skipped with a reason). **Passed: ${passed}/${ran + missing.length}**
(${random} of them draw random numbers and are compared by structure and types).

A row passes when both executors ended the workflow in a phase it expects (Argo's examples test: \`Succeeded\`;
\`no-test: expected-failure\`: \`Failed\`/\`Error\`; a scenario: its \`argoexec-ts.e2e/expect-phase\`; a row of Argo's
e2e suites: its test's expectations, all of whose ported assertions must hold with each executor) and the deep
comparison finds nothing: workflow phase and message; each node's phase, message and outputs; every output
artifact's content fetched from the store (tar entries: name, type, mode, owner, link target, size, sha256;
zip entries; raw bytes), archived logs included; the WorkflowTaskResults (labels, annotations, outputs,
progress); the pods' container statuses (exit code, reason, termination message). Only the generated
workflow name, pod-name/node-id hashes, times and uids are normalised. Timeouts, submit errors and the
wrong executor on either side, a document Argo's parser refuses and a listed workflow that does not
exist are failures.

| workflow | expected | Go | ours | verdict | duration (Go / ours) | notes |
|---|---|---|---|---|---|---|
${rows.join('\n')}

## Rows that ran again after a timeout

A row that timed out (${TIMEOUT_S} s) while ${PARALLEL} ran at once runs once more, alone and with twice the time, at the end of that executor's queue;
its verdict above is the second attempt's.${rerunRows.length === 0 ? ' None in this run.' : `\n\n${rerunRows.join('\n')}`}
`;
  mkdirSync(resolve(REPORT, '..'), { recursive: true });
  writeFileSync(REPORT, text);
  log(`report: ${REPORT} — passed ${passed}/${ran + missing.length}`);
  return verdicts;
}

// --- main -------------------------------------------------------------------------------------

const t0 = Date.now();
/** The commit under test, read at the start: the checkout may move on while the run goes. */
let commit = '?';
try {
  commit = execFileSync('git', ['-C', ROOT, 'describe', '--always', '--dirty', '--abbrev=12'], { encoding: 'utf8' }).trim();
} catch { /* not a checkout */ }
// a comment starts at a `#` at the start of a line or after a space (ids such as `…:TestArtifactGC#3` contain one)
const list = opts.list ? new Set(readFileSync(opts.list, 'utf8').split('\n').map((l) => l.replace(/(^|\s)#.*/, '').trim()).filter(Boolean)) : undefined;
const include = new Set(opts.include!.split(',').map((x) => x.trim()));
const suites = new Set(opts.suites!.split(',').map((x) => x.trim()));
const selection = selectExamples({ examplesDir: opts.examples!, list, filter: opts.filter ? new RegExp(opts.filter) : undefined, include });
const examples = suites.has('examples') ? selection.examples : [];
const support = [...selection.support];
let missing = selection.missing;
if (suites.has('argo')) {
  const argo = selectArgoTests(undefined, undefined, include);
  const filter = opts.filter ? new RegExp(opts.filter) : undefined;
  const rows = argo.rows.filter((r) => (!list || list.has(r.file) || list.has(r.id)) && (!filter || filter.test(r.id)));
  examples.push(...rows);
  support.push(...argo.templates);
  missing = missing.filter((m) => !argo.rows.some((r) => r.file === m || r.id === m));
}
// A workflow annotated argoexec-ts.e2e/layout runs only in that pod layout (e.g. bad input of the init-less one).
for (const ex of examples) {
  const only = ex.doc?.metadata?.annotations?.['argoexec-ts.e2e/layout'];
  if (only && only !== LAYOUT && !ex.parseError) ex.skip ??= `runs in the ${only} layout only (--layout ${only})`;
}
log(`${examples.length} workflows (${examples.filter((e) => !e.skip && !e.parseError).length} to run), executors: ${EXECUTORS.join(', ')}, parallel ${PARALLEL}`);
const byExec: Record<string, Map<string, Result>> = {};
let verdicts: Verdict[];
if (opts['from-results']) {
  for (const executor of EXECUTORS) byExec[executor] = new Map((JSON.parse(readFileSync(stateFile('results', executor), 'utf8')) as Result[]).map((r) => [r.id, r]));
  const run = JSON.parse(readFileSync(stateFile('run'), 'utf8')) as RunMeta;
  verdicts = writeReport(examples, missing, byExec, run, commit);
} else {
  for (const executor of EXECUTORS) byExec[executor] = await runAll(executor, examples, support);
  const run: RunMeta = { commit, finished: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 };
  writeFileSync(stateFile('run'), JSON.stringify(run, null, 2));
  verdicts = writeReport(examples, missing, byExec, run);
}

if (opts.check) {
  const failing = verdicts.filter((v) => !v.pass);
  if (failing.length > 0) {
    log(`check failed for ${failing.length} workflow(s):\n  ${failing.map((v) => `${v.id} — ${v.label}: ${v.notes.join('; ').slice(0, 400)}`).join('\n  ')}`);
    process.exit(1);
  }
  log('check passed: every workflow ended as expected with both executors, identical under the deep comparison');
}
