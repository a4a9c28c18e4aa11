/**
 * The benchmark suite (`make bench`): every row of issue 12's table against the Go reference argoexec (v4.1.2,
 * $REFERENCE_ARGOEXEC of the stack), same machine, same run; then docs/performance.md is rewritten from the results.
 *
 *   P1 a/b  directory, archive none, many small files: upload (wait) and download (init); b: +20 ms per round trip
 *   P2 a/b  1 GiB default tar.gz output: log text / random bytes            (bench/rows-artifacts.ts)
 *   P3      1 GiB tar.gz input, download + extract                          (bench/rows-artifacts.ts)
 *   P4      emissary fixed cost in busybox, scratch, Debian roots           (bench/rows-emissary.ts)
 *   P5      capture of 2 GB of stdout                                       (bench/rows-emissary.ts)
 *   P6, P7  through the real controller: hello-world; idle wait RSS, artifact GC (bench/cluster.ts, `make bench-cluster`)
 *   P8      the ceiling: MinIO PUT/GET at high concurrency, zlib per core    (bench/ceiling.ts)
 *
 * Each measure alternates which executor runs first and takes the median of BENCH_RUNS runs (3; 5 for the GiB rows P2,
 * P3 and P5), BENCH_SHORT_RUNS (7) for P4. Sizes: BENCH_P1_FILES (10000), BENCH_P1B_FILES (1500: Go moves one object per ~2 round trips, so 10,000 would take it ~15 min per direction and run), BENCH_P1_FILE_BYTES (10240), BENCH_P1_ADDED_RTT_MS
 * (20), BENCH_P2_BYTES, BENCH_P3_BYTES (1 GiB), BENCH_P5_BYTES (2e9). BENCH_ROWS=P3,P4 runs some rows only (then
 * docs/performance.md is not rewritten; results go to .stack/bench/results.json). Needs root, `make build stack-up`.
 *
 *   node bench/run.ts            (node bench/run.ts --render: the doc again from the last results)
 *
 * BENCH_TS_BINDIR=<dir holding another build's argoexec> puts that build in the "ours" column (before/after).
 * BENCH_TS_ENV='{"NAME":"value"}' adds environment to our executor's containers in the P1–P3 rows (a driver setting, before/after).
 * BENCH_KEEP_PROFILES=<dir> copies the profiled runs' .cpuprofile files there.
 * BENCH_ONLY=ts runs ours alone (samples in the log, no report): for iterating on a change.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { p8, type Ceiling } from './ceiling.ts';
import { mountNodeDisk } from './node-disk.ts';
import { emptyStoreTrash, gitCommit, log, PROJECT, referenceVersion, storeQuiet } from './lib.ts';
import { flushDeletes, p1, p2, p3, type RowResult } from './rows-artifacts.ts';
import { p4, p5 } from './rows-emissary.ts';
import { renderPerformance, type ClusterResults } from './report.ts';

const ALL = ['P8', 'P1', 'P2', 'P3', 'P4', 'P5'];

/** `--render`: docs/performance.md again from the last run's .stack/bench/results.json (e.g. after cluster rows). */
function render(): void {
  const dir = join(PROJECT, '.stack', 'bench');
  const { meta, ceiling, rows } = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { meta: Parameters<typeof renderPerformance>[0]; ceiling?: Ceiling; rows: RowResult[] };
  const clusterFile = join(dir, 'cluster.json');
  const cluster = existsSync(clusterFile) ? (JSON.parse(readFileSync(clusterFile, 'utf8')) as ClusterResults) : undefined;
  writeFileSync(join(PROJECT, 'docs/performance.md'), renderPerformance(meta, ceiling, rows, cluster));
  log('docs/performance.md rendered from .stack/bench/results.json');
}

async function main(): Promise<void> {
  if (process.argv.includes('--render')) return render();
  if (process.getuid?.() !== 0) throw new Error('needs root (namespaces)');
  const goVersion = referenceVersion();
  const wanted = (process.env.BENCH_ROWS ?? ALL.join(',')).split(',').map((s) => s.trim().toUpperCase());
  const full = ALL.every((r) => wanted.includes(r));
  const started = new Date();
  const commit = gitCommit(); // read now: the checkout may move on while the rows run
  const load0 = loadavg()[0] ?? 0;
  const t0 = performance.now();
  const rows: RowResult[] = [];
  let ceiling: Ceiling | undefined;
  // The P1 rows' pods on a node-like disk (a journaled ext4), not this VM's journal-less root: bench/node-disk.ts.
  const disk = ['P8', 'P1', 'P1A', 'P1B'].some((r) => wanted.includes(r)) ? mountNodeDisk() : undefined;
  try {
    emptyStoreTrash(); // what ran before the bench (tests) may have left MinIO deleting
    await storeQuiet();
    if (wanted.includes('P8')) ceiling = await p8(disk);
    if (wanted.includes('P1')) rows.push(...(await p1('a', disk?.path)), ...(await p1('b', disk?.path)));
    if (wanted.includes('P1A')) rows.push(...(await p1('a', disk?.path)));
    if (wanted.includes('P1B')) rows.push(...(await p1('b', disk?.path)));
  } finally {
    disk?.close();
  }
  if (wanted.includes('P2') || wanted.includes('P2A')) rows.push(await p2('a'));
  if (wanted.includes('P2') || wanted.includes('P2B')) rows.push(await p2('b'));
  if (wanted.includes('P3')) rows.push(await p3());
  if (wanted.includes('P4')) for (const kind of ['busybox', 'scratch', 'debian'] as const) rows.push(await p4(kind));
  if (wanted.includes('P5')) rows.push(await p5());
  await flushDeletes();
  emptyStoreTrash();
  const minutes = (performance.now() - t0) / 60_000;
  if (process.env.BENCH_ONLY) return log(`BENCH_ONLY=${process.env.BENCH_ONLY}: no report (${minutes.toFixed(1)} min)`);
  // `make bench` passes when it started (BENCH_MAKE_STARTED, seconds since the epoch): the controller rows, build and
  // stack checks before this process count towards the 30-minute bar too.
  const makeStarted = Number(process.env.BENCH_MAKE_STARTED ?? Number.NaN);
  const makeMinutes = Number.isFinite(makeStarted) && makeStarted > 0 ? (Date.now() / 1000 - makeStarted) / 60 : undefined;
  const meta = {
    date: started.toISOString(), commit, goVersion, minutes, ...(makeMinutes !== undefined ? { makeMinutes, makeWithCluster: process.env.BENCH_CLUSTER === '1' } : {}),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    load: [load0, loadavg()[0] ?? 0] as [number, number],
    p1Disk: disk?.description ?? `the system temporary directory (${tmpdir()}): no node disk could be mounted`,
  };
  const dir = join(PROJECT, '.stack', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ meta, ceiling, rows }, null, 2));
  const clusterFile = join(dir, 'cluster.json');
  const cluster = existsSync(clusterFile) ? (JSON.parse(readFileSync(clusterFile, 'utf8')) as ClusterResults) : undefined;
  const doc = renderPerformance(meta, ceiling, rows, cluster);
  if (full) {
    writeFileSync(join(PROJECT, 'docs/performance.md'), doc);
    log(`docs/performance.md rewritten (${minutes.toFixed(1)} min${makeMinutes !== undefined ? `; make bench ${makeMinutes.toFixed(1)} min in all` : ''})`);
  } else {
    writeFileSync(join(dir, 'performance.md'), doc);
    log(`partial run (${wanted.join(',')}): report in .stack/bench/performance.md, docs/performance.md unchanged`);
  }
  process.stdout.write(doc);
}

await main();
