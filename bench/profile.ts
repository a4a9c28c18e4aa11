/**
 * Where ours spends its CPU in a row (issue 12: "for a goal that is not met, the note explains why, with the profile
 * that shows where the time goes"). One extra run of ours per profiled row, with ARGOEXEC_CPU_PROFILE (the
 * executable's in-process V8 profiler, sampling every 0.5 ms; src/core/runtime/cpu-profile.ts), not counted in the
 * medians. A V8 profile sees the main JavaScript thread only, so the summary sets it beside the process tree's CPU
 * from getrusage: the rest is other threads (libuv's pool, where zlib inflates and deflates and fs calls run, and
 * V8's helper threads) and the kernel.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CallFrame { functionName: string; url: string; lineNumber: number }
export interface CpuProfile { nodes: { id: number; callFrame: CallFrame }[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface ProfileSummary {
  /** The file's role (`wait`, `init`, `emissary`, …). */
  role: string;
  /** Profiled span, seconds. */
  spanS: number;
  /** Main thread running JavaScript or V8 (not idle), seconds; of which garbage collection and "(program)". */
  busyS: number;
  gcS: number;
  programS: number;
  /** The functions with the most self time on the main thread. */
  top: { name: string; s: number }[];
}

const SPECIAL = new Set(['(idle)', '(garbage collector)', '(program)', '(root)']);

function frameName(f: CallFrame): string {
  if (SPECIAL.has(f.functionName)) return f.functionName;
  const fn = f.functionName || '(anonymous)';
  if (!f.url) return `${fn} (native)`;
  // Node's own modules keep their names; our bundle's frames are named by function and line.
  return f.url.startsWith('node:') ? `${fn} (${f.url})` : `${fn} (${basename(f.url)}:${f.lineNumber + 1})`;
}

/** Self time per frame name from a V8 CPU profile (each sample is charged the time until the next one). */
export function summarize(role: string, p: CpuProfile, topN = 6): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    const f = byId.get(p.samples[i] as number);
    if (!f) continue;
    const name = frameName(f);
    self.set(name, (self.get(name) ?? 0) + dt);
  }
  const us = (k: string): number => self.get(k) ?? 0;
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const busy = total - us('(idle)') - us('(root)');
  const top = [...self.entries()].filter(([k]) => !SPECIAL.has(k)).sort((a, b) => b[1] - a[1]).slice(0, topN).map(([name, t]) => ({ name, s: t / 1e6 }));
  return { role, spanS: (p.endTime - p.startTime) / 1e6, busyS: busy / 1e6, gcS: us('(garbage collector)') / 1e6, programS: us('(program)') / 1e6, top };
}

/** Every `argoexec-<role>-<pid>.cpuprofile` in `dirs`, summarized. */
export function collectProfiles(dirs: string[]): ProfileSummary[] {
  const out: ProfileSummary[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).filter((x) => /^argoexec-.*\.cpuprofile$/.test(x)).sort()) {
      const role = /^argoexec-(.*)-\d+\.cpuprofile$/.exec(f)?.[1] ?? f;
      // BENCH_KEEP_PROFILES=<dir>: the profiles themselves too (for a closer look: chrome://inspect, speedscope).
      const keep = process.env.BENCH_KEEP_PROFILES;
      if (keep) {
        mkdirSync(keep, { recursive: true }); // a missing directory made the whole profiled run fail
        copyFileSync(join(d, f), join(keep, `${Date.now()}-${f}`));
      }
      out.push(summarize(role, JSON.parse(readFileSync(join(d, f), 'utf8')) as CpuProfile));
    }
  }
  return out;
}

/** The profile of one run as it is written into the row: process CPU, main thread's share, its top functions. */
export interface RowProfile { wallS: number; cpuS: number; roles: ProfileSummary[] }

export function renderProfile(p: RowProfile): string[] {
  const main = p.roles.reduce((a, r) => a + r.busyS, 0);
  const lines = [
    `Where ours spends its CPU (one extra run with ARGOEXEC_CPU_PROFILE, not in the medians; wall ${p.wallS.toFixed(2)} s, ` +
      `CPU ${p.cpuS.toFixed(2)} s for the measured process trees): the main JavaScript threads ${main.toFixed(2)} s, ` +
      `other threads and the kernel ${(p.cpuS - main).toFixed(2)} s (libuv's pool: zlib, file system calls; V8's helpers).`,
    '',
  ];
  for (const r of p.roles) {
    lines.push(`* \`${r.role}\`: main thread busy ${r.busyS.toFixed(2)} s of ${r.spanS.toFixed(2)} s (GC ${r.gcS.toFixed(2)} s, V8 and native "(program)" ${r.programS.toFixed(2)} s); ` +
      `most self time: ${r.top.map((t) => `${t.name.replace(/\|/g, '\\|')} ${t.s.toFixed(2)} s`).join(', ') || 'none'}`);
  }
  lines.push('');
  return lines;
}
