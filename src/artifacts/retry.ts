/**
 * Argo's ExecutorRetry (util/retry/retry.go): 5 attempts, 1 s × 1.6 with jitter 0.5, overridable through
 * EXECUTOR_RETRY_BACKOFF_{STEPS,DURATION,FACTOR,JITTER}. Only errors `isTransient` accepts are retried; after the
 * last attempt the error reads "timed out waiting for the condition: <last error>".
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseGoDuration } from '../core/go-duration.ts';

export interface Backoff { steps: number; durationMs: number; factor: number; jitter: number }

export function executorBackoff(env: NodeJS.ProcessEnv): Backoff {
  const num = (k: string, d: number): number => {
    const v = Number.parseFloat(env[k] ?? '');
    return Number.isFinite(v) ? v : d;
  };
  let durationMs = 1000;
  const d = env.EXECUTOR_RETRY_BACKOFF_DURATION;
  if (d) {
    try { durationMs = parseGoDuration(d) / 1e6; } catch { /* keep default */ }
  }
  return { steps: Math.max(1, Math.trunc(num('EXECUTOR_RETRY_BACKOFF_STEPS', 5))), durationMs, factor: num('EXECUTOR_RETRY_BACKOFF_FACTOR', 1.6), jitter: num('EXECUTOR_RETRY_BACKOFF_JITTER', 0.5) };
}

export async function withRetry<T>(b: Backoff, isTransient: (err: unknown) => boolean, fn: (attempt: number) => Promise<T>, onRetry?: (err: unknown, attempt: number, delayMs: number) => void): Promise<T> {
  let delay = b.durationMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (attempt >= b.steps) {
        const e = err as Error;
        if (e instanceof Error) e.message = `timed out waiting for the condition: ${e.message}`;
        throw err;
      }
      const wait = b.jitter > 0 ? delay * (1 + Math.random() * b.jitter) : delay;
      onRetry?.(err, attempt, wait);
      await sleep(wait);
      delay *= b.factor;
    }
  }
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE']);

/** util/errors isTransientErr, roughly: network failures, unexpected EOF, TRANSIENT_ERROR_PATTERN. */
export function isTransientNetworkError(err: unknown, env: NodeJS.ProcessEnv = process.env): boolean {
  const e = err as NodeJS.ErrnoException & { cause?: unknown };
  if (!e) return false;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  const msg = String(e.message ?? e);
  if (/connection reset by peer|connection refused|i\/o timeout|socket hang up|TLS handshake timeout|unexpected EOF|EOF$/i.test(msg)) return true;
  const pattern = env.TRANSIENT_ERROR_PATTERN;
  if (pattern) {
    try { if (new RegExp(pattern).test(msg)) return true; } catch { /* invalid pattern: ignore */ }
  }
  if (e.cause && e.cause !== err) return isTransientNetworkError(e.cause, env);
  return false;
}
