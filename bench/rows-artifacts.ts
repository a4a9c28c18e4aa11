/**
 * Rows P1–P3: the real executables (dist/argoexec and the Go reference) as the containers of a simulated pod
 * (test/support/pod-sim.ts) against the stack's MinIO, each container's process tree measured by bench/rusage.c.
 *
 *   output (P1 upload, P2): main = `emissary -- true` leaves the output in its own /tmp; the wait saves it. Timed:
 *     the wait container from its start (together with main's) to its exit — what a pod's artifact phase costs.
 *     CPU: wait + main trees. Peak RSS: the wait's process. Go's emissary sleeps 1 s in its wait4 loop before it
 *     sees `true` exit (osspecific.Wait), so Go's figure is also shown without that second.
 *   input (P1 download, P3): init loads the object(s) into /argo/inputs/artifacts. Timed: the init container.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GO_EXECUTOR, PodSim, TS_EXECUTOR } from '../test/support/pod-sim.ts';
import { deleteTaskResult } from '../test/wait/helpers.ts';
import { collectProfiles, type ProfileSummary, type RowProfile } from './profile.ts';
import { sampleAnonPeak } from './peak-rss.ts';
import {
  alternate, envNumber, GiB, listObjects, workDir, latencyProxy, log, MiB, minioHost, readTree, rusageTool, S3_SECRETS, s3Artifact, stackSecretsDir,
  writeHalfCompressible, writeLogText, writeManyFiles, writeRandom, type ExecutorName, type Sample,
  fileSha256, storeCpuS, PROJECT, BUCKET,
} from './lib.ts';

/**
 * Runs per executor of the GiB rows (P2, P3, P5). One run of the same code moves by a third from run to run on this
 * VM (kernel time in the page cache: P5's bare C copier 1.4–2.6 s for the same 2 GB), so three runs let one slow run
 * decide a median; five are ~1 min more in all.
 */
export const LARGE_ROW_RUNS = 5;

/** Go's emissary: one time.Sleep(time.Second) before its second wait4 sees `true` gone. */
export const GO_POLL_S = 1;

/** BENCH_TS_BINDIR: another build of ours in the `ts` column (e.g. the previous commit's dist/, for before/after). */
const executorOf = (ex: ExecutorName): typeof TS_EXECUTOR =>
  ex === 'go' ? GO_EXECUTOR : process.env.BENCH_TS_BINDIR ? { binDir: process.env.BENCH_TS_BINDIR, name: 'ts' } : TS_EXECUTOR;
const TIMEOUT = 3_600_000;

/** BENCH_TS_ENV: a JSON object of extra environment for our executor's containers (e.g. a driver setting, for before/after). */
const tsEnv = (ex: ExecutorName): Record<string, string> => (ex === 'ts' && process.env.BENCH_TS_ENV ? JSON.parse(process.env.BENCH_TS_ENV) as Record<string, string> : {});

/** What a GiB row reads back into the page cache before each run (lib.ts settlePageCache): both executables and `data`. */
const warmForRun = (...data: string[]): { warm: string[] } => ({
  warm: [executorOf('ts').binDir, GO_EXECUTOR.binDir, rusageTool(), ...data],
});

export interface RowResult {
  id: string;
  title: string;
  timed: string;
  samples: Record<ExecutorName, Sample[]>;
  /** Go's wall time includes its emissary's 1 s poll (P1 upload, P2, P4 and P5). */
  goPollS?: number;
  /** Bytes or objects moved, for throughput figures. */
  bytes?: number;
  objects?: number;
  /** Size of the stored output object per executor (P2: the tar.gz each wrote). */
  storedBytes?: Record<ExecutorName, number>;
  notes?: string[];
  /** P5: what a bare C copier moves on the same path (bench/bare-copy.c), MB/s. */
  bareCopyMBps?: number;
  /** Where ours spends its CPU: one extra, profiled run (bench/profile.ts). */
  profile?: RowProfile;
}

type ProfiledSample = Sample & { profile?: ProfileSummary[] };
/** The executor containers' /tmp, where ARGOEXEC_CPU_PROFILE=/tmp writes each role's profile. */
const PROFILE_ENV = { ARGOEXEC_CPU_PROFILE: '/tmp' };
const tmpDirs = (pod: PodSim): string[] => ['tmp-init', 'tmp-main', 'tmp-wait'].map((d) => pod.path(d));

/**
 * One extra run of ours with the CPU profiler on (BENCH_PROFILE=0: none). Not part of the medians: the profiler costs
 * a little, and the run is there to say where the time goes.
 */
