/** docs/performance.md from one run of bench/run.ts (and, when present, bench/cluster.ts's results). */
import type { Ceiling } from './ceiling.ts';
import { medianSample, MiB, type Sample } from './lib.ts';
import { renderProfile } from './profile.ts';
import type { RowResult } from './rows-artifacts.ts';

export interface Meta { date: string; commit: string; goVersion: string; minutes: number; /** The whole `make bench` (from before its build), when run by it; whether it ran the controller rows first. */ makeMinutes?: number; makeWithCluster?: boolean; machine: string; load: [number, number]; /** Where the P1 rows' pods live (bench/node-disk.ts). */ p1Disk?: string }

export interface ClusterResults {
  meta: { date: string; commit: string; goVersion: string };
  /** P6: submit → Succeeded, and pod start → last container end, seconds, per run. */
  p6?: Record<'ts' | 'go', { workflowS: number[]; podS: number[] }>;
  /** P7: wait's idle RSS (MiB, median of samples during main's sleep) per run; GC outcome. */
  p7?: { idleRssMiB: Record<'ts' | 'go', number[]>; gc: Record<'ts' | 'go', { ok: boolean; seconds: number; detail: string }> };
}

const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
/** Per-core MB/s of what a default-level tar.gz output is compressed with: ISA-L (D37), or zlib -6 without the helper. */
const deflateMBps = (c: Ceiling): { log: number; half: number; random: number } => c.defaultGzipMBps ?? c.gzip6MBps;
const x = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');

interface Verdict { row: string; goal: string; value: string; met: boolean | undefined }

