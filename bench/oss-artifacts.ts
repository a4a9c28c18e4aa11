/**
 * Benchmark (not a test): one large artifact through the OSS driver of the real executables, ours (dist/argoexec) and
 * the Go reference side by side, in the pod simulator (test/support/pod-sim.ts), against the fake OSS
 * (test/support/oss-server.ts, signature-verifying; run in its own process so its hashing is not in the measured
 * processes). Same shape as bench/pod-artifacts.ts:
 *
 *   output: main leaves a BENCH_BYTES file (default 1 GiB, half-compressible) as output artifact `out` (default
 *           archive: tar.gz) → measured: the `wait` container (wall time from main's start, peak RSS of its process);
 *   input:  a second pod loads that object (tar.gz auto-detected and extracted by init) → measured: `init`.
 *
 * The TaskResult calls are answered by a local proxy (test/wait/api-proxy.ts). Figures go into docs/performance-components.md
 * between the `bench:oss-artifacts` markers.
 *
 *   make build && node bench/oss-artifacts.ts          (root; BENCH_BYTES, BENCH_EXECUTORS=ts,go)
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { GO_EXECUTOR, PodSim, TS_EXECUTOR, type Executor } from '../test/support/pod-sim.ts';
import { ApiProxy } from '../test/wait/api-proxy.ts';
import type { Running } from '../test/support/sandbox.ts';
import { runWithPeakRss } from './peak-rss.ts';
import { fileSha256, MiB } from './lib.ts';

const PROJECT = resolve(import.meta.dirname, '..');
const SECRETS = { 'oss-cred': { accessKey: 'bench-access-key', secretKey: 'bench-secret-key' } };

interface Measure { seconds: number; peakMiB: number; ok: boolean }

async function watch(r: Running, started: number): Promise<Measure & { stderr: string }> {
  const { peakMiB, code, stderr } = await runWithPeakRss(r, 20);
  return { seconds: (Date.now() - started) / 1000, peakMiB, ok: code === 0, stderr };
}

function writeData(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const block = Buffer.from(randomBytes(3 * MiB).toString('base64'));
  for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  closeSync(fd);
}


/** The fake OSS in a child process; resolves with its endpoint. */
async function startFake(): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(PROJECT, 'test/support/oss-server.ts'), '0'], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OSS_BUCKETS: 'bench', OSS_ACCESS_KEY: SECRETS['oss-cred'].accessKey, OSS_SECRET_KEY: SECRETS['oss-cred'].secretKey },
  });
  const endpoint = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /OSS_ENDPOINT=(\S+)/.exec(out); if (m?.[1]) res(m[1]); });
    child.on('exit', (code) => rej(new Error(`fake OSS exited ${code}`)));
  });
  return { endpoint, stop: () => child.kill('SIGTERM') };
}

const ossLoc = (endpoint: string, key: string): Record<string, unknown> => ({
  endpoint, bucket: 'bench', key, accessKeySecret: { name: 'oss-cred', key: 'accessKey' }, secretKeySecret: { name: 'oss-cred', key: 'secretKey' },
});

async function outputPod(executor: Executor, endpoint: string, data: string, key: string): Promise<Measure> {
  const proxy = await ApiProxy.start();
  proxy.decide = (q) => ({ status: q.method === 'POST' ? 201 : 200, body: q.body ? JSON.parse(q.body) : {} });
  const template = { name: 'bench-out', container: { image: 'x' }, outputs: { artifacts: [{ name: 'out', path: '/tmp/data.bin', oss: ossLoc(endpoint, key) }] } };
  const pod = new PodSim({ template, secrets: SECRETS, executor, kubePort: String(proxy.port) }, { workflowName: `bench-oss-${executor.name}` });
  writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
  try {
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
    return m;
  } finally {
    pod.cleanup();
    await proxy.close();
  }
}

