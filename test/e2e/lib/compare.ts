/**
 * The deep comparison of two snapshots of one workflow (Go executor vs ours). Every difference is a
 * path and both values; a difference that docs/compatibility.md lists as intended is matched by
 * INTENDED below and reported as such, never silently dropped. A workflow that draws random numbers
 * is compared by structure and types (same phase, and for what both runs have: the same keys and the
 * same kind of value at each path) instead of by value.
 */
import type { Snapshot } from './snapshot.ts';

export interface Difference { path: string; go: string; ts: string; intended?: string }

/**
 * Differences docs/compatibility.md explains: for one workflow (id) or all, a path pattern and the
 * reason (its row there).
 */
export const INTENDED: { id?: string; path: RegExp; reason: string }[] = [
  // docs/compatibility.md, "End to end": a shutdown fails the node at once; whether the stopped main's exit
  // code (its TaskResult) reaches the node before the workflow completes is a race in the controller that
  // the faster executor wins more often (ours exits within milliseconds of the signal, Go's emissary polls
  // wait4 once a second). The TaskResults and container statuses themselves are compared once the pods end.
  ...['scenario/terminate.yaml', 'scenario/stop-exit-handler.yaml'].flatMap((id) => [{
    id, path: /^nodes\.\$WF \[Pod\]\.outputs\.exitCode$/,
    reason: "shutdown race in the controller: the stopped main's exit code may arrive after the node was failed",
  }, {
    // Seen with the v4.0.5 controller: when it sees the stopped pod end before it applies the shutdown, the node
    // keeps the executor's message (`main: Error (exit code 42)`) instead of `workflow shutdown with strategy:  Stop`.
    id, path: /^nodes\.\$WF \[Pod\]\.message$/,
    reason: 'shutdown race in the controller: the stopped pod may end before the shutdown is applied to its node',
  }]),
  // The same race for Argo's TestTerminateWorkflowWhileOnExitHandlerRunning: Terminate while the exit handler sleeps;
  // the handler's pod ends with 143 with both executors, and whether that reaches its node first is the controller's race.
  {
    id: 'e2e/functional_test.go:TestTerminateWorkflowWhileOnExitHandlerRunning', path: /^nodes\.\$WF\.onExit\[0\]\.exit-handler-task \[Pod\]\.outputs\.exitCode$/,
    reason: "shutdown race in the controller: the terminated exit handler's exit code may arrive after the node was failed",
  },
  // sidecar-nginx: the user's script retries `curl` (printing `sleep` per attempt) until the nginx sidecar answers, and
  // curl prints its progress meter (transfer speed, times) to the same log: timing, in any two runs.
  ...['sidecar-nginx.yaml', 'e2e/functional/sidecar-nginx.yaml', 'sidecar.yaml', 'e2e/functional/sidecar.yaml'].map((id) => ({
    id, path: /^artifacts\.\$WF \[Pod\] main-logs\./,
    reason: "the script prints a `sleep` per attempt until the sidecar answers, and curl's progress meter (speeds): timing",
  })),
  // work-avoidance: its exit handler saves one marker per echo step that won its coin toss ($RANDOM): which, and how many.
  {
    id: 'work-avoidance.yaml', path: /^artifacts\(shape\)\.\$WF\.onExit \[Pod\] markers\./,
    reason: 'the saved markers are the steps that won their coin toss ($RANDOM): random in number',
  },
  // variant/exit-handler-slack: the exit handler's curl prints its progress meter (speeds, times) to stderr.
  {
    id: 'variant/exit-handler-slack.yaml', path: /^artifacts\.\$WF\.onExit \[Pod\] main-logs\.stderr$/,
    reason: "curl's progress meter (transfer speed, elapsed times) on stderr: timing",
  },
  // docs/compatibility.md, "PIDs in the container": Argo's TestSubProcess prints `ps` while its script forks
  // `sleep 60 &`. The snapshot is timing (whether the background shell has exec'd `sleep` yet), and the PIDs depend
  // on how many threads the executor started in the pod's PID namespace before the script (Go's runtime and Node's
  // differ). Argo's own assertion (the workflow succeeds) holds with both.
  {
    id: 'e2e/signals_test.go:TestSubProcess', path: /^artifacts\.\$WF \[Pod\] main-logs\.(sha256|size|text|stdout)$/,
    reason: "a `ps` snapshot of a script that is still forking: timing and the executor's thread count decide PIDs and states",
  },
  // docs/compatibility.md: `cowsay outer | tee /outer/outer.txt` under `sh -x` — two processes of the user's
  // pipeline write their traces to one stderr pipe at once, so the bytes of the two lines interleave as the kernel
  // schedules them (Go's run: `+ tee+ cowsay outer\n /outer/outer.txt\n`). The streams' other content is compared.
  {
    id: 'e2e/functional/artifact-input-output-samedir.yaml', path: /^artifacts\.\$WF\[0\]\.generate \[Pod\] main-logs\.stderr$/,
    reason: "two processes of the user's pipeline write their `sh -x` traces to one stderr pipe at once",
  },
  // scenario/initless-image-volume-missing.yaml: main's /argo-bin image volume cannot be mounted, so main is never
  // created and no executor code runs in it. Whether the kubelet then reports that never-created container as
  // ContainerStatusUnknown (137, "could not be located when the pod was terminated") or with no terminated state
  // depends on when it syncs the pod its deadline ended, not on the executor (identical in earlier runs); the
  // controller takes the node's outputs.exitCode (137) from that status.
  {
    id: 'scenario/initless-image-volume-missing.yaml', path: /^(containers\.\$WF\.main\.|nodes\.\$WF \[Pod\]\.outputs)/,
    reason: "main never starts (its image volume cannot be mounted): the kubelet's status of a never-created container",
  },
];

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v)) ?? 'undefined';
}