export async function profiled(what: string, run: () => Promise<ProfiledSample>): Promise<RowProfile | undefined> {
  if (process.env.BENCH_PROFILE === '0' || process.env.BENCH_TS_BINDIR) return undefined;
  try {
    const s = await run();
    log(`${what}: profiled run of ours, ${s.wallS.toFixed(2)} s`);
    return { wallS: s.wallS, cpuS: s.cpuS, roles: s.profile ?? [] };
  } catch (err) {
    log(`${what}: the profiled run failed: ${(err as Error).message}`);
    return undefined;
  }
}

/** main (`emissary -- true`) + wait saving `outputs`; `stage` puts the output into main's /tmp. */
async function outputRun(ex: ExecutorName, outputs: Record<string, unknown>[], stage: (tmpMain: string) => void, archiveKey: string, profile = false, parentDir?: string): Promise<ProfiledSample> {
  const rusage = rusageTool();
  const template = {
    name: 'bench-out', container: { image: 'x' }, outputs: { artifacts: outputs },
    archiveLocation: { s3: (s3Artifact('x', '/x', archiveKey, minioHost()).s3) },
  };
  const pod = new PodSim({ template, secrets: S3_SECRETS, executor: executorOf(ex), parentDir, env: { ...tsEnv(ex), ...(profile ? PROFILE_ENV : {}) } }, { workflowName: `bench-${ex}` });
  try {
    mkdirSync(pod.path('tmp-main'), { recursive: true });
    stage(pod.path('tmp-main'));
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`${ex} init failed: ${init.stderr.slice(-2000)}`);
    pod.launcher = (c) => [rusage, pod.path(`rusage-${c}.json`), '--'];
    const store0 = storeCpuS();
    const wait = pod.startWait({}, TIMEOUT);
    const anonPeak = sampleAnonPeak(wait);
    const main = pod.startMain(['true'], {}, TIMEOUT);
    const [w, m] = await Promise.all([wait.done, main.done]);
    const anonMiB = anonPeak();
    const storeS = storeCpuS() - store0;
    if (m.code !== 0) throw new Error(`${ex} main failed: ${m.stderr.slice(-2000)}`);
    if (w.code !== 0) throw new Error(`${ex} wait failed: ${w.stderr.slice(-2000)}`);
    const wt = readTree(pod.path('rusage-wait.json'));
    const mt = readTree(pod.path('rusage-main.json'));
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
    return { wallS: wt.wallS, cpuS: wt.cpuS + mt.cpuS, rssMiB: wt.rssMiB, extra: { anonMiB, mainRssMiB: mt.rssMiB, mainWallS: mt.wallS, storeCpuS: storeS }, ...(profile ? { profile: collectProfiles(tmpDirs(pod)) } : {}) };
  } finally {
    pod.cleanup();
  }
}

/** init loading `inputs`; `check` verifies what landed in the input-artifacts volume. */
async function inputRun(ex: ExecutorName, inputs: Record<string, unknown>[], check: (inputDir: string) => Promise<void>, profile = false, parentDir?: string): Promise<ProfiledSample> {
  const rusage = rusageTool();
  const template = { name: 'bench-in', container: { image: 'x' }, inputs: { artifacts: inputs } };
  const pod = new PodSim({ template, secrets: S3_SECRETS, executor: executorOf(ex), parentDir, env: { ...tsEnv(ex), ...(profile ? PROFILE_ENV : {}) } }, { workflowName: `bench-in-${ex}` });
  try {
    pod.launcher = (c) => [rusage, pod.path(`rusage-${c}.json`), '--'];
    const store0 = storeCpuS();
    const running = pod.startInit({}, TIMEOUT);
    const anonPeak = sampleAnonPeak(running);
    const r = await running.done;
    const anonMiB = anonPeak();
    const storeS = storeCpuS() - store0;
    if (r.code !== 0) throw new Error(`${ex} init failed: ${r.stderr.slice(-2000)}`);
    const t = readTree(pod.path('rusage-init.json'));
    await check(pod.path('input-artifacts'));
    return { wallS: t.wallS, cpuS: t.cpuS, rssMiB: t.rssMiB, extra: { anonMiB, storeCpuS: storeS }, ...(profile ? { profile: collectProfiles(tmpDirs(pod)) } : {}) };
  } finally {
    pod.cleanup();
  }
}


function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  return n;
}

/**
 * P1: a directory of `files` × `size` bytes, `archive: none`: wait uploads it (one object per file), then init
 * downloads it as an input (a key prefix). `oneWayMs` > 0: through the latency proxy. `disk`: where the pods and the
 * staged tree live (bench/node-disk.ts), the system temporary directory when absent.
 */
