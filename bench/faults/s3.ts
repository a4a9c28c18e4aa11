/**
 * Network faults between the executor and S3 (MinIO of the stack): Toxiproxy for resets, latency and slow-drip
 * bandwidth, test/support/s3-fault-proxy.ts for 503 SlowDown. Each run is one simulated pod:
 *   upload   — wait saves a big file and a many-file directory (archive none) from a volume;
 *   download — init loads both (the sources uploaded once, cleanly) as input artifacts.
 * Every object (or extracted file) is checked against the sha256 of its source.
 */
import { chmodSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PodSim, type Executor } from '../../test/support/pod-sim.ts';
import { S3FaultProxy } from '../../test/support/s3-fault-proxy.ts';
import { BUCKET, MINIO, S3_SECRETS, archiveLocation, deleteTaskResult } from '../../test/wait/helpers.ts';
import type { RunResult } from '../../test/support/sandbox.ts';
import { EXECUTORS, EXECUTOR_USER, GO_RUNS, RUNS, executorToken, pool, failureLine, keepLog, listFiles, note, row, verifyDisk, verifyS3, type DataSet, type Row } from './common.ts';
import type { Toxic, Toxiproxy } from './toxiproxy.ts';

const DRIP = Number(process.env.FAULTS_DRIP_KBPS ?? 1024);
/** An S3 run's timeout (FAULTS_S3_TIMEOUT_S): over 3 times Go's slowest clean run (none: ~38 s), over 4 times ours. */
export const S3_TIMEOUT_S = Number(process.env.FAULTS_S3_TIMEOUT_S ?? 120);
const TIMEOUT = S3_TIMEOUT_S * 1000;
/** Runs of ours at once in one cell (FAULTS_S3_POOL): the latency and slow-drip cells mostly wait. Go's runs go one at a time. */
const POOL = Number(process.env.FAULTS_S3_POOL ?? 2);

/** The faults: Toxiproxy toxics, or the 503 proxy. */
export const S3_FAULTS: Record<string, { toxics?: Toxic[]; slowDown?: number; text: string }> = {
  none: { toxics: [], text: 'no fault (baseline)' },
  reset: { toxics: [{ name: 'reset', type: 'reset_peer', stream: 'upstream', toxicity: 0.2, attributes: { timeout: 500 } }], text: 'TCP reset 0.5 s into 20 % of connections' },
  latency: {
    toxics: [
      { name: 'lat-up', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 30, jitter: 15 } },
      { name: 'lat-down', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 30, jitter: 15 } },
    ],
    text: '30 ± 15 ms latency each way on every connection',
  },
  'slow-drip': {
    toxics: [
      { name: 'drip-up', type: 'bandwidth', stream: 'upstream', toxicity: 0.2, attributes: { rate: DRIP } },
      { name: 'drip-down', type: 'bandwidth', stream: 'downstream', toxicity: 0.2, attributes: { rate: DRIP } },
    ],
    text: `bandwidth ${DRIP} KB/s on 20 % of connections (each direction)`,
  },
  'slowdown-503': { slowDown: 0.2, text: '503 SlowDown on 20 % of requests (evenly spread)' },
};

function s3Art(name: string, path: string, endpoint: string, key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name, path, ...extra,
    s3: {
      endpoint, bucket: BUCKET, insecure: true, region: MINIO.region, key,
      accessKeySecret: { name: 'my-minio-cred', key: 'accesskey' }, secretKeySecret: { name: 'my-minio-cred', key: 'secretkey' },
    },
  };
}

/**
 * The pod as the executor's user 8737 (init, wait) with a readable service-account token. HOME=/ as containerd sets
 * it for a UID without a passwd entry (the simulator's env -i leaves it unset; see the report's findings).
 */
export function executorPod(spec: ConstructorParameters<typeof PodSim>[0], ids: ConstructorParameters<typeof PodSim>[1] = {}): PodSim {
  const pod = new PodSim({ ...spec, env: { HOME: '/', ...(spec.env ?? {}) }, user: { init: EXECUTOR_USER, wait: EXECUTOR_USER, ...(spec.user ?? {}) } }, ids);
  useExecutorToken(pod);
  return pod;
}

/** The pod's ServiceAccount files carry the least-privilege executor token, readable by the executor's UID. */
export function useExecutorToken(pod: { path(volume: string, rel?: string): string }): void {
  if (executorToken.value) writeFileSync(pod.path('sa', 'token'), executorToken.value);
  for (const f of ['token', 'ca.crt', 'namespace']) chmodSync(pod.path('sa', f), 0o644);
}

function account(r: Row, res: RunResult | undefined, v: { missing: number; corrupted: number; detail: string }, pod: PodSim, container: string): void {
  r.runs++;
  r.corrupted += v.corrupted;
  const stuck = !res || res.signal === 'SIGKILL';
  if (stuck) { r.stuck++; note(r, `${container} did not exit in ${TIMEOUT / 1000} s`); return; }
  if (res.code === 0) {
    if (v.missing === 0 && v.corrupted === 0) r.ok++;
    if (v.missing > 0) { r.lost++; note(r, `exit 0 but ${v.missing} objects missing`); }
    if (v.corrupted > 0) note(r, `exit 0 but ${v.detail}`);
  } else {
    r.reported++;
    note(r, failureLine(pod, container, res));
  }
}

