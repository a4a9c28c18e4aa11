/**
 * Termination and resource faults, one run per scenario and executor; each outcome is recorded as one line.
 *
 * Termination (as the kubelet does it: SIGTERM to the container's PID 1, SIGKILL after the grace period):
 *   init mid-download             init loading the big input over a 120 s link; SIGTERM 3 s in, grace 10 s
 *   wait mid-upload, grace 60 s   wait saving the big output over a 15 s link; SIGTERM 2 s after main
 *                                 ended: there is time, the upload must finish
 *   wait mid-upload, grace 3 s    the same over a 120 s link with a 3 s grace: no time; the node must say so
 *   emissary as PID 1             main = emissary running `sleep 60`; SIGTERM 2 s in, grace 10 s
 *   supervisor mid-download       the init-less layout's supervisor loading the big input over the 120 s link;
 *                                 SIGTERM 3 s in, grace 10 s; main waits for READY
 * Resources:
 *   main killed, no exitcode      the emissary itself SIGKILLed (what an OOM kill of the container's PID 1 leaves:
 *                                 no exitcode file); wait is given 90 s
 *   emptyDir full during capture  /var/run/argo a tmpfs with ~1 MiB free after init; main writes 8 MiB to stdout
 *   wait's /tmp full              /tmp of wait a 1 MiB tmpfs; output: a 4 MiB directory (default tar.gz archive)
 *   wait's /tmp read-only         the same output, /tmp mounted read-only
 *   wait at its memory limit      wait in a memory cgroup (FAULTS_WAIT_MEMORY_MIB, 192) saving the big file as tar.gz
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Executor, Mount, PodSim } from '../../test/support/pod-sim.ts';
import { NAMESPACE } from '../../test/support/pod-sim.ts';
import type { RunResult, Running } from '../../test/support/sandbox.ts';
import { BUCKET, MINIO, S3_SECRETS, admin, archiveLocation, deleteTaskResult } from '../../test/wait/helpers.ts';
import { InitlessPod } from '../../test/supervisor/helpers.ts';
import { EXECUTOR_USER, EXECUTORS, keepLog, MiB, ownerWorkflow, s3List, s3Sha, s3TgzShas, type DataSet } from './common.ts';
import { MemoryCgroup } from '../../test/support/memory-cgroup.ts';
import { executorPod, useExecutorToken } from './s3.ts';
import type { Toxiproxy } from './toxiproxy.ts';

export interface Outcome { part: 'Termination' | 'Resources'; scenario: string; executor: Executor['name']; ok: boolean; stuck: boolean; line: string }
export const outcomes: Outcome[] = [];

function s3Art(name: string, path: string, endpoint: string, key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name, path, ...extra,
    s3: { endpoint, bucket: BUCKET, insecure: true, region: MINIO.region, key, accessKeySecret: { name: 'my-minio-cred', key: 'accesskey' }, secretKeySecret: { name: 'my-minio-cred', key: 'secretkey' } },
  };
}

/** SIGTERM the container's PID 1 after `afterMs`, SIGKILL it `graceMs` later if it still runs. */
async function terminate(r: Running, afterMs: number, graceMs: number): Promise<{ res: RunResult; killed: boolean; exitAfterTermMs: number }> {
  let killed = false;
  let termAt = 0;
  let settled = false;
  const done = r.done.then((res) => { settled = true; return res; });
  await Promise.race([sleep(afterMs), done]);
  if (!settled) {
    const pid = r.pid1();
    termAt = Date.now();
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    await Promise.race([sleep(graceMs), done]);
    if (!settled) { killed = true; try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  }
  const res = await done;
  return { res, killed, exitAfterTermMs: termAt ? Date.now() - termAt : 0 };
}

const exitText = (res: RunResult): string => (res.signal ? `signal ${res.signal}` : `exit ${res.code}`);
const firstLine = (s: string): string => s.trim().split('\n')[0] ?? '';
function message(pod: PodSim, c: string, res: RunResult): string {
  let m = '';
  try { m = firstLine(pod.terminationMessage(c)); } catch { /* none */ }
  if (m) return `message: ${m}`;
  const err = res.stderr.split('\n').filter((l) => /level=(ERROR|FATAL|error|fatal)\b|^Error:/.test(l)).at(-1);
  return err ? `no termination message; last error log: ${err}` : 'no termination message';
}

async function taskResult(nodeId: string): Promise<{ completed: boolean; artifacts: string[] }> {
  const r = await admin.req('GET', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults/${nodeId}`);
  if (r.status !== 200) return { completed: false, artifacts: [] };
  return {
    completed: r.body?.metadata?.labels?.['workflows.argoproj.io/report-outputs-completed'] === 'true',
    artifacts: (r.body?.outputs?.artifacts ?? []).map((a: { name: string }) => a.name),
  };
}

function record(o: Outcome, tag: string, res: RunResult | undefined, extra: string): void {
  outcomes.push(o);
  keepLog(tag, res, extra);
}

// ------------------------------------------------------------------ termination
async function initMidDownload(ex: Executor, endpoint: string, source: string): Promise<void> {
  const template = { name: 'faults-term-init', container: { image: 'x' }, inputs: { artifacts: [s3Art('big', '/in/big.bin', endpoint, `${source}/big.bin`)] } };
  const pod = executorPod({ template, secrets: S3_SECRETS, executor: ex });
  try {
    const { res, killed, exitAfterTermMs } = await terminate(pod.startInit({}, 120_000), 3000, 10_000);
    const line = `${exitText(res)} ${killed ? 'only after SIGKILL (grace 10 s)' : `${(exitAfterTermMs / 1000).toFixed(1)} s after SIGTERM`}; ${message(pod, 'init', res)}`;
    record({ part: 'Termination', scenario: 'SIGTERM to init mid-download (grace 10 s)', executor: ex.name, ok: !killed && res.code !== 0 && !/no termination message$/.test(line), stuck: false, line }, `term-init-${ex.name}`, res, pod.terminationMessage('init'));
  } finally { pod.cleanup(); }
}

/**
 * The init-less layout: the supervisor loading the big input over the 120 s link; SIGTERM 3 s in, grace 10 s. ok = it
 * ends by itself with a message, and main (waiting for READY) ends with the supervisor's failure, not its command.
 */
async function supervisorMidDownload(ex: Executor, endpoint: string, source: string): Promise<void> {
  const template = {
    name: 'faults-term-supervisor', container: { image: 'x' },
    inputs: { artifacts: [s3Art('big', '/in/big.bin', endpoint, `${source}/big.bin`)] },
    outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p', default: 'none' } }] },
  };
  const pod = new InitlessPod({ template, secrets: S3_SECRETS, executor: ex, env: { HOME: '/' }, user: { supervisor: EXECUTOR_USER } });
  useExecutorToken(pod);
  try {
    const main = pod.startMain(['sh', '-c', 'echo ran > /tmp/p'], {}, 120_000);
    const { res, killed, exitAfterTermMs } = await terminate(pod.startSupervisor({}, 120_000), 3000, 10_000);
    const m = await main.done;
    const sup = pod.terminationMessage('supervisor').trim();
    const line = `supervisor ${exitText(res)} ${killed ? 'only after SIGKILL (grace 10 s)' : `${(exitAfterTermMs / 1000).toFixed(1)} s after SIGTERM`}; ${sup ? `message: ${sup.split('\n')[0]}` : 'no termination message'}; main ${exitText(m)}${pod.terminationMessage('main') ? ` (${pod.terminationMessage('main').split('\n')[0]})` : ''}`;
    record({ part: 'Termination', scenario: 'SIGTERM to the supervisor mid-download (init-less, grace 10 s)', executor: ex.name, ok: !killed && res.code !== 0 && sup !== '' && m.code !== 0 && m.signal === null, stuck: m.signal === 'SIGKILL', line }, `term-supervisor-${ex.name}`, res, sup);
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
  } finally { pod.cleanup(); }
}

async function waitMidUpload(ex: Executor, ds: DataSet, endpoint: string, runId: string, graceMs: number): Promise<void> {
  const key = `faults/${runId}/term/${ex.name}/${graceMs}/big.bin`;
  const template = {
    name: 'faults-term-wait', container: { image: 'x', volumeMounts: [{ name: 'work', mountPath: '/work' }] },
    outputs: { artifacts: [s3Art('big', '/work/big.bin', endpoint, key, { archive: { none: {} } })] },
    archiveLocation: archiveLocation(`faults/${runId}/term-logs`),
  };
  const owner = await ownerWorkflow(`faults-term-${runId}-${ex.name}-${graceMs}`);
  const pod = executorPod({ template, volumes: ['work'], secrets: S3_SECRETS, executor: ex }, { workflowName: owner.name, workflowUid: owner.uid });
  try {
    execFileSync('ln', [ds.big, pod.path('vol-work', 'big.bin')]);
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr.slice(-500)}`);
    const wait = pod.startWait({}, 180_000);
    await pod.startMain(['true']).done;
    const { res, killed, exitAfterTermMs } = await terminate(wait, 2000, graceMs);
    const sha = await s3Sha(key);
    const uploaded = sha === ds.bigSha;
    const tr = await taskResult(pod.nodeId);
    const msg = message(pod, 'wait', res);
    const line = `${exitText(res)} ${killed ? `after SIGKILL (grace ${graceMs / 1000} s)` : `${(exitAfterTermMs / 1000).toFixed(1)} s after SIGTERM`}; upload ${uploaded ? 'finished (sha256 verified)' : sha ? 'CORRUPTED' : 'not finished'}; TaskResult ${tr.completed ? 'complete' : 'not complete'}${tr.artifacts.includes('big') ? ' with the artifact' : ''}; ${msg}`;
    // ok: the upload finished and is reported; or it did not and the node says so (a message, the TaskResult complete or the wait failed visibly).
    const ok = uploaded ? tr.completed && tr.artifacts.includes('big') : (sha === undefined && !msg.startsWith('no termination'));
    record({ part: 'Termination', scenario: `SIGTERM to wait mid-upload (grace ${graceMs / 1000} s)`, executor: ex.name, ok, stuck: !tr.completed && !killed && res.code === null, line }, `term-wait-${graceMs}-${ex.name}`, res, pod.terminationMessage('wait'));
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
  } finally { await owner.remove(); pod.cleanup(); }
}

