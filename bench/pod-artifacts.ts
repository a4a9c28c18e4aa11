/**
 * Benchmark (not a test): the real executables moving one large artifact through a simulated pod
 * (test/support/pod-sim.ts: init, main, wait as separate processes in their own namespaces, MinIO of the stack),
 * ours (dist/argoexec) and the Go reference argoexec side by side, same machine, same run.
 *
 *   output: main (the emissary, `true`) leaves a BENCH_BYTES file (default 5 GiB, half-compressible) in a volume
 *           as output artifact `out` (default archive: tar.gz); measured: the `wait` container — wall time and
 *           peak RSS (VmHWM of its process, polled every 20 ms);
 *   input:  a second pod takes that object as input artifact (auto-detected tar.gz, extracted by init);
 *           measured: the `init` container.
 *
 * Figures go into docs/performance.md between the `bench:pod-artifacts` markers, with ours/Go ratios.
 *
 *   make build stack-up && node bench/pod-artifacts.ts          (root; BENCH_BYTES, BENCH_EXECUTORS=ts,go)
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { GO_EXECUTOR, PodSim, TS_EXECUTOR, type Executor } from '../test/support/pod-sim.ts';
import { archiveLocation, BUCKET, MINIO, S3_SECRETS, deleteTaskResult } from '../test/wait/helpers.ts';
import type { Running } from '../test/support/sandbox.ts';
import { runWithPeakRss } from './peak-rss.ts';

const MiB = 1024 * 1024;
const PROJECT = resolve(import.meta.dirname, '..');

interface Measure { seconds: number; peakMiB: number; ok: boolean; detail: string }

/** Run `r` to its end while sampling the peak RSS (VmHWM) of its PID 1. */
async function watch(r: Running, started: number): Promise<Measure & { stderr: string }> {
  const { peakMiB, code, stderr } = await runWithPeakRss(r, 20);
  return { seconds: (Date.now() - started) / 1000, peakMiB, ok: code === 0, detail: `exit ${code}`, stderr };
}

function writeData(path: string, bytes: number): void {
  // Half-compressible: base64 of random bytes (~75 % ratio), like typical mixed build outputs.
  const fd = openSync(path, 'w');
  const block = Buffer.from(randomBytes(3 * MiB).toString('base64'));
  for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  closeSync(fd);
}

function s3Art(name: string, path: string, key: string): Record<string, unknown> {
  return {
    name, path,
    s3: {
      endpoint: MINIO.host, bucket: BUCKET, insecure: true, region: MINIO.region, key,
      accessKeySecret: { name: 'my-minio-cred', key: 'accesskey' }, secretKeySecret: { name: 'my-minio-cred', key: 'secretkey' },
    },
  };
}

