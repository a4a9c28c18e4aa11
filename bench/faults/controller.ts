/**
 * Stop, terminate and pod deletion through the real workflow-controller and kubelet (stack/cluster/up.sh, one
 * cluster per executor: EXECUTOR=ts, then go). Each scenario is one workflow of one pod: main (busybox) writes
 * 64 MiB of random bytes, prints their sha256 and exits (or sleeps on); wait saves them as an S3 output artifact
 * over a Toxiproxy link in front of MinIO whose bandwidth makes the upload last (every connection limited).
 *
 *   stop mid-upload        `spec.shutdown: Stop` once main has ended and wait is uploading (link: ~10 s per 16 MiB
 *                          part). The controller fails the node at once and sends SIGTERM to the running containers
 *                          (wait included, `argoexec kill 15 1`), and `argoexec kill 9 1` after the pod's grace period
 *                          (30 s): there is time, the upload must finish and the object match.
 *   terminate mid-upload   the same with `Terminate`.
 *   stop while main runs   main sleeps on after writing the file: the controller signals main and wait at once;
 *                          wait must still save the file.
 *   terminate, grace 5 s   the pod's grace period (podSpecPatch) shorter than the upload: the controller's SIGKILL is
 *                          sent from inside the container, where the kernel ignores it for PID 1 (wait), so the
 *                          upload can still finish.
 *   pod deleted, grace 2 s `kubectl delete pod --grace-period=2` mid-upload: the kubelet's SIGKILL ends wait. v4.1.2's
 *                          controller marks the node Error `pod deleted`, then runs it again in a new pod of the same
 *                          name: the workflow must end, and the object (if any) must be the last pod's file whole.
 *
 * ok = the workflow reached a final phase (not stuck in Running) within FAULTS_CTL_TIMEOUT_S (240), the fault hit
 * while wait was uploading (else the run says so and is not ok), and the object is there with the file's sha256
 * (or, where there was no time, absent and the node's message says why). The workflows run under the least
 * privilege ServiceAccount of the runner (executor Role only).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { kubectlAsync, kubectlJsonAsync, NS, sleep } from '../../test/e2e/lib/env.ts';
import { PROJECT } from '../../test/support/sandbox.ts';
import { BUCKET, MINIO } from '../../test/wait/helpers.ts';
import { EXECUTORS, executorToken, keepLog, s3Sha } from './common.ts';
import type { Toxiproxy } from './toxiproxy.ts';

type Doc = Record<string, any>;

export interface CtlOutcome { scenario: string; executor: 'ts' | 'go'; ok: boolean; stuck: boolean; line: string }
export const ctlOutcomes: CtlOutcome[] = [];

const TIMEOUT_S = Number(process.env.FAULTS_CTL_TIMEOUT_S ?? 240);
const MIB = 64;
/** KB/s per connection: a 16 MiB part in ~10 s. */
const FAST_KBPS = 1600;

interface Scenario {
  name: string;
  /** main sleeps this long after writing the file (0: it exits). */
  mainSleepS: number;
  kbps: number;
  /** What to do once the fault point is reached. */
  fault: (wf: string, pod: string) => Promise<void>;
  /** True when the pod has the time to finish the upload. */
  time: boolean;
  /** The pod's terminationGracePeriodSeconds (podSpecPatch); Kubernetes' default 30 s when unset. */
  grace?: number;
}

const patchShutdown = (how: 'Stop' | 'Terminate') => async (wf: string): Promise<void> => {
  await kubectlAsync(['patch', 'workflow', wf, '--type=merge', '-p', JSON.stringify({ spec: { shutdown: how } })]);
};
const deletePod = (grace: number) => async (_wf: string, pod: string): Promise<void> => {
  await kubectlAsync(['delete', 'pod', pod, `--grace-period=${grace}`, '--wait=false']);
};

export const CTL_SCENARIOS: Scenario[] = [
  { name: 'workflow stop mid-upload (grace 30 s)', mainSleepS: 0, kbps: FAST_KBPS, fault: patchShutdown('Stop'), time: true },
  { name: 'workflow terminate mid-upload (grace 30 s)', mainSleepS: 0, kbps: FAST_KBPS, fault: patchShutdown('Terminate'), time: true },
  { name: 'workflow stop while main runs (grace 30 s)', mainSleepS: 600, kbps: FAST_KBPS, fault: patchShutdown('Stop'), time: true },
  // The controller's SIGKILL after the grace period is `argoexec kill 9 1` inside the container: the kernel does not
  // deliver it to the PID namespace's init (wait itself), so the upload may outlast the grace period.
  { name: 'workflow terminate mid-upload (grace 5 s, shorter than the upload)', mainSleepS: 0, kbps: FAST_KBPS, fault: patchShutdown('Terminate'), time: true, grace: 5 },
  { name: 'pod deleted mid-upload (grace 2 s)', mainSleepS: 0, kbps: FAST_KBPS, fault: deletePod(2), time: false },
];