async function emissaryPid1(ex: Executor, runId: string): Promise<void> {
  const owner = await ownerWorkflow(`faults-pid1-${runId}-${ex.name}`);
  const template = { name: 'faults-pid1', container: { image: 'x' }, archiveLocation: archiveLocation(`faults/${runId}/pid1`) };
  const pod = executorPod({ template, secrets: S3_SECRETS, executor: ex }, { workflowName: owner.name, workflowUid: owner.uid });
  try {
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr.slice(-500)}`);
    const wait = pod.startWait({}, 120_000);
    const { res, killed, exitAfterTermMs } = await terminate(pod.startMain(['sleep', '60'], {}, 120_000), 2000, 10_000);
    const w = await wait.done;
    let code = '';
    try { code = (await import('node:fs')).readFileSync(pod.path('var-run-argo', 'ctr/main/exitcode'), 'utf8').trim(); } catch { code = 'none'; }
    const tr = await taskResult(pod.nodeId);
    const line = `main ${exitText(res)} ${killed ? 'after SIGKILL' : `${(exitAfterTermMs / 1000).toFixed(1)} s after SIGTERM`}, exitcode file ${code}; wait ${exitText(w)}; TaskResult ${tr.completed ? 'complete' : 'not complete'}; ${message(pod, 'main', res)}`;
    record({ part: 'Termination', scenario: 'SIGTERM to the emissary as PID 1 (grace 10 s)', executor: ex.name, ok: !killed && tr.completed && w.signal === null, stuck: !tr.completed, line }, `term-pid1-${ex.name}`, res, `wait: ${w.stderr}`);
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
  } finally { await owner.remove(); pod.cleanup(); }
}

// ------------------------------------------------------------------ resources
export async function mainKilled(ex: Executor, runId: string): Promise<void> {
  const owner = await ownerWorkflow(`faults-oom-${runId}-${ex.name}`);
  const template = { name: 'faults-oom', container: { image: 'x' }, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p', default: 'none' } }] }, archiveLocation: archiveLocation(`faults/${runId}/oom`) };
  const pod = executorPod({ template, secrets: S3_SECRETS, executor: ex }, { workflowName: owner.name, workflowUid: owner.uid });
  try {
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr.slice(-500)}`);
    const wait = pod.startWait({}, 90_000);
    const main = pod.startMain(['sleep', '60'], {}, 120_000);
    await sleep(2000);
    process.kill(main.pid1(), 'SIGKILL');
    await main.done;
    const w = await wait.done;
    const tr = await taskResult(pod.nodeId);
    const stuck = w.signal === 'SIGKILL';
    const line = stuck ? `wait still waiting after 90 s (killed by the runner); TaskResult ${tr.completed ? 'complete' : 'not complete'}` : `wait ${exitText(w)}; TaskResult ${tr.completed ? 'complete' : 'not complete'}; ${message(pod, 'wait', w)}`;
    record({ part: 'Resources', scenario: 'main\'s PID 1 killed (OOM), no exitcode file', executor: ex.name, ok: !stuck && tr.completed, stuck, line }, `res-oom-${ex.name}`, w, '');
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
  } finally { await owner.remove(); pod.cleanup(); }
}

