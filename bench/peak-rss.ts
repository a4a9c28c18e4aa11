/** Peaks of a simulated container's PID 1, sampled from /proc/<pid>/status while it runs. */
import { readFileSync } from 'node:fs';
import type { Running } from '../test/support/sandbox.ts';

/**
 * Sample `field` (a kB figure of /proc/<pid>/status) of a running container's PID 1 every `intervalMs`; the returned
 * function stops and gives the largest sample in MiB (0 if none was read). A sample can miss a peak shorter than the
 * interval (VmHWM cannot: it is the kernel's own high-water mark).
 */
function samplePeak(r: { pid1(): number }, field: 'VmHWM' | 'RssAnon', intervalMs: number): () => number {
  const re = new RegExp(`${field}:\\s+(\\d+) kB`);
  let peak = 0;
  let pid = 0;
  const timer = setInterval(() => {
    try {
      pid ||= r.pid1();
      const m = re.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch { /* not started yet, or gone */ }
  }, intervalMs);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/** Run a simulated container to its end while sampling the peak RSS (VmHWM) of its PID 1. */
export async function runWithPeakRss(r: Running, intervalMs: number): Promise<{ peakMiB: number; code: number | null; stderr: string }> {
  const stop = samplePeak(r, 'VmHWM', intervalMs);
  const res = await r.done;
  return { peakMiB: stop(), code: res.code, stderr: res.stderr };
}

/**
 * The anonymous resident memory (RssAnon: what the process allocated, without the executable's mapped text or other
 * file pages) of a running container's PID 1, sampled every `intervalMs` until the returned function is called.
 */
export function sampleAnonPeak(r: { pid1(): number }, intervalMs = 20): () => number {
  return samplePeak(r, 'RssAnon', intervalMs);
}
