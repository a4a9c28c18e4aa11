/**
 * Benchmark (not a test): what tracing costs the emissary's start-up. `emissary -- true` in a test pod (as
 * bench/emissary.ts measures it), wall time and peak RSS (medians; the variants alternate in rounds), for:
 *
 *   before   BEFORE_DIST (a dist/ built from the commit before tracing), no OTel variables
 *   off      this dist/, no OTel variables (TRACEPARENT set, as the controller sets it)
 *   on       this dist/, OTEL_EXPORTER_OTLP_ENDPOINT → a real collector (the SDK bundle loads, spans are exported)
 *
 *   BEFORE_DIST=/tmp/otel-before/dist node bench/tracing-startup.ts
 *
 * Prints a Markdown table (docs/performance-components.md, "Tracing").
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { PodSandbox, PROJECT } from '../test/support/sandbox.ts';
import { startCollector } from '../test/support/otel-collector.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const beforeDist = process.env.BEFORE_DIST;
if (!beforeDist) throw new Error('set BEFORE_DIST to the dist/ directory of a build without tracing');

/** A pod with the executable of `dist` installed on /var/run/argo by its own `init` (as in a real pod). */
async function podWith(dist: string): Promise<PodSandbox> {
  const pod = new PodSandbox('argoexec-bench-otel-');
  const r = await pod.run([join(dist, 'argoexec'), 'init'], {
    binds: [`${dist}:ro`],
    env: { ARGO_POD_NAME: 'bench', ARGO_TEMPLATE: '{}', ARGO_DEADLINE: '0001-01-01T00:00:00Z', PATH: '/usr/bin:/bin' },
  });
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  pod.write('/var/run/argo/template', '{}');
  return pod;
}

async function measure(pod: PodSandbox, script: string, env: Record<string, string>): Promise<number[]> {
  const r = await pod.run(['/bin/sh', '-c', script], { env: { PATH: '/usr/bin:/bin', ARGO_CONTAINER_NAME: 'main', ...env }, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`bench step failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim().split('\n').map(Number);
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const collector = await startCollector();
const variants: [string, string, Record<string, string>][] = [
  ['before (no tracing code)', beforeDist, { TRACEPARENT }],
  ['off (no OTEL_EXPORTER_OTLP_ENDPOINT)', join(PROJECT, 'dist'), { TRACEPARENT }],
  ['on (OTLP/gRPC to a collector)', join(PROJECT, 'dist'), { TRACEPARENT, OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcEndpoint }],
];
// Rounds alternate the variants (5 runs each per round) so that the machine's load drifts over all of them alike.
const ROUNDS = Math.max(1, Math.round(RUNS / 5));
const pods = await Promise.all(variants.map(([, dist]) => podWith(dist)));
const exe = '/var/run/argo/argoexec';
const walls: number[][] = variants.map(() => []);
const rss: number[][] = variants.map(() => []);
const cpu: number[][] = variants.map(() => []);
for (const [i, [, , env]] of variants.entries()) await measure(pods[i] as PodSandbox, `${exe} emissary -- true 2>/dev/null`, env); // page cache
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, , env]] of variants.entries()) {
    const pod = pods[i] as PodSandbox;
    walls[i]?.push(...await measure(pod, `for i in 1 2 3 4 5; do s=$(date +%s%N); ${exe} emissary -- true 2>/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 )); done`, env));
    rss[i]?.push(...await measure(pod, `/usr/bin/time -f %M ${exe} emissary -- true 2>&1 >/dev/null | tail -1`, env));
    // CPU time (user + sys) of 10 runs, per run: less sensitive than wall time to the machine's load.
    const [u, sy] = await measure(pod, `/usr/bin/time -f '%U\n%S' sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do ${exe} emissary -- true; done' 2>&1 >/dev/null | tail -2`, env);
    cpu[i]?.push(((u ?? 0) + (sy ?? 0)) * 100);
  }
}
for (const pod of pods) pod.cleanup();
const rows = variants.map(([label], i) =>
  `| ${label} | ${(median(walls[i] ?? []) / 1000).toFixed(1)} ms | ${median(cpu[i] ?? []).toFixed(1)} ms | ${(median(rss[i] ?? []) / 1024).toFixed(1)} MiB |`);
const spans = await collector.stop();
const exported = spans.filter((s) => s.name === 'runMainContainer').length;
console.log(`Emissary start-up and tracing (\`bench/tracing-startup.ts\`, \`emissary -- true\` in a test pod, median of ${ROUNDS * 5} runs / RSS median of ${ROUNDS}, variants alternating; `
  + `${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)} at the end; ${new Date().toISOString().slice(0, 10)}; `
  + `the collector received ${exported} runMainContainer spans from the "on" runs):\n`);
console.log('| emissary | wall time | CPU time (user + sys) | peak RSS |\n|---|---|---|---|');
console.log(rows.join('\n'));