export async function p1(variant: 'a' | 'b', disk?: string): Promise<RowResult[]> {
  const oneWayMs = variant === 'b' ? envNumber('BENCH_P1_ADDED_RTT_MS', 20) / 2 : 0;
  const files = variant === 'a' ? envNumber('BENCH_P1_FILES', 10_000) : envNumber('BENCH_P1B_FILES', 1_500);
  const size = envNumber('BENCH_P1_FILE_BYTES', 10 * 1024);
  const runs = envNumber('BENCH_RUNS', 3);
  const base = workDir(`p1${variant}`, disk);
  const proxy = oneWayMs > 0 ? await latencyProxy(minioHost(), oneWayMs) : undefined;
  const endpoint = proxy?.host ?? minioHost();
  try {
    const src = join(base, 'dir');
    writeManyFiles(src, files, size);
    const keys: Record<string, string> = {};
    const stage = (tmpMain: string): void => {
      // A hard-linked copy of the tree: the emissary stages (and may move) it.
      const dst = join(tmpMain, 'dir');
      for (const sub of readdirSync(src)) {
        mkdirSync(join(dst, sub), { recursive: true });
        for (const f of readdirSync(join(src, sub))) linkSync(join(src, sub, f), join(dst, sub, f));
      }
    };
    const label = variant === 'a' ? 'P1a' : 'P1b';
    const up = await alternate(runs, `${label} upload`, async (ex, i) => {
      const key = `bench/p1${variant}/${ex}/${Date.now()}-${i}/dir`;
      keys[ex] = key;
      return outputRun(ex, [s3Artifact('out', '/tmp/dir', key, endpoint, { archive: { none: {} } })], stage, `bench/p1${variant}/${ex}/logs`, false, disk);
    });
    const upProfile = variant === 'a' ? await profiled(`${label} upload`, () => outputRun('ts', [s3Artifact('out', '/tmp/dir', `bench/p1${variant}/ts/profiled/dir`, endpoint, { archive: { none: {} } })], stage, `bench/p1${variant}/ts/logs`, true, disk)) : undefined;
    // Download: each executor reads the same prefix (uploaded by ours).
    const key = keys.ts as string;
    const checkDir = (ex: ExecutorName) => async (dir: string): Promise<void> => {
      const n = countFiles(join(dir, 'in'));
      if (n !== files) throw new Error(`${ex} init: ${n} of ${files} files downloaded`);
    };
    const down = await alternate(runs, `${label} download`, (ex) => inputRun(ex, [s3Artifact('in', '/in/dir', key, endpoint)], checkDir(ex), false, disk));
    const downProfile = variant === 'a' ? await profiled(`${label} download`, () => inputRun('ts', [s3Artifact('in', '/in/dir', key, endpoint)], checkDir('ts'), true, disk)) : undefined;
    const what = `${files.toLocaleString('en')} files × ${size / 1024} KiB, \`archive: none\`${oneWayMs > 0 ? `, store behind a proxy adding ${2 * oneWayMs} ms per round trip` : ', MinIO on loopback'}`;
    return [
      { id: `${label}↑`, title: `upload: ${what}`, timed: 'wait container, start (with main) → exit; main stages the directory', samples: up, goPollS: GO_POLL_S, objects: files, bytes: files * size, profile: upProfile },
      { id: `${label}↓`, title: `download as input: ${what}`, timed: 'init container, start → exit', samples: down, objects: files, bytes: files * size, profile: downProfile },
    ];
  } finally {
    await proxy?.close();
    rmSync(base, { recursive: true, force: true });
    deleteLater(`bench/p1${variant}`);
  }
}