function rowTable(r: RowResult, verdicts: Verdict[], ceiling: Ceiling | undefined): string[] {
  const ts = medianSample(r.samples.ts);
  const go = medianSample(r.samples.go);
  const poll = r.goPollS ?? 0;
  // Go's emissary sleeps only if its command had not exited at its first wait4 (a `true` sometimes has): a sample
  // loses the poll only when Go's emissary (main, or the measured emissary itself) ran that long.
  const goNet = poll ? medianSample(r.samples.go.map((g) => ({ ...g, wallS: g.wallS - ((g.extra?.mainWallS ?? g.wallS) >= poll ? poll : 0) }))).wallS : go.wallS;
  const out: string[] = [];
  out.push(`### ${r.id} — ${r.title}`, '', `Timed: ${r.timed}. Median of ${r.samples.ts.length} runs each.`, '');
  out.push('| measure | ours | Go ' + '| Go ÷ ours |', '|---|---|---|---|');
  out.push(`| wall | ${f(ts.wallS, 3)} s | ${f(go.wallS, 3)} s | ${x(go.wallS / ts.wallS)} |`);
  if (poll) out.push(`| wall, Go without its ${poll} s wait4 poll | ${f(ts.wallS, 3)} s | ${f(goNet, 3)} s | ${x(goNet / ts.wallS)} |`);
  out.push(`| CPU (user + sys, process trees) | ${f(ts.cpuS, 3)} s | ${f(go.cpuS, 3)} s | ${x(go.cpuS / ts.cpuS)} |`);
  out.push(`| peak RSS | ${f(ts.rssMiB, 1)} MiB | ${f(go.rssMiB, 1)} MiB | ${x(go.rssMiB / ts.rssMiB)} |`);
  if (ts.extra?.anonMiB !== undefined) out.push(`| of which allocated: the executor's RssAnon, sampled every 20 ms (no mapped executable) | ${f(ts.extra.anonMiB, 1)} MiB | ${f(go.extra?.anonMiB ?? NaN, 1)} MiB | ${x((go.extra?.anonMiB ?? NaN) / ts.extra.anonMiB)} |`);
  if (ts.extra?.mainRssMiB !== undefined) out.push(`| main (emissary) peak RSS | ${f(ts.extra.mainRssMiB, 1)} MiB | ${f(go.extra?.mainRssMiB ?? NaN, 1)} MiB | |`);
  if (r.bytes && !r.objects && r.id !== 'P5') out.push(`| throughput (of the uncompressed data) | ${f(r.bytes / 1e6 / ts.wallS, 0)} MB/s | ${f(r.bytes / 1e6 / go.wallS, 0)} MB/s | |`);
  if (r.storedBytes) out.push(`| stored object (the tar.gz) | ${f(r.storedBytes.ts / MiB, 1)} MiB | ${f(r.storedBytes.go / MiB, 1)} MiB | ${x(r.storedBytes.go / r.storedBytes.ts)} |`);
  if (r.objects) out.push(`| objects per second | ${f(r.objects / ts.wallS, 0)} | ${f(r.objects / go.wallS, 0)} | |`);
  if (r.objects && ts.extra?.storeCpuS !== undefined) {
    out.push(`| MinIO's CPU during the run (same cores) | ${f(ts.extra.storeCpuS, 3)} s | ${f(go.extra?.storeCpuS ?? NaN, 3)} s | |`);
    out.push(`| CPU per object: executor + MinIO | ${f((ts.cpuS * 1e6) / r.objects, 0)} + ${f((ts.extra.storeCpuS * 1e6) / r.objects, 0)} µs | ${f((go.cpuS * 1e6) / r.objects, 0)} + ${f(((go.extra?.storeCpuS ?? NaN) * 1e6) / r.objects, 0)} µs | |`);
  }
  if (r.id === 'P5' && r.bytes) {
    const cts = ts.extra?.commandS ?? NaN;
    const cgo = go.extra?.commandS ?? NaN;
    out.push(`| throughput over the pod's wall time | ${f(r.bytes / 1e6 / ts.wallS, 0)} MB/s | ${f(r.bytes / 1e6 / go.wallS, 0)} MB/s | |`);
    out.push(`| command start → end (no start-up, no poll) | ${f(cts, 3)} s | ${f(cgo, 3)} s | ${x(cgo / cts)} |`);
    out.push(`| capture throughput (bytes ÷ command time) | ${f(r.bytes / 1e6 / cts, 0)} MB/s | ${f(r.bytes / 1e6 / cgo, 0)} MB/s | ${x(cgo / cts)} |`);
    if (r.bareCopyMBps) out.push('', `The same path with a bare C copier in place of an emissary (same run, bench/bare-copy.c: one read from the pipe, one write per destination, nothing else; median of as many runs): ${f(r.bareCopyMBps, 0)} MB/s, ${x(r.bareCopyMBps / (r.bytes / 1e6 / cgo))} Go's.`);
    verdicts.push({ row: 'P5', goal: '≥ 2× Go\'s throughput', value: `${x(cgo / cts)} (command time); ${x(go.wallS / ts.wallS)} over wall`, met: cgo / cts >= 2 });
  }
  out.push('');
  // Goals (issue 12's table). Ratios against Go net of its poll where it has one: the stricter reading.
  const speed = goNet / ts.wallS;
  const anonText = ts.extra?.anonMiB !== undefined ? ` (allocated: ${f(ts.extra.anonMiB, 0)} vs ${f(go.extra?.anonMiB ?? NaN, 0)} MiB)` : '';
  const speedText = poll ? `${x(speed)} net of Go's poll (${x(go.wallS / ts.wallS)} as felt)` : x(speed);
  if (r.id.startsWith('P1a') && ceiling) {
    const up = r.id.endsWith('↑');
    const cap = up ? ceiling.putPerS : ceiling.getPerS;
    const pct = ((r.objects ?? 0) / ts.wallS / cap) * 100;
    verdicts.push({ row: r.id, goal: `≥ 70 % of the ceiling (${f(cap, 0)} ${up ? 'PUT' : 'GET'}/s, P8)`, value: `${f(pct, 0)} % (${speedText} vs Go)`, met: pct >= 70 });
  }
  if (r.id.startsWith('P1b')) verdicts.push({ row: r.id, goal: '≥ 10× faster than Go', value: speedText, met: speed >= 10 });
  if (r.id === 'P2a' || r.id === 'P2b') {
    const want = r.id === 'P2a' ? 3 : 1.5;
    verdicts.push({ row: r.id, goal: `≥ ${want}× faster; wait peak RSS ≤ Go's`, value: `${speedText}; RSS ${f(ts.rssMiB, 0)} vs ${f(go.rssMiB, 0)} MiB${anonText}`, met: speed >= want && ts.rssMiB <= go.rssMiB });
  }
  if (r.id === 'P3') {
    verdicts.push({ row: 'P3', goal: '≥ 2× faster; init peak RSS ≤ 1.2× Go', value: `${x(speed)}; RSS ${x(ts.rssMiB / go.rssMiB)} of Go's${anonText}`, met: speed >= 2 && ts.rssMiB <= 1.2 * go.rssMiB });
  }
  if (r.id.startsWith('P4')) {
    verdicts.push({ row: r.id, goal: 'wall ≤ Go\'s net of its poll; RSS ≤ Go\'s', value: `${f(ts.wallS * 1000, 0)} ms vs ${f(goNet * 1000, 0)} ms; ${f(ts.rssMiB, 1)} vs ${f(go.rssMiB, 1)} MiB`, met: ts.wallS <= goNet && ts.rssMiB <= go.rssMiB });
  }
  if (r.profile) out.push(...renderProfile(r.profile));
  return out;
}