/** The structure of a value: keys and the type of each scalar. */
export function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return value === null ? 'null' : typeof value;
}

function walk(a: unknown, b: unknown, path: string, out: Difference[]): void {
  if (canonical(a) === canonical(b)) return;
  const objA = a && typeof a === 'object' && !Array.isArray(a), objB = b && typeof b === 'object' && !Array.isArray(b);
  if (objA && objB) {
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    for (const k of keys) walk((a as any)[k], (b as any)[k], `${path}.${k}`, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => walk(x, b[i], `${path}[${i}]`, out));
    return;
  }
  out.push({ path, go: canonical(a).slice(0, 300), ts: canonical(b).slice(0, 300) });
}

/** Only the keys both sides have (random workflows may run other nodes). */
function common<T>(a: Record<string, T>, b: Record<string, T>): [Record<string, T>, Record<string, T>] {
  const keys = Object.keys(a).filter((k) => k in b);
  return [Object.fromEntries(keys.map((k) => [k, a[k] as T])), Object.fromEntries(keys.map((k) => [k, b[k] as T]))];
}

/**
 * partialTaskResults: compare only the TaskResults both runs found. The controller deletes a workflow's
 * TaskResults when it completes, so the runner's reads race it (seen with both executors).
 */
export function compareSnapshots(go: Snapshot, ts: Snapshot, random: boolean, id = '', partialTaskResults = false): Difference[] {
  const out: Difference[] = [];
  if (partialTaskResults) {
    [go, ts] = [{ ...go, taskResults: common(go.taskResults as Record<string, unknown>, ts.taskResults as Record<string, unknown>)[0] }, { ...ts, taskResults: common(go.taskResults as Record<string, unknown>, ts.taskResults as Record<string, unknown>)[1] }];
  }
  walk(go.phase, ts.phase, 'phase', out);
  if (!random) {
    walk(go.message, ts.message, 'message', out);
    for (const section of ['nodes', 'artifacts', 'taskResults', 'containers', 'gc'] as const) walk(go[section], ts[section], section, out);
  } else {
    // Only what belongs to nodes that ended alike in both runs: a random retry may fail in one run and
    // succeed in the other (then its message, exit code and outputs legitimately differ).
    const alike = new Set(Object.keys(go.nodes).filter((k) => ts.nodes[k] && go.nodes[k]!.phase === ts.nodes[k]!.phase));
    const ofAlike = (k: string) => [...alike].some((n) => k === n || k.startsWith(`${n} `) || k === n.replace(/ \[\w+\]$/, ''));
    for (const section of ['nodes', 'artifacts', 'taskResults', 'containers'] as const) {
      const [a, b] = common(go[section] as Record<string, unknown>, ts[section] as Record<string, unknown>);
      const keep = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => ofAlike(k)));
      walk(shape(keep(a)), shape(keep(b)), `${section}(shape)`, out);
    }
  }
  for (const d of out) d.intended = INTENDED.find((i) => (i.id === undefined || i.id === id) && i.path.test(d.path))?.reason ?? deadlineRace(d, go, ts) ?? signalRace(d, go, ts);
  const raced = out.filter((d) => d.path.endsWith(' [Pod].phase') && d.intended?.startsWith('deadline race'));
  for (const d of out) d.intended ??= deadlineConsequence(d, raced, go, ts) ?? podlessShutdown(d, go, ts);
  return out;
}