/** The memory limit of wait in the "at its memory limit" scenario: FAULTS_WAIT_MEMORY_MIB (default 192). */
const WAIT_MEMORY_MIB = Number(process.env.FAULTS_WAIT_MEMORY_MIB ?? 192);

/**
 * wait in a memory cgroup of WAIT_MEMORY_MIB (as the kubelet limits a container: the kernel's OOM killer acts inside
 * it) saving the big file as Argo's default tar.gz. ok = the object holds the file (sha256 of its tar entry) and the
 * TaskResult is complete with it; an OOM kill is reported with the cgroup's count.
 */
async function waitAtMemoryLimit(ex: Executor, ds: DataSet, runId: string): Promise<void> {
  const key = `faults/${runId}/memlimit/${ex.name}/big.tgz`;
  const owner = await ownerWorkflow(`faults-mem-${runId}-${ex.name}`);
  const template = {
    name: 'faults-mem', container: { image: 'x', volumeMounts: [{ name: 'work', mountPath: '/work' }] },
    outputs: { artifacts: [s3Art('big', '/work/big.bin', MINIO.host, key)] }, archiveLocation: archiveLocation(`faults/${runId}/mem`),
  };
  const pod = executorPod({ template, volumes: ['work'], secrets: S3_SECRETS, executor: ex }, { workflowName: owner.name, workflowUid: owner.uid });
  const cg = new MemoryCgroup(`argoexec-faults-${runId}-${ex.name}`, WAIT_MEMORY_MIB * MiB);
  try {
    execFileSync('ln', [ds.big, pod.path('vol-work', 'big.bin')]);
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr.slice(-500)}`);
    pod.launcher = (c) => (c === 'wait' ? cg.launcher() : []);
    const wait = pod.startWait({}, 300_000);
    await pod.startMain(['true']).done;
    const w = await wait.done;
    const usage = cg.usage();
    const entries = await s3TgzShas(key).catch((e: unknown) => new Error(String((e as Error).message ?? e)));
    const saved = entries instanceof Map && entries.get('big.bin') === ds.bigSha;
    const tr = await taskResult(pod.nodeId);
    const stored = entries instanceof Error ? `object unreadable (${entries.message})` : !entries ? 'no object' : saved ? 'saved (sha256 of the tar entry verified)' : 'CORRUPTED';
    const line = `wait ${exitText(w)}; peak ${(usage.peakBytes / MiB).toFixed(0)} MiB of ${WAIT_MEMORY_MIB} MiB${usage.oomKills ? `; OOM-killed (${usage.oomKills})` : ''}; output ${stored}; TaskResult ${tr.completed ? 'complete' : 'not complete'}${tr.artifacts.includes('big') ? ' with the artifact' : ''}; ${message(pod, 'wait', w)}`;
    record({ part: 'Resources', scenario: `wait at its memory limit (${WAIT_MEMORY_MIB} MiB), ${(ds.bigBytes / MiB).toFixed(0)} MiB output as tar.gz`, executor: ex.name, ok: saved && tr.completed && w.code === 0, stuck: w.signal === 'SIGKILL' && !usage.oomKills, line }, `res-mem-${ex.name}`, w, pod.terminationMessage('wait'));
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
  } finally { await owner.remove(); pod.cleanup(); cg.remove(); }
}

function duBytes(p: string): number {
  let n = 0;
  const walk = (d: string): void => { for (const e of readdirSync(d, { withFileTypes: true })) { const q = join(d, e.name); if (e.isDirectory()) walk(q); else n += statSync(q).size; } };
  walk(p);
  return n;
}

function tmpfs(path: string, bytes: number, mode = '0777'): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil(bytes / 4096) * 4}k,mode=${mode}`, 'faults-tmpfs', path]);
}
function umount(path: string): void { try { execFileSync('umount', ['-l', path]); } catch { /* not mounted */ } }