/**
 * For each goal not met (issue 12: "the note explains why, with the profile that shows where the time goes"): the
 * throughput the goal asks for beside the machine's ceiling for that work (P8), and the profile of ours in one line.
 */
function whyNotMet(verdicts: Verdict[], rows: RowResult[], c: Ceiling | undefined): string[] {
  const out: string[] = [];
  for (const v of verdicts.filter((x) => x.met === false)) {
    const r = rows.find((x) => x.id === v.row);
    if (!r) continue;
    const ts = medianSample(r.samples.ts);
    const go = medianSample(r.samples.go);
    const goNet = r.goPollS ? go.wallS - r.goPollS : go.wallS;
    const parts: string[] = [];
    const need = (ratio: number, cap: number | undefined, what: string): void => {
      if (!r.bytes) return;
      const goMBps = r.bytes / 1e6 / goNet;
      const want = ratio * goMBps;
      parts.push(`${ratio}× Go's ${f(goMBps, 0)} MB/s is ${f(want, 0)} MB/s; ours ${f(r.bytes / 1e6 / ts.wallS, 0)} MB/s` +
        (cap ? `; the ceiling (${what}) is ${f(cap, 0)} MB/s${want > cap ? ', below what the goal asks: not reachable on this machine' : ''}` : ''));
    };
    if (r.id === 'P2a' && c) need(3, Math.min(deflateMBps(c).log * c.cores, c.putMBps), `the default level's deflate of log text on ${c.cores} cores, shared with MinIO`);
    if (r.id === 'P2b' && c) need(1.5, Math.min(deflateMBps(c).random * c.cores, c.putMBps), `the default level's deflate of random bytes on ${c.cores} cores / PUT`);
    if (r.id === 'P3' && c) need(2, c.gunzipMBps, 'gunzip, one core: one gzip stream inflates serially, short of speculative decoding (D35)');
    if (r.id === 'P5') {
      const cts = ts.extra?.commandS ?? NaN;
      const cgo = go.extra?.commandS ?? NaN;
      const want = (2 * (r.bytes ?? 0)) / 1e6 / cgo;
      const bare = r.bareCopyMBps;
      if (r.bytes) {
        parts.push(`2× Go's ${f(r.bytes / 1e6 / cgo, 0)} MB/s is ${f(want, 0)} MB/s; ours ${f(r.bytes / 1e6 / cts, 0)} MB/s` +
          (bare ? `; a bare C copier in place of the emissary (one read, then one write per destination: the same pipe, the two capture files in the page cache, /dev/null) moves ${f(bare, 0)} MB/s on this machine${want > bare ? ', less than the goal asks: the pipe and the 4 GB written into the page cache bound the row, not the executor' : ''}; ours is ${f((r.bytes / 1e6 / cts / bare) * 100, 0)} % of it` : ''));
      }
    }
    if (r.id.startsWith('P1a') && c) {
      const cap = r.id.endsWith('↑') ? c.putPerS : c.getPerS;
      parts.push(`ours ${f((r.objects ?? 0) / ts.wallS, 0)} objects/s against ${f(cap, 0)}/s measured in one process with nothing else to do (no files, no executor start-up)`);
      const n = r.objects ?? 0;
      const store = ts.extra?.storeCpuS;
      const per = c.cpuPerRequestUs;
      if (n && store !== undefined && Number.isFinite(store) && per) {
        const up = r.id.endsWith('↑');
        const oursUs = (ts.cpuS * 1e6) / n;
        const storeUs = (store * 1e6) / n;
        const atCap = up ? per.storePut + per.clientPut : per.storeGet + per.clientGet;
        const floor = ((oursUs + storeUs) * n) / 1e6 / c.cores;
        parts.push(`where the two cores go (median run): ours ${f(oursUs, 0)} µs of CPU per object (the executor's process tree), MinIO ${f(storeUs, 0)} µs per object (/proc) — ${f(floor, 2)} s of the ${c.cores} cores for ${n.toLocaleString('en')} objects, the row's wall ${f(ts.wallS, 2)} s; at the ceiling a request cost ${f(up ? per.clientPut : per.clientGet, 0)} µs in the client and ${f(up ? per.storePut : per.storeGet, 0)} µs in MinIO (${f(atCap, 0)} µs together): 70 % of the ceiling leaves ${f((c.cores * 1e6) / (0.7 * cap) - storeUs, 0)} µs per object for the executor with MinIO at this row's cost`);
      }
    }
    if (r.profile) {
      const busy = r.profile.roles.reduce((a, x) => a + x.busyS, 0);
      // Per role (init, emissary, wait): its main thread's busy time and its two largest self times.
      const top = r.profile.roles.map((x) => `${x.role} ${f(x.busyS, 2)} s (${x.top.slice(0, 2).map((t) => `${t.name} ${f(t.s, 2)} s`).join(', ')})`);
      parts.push(`profile: ${f(r.profile.cpuS, 2)} s of CPU in ${f(r.profile.wallS, 2)} s, of which ${f(busy, 2)} s on the main JavaScript threads` +
        ` (GC ${f(r.profile.roles.reduce((a, x) => a + x.gcS, 0), 2)} s) and ${f(r.profile.cpuS - busy, 2)} s on other threads (zlib, file I/O) and in the kernel; by role: ${top.join('; ')}`);
    }
    out.push(`* **${v.row}** (${v.goal}; measured ${v.value}): ${parts.join('. ') || 'no figures to explain it'}.`);
  }
  return out.length ? ['## Goals not met — why', '', ...out, ''] : [];
}

