/**
 * Progress monitor (lifecycle §7.8): remember the last valid `N/M` line of ARGO_PROGRESS_FILE (inotify
 * + polling) and upsert it into the TaskResult every patch tick. A line without `/` is simply invalid
 * (the Go executor can crash on it; we do not).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, normalize } from 'node:path';
import { timerMs } from '../../core/go-duration.ts';
import { watchFile } from '../../core/watch-file.ts';
import type { ExecutorState } from './state.ts';

/** strconv.ParseInt(s, 10, 64), 0 on error (progress.go parseInt64). */
function parseInt64(s: string): number {
  return /^[+-]?\d+$/.test(s) ? Number.parseInt(s, 10) : 0;
}

/** Progress.IsValid: non-empty, N ≥ 0, N ≤ M, M > 0, split on the first `/`. */
export function isValidProgress(p: string): boolean {
  if (p === '') return false;
  const i = p.indexOf('/');
  if (i < 0) return false;
  const n = parseInt64(p.slice(0, i));
  const m = parseInt64(p.slice(i + 1));
  return n >= 0 && n <= m && m > 0;
}

export function startProgressMonitor(state: ExecutorState, signal: AbortSignal): void {
  const { cfg, log, reporter } = state;
  const file = normalize(cfg.progressFile || '.');
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  } catch (err) {
    log.info('cannot create progress file parent dir, progress monitoring disabled', { file, error: (err as Error).message });
    return;
  }
  let lastLine = '';
  let current = '';
  const w = watchFile(file, () => {
    let data: string;
    try { data = readFileSync(file, 'utf8'); } catch { return; }
    const lines = data.trim().split('\n');
    const mostRecent = (lines[lines.length - 1] ?? '').trim();
    if (mostRecent === '' || mostRecent === lastLine) return;
    lastLine = mostRecent;
    if (isValidProgress(mostRecent)) {
      log.info('', { progress: mostRecent });
      current = mostRecent;
    } else {
      log.info('unable to parse progress', { line: mostRecent });
    }
  }, timerMs(Math.max(cfg.progressFileTickMs, 100)));
  let busy = false;
  const timer = setInterval(() => {
    if (busy || current === '') return;
    const reporting = current;
    busy = true;
    reporter.report({ progress: reporting }).then(
      () => { if (current === reporting) current = ''; },
      (err: unknown) => log.info('failed to report progress', { error: (err as Error).message }),
    ).finally(() => { busy = false; });
  }, timerMs(cfg.progressPatchTickMs));
  timer.unref();
  const stop = (): void => { clearInterval(timer); w.close(); };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', () => { log.info('stopping progress monitor (context done)'); stop(); }, { once: true });
}