function clusterUp(executor: 'ts' | 'go', log: (s: string) => void): void {
  const t0 = Date.now();
  const r = spawnSync(join(PROJECT, 'stack/cluster/up.sh'), [], { env: { ...process.env, EXECUTOR: executor }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`stack/cluster/up.sh EXECUTOR=${executor} failed (exit ${r.status})`);
  log(`cluster up with EXECUTOR=${executor} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

export function clusterDown(): void {
  spawnSync(join(PROJECT, 'stack/cluster/down.sh'), [], { stdio: ['ignore', 'inherit', 'inherit'] });
}

function workflow(name: string, s: Scenario, endpoint: string, key: string): Doc {
  const script = `head -c ${MIB * 1048576} /dev/urandom > /tmp/big && sha256sum /tmp/big${s.mainSleepS ? ` && sleep ${s.mainSleepS}` : ''}`;
  return {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
    metadata: { generateName: `${name}-`, namespace: NS, labels: { 'argoexec-ts/faults': 'true' } },
    spec: {
      entrypoint: 'main',
      serviceAccountName: executorToken.account?.split('/')[1],
      templates: [{
        name: 'main',
        ...(s.grace !== undefined ? { podSpecPatch: JSON.stringify({ terminationGracePeriodSeconds: s.grace }) } : {}),
        container: { image: 'busybox', command: ['sh', '-c', script] },
        outputs: { artifacts: [{
          name: 'big', path: '/tmp/big', archive: { none: {} },
          s3: {
            endpoint, bucket: BUCKET, insecure: true, region: MINIO.region, key,
            accessKeySecret: { name: 'my-minio-cred', key: 'accesskey' }, secretKeySecret: { name: 'my-minio-cred', key: 'secretkey' },
          },
        }] },
      }],
    },
  };
}

const state = (pod: Doc | null, c: string): Doc | undefined => (pod?.status?.containerStatuses ?? []).find((x: Doc) => x.name === c)?.state;

async function podOf(wf: string): Promise<Doc | null> {
  const l = await kubectlJsonAsync<Doc>(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${wf}`]);
  return (l?.items?.[0] as Doc | undefined) ?? null;
}

/** The fault point: main has printed the sha256 (and, unless it sleeps on, ended) while wait still runs. */
async function faultPoint(wf: string, s: Scenario): Promise<{ pod: Doc; sha: string }> {
  const t0 = Date.now();
  for (;;) {
    const pod = await podOf(wf);
    const main = state(pod, 'main');
    if (pod && (s.mainSleepS ? main?.running : main?.terminated) && state(pod, 'wait')?.running) {
      const logs = await kubectlAsync(['logs', pod.metadata.name, '-c', 'main']).catch(() => '');
      const sha = /^([0-9a-f]{64})\s/m.exec(logs)?.[1];
      if (sha) return { pod, sha };
    }
    if (Date.now() - t0 > 120_000) throw new Error(`${wf}: the fault point was not reached in 120 s (main ${JSON.stringify(main)})`);
    await sleep(200);
  }
}