function ceilingSection(c: Ceiling, rows: RowResult[]): string[] {
  const out = [
    '### P8 — the ceiling on this machine',
    '',
    'Measured inside the benchmark process, no executor, against MinIO on loopback with',
    `${c.concurrency} requests in flight: 10 KiB objects through the driver's cheapest signed requests (small-object-requests.ts,`,
    'D31), large ones through the AWS SDK v3 (multipart, ranges; keep-alive agent); zlib on one core.',
    '',
    '| measure | value |',
    '|---|---|',
    `| 10 KiB PUTs | ${f(c.putPerS, 0)} /s |`,
    `| 10 KiB GETs | ${f(c.getPerS, 0)} /s |`,
    ...(c.cpuPerRequestUs ? [`| CPU per 10 KiB request there: client / MinIO | PUT ${f(c.cpuPerRequestUs.clientPut, 0)} / ${f(c.cpuPerRequestUs.storePut, 0)} µs, GET ${f(c.cpuPerRequestUs.clientGet, 0)} / ${f(c.cpuPerRequestUs.storeGet, 0)} µs |`] : []),
    `| large object PUT (16 MiB parts, 8 in flight, from memory) | ${f(c.putMBps, 0)} MB/s |`,
    `| large object GET (16 MiB ranges, 8 in flight, to memory) | ${f(c.getMBps, 0)} MB/s |`,
    `| gzip -6 (zlib) per core: log text / half-compressible / random | ${f(c.gzip6MBps.log, 0)} / ${f(c.gzip6MBps.half, 0)} / ${f(c.gzip6MBps.random, 0)} MB/s (× ${c.cores} cores) |`,
    ...(c.defaultGzipMBps ? [`| default level (ISA-L igzip 3, D37; random: stored, D36) per core: log text / half-compressible / random | ${f(c.defaultGzipMBps.log, 0)} / ${f(c.defaultGzipMBps.half, 0)} / ${f(c.defaultGzipMBps.random, 0)} MB/s (× ${c.cores} cores) |`] : []),
    `| gunzip (one stream = one core), half-compressible: zlib / ISA-L (D35) | ${f(c.gunzipZlibMBps, 0)} / ${c.gunzipIsalMBps === undefined ? '(no helper)' : f(c.gunzipIsalMBps, 0)} MB/s |`,
    ...(c.fileCreates ? [
      `| 10 KiB files created, one thread, right after deleting as many: the P1 rows' disk (${c.fileCreates.nodeDisk ?? 'none mounted'}) | ${c.fileCreates.nodeDiskPerS === undefined ? 'n/a' : `${f(c.fileCreates.nodeDiskPerS, 0)} /s`} |`,
      `| the same on this machine's root file system (ext4 without a journal: bench/node-disk.ts) | ${f(c.fileCreates.rootPerS, 0)} /s |`,
    ] : []),
    '',
  ];
  const lines: string[] = [];
  for (const r of rows) {
    if (!r.bytes) continue;
    const ts = medianSample(r.samples.ts);
    const mbps = r.bytes / 1e6 / ts.wallS;
    let cap: number | undefined;
    let what = '';
    if (r.id === 'P2a') { cap = Math.min(deflateMBps(c).log * c.cores, c.putMBps); what = `default-level deflate on ${c.cores} cores (log text)`; }
    if (r.id === 'P2b') { cap = Math.min(deflateMBps(c).random * c.cores, c.putMBps); what = `default-level deflate on ${c.cores} cores (random) / PUT`; }
    if (r.id === 'P3') { cap = c.gunzipMBps; what = 'gunzip on one core (one gzip stream inflates serially, short of speculative decoding: D35)'; }
    if (cap) lines.push(`| ${r.id} | ${f(mbps, 0)} MB/s | ${f(cap, 0)} MB/s (${what}) | ${f((mbps / cap) * 100, 0)} % |`);
  }
  if (lines.length) out.push('| row | ours | ceiling | ours ÷ ceiling |', '|---|---|---|---|', ...lines, '');
  out.push('The ceiling rows are not independent of each other: on 2 cores MinIO, the executor and the compressor share the',
    'same CPUs, so a row that needs all three at once cannot reach the smallest of them.', '');
  return out;
}

