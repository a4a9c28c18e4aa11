/**
 * Benchmark (not a test): one large HDFS artifact through the real executables in simulated pods, ours
 * (dist/argoexec) and the Go reference side by side, against the stack's HDFS (HDFS_ADDR; 1 MiB blocks, replication 2, so a
 * 1 GiB file is 1024 blocks). `archive: none` both ways, so the driver is what is measured:
 *
 *   output: main leaves a BENCH_BYTES file (default 1 GiB, random) in its /tmp as output artifact `out` → `wait`
 *           saves it to HDFS; measured: the wait container (wall time from main's start, peak RSS of its process);
 *   input:  a second pod loads it back as input artifact → `init`; measured: the init container; the loaded file
 *           must be the original (sha256).
 *
 * Figures go into docs/performance-components.md between the `bench:pod-artifacts-hdfs` markers.
 *
 *   make build stack-up && node bench/pod-artifacts-hdfs.ts        (root; BENCH_BYTES, BENCH_EXECUTORS=ts,go)
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { GO_EXECUTOR, PodSim, STACK, TS_EXECUTOR, type Executor } from '../test/support/pod-sim.ts';
import { deleteTaskResult } from '../test/wait/helpers.ts';
import { HdfsClient } from '../src/core/hdfs/client.ts';
import { runWithPeakRss } from './peak-rss.ts';
import { fileSha256, MiB } from './lib.ts';

const PROJECT = resolve(import.meta.dirname, '..');
const ADDR = STACK.HDFS_ADDR ?? process.env.HDFS_ADDR ?? '';
const USER = 'argo';
const BASE = `/bench/${Date.now().toString(36)}`;

interface Measure { seconds: number; peakMiB: number; ok: boolean; detail: string }

const art = (name: string, path: string, hdfsPath: string): Record<string, unknown> =>
  ({ name, path, archive: { none: {} }, hdfs: { addresses: [ADDR], path: hdfsPath, hdfsUser: USER } });

async function outputPod(executor: Executor, data: string, hdfsPath: string): Promise<Measure> {
  const template = { name: 'bench-out', container: { image: 'x' }, outputs: { artifacts: [art('out', '/tmp/data.bin', hdfsPath)] } };
  const pod = new PodSim({ template, executor }, { workflowName: `bench-hdfs-${executor.name}` });
  try {
    mkdirSync(pod.path('tmp-main'), { recursive: true });
    linkSync(data, pod.path('tmp-main', 'data.bin'));
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
    const started = Date.now();
    const wait = pod.startWait({}, 3_600_000);
    const main = pod.startMain(['true'], {}, 3_600_000);
    const { peakMiB, code, stderr } = await runWithPeakRss(wait, 20);
    const seconds = (Date.now() - started) / 1000;
    await main.done;
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
    return { seconds, peakMiB, ok: code === 0, detail: code === 0 ? '' : `${pod.terminationMessage('wait') || stderr.slice(-500)}` };
  } finally {
    pod.cleanup();
  }
}


async function inputPod(executor: Executor, hdfsPath: string, expectSha: string): Promise<Measure> {
  const template = { name: 'bench-in', container: { image: 'x' }, inputs: { artifacts: [art('in', '/in/data.bin', hdfsPath)] } };
  const pod = new PodSim({ template, executor }, { workflowName: `bench-hdfs-in-${executor.name}` });
  try {
    const started = Date.now();
    const { peakMiB, code, stderr } = await runWithPeakRss(pod.startInit({}, 3_600_000), 20);
    const seconds = (Date.now() - started) / 1000;
    if (code !== 0) return { seconds, peakMiB, ok: false, detail: pod.terminationMessage('init') || stderr.slice(-500) };
    if ((await fileSha256(pod.path('input-artifacts', 'in'))) !== expectSha) throw new Error(`${executor.name} init: loaded file differs from the original`);
    return { seconds, peakMiB, ok: true, detail: '' };
  } finally {
    pod.cleanup();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (namespaces)');
  if (!ADDR) throw new Error('HDFS_ADDR missing from .stack/env (make stack-up)');
  const bytes = Number(process.env.BENCH_BYTES ?? 1024 * MiB);
  const executors = (process.env.BENCH_EXECUTORS ?? 'ts,go').split(',').map((n) => (n === 'go' ? GO_EXECUTOR : TS_EXECUTOR));
  const dir = mkdtempSync(join(PROJECT, '.stack', 'bench-hdfs-'));
  const client = await HdfsClient.connect({ addresses: [ADDR], user: USER });
  try {
    const data = join(dir, 'data.bin');
    const fd = openSync(data, 'w');
    const block = randomBytes(4 * MiB);
    for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
    closeSync(fd);
    const sha = await fileSha256(data);
    const results: Record<string, { out: Measure; in?: Measure }> = {};
    for (const ex of executors) {
      const path = `${BASE}/${ex.name}/data.bin`;
      const out = await outputPod(ex, data, path);
      console.error(`[bench] ${ex.name} wait: ${out.seconds.toFixed(1)} s, peak ${out.peakMiB.toFixed(1)} MiB ${out.detail}`);
      const inp = out.ok ? await inputPod(ex, path, sha) : undefined;
      if (inp) console.error(`[bench] ${ex.name} init: ${inp.seconds.toFixed(1)} s, peak ${inp.peakMiB.toFixed(1)} MiB ${inp.detail}`);
      results[ex.name] = { out, in: inp };
    }
    const mbps = (m: Measure): string => `${(bytes / 1e6 / m.seconds).toFixed(1)} MB/s`;
    const time = (m: Measure | undefined): string => (!m ? 'n/a' : m.ok ? `${m.seconds.toFixed(1)} s (${mbps(m)})` : `failed: ${m.detail.trim().split('\n')[0]}`);
    const rss = (m: Measure | undefined): string => (m?.ok ? `${m.peakMiB.toFixed(1)} MiB` : 'n/a');
    const { ts, go } = results;
    const section = [
      '<!-- bench:pod-artifacts-hdfs:begin -->',
      `HDFS through the real executables (\`bench/pod-artifacts-hdfs.ts\`, one ${(bytes / MiB).toFixed(0)} MiB random file, \`archive: none\`, the stack's HDFS: 1 MiB blocks, replication 2, on loopback; ${cpus().length} CPUs shared with the NameNode/DataNode JVM, load average ${loadavg()[0]?.toFixed(1)} at the end; ${new Date().toISOString().slice(0, 10)}; Go = argoexec ${STACK.ARGO_REFERENCE_VERSION ?? ''}):`,
      '',
      '| measure | ours | Go reference |',
      '|---|---|---|',
      `| wait: save output to HDFS, time | ${time(ts?.out)} | ${time(go?.out)} |`,
      `| wait: peak RSS | ${rss(ts?.out)} | ${rss(go?.out)} |`,
      `| init: load input from HDFS, time | ${time(ts?.in)} | ${time(go?.in)} |`,
      `| init: peak RSS | ${rss(ts?.in)} | ${rss(go?.in)} |`,
      '<!-- bench:pod-artifacts-hdfs:end -->',
    ].join('\n');
    console.log(section);
    const perf = join(PROJECT, 'docs/performance-components.md');
    const doc = readFileSync(perf, 'utf8');
    const re = /<!-- bench:pod-artifacts-hdfs:begin -->[\s\S]*<!-- bench:pod-artifacts-hdfs:end -->/;
    writeFileSync(perf, re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`);
  } finally {
    await client.remove(BASE, true).catch(() => undefined);
    client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