/** The node (its name without the type) a whole-entry difference is about, and the side that lacks the entry. */
function entryOf(d: Difference): { node: string; missing: 'go' | 'ts' } | undefined {
  const node = (/^nodes\.(.+) \[\w+\]$/.exec(d.path) ?? /^artifacts\.(.+) \[Pod\] [^.]+$/.exec(d.path) ?? /^taskResults\.(.+) \[Pod\]$/.exec(d.path) ?? /^containers\.(.+)$/.exec(d.path))?.[1];
  return oneSided(d, node);
}

/** `node` and the side whose value is absent, when exactly that is the difference. */
function oneSided(d: Difference, node: string | undefined): { node: string; missing: 'go' | 'ts' } | undefined {
  const missing = d.go === 'undefined' ? 'go' : d.ts === 'undefined' ? 'ts' : undefined;
  return missing && node ? { node, missing } : undefined;
}

const OMITTED = 'omitted: depends condition not met';

/**
 * The consequences of an accepted deadline race on a DAG task: on the side where the kubelet failed the task, its
 * dependents are Omitted (`depends` not met), and the other side ran them (their pods, logs, TaskResults). Accepted
 * only for whole entries present on one side, where the failed side holds the node as Omitted for exactly that reason.
 */
function deadlineConsequence(d: Difference, raced: Difference[], go: Snapshot, ts: Snapshot): string | undefined {
  const e = entryOf(d);
  if (!e || raced.length === 0) return undefined;
  for (const r of raced) {
    const racedNode = r.path.replace(/ \[Pod\]\.phase$/, '').replace(/^nodes\./, '');
    const failedSide = go.nodes[`${racedNode} [Pod]`]?.phase === 'Failed' ? 'go' : 'ts';
    const [failed, other] = failedSide === 'go' ? [go, ts] : [ts, go];
    const skipped = failed.nodes[`${e.node} [Skipped]`];
    if (skipped?.phase !== 'Omitted' || skipped.message !== OMITTED || other.nodes[`${e.node} [Skipped]`]) continue;
    const isTheOmittedNode = d.path === `nodes.${e.node} [Skipped]` && e.missing !== failedSide;
    if (isTheOmittedNode || e.missing === failedSide) return `consequence of the deadline race on ${racedNode}: ${failedSide === 'go' ? "Go's" : 'our'} run omitted its dependent ${e.node} (depends condition not met), the other ran it`;
  }
  return undefined;
}

