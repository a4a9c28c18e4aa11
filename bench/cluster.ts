/**
 * Rows P6 and P7 through the real workflow-controller on the local cluster (`make bench-cluster`; the cluster is
 * (re)started per executor with stack/cluster/up.sh EXECUTOR=go|ts). Blocks alternate: go, ts, go (half the runs
 * in each go block), so a drift of the machine's load weighs on both.
 *
 *   P6  hello-world (`echo` in busybox), BENCH_P6_RUNS (10) per executor, one at a time. Timed: the workflow's
 *       status.startedAt → finishedAt, and the pod's status.startTime → its last container's finishedAt (both
 *       Kubernetes timestamps, 1 s resolution), and submit → Succeeded seen by polling (250 ms).
 *   P7  (a) the wait container's RSS while main sleeps 60 s (VmRSS of the host process sampled every second from
 *       10 s to 55 s of main; median); (b) artifact GC: a workflow whose one step outputs 1,000 artifacts
 *       (`archive: none`, strategy OnWorkflowDeletion) is deleted; the controller's GC pod (limits 64Mi / 100m,
 *       built into the controller) must succeed and every object must be gone.
 *
 * Writes .stack/bench/cluster.json; `make bench` puts it into docs/performance.md when the commit matches.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, kubectlJson, NS, sleep } from '../test/e2e/lib/env.ts';
import { envNumber, gitCommit, listObjects, log, median, PROJECT, referenceVersion, type ExecutorName } from './lib.ts';
import type { ClusterResults } from './report.ts';

type Doc = Record<string, any>;

function clusterUp(executor: ExecutorName): void {
  log(`cluster-up EXECUTOR=${executor}`);
  const r = spawnSync(join(PROJECT, 'stack/cluster/up.sh'), [], { env: { ...process.env, EXECUTOR: executor }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`stack/cluster/up.sh EXECUTOR=${executor} failed (exit ${r.status})`);
}

function submit(doc: Doc): string {
  return kubectl(['create', '-f', '-', '-o', 'jsonpath={.metadata.name}'], JSON.stringify(doc)).trim();
}

async function waitDone(name: string, timeoutS: number): Promise<{ wf: Doc; seenS: number }> {
  const t0 = Date.now();
  for (;;) {
    const wf = kubectlJson<Doc>(['get', 'workflow', name]);
    const phase = wf?.status?.phase;
    if (phase === 'Succeeded') return { wf: wf as Doc, seenS: (Date.now() - t0) / 1000 };
    if (phase === 'Failed' || phase === 'Error') throw new Error(`${name}: ${phase}: ${wf?.status?.message ?? ''}`);
    if (Date.now() - t0 > timeoutS * 1000) throw new Error(`${name}: not done after ${timeoutS} s (${phase ?? 'no phase'})`);
    await sleep(250);
  }
}

const workflow = (name: string, templates: Doc[], extra: Doc = {}): Doc => ({
  apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
  metadata: { generateName: `${name}-`, namespace: NS, labels: { 'argoexec-ts/bench': 'true' } },
  spec: { entrypoint: 'main', templates, ...extra },
});

function podsOf(wf: string): Doc[] {
  return (kubectlJson<Doc>(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${wf}`])?.items ?? []) as Doc[];
}

async function helloOnce(): Promise<{ workflowS: number; podS: number; seenS: number }> {
  const name = submit(workflow('bench-hello', [{ name: 'main', container: { image: 'busybox', command: ['echo'], args: ['hello world'] } }]));
  const { wf, seenS } = await waitDone(name, 300);
  const pod = podsOf(name)[0];
  const start = Date.parse(pod?.status?.startTime ?? '');
  const ends = [...(pod?.status?.containerStatuses ?? []), ...(pod?.status?.initContainerStatuses ?? [])]
    .map((c: Doc) => Date.parse(c.state?.terminated?.finishedAt ?? '')).filter(Number.isFinite);
  kubectl(['delete', 'workflow', name, '--wait=false']);
  return { workflowS: (Date.parse(wf.status.finishedAt) - Date.parse(wf.status.startedAt)) / 1000, podS: (Math.max(...ends) - start) / 1000, seenS };
}

/** Host pids whose environment says: container `wait` of workflow `wf`. */
function waitPids(wf: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'latin1').split('\0');
      if (env.includes(`ARGO_WORKFLOW_NAME=${wf}`) && env.includes('ARGO_CONTAINER_NAME=wait')) out.push(Number(d));
    } catch { /* gone, or a kernel thread */ }
  }
  return out;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function idleWaitRss(): Promise<number> {
  const name = submit(workflow('bench-idle', [{ name: 'main', container: { image: 'busybox', command: ['sleep'], args: ['60'] } }]));
  const t0 = Date.now();
  const samples: number[] = [];
  let mainStarted = 0;
  while (Date.now() - t0 < 180_000) {
    await sleep(1000);
    const pod = podsOf(name)[0];
    const main = (pod?.status?.containerStatuses ?? []).find((c: Doc) => c.name === 'main');
    if (!mainStarted && main?.state?.running) mainStarted = Date.now();
    if (!mainStarted) continue;
    const dt = (Date.now() - mainStarted) / 1000;
    if (dt > 55) break;
    if (dt < 10) continue;
    const pids = waitPids(name);
    // The executor is the largest process of the wait container (PID 1 may be a shim or the executor itself).
    const rss = Math.max(...pids.map(rssMiB).filter(Number.isFinite));
    if (Number.isFinite(rss)) samples.push(rss);
  }
  await waitDone(name, 300);
  kubectl(['delete', 'workflow', name, '--wait=false']);
  if (samples.length === 0) throw new Error('no sample of the wait container\'s RSS (process not found on this host)');
  return median(samples);
}

