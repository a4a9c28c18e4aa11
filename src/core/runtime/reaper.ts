/**
 * Reaping of orphaned children when we are PID 1 (lifecycle §6.14), through the small native helper
 * native/reaper.c shipped in the runtime directory. Without the helper (e.g. running from source) this
 * degrades to a no-op and says so at debug level.
 */
import { loadNativeAddon, nativeAddonPath } from './native.ts';
import type { Logger } from '../log.ts';

interface ReaperAddon { reapOrphans(keepPid: number): number }

let addon: ReaperAddon | null | undefined;

function load(log: Logger): ReaperAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  try {
    addon = loadNativeAddon<ReaperAddon>('reaper') ?? null;
    if (!addon) log.debug('no native reaper next to the executable; orphaned children will not be reaped', { path: nativeAddonPath('reaper') });
  } catch (err) {
    log.warn('failed to load the native reaper', { error: (err as Error).message });
  }
  return addon;
}

/** Reap orphans every second while `keepPid()` runs; returns a stop function. Only as PID 1. */
export function startOrphanReaper(keepPid: () => number | undefined, log: Logger, intervalMs = 1000): () => void {
  if (process.pid !== 1) return () => undefined;
  const reaper = load(log);
  if (!reaper) return () => undefined;
  const timer = setInterval(() => {
    const n = reaper.reapOrphans(keepPid() ?? 0);
    if (n > 0) log.debug('reaped orphaned children', { count: n });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
