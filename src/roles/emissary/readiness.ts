/** Init-less readiness handshake with the supervisor's status marker (lifecycle §6.3). */
import { readFileSync, statSync } from 'node:fs';
import { STATUS_FILE } from '../../core/paths.ts';
import { waitForFile } from '../../core/watch-file.ts';

export const SUPERVISOR_TIMEOUT_MS = 30_000;
const POLL_MS = 2_000;

type Verdict = { ok: true } | { ok: false; error: Error };

/** One look at the marker: a verdict, or undefined to keep waiting. */
export function evaluateStatus(path: string, startedAt: number, now: number, timeoutMs = SUPERVISOR_TIMEOUT_MS): Verdict | undefined {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return now - startedAt > timeoutMs ? { ok: false, error: new Error(`supervisor presumed dead: status marker never appeared within ${timeoutMs / 1000}s`) } : undefined;
    }
    return { ok: false, error: new Error(`stat supervisor status: ${(err as Error).message}`) };
  }
  let body: string;
  try {
    body = readFileSync(path, 'utf8');
  } catch {
    return undefined; // raced the supervisor's rename: look again on the next event
  }
  const nl = body.indexOf('\n');
  const token = (nl >= 0 ? body.slice(0, nl) : body).trim();
  const message = nl >= 0 ? body.slice(nl + 1).trim() : '';
  if (token === 'READY') return { ok: true };
  if (token === 'FAILED') return { ok: false, error: new Error(`supervisor reported pre-main failure: ${message}`) };
  return now - mtimeMs > timeoutMs ? { ok: false, error: new Error(`supervisor presumed dead: no status update within ${timeoutMs / 1000}s`) } : undefined;
}

export async function waitForSupervisorReady(signal: AbortSignal, path = STATUS_FILE, timeoutMs = SUPERVISOR_TIMEOUT_MS): Promise<void> {
  const startedAt = Date.now();
  const verdict = await waitForFile(path, () => evaluateStatus(path, startedAt, Date.now(), timeoutMs), signal, POLL_MS);
  if (!verdict.ok) throw verdict.error;
}