async function captureFull(ex: Executor, runId: string): Promise<void> {
  const owner = await ownerWorkflow(`faults-cap-${runId}-${ex.name}`);
  const template = { name: 'faults-cap', container: { image: 'x' }, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] }, archiveLocation: archiveLocation(`faults/${runId}/cap`) };
  const pod = executorPod({ template, secrets: S3_SECRETS, executor: ex }, { workflowName: owner.name, workflowUid: owner.uid });
  const vra = pod.path('var-run-argo');
  try {
    // Size: what init installs (the executor) plus 1 MiB.
    const need = duBytes(ex.binDir) + MiB;
    tmpfs(vra, need);
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr.slice(-500)}`);
    const wait = pod.startWait({}, 120_000);
    const main = await pod.startMain(['sh', '-c', 'printf v > /tmp/p; head -c 8388608 /dev/zero | tr "\\0" x; echo'], {}, 120_000).done;
    const w = await wait.done;
    const tr = await taskResult(pod.nodeId);
    const line = `main ${exitText(main)} (${message(pod, 'main', main)}); wait ${exitText(w)}; TaskResult ${tr.completed ? 'complete' : 'not complete'}; wait ${message(pod, 'wait', w)}`;
    record({ part: 'Resources', scenario: 'emptyDir /var/run/argo full during capture of stdout', executor: ex.name, ok: w.signal === null && tr.completed, stuck: w.signal === 'SIGKILL' || !tr.completed, line }, `res-capture-${ex.name}`, w, `main stderr: ${main.stderr.slice(-3000)}`);
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
  } finally { umount(vra); await owner.remove(); pod.cleanup(); }
}

async function waitTmp(ex: Executor, runId: string, kind: 'full' | 'read-only'): Promise<void> {
  const key = `faults/${runId}/tmp-${kind}/${ex.name}/out.tgz`;
  const owner = await ownerWorkflow(`faults-tmp-${kind}-${runId}-${ex.name}`);
  const template = {
    name: 'faults-tmp', container: { image: 'x', volumeMounts: [{ name: 'work', mountPath: '/work' }] },
    outputs: { artifacts: [s3Art('out', '/work/out', MINIO.host, key)] }, archiveLocation: archiveLocation(`faults/${runId}/tmp`),
  };
  const pod = executorPod({ template, volumes: ['work'], secrets: S3_SECRETS, executor: ex }, { workflowName: owner.name, workflowUid: owner.uid });
  const tmpWait = pod.path('tmp-wait');
  try {
    mkdirSync(pod.path('vol-work', 'out'), { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(pod.path('vol-work', `out/f${i}.bin`), randomBytes(MiB), { mode: 0o644 });
    if (kind === 'full') tmpfs(tmpWait, MiB, '1777');
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr.slice(-500)}`);
    const mounts: Mount[] = pod.mounts('wait').map(([s, d, m]) => [s, d, d === '/tmp' && kind === 'read-only' ? 'ro' : m]);
    const env = { ...pod.executorEnv('wait') };
    const wait = pod.start('wait', ['argoexec', 'wait', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], env, 120_000, mounts);
    await pod.startMain(['true']).done;
    const w = await wait.done;
    const stored = (await s3List(key)).length > 0;
    const tr = await taskResult(pod.nodeId);
    const line = `wait ${exitText(w)}; output ${stored ? 'saved' : 'not saved'}; TaskResult ${tr.completed ? 'complete' : 'not complete'}; ${message(pod, 'wait', w)}`;
    const ok = w.signal === null && tr.completed && (stored ? w.code === 0 : w.code !== 0);
    record({ part: 'Resources', scenario: `wait's /tmp ${kind === 'full' ? 'full (1 MiB tmpfs), 4 MiB output dir' : 'read-only, 4 MiB output dir'}`, executor: ex.name, ok, stuck: w.signal === 'SIGKILL' || !tr.completed, line }, `res-tmp-${kind}-${ex.name}`, w, '');
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
  } finally { if (kind === 'full') umount(tmpWait); await owner.remove(); pod.cleanup(); }
}