/**
 * Argo's TestTerminateWorkflowWhileOnExitHandlerRunning terminates as soon as the main node succeeded; by then the
 * controller has created the exit handler's pod or not. When one side has no pod for a node the shutdown failed, the
 * other side's pod for it may differ only as a pod that was stopped before doing anything: main ended by a signal
 * (143, 137), outputs no more than its empty main.log and that exit code.
 */
function podlessShutdown(d: Difference, go: Snapshot, ts: Snapshot): string | undefined {
  const e = entryOf(d) ?? oneSided(d, /^nodes\.(.+) \[Pod\]\.outputs$/.exec(d.path)?.[1]);
  if (!e) return undefined;
  const [without, withPod] = e.missing === 'go' ? [go, ts] : [ts, go];
  const key = `${e.node} [Pod]`;
  const a = without.nodes[key], b = withPod.nodes[key];
  const shutdown = (n: typeof a) => n?.phase === 'Failed' && SIGNALLED.test(n.message ?? '');
  if (!shutdown(a) || !shutdown(b) || a?.outputs !== undefined) return undefined;
  const ctrs = (s: Snapshot) => s.containers as Record<string, Record<string, { exitCode?: number }>>;
  if (ctrs(without)[e.node] !== undefined || ![143, 137].includes(ctrs(withPod)[e.node]?.main?.exitCode ?? -1)) return undefined;
  const outputs = (b?.outputs ?? {}) as { artifacts?: { name: string }[]; exitCode?: string; [k: string]: unknown };
  if (Object.keys(outputs).some((k) => k !== 'artifacts' && k !== 'exitCode') || (outputs.artifacts ?? []).some((x) => x.name !== 'main-logs')) return undefined;
  if (outputs.exitCode !== undefined && !['143', '137'].includes(outputs.exitCode)) return undefined;
  const logs = Object.entries(withPod.artifacts).filter(([k]) => k.startsWith(`${key} `)).map(([, v]) => v as { kind?: string; stdout?: string; stderr?: string });
  if (logs.some((l) => l.kind !== 'container-log' || l.stdout !== '' || l.stderr !== '')) return undefined;
  return "shutdown race: the shutdown reached this node before the controller created its pod on one side; the other side's pod was stopped before main did anything";
}

const DEADLINE = 'Pod was active on the node longer than the specified deadline';

/**
 * docs/compatibility.md, "deadline races": a pod whose command nearly fills its activeDeadlineSeconds (Argo's
 * dag-task-level-timeout: `sleep 15` under a 20 s template timeout) ends before or after the kubelet enforces the
 * deadline for reasons the runner measures (pod start to the last container's end; times have 1 s resolution):
 * - the run failed by the deadline had all its containers ended a clear second before it: the kubelet's status
 *   sync came late (seen both ways on 2 loaded CPUs), not the executor;
 * - Go's pod ran past its deadline while ours ended within it: ours is faster.
 * Ours ending past the deadline while Go's ended within it is never excused.
 */
function deadlineRace(d: Difference, go: Snapshot, ts: Snapshot): string | undefined {
  const node = /^nodes\.(.+ \[Pod\])\.(phase|message)$/.exec(d.path)?.[1];
  if (!node) return undefined;
  const gn = go.nodes[node], tn = ts.nodes[node];
  const gt = go.timings?.[node], tt = ts.timings?.[node];
  if (!gn || !tn || !gt || !tt) return undefined;
  const failedByDeadline = (n: typeof gn) => n.phase === 'Failed' && n.message === DEADLINE;
  const [failed, other, who] = failedByDeadline(gn) && tn.phase === 'Succeeded' ? [gt, tt, 'Go'] : failedByDeadline(tn) && gn.phase === 'Succeeded' ? [tt, gt, 'ours'] : [];
  if (!failed || !other || failed.deadline === undefined) return undefined;
  if (failed.ended + 1 < failed.deadline) {
    return `deadline race in the kubelet: ${who === 'Go' ? "Go's" : 'our'} pod's containers had all ended at ${failed.ended} s, before its ${failed.deadline} s deadline, yet the kubelet failed it by the deadline`;
  }
  if (who === 'Go' && failed.ended >= failed.deadline && other.ended < failed.deadline) {
    return `deadline race: the pod's command nearly fills its ${failed.deadline} s deadline; Go's pod ran ${failed.ended.toFixed(1)} s and was failed by it, ours ended in ${other.ended.toFixed(1)} s`;
  }
  return undefined;
}