/** P2: one large file as a default (tar.gz) output: (a) log text, (b) random bytes. */
export async function p2(variant: 'a' | 'b'): Promise<RowResult> {
  const bytes = envNumber('BENCH_P2_BYTES', GiB);
  const runs = envNumber('BENCH_RUNS', LARGE_ROW_RUNS);
  const base = workDir(`p2${variant}`);
  try {
    const data = join(base, 'data.bin');
    (variant === 'a' ? writeLogText : writeRandom)(data, bytes);
    const samples = await alternate(runs, `P2${variant}`, (ex, i) =>
      outputRun(ex, [s3Artifact('out', '/tmp/data.bin', `bench/p2${variant}/${ex}/${Date.now()}-${i}/data.tgz`, minioHost())],
        (tmpMain) => linkSync(data, join(tmpMain, 'data.bin')), `bench/p2${variant}/${ex}/logs`), undefined, warmForRun(data));
    const profile = await profiled(`P2${variant}`, () => outputRun('ts', [s3Artifact('out', '/tmp/data.bin', `bench/p2${variant}/ts/profiled/data.tgz`, minioHost())],
      (tmpMain) => linkSync(data, join(tmpMain, 'data.bin')), `bench/p2${variant}/ts/logs`, true));
    const storedBytes = { ts: await storedSize(`bench/p2${variant}/ts`), go: await storedSize(`bench/p2${variant}/go`) };
    return {
      storedBytes,
      id: `P2${variant}`,
      title: `output, default tar.gz: ${(bytes / GiB).toFixed(2)} GiB of ${variant === 'a' ? 'log text (highly compressible)' : 'random bytes (incompressible)'}`,
      timed: 'wait container, start (with main) → exit; main stages the file', samples, goPollS: GO_POLL_S, bytes, profile,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
    await deletePrefix(`bench/p2${variant}`);
  }
}

/**
 * P3: a tar.gz input (one half-compressible file, by our tar writer at the default level (D37) — one gzip member)
 * downloaded and extracted by init; the extracted file is checked against the original.
 */
export async function p3(): Promise<RowResult> {
  const bytes = envNumber('BENCH_P3_BYTES', GiB);
  const runs = envNumber('BENCH_RUNS', LARGE_ROW_RUNS);
  const base = workDir('p3');
  try {
    const dir = join(base, 'src');
    mkdirSync(dir);
    const data = join(dir, 'data.bin');
    writeHalfCompressible(data, bytes);
    const sum = await fileSha256(data);
    const tgz = join(base, 'data.tgz');
    const { tarGzPath } = await import('../src/core/archive/index.ts');
    await tarGzPath(data, createWriteStream(tgz));
    const key = `bench/p3/${Date.now()}/data.tgz`;
    await putFile(tgz, key);
    const compressed = statSync(tgz).size;
    rmSync(tgz);
    const check = (ex: ExecutorName) => async (d: string): Promise<void> => {
      if ((await fileSha256(join(d, 'in'))) !== sum) throw new Error(`${ex} init: the extracted file differs from the original`);
    };
    // MinIO's copy of the object (its data directory: xl.meta and parts) is warm, as a store's hot object would be.
    const stored = join(PROJECT, '.stack/data/minio', BUCKET, key);
    if (!existsSync(stored)) throw new Error(`P3: MinIO's copy of ${key} is not at ${stored}`);
    const samples = await alternate(runs, 'P3', (ex) => inputRun(ex, [s3Artifact('in', '/in/data.bin', key, minioHost())], check(ex)), undefined, warmForRun(stored));
    const profile = await profiled('P3', () => inputRun('ts', [s3Artifact('in', '/in/data.bin', key, minioHost())], check('ts'), true));
    return {
      id: 'P3',
      title: `input tar.gz, download and extract: ${(bytes / GiB).toFixed(2)} GiB half-compressible file (${(compressed / MiB).toFixed(0)} MiB compressed)`,
      timed: 'init container, start → exit', samples, bytes, profile,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
    await deletePrefix('bench/p3');
  }
}

/** Runs `fn` with our S3 driver for `key` on the stack's MinIO (set-up and clean-up of the rows; not measured). */
async function withOurS3Driver(key: string, fn: (drv: { save(path: string, art: never): Promise<void>; delete(art: never): Promise<void> }, art: never) => Promise<void>): Promise<void> {
  const { driverFor } = await import('../src/artifacts/registry.ts');
  const { createLogger } = await import('../src/core/log.ts');
  const secrets = stackSecretsDir();
  try {
    const art = s3Artifact('x', '/x', key, minioHost());
    await fn(driverFor(art as never, { log: createLogger('warn', 'text'), secretsDir: secrets, env: {} } as never) as never, art as never);
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
}

/** The size of the tar.gz outputs under `prefix/` (every run writes the same bytes; a difference is an error). */
async function storedSize(prefix: string): Promise<number> {
  const sizes = new Set((await listObjects(prefix)).filter((o) => o.key.endsWith('/data.tgz')).map((o) => o.size));
  if (sizes.size !== 1) throw new Error(`${prefix}/: expected one size for the tar.gz outputs, found ${[...sizes].join(', ') || 'none'}`);
  return [...sizes][0] as number;
}

const deferred: string[] = [];

/**
 * Delete what a row of many small objects uploaded at the end of the bench (flushDeletes), not between rows: MinIO
 * removes deleted objects in the background (lib.ts storeQuiet), which would run into the next rows.
 */
export function deleteLater(prefix: string): void {
  deferred.push(prefix);
}

/** The deletes deleteLater put off. */
export async function flushDeletes(): Promise<void> {
  for (const p of deferred.splice(0)) await deletePrefix(p);
}

/** Delete every object below `prefix/` (what a row uploaded), with our S3 driver; not measured. */
export async function deletePrefix(prefix: string): Promise<void> {
  try {
    await withOurS3Driver(`${prefix}/`, (drv, art) => drv.delete(art));
  } catch (err) {
    log(`could not delete ${prefix}/: ${(err as Error).message}`);
  }
}

/** Upload a local file with our S3 driver (set-up, not measured). */
export async function putFile(path: string, key: string): Promise<void> {
  await withOurS3Driver(key, (drv, art) => drv.save(path, art));
  log(`uploaded ${key}`);
}
