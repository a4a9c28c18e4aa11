/**
 * Progress of long artifact transfers in the executor's log: a line every `everyMs` (default 10 s) while bytes
 * move — bytes so far, of the total when known, the rate — and one summary line at the end. Go's executor logs
 * nothing between "S3 Save" and "Successfully saved file"; a multi-GiB transfer should not look hung.
 */
import type { Logger } from '../core/log.ts';
import type { TransferProgress } from './driver.ts';

export interface ProgressLog {
  /** Feed to a driver or the gzip: cumulative bytes (and the total, when known). */
  readonly report: TransferProgress;
  /** Log the summary line (only when bytes moved). */
  done(): void;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** `what` names the transfer in the log (e.g. "Uploading artifact"); `fields` identify it (name, key, …). */
export function progressLog(log: Logger, what: string, fields: Record<string, unknown>, opts: { everyMs?: number; now?: () => number } = {}): ProgressLog {
  const now = opts.now ?? Date.now;
  const everyMs = opts.everyMs ?? 10_000;
  const started = now();
  let lastLogged = started;
  let bytes = 0;
  let total: number | undefined;
  const rate = (t: number): string => `${((bytes / 1e6) / Math.max(0.001, (t - started) / 1000)).toFixed(1)} MB/s`;
  return {
    report: (n, totalBytes) => {
      bytes = n;
      if (totalBytes !== undefined) total = totalBytes;
      const t = now();
      if (t - lastLogged < everyMs) return;
      lastLogged = t;
      const of = total ? ` of ${formatBytes(total)} (${Math.min(100, Math.floor((bytes / total) * 100))}%)` : '';
      log.info(what, { ...fields, progress: `${formatBytes(bytes)}${of}`, rate: rate(t) });
    },
    done: () => {
      if (bytes === 0) return;
      const t = now();
      log.info(`${what}: done`, { ...fields, bytes, seconds: Number(((t - started) / 1000).toFixed(1)), rate: rate(t) });
    },
  };
}