function clusterSection(c: ClusterResults | undefined, verdicts: Verdict[]): string[] {
  const out = ['### P6, P7 — through the real controller (`make bench-cluster`, bench/cluster.ts)', ''];
  if (!c) {
    out.push('Not part of this run: needs the local cluster (`make cluster-up`); run `make bench-cluster`, then `make bench`',
      '(it includes the cluster results of the same commit).', '');
    verdicts.push({ row: 'P6', goal: 'ours ≤ Go\'s', value: 'not run', met: undefined });
    verdicts.push({ row: 'P7', goal: 'idle ≤ 1.5× Go; GC succeeds in 64Mi/100m', value: 'not run', met: undefined });
    return out;
  }
  out.push(`Run ${c.meta.date.slice(0, 16)}Z, commit ${c.meta.commit}, Go ${c.meta.goVersion}.`, '');
  const med = (xs: number[]): number => medianSample(xs.map((v) => ({ wallS: v, cpuS: 0, rssMiB: 0 }))).wallS;
  if (c.p6) {
    const t = c.p6.ts;
    const g = c.p6.go;
    out.push(`P6 hello-world (whalesay-like \`echo\` in busybox), median of ${t.workflowS.length} per executor:`, '',
      '| measure | ours | Go | Go ÷ ours |', '|---|---|---|---|',
      `| workflow startedAt → finishedAt | ${f(med(t.workflowS))} s | ${f(med(g.workflowS))} s | ${x(med(g.workflowS) / med(t.workflowS))} |`,
      `| pod: init started → last container finished | ${f(med(t.podS))} s | ${f(med(g.podS))} s | ${x(med(g.podS) / med(t.podS))} |`, '');
    verdicts.push({ row: 'P6', goal: 'ours ≤ Go\'s', value: `${f(med(t.workflowS))} s vs ${f(med(g.workflowS))} s`, met: med(t.workflowS) <= med(g.workflowS) });
  }
  if (c.p7) {
    const it = med(c.p7.idleRssMiB.ts);
    const ig = med(c.p7.idleRssMiB.go);
    out.push('P7:', '', '| measure | ours | Go |', '|---|---|---|',
      `| wait idle RSS during a 60 s main | ${f(it, 1)} MiB | ${f(ig, 1)} MiB |`,
      `| artifact GC of 1,000 artifacts in 64Mi / 100m | ${c.p7.gc.ts.ok ? 'succeeded' : 'failed'} in ${f(c.p7.gc.ts.seconds, 1)} s (${c.p7.gc.ts.detail}) | ${c.p7.gc.go.ok ? 'succeeded' : 'failed'} in ${f(c.p7.gc.go.seconds, 1)} s (${c.p7.gc.go.detail}) |`, '');
    verdicts.push({ row: 'P7', goal: 'idle ≤ 1.5× Go; GC succeeds in 64Mi/100m', value: `${x(it / ig)}; GC ${c.p7.gc.ts.ok ? 'ok' : 'failed'}`, met: it <= 1.5 * ig && c.p7.gc.ts.ok });
  }
  return out;
}