async function uploadRun(ex: Executor, ds: DataSet, endpoint: string, prefix: string, r: Row, tag: string): Promise<void> {
  const template = {
    name: 'faults-up',
    container: { image: 'x', volumeMounts: [{ name: 'work', mountPath: '/work' }] },
    outputs: { artifacts: [
      s3Art('big', '/work/big.bin', endpoint, `${prefix}/big.bin`, { archive: { none: {} } }),
      s3Art('dir', '/work/dir', endpoint, `${prefix}/dir`, { archive: { none: {} } }),
    ] },
    archiveLocation: archiveLocation(`${prefix}/logs`),
  };
  const pod = executorPod({ template, volumes: ['work'], secrets: S3_SECRETS, executor: ex });
  try {
    linkSync(ds.big, pod.path('vol-work', 'big.bin'));
    for (const rel of listFiles(ds.dir)) { mkdirSync(pod.path('vol-work', join('dir', rel, '..')), { recursive: true }); linkSync(join(ds.dir, rel), pod.path('vol-work', join('dir', rel))); }
    const init = await pod.runInit();
    keepLog(`${tag}-init`, init);
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr.slice(-1000)}`);
    const wait = pod.startWait({}, TIMEOUT);
    const main = await pod.startMain(['true']).done;
    const res = await wait.done;
    keepLog(`${tag}-main`, main);
    keepLog(`${tag}-wait`, res, `termination-log: ${pod.terminationMessage('wait')}`);
    const v = res.signal === 'SIGKILL' ? { missing: 0, corrupted: 0, detail: '' } : await verifyS3(ds, `${prefix}/big.bin`, `${prefix}/dir`);
    account(r, res, v, pod, 'wait');
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
  } finally {
    pod.cleanup();
  }
}

async function downloadRun(ex: Executor, ds: DataSet, endpoint: string, source: string, r: Row, tag: string): Promise<void> {
  const template = {
    name: 'faults-down',
    container: { image: 'x' },
    inputs: { artifacts: [s3Art('big', '/in/big.bin', endpoint, `${source}/big.bin`), s3Art('dir', '/in/dir', endpoint, `${source}/dir`)] },
  };
  const pod = executorPod({ template, secrets: S3_SECRETS, executor: ex });
  try {
    const res = await pod.startInit({}, TIMEOUT).done;
    keepLog(`${tag}-init`, res, `termination-log: ${pod.terminationMessage('init')}`);
    const v = res.code === 0 ? await verifyDisk(ds, pod.path('input-artifacts', 'big'), pod.path('input-artifacts', 'dir')) : { missing: 0, corrupted: 0, detail: '' };
    account(r, res, v, pod, 'init');
  } finally {
    pod.cleanup();
  }
}

/**
 * Every fault of S3_FAULTS (or those FAULTS_S3 names) with each executor. Without Toxiproxy (the short subset in
 * `make test`) only the 503 fault can run, straight through the 503 proxy.
 */
export async function s3Faults(tp: Toxiproxy | undefined, ds: DataSet, runId: string, source: string, log: (s: string) => void): Promise<void> {
  const tpHost = tp ? await tp.proxy('s3', MINIO.host) : undefined;
  const only = process.env.FAULTS_S3 ? new Set(process.env.FAULTS_S3.split(',')) : undefined;
  for (const [name, f] of Object.entries(S3_FAULTS).filter(([n]) => !only || only.has(n))) {
    let endpoint = tpHost;
    let slow: S3FaultProxy | undefined;
    if (f.slowDown !== undefined) { slow = await S3FaultProxy.start(`http://${MINIO.host}`, f.slowDown); endpoint = slow.host; }
    if (endpoint === undefined) throw new Error(`S3 fault ${name} needs Toxiproxy`);
    await tp?.setToxics('s3', f.toxics ?? []);
    try {
      for (const ex of EXECUTORS) {
        const cell = async (dir: 'upload' | 'download', width: number): Promise<void> => {
          const r = row(`S3 ${dir}`, name, ex.name);
          const runs = ex.name === 'go' ? GO_RUNS : RUNS;
          await pool(Array.from({ length: runs }, (_, i) => i), width, async (i) => {
            const tag = `s3-${name}-${dir}-${ex.name}-${i}`;
            const t0 = Date.now();
            if (dir === 'upload') await uploadRun(ex, ds, endpoint, `faults/${runId}/${name}/${ex.name}/${i}`, r, tag);
            else await downloadRun(ex, ds, endpoint, source, r, tag);
            log(`${tag}: ${((Date.now() - t0) / 1000).toFixed(1)} s (ok ${r.ok}/${r.runs}, reported ${r.reported}, stuck ${r.stuck}, lost ${r.lost}, corrupted ${r.corrupted})`);
          });
        };
        // Ours: POOL runs at once, upload then download. Go: its upload and its download side by side (one run
        // each by default, so where Go runs into the timeout the cell costs one timeout, not two).
        if (ex.name === 'go') await Promise.all([cell('upload', 1), cell('download', 1)]);
        else for (const dir of ['upload', 'download'] as const) await cell(dir, POOL);
      }
    } finally {
      await tp?.setToxics('s3', []);
      await slow?.close();
      if (slow) log(`503 proxy: ${slow.injected} of ${slow.requests} requests answered 503`);
    }
  }
}