/** Messages of a pod node failed because something signalled its pod: a shutdown or a deadline (controller or kubelet). */
const SIGNALLED = /^(?:Stopped with strategy '\w+'|workflow shutdown with strategy: +\w+|Step exceeded its deadline|Pod was active on the node longer than the specified deadline)$/;

/**
 * docs/compatibility.md, "signal races": `stop`, `terminate` or a deadline reaches a running pod from two sides at once.
 * The controller fails the node at once (`workflow shutdown with strategy: …`, `Step exceeded its deadline`) and
 * SIGTERMs the containers; the kubelet enforces the same deadline on its own (the pod's activeDeadlineSeconds is the
 * workflow's remaining time) and then reports `Pod was active on the node longer than the specified deadline`. Which of
 * them the node keeps, and whether the stopped main's exit code (the pod's container status, 143) is recorded before
 * the workflow completes, depends on when the controller next sees the pod — after main ended or before. Ours ends
 * main within milliseconds of the signal, Go's emissary reaps its child in a loop that sleeps 1 s, so ours wins that
 * race more often. Accepted only when both nodes Failed with one of these messages, and for the exit code only when
 * one side has none and the other a signal's (143 SIGTERM, 137 SIGKILL), or 64 from a main that is the executor itself
 * (resource, data: `context canceled` in its container status).
 */
function signalRace(d: Difference, go: Snapshot, ts: Snapshot): string | undefined {
  const m = /^nodes\.(.+ \[Pod\])\.(message|outputs|outputs\.exitCode)$/.exec(d.path);
  if (!m) return undefined;
  const gn = go.nodes[m[1] as string], tn = ts.nodes[m[1] as string];
  if (gn?.phase !== 'Failed' || tn?.phase !== 'Failed' || !SIGNALLED.test(gn.message ?? '') || !SIGNALLED.test(tn.message ?? '')) return undefined;
  if (m[2] === 'message') return 'signal race: the controller and the kubelet both end this pod (shutdown or deadline); which one the node names is the order the controller sees them in';
  // `outputs` itself differs when the side without the exit code has no outputs at all: then the other's are only it
  if (m[2] === 'outputs' && !(gn.outputs === undefined || tn.outputs === undefined)) return undefined;
  if (m[2] === 'outputs' && ![gn.outputs, tn.outputs].every((o) => o === undefined || Object.keys(o as object).join() === 'exitCode')) return undefined;
  const codes = [(gn.outputs as { exitCode?: string } | undefined)?.exitCode, (tn.outputs as { exitCode?: string } | undefined)?.exitCode];
  // a main that is the executor itself (resource, data) ends on SIGTERM with 64 and `context canceled`
  const mainOf = (snap: Snapshot) => (snap.containers as Record<string, Record<string, { exitCode?: number; message?: string }>>)[(m[1] as string).replace(/ \[Pod\]$/, '')]?.main;
  const canceled = (snap: Snapshot, code: string | undefined) => code === '64' && mainOf(snap)?.exitCode === 64 && mainOf(snap)?.message === 'context canceled';
  if (codes.includes(undefined) && (codes.some((c) => c === '143' || c === '137') || canceled(go, codes[0]) || canceled(ts, codes[1]))) {
    return "signal race: the stopped main's exit code is recorded only if the controller sees main end before the workflow completes";
  }
  return undefined;
}