async function inputPod(executor: Executor, endpoint: string, key: string, expectSha: string): Promise<Measure> {
  const template = { name: 'bench-in', container: { image: 'x' }, inputs: { artifacts: [{ name: 'in', path: '/in/data.bin', oss: ossLoc(endpoint, key) }] } };
  const pod = new PodSim({ template, secrets: SECRETS, executor }, { workflowName: `bench-oss-in-${executor.name}` });
  try {
    const m = await watch(pod.startInit({}, 3_600_000), Date.now());
    if (!m.ok) throw new Error(`init failed: ${m.stderr.slice(-2000)}`);
    if (await fileSha256(pod.path('input-artifacts', 'in')) !== expectSha) throw new Error(`${executor.name} init: extracted input differs from the original`);
    return m;
  } finally {
    pod.cleanup();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (namespaces)');
  const bytes = Number(process.env.BENCH_BYTES ?? 1024 * MiB);
  const executors = (process.env.BENCH_EXECUTORS ?? 'ts,go').split(',').map((n) => (n === 'go' ? GO_EXECUTOR : TS_EXECUTOR));
  const base = mkdtempSync(join(PROJECT, '.stack', 'bench-oss-'));
  const fake = await startFake();
  try {
    const data = join(base, 'data.bin');
    writeData(data, bytes);
    const sha = await fileSha256(data);
    const results: Record<string, { out: Measure; in: Measure }> = {};
    for (const ex of executors) {
      const key = `bench/${ex.name}/${Date.now()}/data.tgz`;
      const out = await outputPod(ex, fake.endpoint, data, key);
      console.error(`[bench] ${ex.name} wait: ${out.seconds.toFixed(1)} s, peak ${out.peakMiB.toFixed(1)} MiB`);
      const inp = await inputPod(ex, fake.endpoint, key, sha);
      console.error(`[bench] ${ex.name} init: ${inp.seconds.toFixed(1)} s, peak ${inp.peakMiB.toFixed(1)} MiB`);
      results[ex.name] = { out, in: inp };
    }
    const ts = results.ts;
    const go = results.go;
    const mbps = (m: Measure): string => `${(bytes / 1e6 / m.seconds).toFixed(1)} MB/s`;
    const ratio = (a: number | undefined, b: number | undefined): string => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');
    const speed = (goS: number | undefined, tsS: number | undefined): string =>
      (goS && tsS ? (goS >= tsS ? `${(goS / tsS).toFixed(2)}× faster` : `${(tsS / goS).toFixed(2)}× slower`) : 'n/a');
    const cell = (m: Measure | undefined, f: (m: Measure) => string): string => (m ? f(m) : 'n/a');
    const rows = [
      `| wait: save output (tar.gz → OSS), time | ${cell(ts?.out, (m) => `${m.seconds.toFixed(1)} s (${mbps(m)})`)} | ${cell(go?.out, (m) => `${m.seconds.toFixed(1)} s (${mbps(m)})`)} | ${speed(go?.out.seconds, ts?.out.seconds)} |`,
      `| wait: peak RSS | ${cell(ts?.out, (m) => `${m.peakMiB.toFixed(1)} MiB`)} | ${cell(go?.out, (m) => `${m.peakMiB.toFixed(1)} MiB`)} | ${ratio(ts?.out.peakMiB, go?.out.peakMiB)} |`,
      `| init: load input (OSS → extract), time | ${cell(ts?.in, (m) => `${m.seconds.toFixed(1)} s (${mbps(m)})`)} | ${cell(go?.in, (m) => `${m.seconds.toFixed(1)} s (${mbps(m)})`)} | ${speed(go?.in.seconds, ts?.in.seconds)} |`,
      `| init: peak RSS | ${cell(ts?.in, (m) => `${m.peakMiB.toFixed(1)} MiB`)} | ${cell(go?.in, (m) => `${m.peakMiB.toFixed(1)} MiB`)} | ${ratio(ts?.in.peakMiB, go?.in.peakMiB)} |`,
    ];
    const section = [
      '<!-- bench:oss-artifacts:begin -->',
      `OSS driver, real executables in the pod simulator (\`bench/oss-artifacts.ts\`, one ${(bytes / MiB / 1024).toFixed(1)} GiB half-compressible file as output artifact, then as input artifact; the fake OSS of the tests on loopback, in its own process; ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)} at the end; ${new Date().toISOString().slice(0, 10)}; Go = argoexec ${readFileSync(join(PROJECT, '.stack/env'), 'utf8').match(/ARGO_REFERENCE_VERSION=['"]?([^'"\s]+)/)?.[1] ?? ''}). Times include the fake's hashing (MD5 and CRC-64 in JavaScript); peak RSS is the measured container's own process:`,
      '',
      '| measure | ours | Go reference | ours vs Go |',
      '|---|---|---|---|',
      ...rows,
      '<!-- bench:oss-artifacts:end -->',
    ].join('\n');
    console.log(section);
    const perf = join(PROJECT, 'docs/performance-components.md');
    const doc = readFileSync(perf, 'utf8');
    const re = /<!-- bench:oss-artifacts:begin -->[\s\S]*<!-- bench:oss-artifacts:end -->/;
    writeFileSync(perf, re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`);
  } finally {
    fake.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