async function runOne(ex: 'ts' | 'go', s: Scenario, tp: Toxiproxy, runId: string, i: number, log: (x: string) => void): Promise<void> {
  const proxy = `ctl-${i}`;
  const endpoint = await tp.proxy(proxy, MINIO.host);
  await tp.setToxics(proxy, [
    { name: 'bw-up', type: 'bandwidth', stream: 'upstream', toxicity: 1, attributes: { rate: s.kbps } },
    { name: 'bw-down', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: s.kbps } },
  ]);
  const key = `faults/${runId}/ctl/${ex}/${i}/big.bin`;
  const wf = (await kubectlAsync(['create', '-f', '-', '-o', 'jsonpath={.metadata.name}'], JSON.stringify(workflow(`faults-ctl-${ex}`, s, endpoint, key)))).trim();
  let line: string;
  let ok = false;
  let stuck = false;
  try {
    const { pod, sha } = await faultPoint(wf, s);
    await sleep(1500);
    const faultAt = Date.now();
    await s.fault(wf, pod.metadata.name);
    // Did the fault hit while wait was still at work? wait's own finish time says.
    let final: Doc | null = null;
    let waitEnd: number | undefined;
    for (;;) {
      final = await kubectlJsonAsync<Doc>(['get', 'workflow', wf]);
      const p = await podOf(wf);
      const t = state(p, 'wait')?.terminated?.finishedAt;
      if (t) waitEnd = Date.parse(t);
      const phase = final?.status?.phase;
      if (phase && phase !== 'Running' && phase !== 'Pending' && final?.status?.finishedAt) break;
      if (Date.now() - faultAt > TIMEOUT_S * 1000) { stuck = true; break; }
      await sleep(500);
    }
    const node = Object.values((final?.status?.nodes ?? {}) as Record<string, Doc>).find((n) => n.type === 'Pod');
    // A deleted pod's node is run again by v4.1.2's controller (node Error `pod deleted`, then a new pod of the same
    // name, which runs main anew): the object must then be the last pod's.
    const last = await podOf(wf);
    const replaced = last !== null && last.metadata.uid !== pod.metadata.uid;
    const lastSha = replaced ? /^([0-9a-f]{64})\s/m.exec(await kubectlAsync(['logs', last.metadata.name, '-c', 'main']).catch(() => ''))?.[1] : sha;
    const got = await s3Sha(key);
    const hit = waitEnd === undefined || waitEnd >= faultAt - 1000; // Kubernetes times have 1 s resolution
    const object = got === lastSha ? `object saved (sha256 verified${replaced ? ' against the new pod\'s file' : ''})` : got ? 'object CORRUPTED' : 'no object';
    const inNode = (node?.outputs?.artifacts ?? []).some((a: Doc) => a.name === 'big');
    const msg = String(node?.message ?? '').split('\n')[0];
    line = stuck
      ? `workflow still ${final?.status?.phase ?? 'unknown'} ${TIMEOUT_S} s after the fault; ${object}`
      : `${replaced ? 'the controller ran the node again in a new pod; ' : ''}workflow ${final?.status?.phase} ${((Date.parse(final?.status?.finishedAt) - faultAt) / 1000).toFixed(0)} s after the fault; ${object}${inNode ? ', in the node\'s outputs' : ''}; node ${node?.phase}: ${msg || '(no message)'}`;
    const waitSaid = String(state(last, 'wait')?.terminated?.message ?? '').trim().split('\n')[0];
    if (waitSaid) line += `; wait's message: ${waitSaid}`;
    if (!hit) line += '; NOT A HIT: wait had finished before the fault';
    // ok: final phase, the fault hit, the object whole; where there was no time, no object but a message.
    ok = !stuck && hit && (got === lastSha || (got === undefined && !s.time && msg !== ''));
    const logs = await kubectlAsync(['logs', pod.metadata.name, '-c', 'wait']).catch((e: Error) => `(logs: ${e.message})`);
    keepLog(`ctl-${ex}-${i}`, { code: 0, signal: null, stdout: logs, stderr: '' } as never, JSON.stringify(node ?? {}));
  } catch (e) {
    line = `runner error: ${(e as Error).message}`;
  } finally {
    await kubectlAsync(['delete', 'workflow', wf, '--wait=false']).catch(() => undefined);
    await tp.setToxics(proxy, []);
  }
  log(`ctl ${ex} ${s.name}: ${ok ? 'ok' : 'NOT OK'}: ${line}`);
  ctlOutcomes.push({ scenario: s.name, executor: ex, ok, stuck, line });
}

/** Every scenario with each executor, the cluster (re)started per executor; stopped at the end. */
export async function controllerFaults(tp: Toxiproxy, runId: string, log: (s: string) => void): Promise<void> {
  try {
    for (const ex of EXECUTORS) {
      clusterUp(ex.name, log);
      let i = 0;
      for (const s of CTL_SCENARIOS) await runOne(ex.name, s, tp, runId, ex.name === 'ts' ? i++ : 100 + i++, log);
    }
  } finally {
    clusterDown();
  }
}

export function ctlTable(): string {
  const lines = ['| scenario | ours | Go |', '|---|---|---|'];
  for (const s of CTL_SCENARIOS) {
    const cell = (ex: 'ts' | 'go'): string => {
      const o = ctlOutcomes.find((x) => x.scenario === s.name && x.executor === ex);
      return o ? `**${o.ok ? 'ok' : o.stuck ? 'stuck' : 'not ok'}**: ${o.line.replace(/\|/g, '\\|')}` : 'not run';
    };
    lines.push(`| ${s.name} | ${cell('ts')} | ${cell('go')} |`);
  }
  return lines.join('\n');
}
