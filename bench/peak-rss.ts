/** Run a simulated container to its end while sampling the peak RSS (VmHWM) of its PID 1. */
import { readFileSync } from 'node:fs';
import type { Running } from '../test/support/sandbox.ts';

export async function runWithPeakRss(r: Running, intervalMs: number): Promise<{ peakMiB: number; code: number | null; stderr: string }> {
  let peak = 0;
  let pid = 0;
  const timer = setInterval(() => {
    try {
      pid ||= r.pid1();
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch { /* not started yet, or gone */ }
  }, intervalMs);
  const res = await r.done;
  clearInterval(timer);
  return { peakMiB: peak, code: res.code, stderr: res.stderr };
}

/**
 * Sample the anonymous resident memory (RssAnon: what the process allocated, without the executable's mapped text or
 * other file pages) of a running container's PID 1 every `intervalMs`; the returned function stops and gives the
 * largest sample in MiB (0 if none was read). A sample can miss a peak shorter than the interval.
 */
export function sampleAnonPeak(r: { pid1(): number }, intervalMs = 20): () => number {
  let peak = 0;
  let pid = 0;
  const timer = setInterval(() => {
    try {
      pid ||= r.pid1();
      const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch { /* not started yet, or gone */ }
  }, intervalMs);
  return () => {
    clearInterval(timer);
    return peak;
  };
}
