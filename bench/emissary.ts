/**
 * Benchmark (not a test): the emissary of argoexec-ts next to the Go reference argoexec (v4.1.2, built
 * from the shared source; see docs/test-stack.md), same
 * machine, same run, same test pod. Measures `emissary -- true` (wall time, peak RSS) and the capture
 * throughput of a command writing 100 MB to stdout with ARGO_INCLUDE_SCRIPT_OUTPUT=true.
 * Writes the figures into docs/performance.md between the `bench:emissary` markers.
 *
 *   make bench         (needs `make stack-up` for REFERENCE_ARGOEXEC)
 */
import { copyFileSync, chmodSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { PodSandbox, PROJECT, installedExecutable } from '../test/support/sandbox.ts';
import { readStackEnv } from './stack-env.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const stack = readStackEnv();
const reference = stack.REFERENCE_ARGOEXEC ?? '/var/cache/argoexec-ts/bin/argo-v4.1.2/argoexec';
if (!existsSync(reference)) throw new Error(`Go reference argoexec not found at ${reference}: run make stack-up`);
const referenceVersion = execFileSync(reference, ['version', '--short'], { encoding: 'utf8' }).trim().replace(/^argoexec: /, '');

const pod = new PodSandbox('argoexec-bench-').withExecutable(await installedExecutable());
copyFileSync(reference, join(pod.varRunArgo, 'argoexec-go'));
chmodSync(join(pod.varRunArgo, 'argoexec-go'), 0o555);
pod.write('/var/run/argo/template', '{}');

const impls = { ts: '/var/run/argo/argoexec', go: '/var/run/argo/argoexec-go' } as const;

/** Run a shell snippet in the pod; it prints one number per line. */
async function measure(script: string, env: Record<string, string> = {}): Promise<number[]> {
  const r = await pod.run(['/bin/sh', '-c', script], { env: { PATH: '/usr/bin:/bin', ARGO_CONTAINER_NAME: 'main', ...env }, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`bench step failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim().split('\n').map(Number);
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };

interface Figures { trueWallMs: number; trueRssMiB: number; captureMBps: number; captureRssMiB: number }
const results: Record<string, Figures> = {};
for (const [name, exe] of Object.entries(impls)) {
  await measure(`${exe} emissary -- true 2>/dev/null`); // warm the page cache
  const walls = await measure(`for i in $(seq ${RUNS}); do s=$(date +%s%N); ${exe} emissary -- true 2>/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 )); done`);
  const rss = await measure(`for i in 1 2 3; do /usr/bin/time -f %M ${exe} emissary -- true 2>&1 >/dev/null | tail -1; done`);
  const capture = await measure(`for i in 1 2 3; do rm -f /var/run/argo/ctr/main/stdout /var/run/argo/ctr/main/combined; s=$(date +%s%N); ${exe} emissary -- head -c 104857600 /dev/zero >/dev/null 2>/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 )); done`, { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' });
  const captureRss = await measure(`/usr/bin/time -f %M ${exe} emissary -- head -c 104857600 /dev/zero 2>&1 >/dev/null | tail -1`, { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' });
  results[name] = {
    trueWallMs: median(walls) / 1000,
    trueRssMiB: median(rss) / 1024,
    captureMBps: 104857600 / 1e6 / (median(capture) / 1e6),
    captureRssMiB: median(captureRss) / 1024,
  };
}
pod.cleanup();

const ts = results.ts as Figures;
const go = results.go as Figures;
const row = (label: string, a: number, b: number, unit: string, better: 'lower' | 'higher'): string =>
  `| ${label} | ${a.toFixed(1)} ${unit} | ${b.toFixed(1)} ${unit} | ${(a / b).toFixed(2)} (${better} is better) |`;
const table = [
  `Measured ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; median of ${RUNS} runs (true) / 3 runs (capture).`,
  '',
  `| metric | argoexec-ts | Go argoexec ${referenceVersion} | ratio ts/go |`,
  '|---|---|---|---|',
  row('`emissary -- true` wall time', ts.trueWallMs, go.trueWallMs, 'ms', 'lower'),
  row('`emissary -- true` peak RSS', ts.trueRssMiB, go.trueRssMiB, 'MiB', 'lower'),
  row('capture 100 MB stdout: throughput', ts.captureMBps, go.captureMBps, 'MB/s', 'higher'),
  row('capture 100 MB stdout: peak RSS', ts.captureRssMiB, go.captureRssMiB, 'MiB', 'lower'),
].join('\n');
console.log(table);

const doc = join(PROJECT, 'docs/performance.md');
const text = readFileSync(doc, 'utf8');
const begin = '<!-- bench:emissary:begin -->';
const end = '<!-- bench:emissary:end -->';
writeFileSync(doc, text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${table}\n${end}`));