async function outputPod(executor: Executor, data: string, key: string): Promise<Measure> {
  const template = {
    name: 'bench-out',
    container: { image: 'x' },
    outputs: { artifacts: [s3Art('out', '/tmp/data.bin', key)] },
    archiveLocation: archiveLocation(`bench/${executor.name}`),
  };
  const pod = new PodSim({ template, secrets: S3_SECRETS, executor }, { workflowName: `bench-${executor.name}` });
  try {
    // In main's own /tmp (not a volume): the emissary stages it for the wait, as for most outputs.
    mkdirSync(pod.path('tmp-main'), { recursive: true });
    linkSync(data, pod.path('tmp-main', 'data.bin'));
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
    const started = Date.now();
    const wait = pod.startWait({}, 3_600_000);
    const main = pod.startMain(['true'], {}, 3_600_000);
    const m = await watch(wait, started);
    const mainDone = await main.done;
    if (mainDone.code !== 0) throw new Error(`main failed: ${mainDone.stderr.slice(-2000)}`);
    if (!m.ok) throw new Error(`wait failed: ${m.stderr.slice(-2000)}`);
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
    return m;
  } finally {
    pod.cleanup();
  }
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function inputPod(executor: Executor, key: string, expectSha: string): Promise<Measure> {
  const template = {
    name: 'bench-in',
    container: { image: 'x' },
    inputs: { artifacts: [s3Art('in', '/in/data.bin', key)] },
  };
  const pod = new PodSim({ template, secrets: S3_SECRETS, executor }, { workflowName: `bench-in-${executor.name}` });
  try {
    const started = Date.now();
    const m = await watch(pod.startInit({}, 3_600_000), started);
    if (!m.ok) throw new Error(`init failed: ${m.stderr.slice(-2000)}`);
    // The input volume holds the extracted file: it must be the original.
    const got = await sha256(pod.path('input-artifacts', 'in'));
    if (got !== expectSha) throw new Error(`${executor.name} init: extracted input differs from the original`);
    return m;
  } finally {
    pod.cleanup();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (namespaces)');
  const bytes = Number(process.env.BENCH_BYTES ?? 5 * 1024 * MiB);
  const executors = (process.env.BENCH_EXECUTORS ?? 'ts,go').split(',').map((n) => (n === 'go' ? GO_EXECUTOR : TS_EXECUTOR));
  const base = mkdtempSync(join(PROJECT, '.stack', 'bench-pod-'));
  const rows: string[] = [];
  try {
    const data = join(base, 'data.bin');
    writeData(data, bytes);
    const sha = await sha256(data);
    const results: Record<string, { out: Measure; in: Measure }> = {};
    for (const ex of executors) {
      const key = `bench/${ex.name}/${Date.now()}/data.tgz`;
      const out = await outputPod(ex, data, key);
      console.error(`[bench] ${ex.name} wait: ${out.seconds.toFixed(1)} s, peak ${out.peakMiB.toFixed(1)} MiB`);
      const inp = await inputPod(ex, key, sha);
      console.error(`[bench] ${ex.name} init: ${inp.seconds.toFixed(1)} s, peak ${inp.peakMiB.toFixed(1)} MiB`);
      results[ex.name] = { out, in: inp };
    }
    const ts = results.ts;
    const go = results.go;
    const mbps = (m: Measure): string => `${(bytes / 1e6 / m.seconds).toFixed(1)} MB/s`;
    const ratio = (a: number | undefined, b: number | undefined): string => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');
    const cell = (m: Measure | undefined, f: (m: Measure) => string): string => (m ? f(m) : 'n/a');
    rows.push(
      `| wait: save output (tar.gz → S3), time | ${cell(ts?.out, (m) => `${m.seconds.toFixed(1)} s (${mbps(m)})`)} | ${cell(go?.out, (m) => `${m.seconds.toFixed(1)} s (${mbps(m)})`)} | ${ratio(go?.out.seconds, ts?.out.seconds)} faster |`,
      `| wait: peak RSS | ${cell(ts?.out, (m) => `${m.peakMiB.toFixed(1)} MiB`)} | ${cell(go?.out, (m) => `${m.peakMiB.toFixed(1)} MiB`)} | ${ratio(ts?.out.peakMiB, go?.out.peakMiB)} |`,
      `| init: load input (S3 → extract), time | ${cell(ts?.in, (m) => `${m.seconds.toFixed(1)} s (${mbps(m)})`)} | ${cell(go?.in, (m) => `${m.seconds.toFixed(1)} s (${mbps(m)})`)} | ${ratio(go?.in.seconds, ts?.in.seconds)} faster |`,
      `| init: peak RSS | ${cell(ts?.in, (m) => `${m.peakMiB.toFixed(1)} MiB`)} | ${cell(go?.in, (m) => `${m.peakMiB.toFixed(1)} MiB`)} | ${ratio(ts?.in.peakMiB, go?.in.peakMiB)} |`,
    );
    const section = [
      '<!-- bench:pod-artifacts:begin -->',
      `Real executables in the pod simulator (\`bench/pod-artifacts.ts\`, one ${(bytes / MiB / 1024).toFixed(1)} GiB half-compressible file as output artifact, then as input artifact; MinIO on loopback; ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)} at the end; ${new Date().toISOString().slice(0, 10)}; Go = argoexec ${readFileSync(join(PROJECT, '.stack/env'), 'utf8').match(/ARGO_REFERENCE_VERSION=['"]?([^'"\s]+)/)?.[1] ?? ''}). The wait's time starts when main starts (the emissary's staging of the output is in it); peak RSS is the measured container's own process:`,
      '',
      '| measure | ours | Go reference | ours vs Go |',
      '|---|---|---|---|',
      ...rows,
      '<!-- bench:pod-artifacts:end -->',
    ].join('\n');
    console.log(section);
    const perf = join(PROJECT, 'docs/performance.md');
    const doc = readFileSync(perf, 'utf8');
    const re = /<!-- bench:pod-artifacts:begin -->[\s\S]*<!-- bench:pod-artifacts:end -->/;
    writeFileSync(perf, re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