/** Objects left under `<prefix>/` in the artifact repository's bucket (the controller's keyFormat starts with the workflow name). */
async function remainingObjects(prefix: string): Promise<number> {
  // Logs (archiveLogs) are listed apart: only the outputs' objects count.
  return (await listObjects(prefix)).filter((o) => !o.key.endsWith('.log')).length;
}

/** Whether a container of the pod was OOM-killed (now or in its last restart). */
function oomKilled(p: Doc): boolean {
  return (p.status?.containerStatuses ?? []).some((c: Doc) => c.state?.terminated?.reason === 'OOMKilled' || c.lastState?.terminated?.reason === 'OOMKilled');
}

async function gcThousand(): Promise<{ ok: boolean; seconds: number; detail: string }> {
  const n = envNumber('BENCH_P7_ARTIFACTS', 1000);
  const artifacts = Array.from({ length: n }, (_, i) => ({ name: `a${i}`, path: `/tmp/a/${i}`, archive: { none: {} } }));
  const name = submit(workflow('bench-gc', [{
    name: 'main',
    container: { image: 'busybox', command: ['sh', '-c', `mkdir -p /tmp/a; i=0; while [ $i -lt ${n} ]; do echo $i > /tmp/a/$i; i=$((i+1)); done`] },
    outputs: { artifacts },
  }], { artifactGC: { strategy: 'OnWorkflowDeletion' } }));
  await waitDone(name, 1800);
  const t0 = Date.now();
  kubectl(['delete', 'workflow', name, '--wait=false']);
  // The GC pods are garbage-collected with the workflow: remember each one's last seen state.
  const seen = new Map<string, Doc>();
  for (;;) {
    await sleep(1000);
    const pods = (kubectlJson<Doc>(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${name},workflows.argoproj.io/component=artifact-gc`])?.items ?? []) as Doc[];
    for (const p of pods) seen.set(p.metadata.name, p);
    if (kubectlJson(['get', 'workflow', name]) === null) break;
    // A GC pod that ended without success: the controller keeps the workflow (its finalizer) — no need to wait.
    const ended = [...seen.values()].filter((p) => p.status?.phase === 'Failed');
    const running = pods.some((p) => ['Pending', 'Running'].includes(p.status?.phase));
    const late = Date.now() - t0 > 900_000;
    if ((ended.length > 0 && !running) || late) {
      const oom = ended.some(oomKilled);
      kubectl(['patch', 'workflow', name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
      return { ok: false, seconds: (Date.now() - t0) / 1000, detail: late ? 'workflow still present after 900 s' : `GC pod ${ended.map((p) => p.metadata.name).join(', ')} Failed${oom ? ' (OOMKilled)' : ''}` };
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const gcPods = [...seen.values()];
  const failed = gcPods.filter((p) => p.status?.phase !== 'Succeeded');
  const oom = gcPods.some(oomKilled);
  const left = await remainingObjects(name);
  const detail = `${gcPods.length} GC pod(s)${oom ? ', OOMKilled' : ''}${failed.length ? `, ${failed.length} not seen Succeeded` : ''}, ${left} object(s) left under ${name}/`;
  return { ok: gcPods.length > 0 && failed.length === 0 && !oom && left === 0, seconds, detail };
}

async function main(): Promise<void> {
  const runs = envNumber('BENCH_P6_RUNS', 10);
  const p6: NonNullable<ClusterResults['p6']> = { ts: { workflowS: [], podS: [] }, go: { workflowS: [], podS: [] } };
  const idle: Record<ExecutorName, number[]> = { ts: [], go: [] };
  const gc = {} as Record<ExecutorName, { ok: boolean; seconds: number; detail: string }>;
  const blocks: [ExecutorName, number][] = [['go', Math.floor(runs / 2)], ['ts', runs], ['go', runs - Math.floor(runs / 2)]];
  for (const [ex, count] of blocks) {
    clusterUp(ex);
    await helloOnce(); // warm: images, controller informers
    for (let i = 0; i < count; i++) {
      const r = await helloOnce();
      p6[ex].workflowS.push(r.workflowS);
      p6[ex].podS.push(r.podS);
      log(`P6 ${ex}: workflow ${r.workflowS} s, pod ${r.podS} s, seen after ${r.seenS.toFixed(2)} s`);
    }
    const rss = await idleWaitRss();
    idle[ex].push(rss);
    log(`P7 ${ex}: wait idle RSS ${rss.toFixed(1)} MiB`);
    if (!gc[ex]) {
      gc[ex] = await gcThousand();
      log(`P7 ${ex}: GC ${JSON.stringify(gc[ex])}`);
    }
  }
  const out: ClusterResults = { meta: { date: new Date().toISOString(), commit: gitCommit(), goVersion: referenceVersion() }, p6, p7: { idleRssMiB: idle, gc } };
  mkdirSync(join(PROJECT, '.stack', 'bench'), { recursive: true });
  writeFileSync(join(PROJECT, '.stack', 'bench', 'cluster.json'), JSON.stringify(out, null, 2));
  log('wrote .stack/bench/cluster.json');
}

await main();
