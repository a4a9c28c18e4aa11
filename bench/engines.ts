/**
 * Benchmark (not a test) of the expression engines (decision D16).
 *
 *  1. Each engine alone, in a fresh Node with the executable's V8 flags: size of the .wasm, time of the first
 *     evaluation (compile, instantiate, Go runtime and package initialisation, the call) and of a later one, and
 *     the RSS the engine adds. No stack needed.
 *  2. With the stack (`.stack/env`) and BENCH_BEFORE=<a dist/argoexec built without the engines>: whole `data` and
 *     `resource` runs of that executable, of dist/argoexec and of the Go reference in the pod simulator, wall time
 *     and peak RSS (VmHWM of the role's process), median of BENCH_RUNS (default 5).
 *
 *   node bench/engines.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildWasmEngines } from '../scripts/engines.ts';

// The executable's V8 flags (scripts/build.ts V8_FLAGS).
const V8_FLAGS = ['--max-semi-space-size=1', '--liftoff-only'];
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };

const PROBE = `
import { readFileSync } from 'node:fs';
const [kind, path] = process.argv.slice(1);
const mod = await import(kind === 'jq' ? ${JSON.stringify(new URL('../src/core/engines/jq.ts', import.meta.url).href)} : ${JSON.stringify(new URL('../src/core/engines/expr.ts', import.meta.url).href)});
const bytes = readFileSync(path);
const rss0 = process.memoryUsage().rss;
const engine = kind === 'jq' ? new mod.JqEngine(() => bytes) : new mod.ExprEngine(() => bytes);
const call = () => kind === 'jq' ? engine.filter('{"metadata":{"name":"x"},"data":{"a":"1"}}', '.data | to_entries[] | "\\\\(.key)=\\\\(.value)"')
  : engine.transformData(['a/main.log', 'b/other.txt'], ['filter(data, # endsWith ".log")', 'map(data, upper(#))']);
const t1 = performance.now();
call();
const t2 = performance.now();
call();
const t3 = performance.now();
console.log(JSON.stringify({ firstMs: t2 - t1, laterMs: t3 - t2, addedRssMiB: (process.memoryUsage().rss - rss0) / 1048576 }));
`;

const engines = buildWasmEngines();
console.log('| engine | .wasm | first evaluation (compile + instantiate + Go init + call) | later evaluation | RSS added by the engine |');
console.log('|---|---|---|---|---|');
for (const kind of ['jq', 'expr'] as const) {
  const runs = Array.from({ length: RUNS }, () => JSON.parse(execFileSync(process.execPath, [...V8_FLAGS, '--no-warnings', '--input-type=module', '-e', PROBE, kind, engines[kind]], { encoding: 'utf8' })) as Record<string, number>);
  const m = (k: string): number => median(runs.map((r) => r[k] as number));
  console.log(`| ${kind} | ${(statSync(engines[kind]).size / 1048576).toFixed(1)} MiB | ${m('firstMs').toFixed(0)} ms | ${m('laterMs').toFixed(2)} ms | ${m('addedRssMiB').toFixed(0)} MiB |`);
}

const before = process.env.BENCH_BEFORE;
if (before && existsSync(new URL('../.stack/env', import.meta.url))) {
  const { runRoles } = await import('./engines-roles.ts');
  await runRoles(dirname(before), RUNS);
} else {
  console.log('\n(whole runs: set BENCH_BEFORE and start the stack)');
}