/** A Toxiproxy link to MinIO on which one connection moves the big file in `seconds`. */
async function slowLink(tp: Toxiproxy, name: string, ds: DataSet, seconds: number): Promise<string> {
  const host = await tp.proxy(name, MINIO.host);
  const rate = Math.max(16, Math.round(ds.bigBytes / 1024 / seconds));
  await tp.setToxics(name, [
    { name: 'up', type: 'bandwidth', stream: 'upstream', toxicity: 1, attributes: { rate } },
    { name: 'down', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate } },
  ]);
  return host;
}

export async function termination(tp: Toxiproxy, ds: DataSet, source: string, runId: string, log: (s: string) => void): Promise<void> {
  // Slow links (per connection; an executor with parallel connections goes faster): 15 s and 120 s for the big file.
  const slow = await slowLink(tp, 's3-slow', ds, 15);
  const crawl = await slowLink(tp, 's3-crawl', ds, 120);
  for (const ex of EXECUTORS) {
    await initMidDownload(ex, crawl, source);
    await supervisorMidDownload(ex, crawl, source);
    await waitMidUpload(ex, ds, slow, runId, 60_000);
    await waitMidUpload(ex, ds, crawl, runId, 3_000);
    await emissaryPid1(ex, runId);
    log(`termination ${ex.name} done`);
  }
}

export async function resources(ds: DataSet, runId: string, log: (s: string) => void): Promise<void> {
  for (const ex of EXECUTORS) {
    await Promise.all([mainKilled(ex, runId), captureFull(ex, runId), waitTmp(ex, runId, 'full'), waitTmp(ex, runId, 'read-only')]);
    await waitAtMemoryLimit(ex, ds, runId); // alone: its peak memory is the figure
    log(`resources ${ex.name} done`);
  }
}

export function outcomeTable(part: Outcome['part']): string {
  const os = outcomes.filter((o) => o.part === part);
  const lines = ['| scenario | ours | Go |', '|---|---|---|'];
  const cell = (o: Outcome | undefined): string => (o ? `${o.ok ? '**ok**' : o.stuck ? '**stuck**' : '**not ok**'}: ${o.line.replace(/\|/g, '\\|').replace(/`/g, "'")}` : 'n/a');
  for (const s of [...new Set(os.map((o) => o.scenario))]) lines.push(`| ${s} | ${cell(os.find((o) => o.scenario === s && o.executor === 'ts'))} | ${cell(os.find((o) => o.scenario === s && o.executor === 'go'))} |`);
  return lines.join('\n');
}