export function renderPerformance(meta: Meta, ceiling: Ceiling | undefined, rows: RowResult[], cluster: ClusterResults | undefined): string {
  const verdicts: Verdict[] = [];
  const body: string[] = [];
  for (const r of rows) body.push(...rowTable(r, verdicts, ceiling));
  if (ceiling) body.push(...ceilingSection(ceiling, rows));
  body.push(...clusterSection(cluster && cluster.meta.commit === meta.commit ? cluster : undefined, verdicts));
  const summary = [
    '| row | goal (issue 12, ratio vs Go in the same run) | measured | met |',
    '|---|---|---|---|',
    ...verdicts.map((v) => `| ${v.row} | ${v.goal} | ${v.value} | ${v.met === undefined ? '–' : v.met ? 'yes' : '**no**'} |`),
  ];
  return [
    '# Performance',
    '',
    `Written by \`make bench\` (bench/run.ts) from one run: ${meta.date.slice(0, 16).replace('T', ' ')} UTC, our commit`,
    `\`${meta.commit}\`, Go reference argoexec **${meta.goVersion}**, ${meta.machine}; load average ${f(meta.load[0], 1)} at the`,
    `start, ${f(meta.load[1], 1)} at the end; bench/run.ts took ${f(meta.minutes, 1)} min${meta.makeMinutes !== undefined ? `, \`make bench\` ${f(meta.makeMinutes, 1)} min in all (${meta.makeWithCluster ? 'with the controller rows P6 and P7 before it' : 'without the controller rows: BENCH_CLUSTER=0'})` : ''}.`,
    '',
    'How: the real executables (dist/argoexec and the Go reference) run as the containers of a simulated pod',
    '(test/support/pod-sim.ts, test/support/sandbox.ts: own mount + PID namespaces and root) against the stack\'s',
    'MinIO on loopback. Each measure alternates which executor runs first and takes the median per executor; each run',
    'starts after a `sync`, so none pays for writing back what the run before it left in the page cache. Before each',
    'run of the GiB rows (P2, P3, P5) the page cache is also dropped and only the row\'s source data and both',
    'executables are read back in (bench/lib.ts settlePageCache, D43): every run starts from the same memory state.',
    'Peak RSS counts the executable\'s mapped text as well as what the process allocates; on this kernel the mapped',
    'part depends on how the file entered the page cache (large folios), which the settling makes the same every run.',
    'Wall, CPU (user + sys) and peak RSS are those of the measured containers\' process trees (bench/rusage.c,',
    'getrusage of the children; the peak is the largest single process, i.e. the executor); the sandbox\'s own',
    'set-up (unshare, ~20 mounts) is inside them, ~20–40 ms of CPU for both executors. Go\'s emissary reaps its',
    'command in a loop that sleeps 1 s (osspecific.Wait): every Go container that runs a command pays ~1 s more.',
    'Where that poll is in a figure, it is shown with it (what a user feels: the pod takes that long) and without it',
    '(a run loses the second only when Go\'s emissary lasted that long: a `true` sometimes exits before the first wait4).',
    ...(meta.p1Disk ? [
      `The P1 rows (10,000 and 1,500 small files) keep their pods on ${meta.p1Disk}, like a node's disk: this`,
      'machine\'s root file system is ext4 without a journal, where creating a file right after others were deleted',
      'costs ~10× the kernel time (P8 shows both; bench/node-disk.ts, decision D39). The other rows use the system',
      'temporary directory.',
    ] : []),
    '',
    '## Goals',
    '',
    ...summary,
    '',
    ...whyNotMet(verdicts, rows, ceiling),
    '## Rows',
    '',
    ...body,
    '## Notes',
    '',
    '* **P3 (input tar.gz)**: inflating a gzip stream is serial (short of rapidgzip-style speculative decoding, D35), so one',
    '  core\'s gunzip rate (P8) bounds it. Ours downloads',
    '  the object (4 ranges at a time) to `<dest>.tmp` and extracts it from that file while the download still fills it',
    '  (D33), inflating with Intel ISA-L (D35); Go v4.1.2 downloads first, then inflates with klauspost/pgzip.',
    '* **P2 (tar.gz outputs)**: ours compresses 1 MiB blocks on every core (pigz-style, one gzip member); at the default',
    '  level with Intel ISA-L\'s igzip level 3 (D37: ~3× zlib level 6\'s speed; outputs 8–14 % larger than Go\'s, the',
    '  rows show both stored sizes; `compressionLevel: 6` gives Go\'s size); blocks that would not shrink (random,',
    '  already compressed) are stored instead of searched for matches in vain (D36). Go v4.1.2 compresses with the',
    '  standard library\'s compress/gzip at level 6, on one core.',
    '* **P1 (many small files)** moves 32 objects at a time (ARTIFACT_S3_OBJECT_CONCURRENCY), Go one at a time;',
    '  with a real network round trip per request that is where the difference shows (P1b). An `archive: none`',
    '  directory is uploaded straight from the emissary\'s hand-over tar (file ranges, decision D29): Go, and we before,',
    '  extract it to /tmp first and read every file back. Profile a role with ARGOEXEC_CPU_PROFILE=<dir> (PODSIM_KEEP=1',
    '  keeps a simulated pod\'s /tmp, where the profile is written).',
    '* **Memory:** peak RSS of our roles includes the Node runtime and the bundled AWS SDK (~85 MiB before any byte',
    '  moves); Go\'s static binary starts lower.',
    '* **P7 (artifact GC)**: until D32 our GC pod was OOM-killed at 64Mi after ~560 of the 1,000 artifacts (a client',
    '  and a socket per artifact, and a heap sized for the machine); it now keeps one driver per storage location.',
    '  It is slower than Go\'s under the 100m CPU quota: each DeleteObject through the SDK costs ~1 ms of CPU (D31), i.e.',
    '  ~10 s of the quota for 1,000, and Node\'s start-up more; deletes could take D31\'s lean requests (not done).',
    '* Expression engines (jq, expr) are measured separately by `node bench/engines.ts` (decision D13).',
    '',
  ].join('\n');
}
