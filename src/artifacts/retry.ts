/**
 * Argo's ExecutorRetry (util/retry/retry.go): 5 attempts, 1 s × 1.6 with jitter 0.5, overridable through
 * EXECUTOR_RETRY_BACKOFF_{STEPS,DURATION,FACTOR,JITTER}. Only errors `isTransient` accepts are retried; after the
 * last attempt the error reads "timed out waiting for the condition: <last error>".
 */
import { executorRetryBackoff, type Backoff } from '../core/bootstrap.ts';
import { retryOnError } from '../core/retry.ts';

export type { Backoff } from '../core/bootstrap.ts';

/** The executor backoff (one parser for the env: core/bootstrap.ts), with at least one attempt. */
export function executorBackoff(env: NodeJS.ProcessEnv): Backoff {
  const b = executorRetryBackoff(env);
  return { ...b, steps: Math.max(1, Math.trunc(b.steps)) };
}

/** Argo's ExecutorRetry over the executor's one retry loop (src/core/retry.ts). */
export function withRetry<T>(b: Backoff, isTransient: (err: unknown) => boolean, fn: (attempt: number) => Promise<T>, onRetry?: (err: unknown, attempt: number, delayMs: number) => void): Promise<T> {
  return retryOnError({ ...b, steps: Math.max(1, b.steps) }, isTransient, fn, {
    ...(onRetry ? { onRetry } : {}),
    exhausted: (err) => {
      if (err instanceof Error) err.message = `timed out waiting for the condition: ${err.message}`;
      return err;
    },
  });
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
