/**
 * The one retry loop of the executor — client-go's retry.OnError over an apimachinery wait.Backoff: run `fn`; on an
 * error that `retriable` accepts, sleep the next backoff step (duration × factor, jittered by up to
 * `jitter`×duration, capped) and try again, up to `steps` attempts; other errors return at once. Kubernetes calls use
 * it directly; artifact drivers through `withRetry` (src/artifacts/retry.ts, Argo's ExecutorRetry wording).
 *
 * Note: with a cap, apimachinery stops stepping once the cap is reached (≈5 attempts for 1s×2 cap 30s)
 * although Argo asks for "effectively infinite retries". `capForever` keeps retrying at the cap, as the
 * contract (lifecycle §8.5) and Argo's intent say.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backoff } from './bootstrap.ts';
import { timerMs } from './go-duration.ts';

export interface RetryHooks {
  /** Called after every failed attempt (attempt counts from 0). */
  onError?: (err: unknown, attempt: number) => void;
  /** Called before each sleep with the failed attempt (from 1) and the delay chosen. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Keep retrying at the cap instead of stopping there (see the module note). */
  capForever?: boolean;
  /** What to throw when a retriable error is still there after the last attempt (default: that error). */
  exhausted?: (err: unknown) => unknown;
}

/** `fn` gets the attempt number, from 1. */
export async function retryOnError<T>(backoff: Backoff, retriable: (err: unknown) => boolean, fn: (attempt: number) => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
  let steps = backoff.steps;
  let duration = backoff.durationMs;
  let attempt = 0;
  for (;;) {
    try {
      return await fn(attempt + 1);
    } catch (err) {
      hooks.onError?.(err, attempt);
      attempt++;
      if (!retriable(err)) throw err;
      if (steps <= 1) throw hooks.exhausted ? hooks.exhausted(err) : err;
      steps--;
      const current = duration;
      let stop = false;
      if (backoff.factor !== 0) {
        duration = duration * backoff.factor;
        if (backoff.capMs !== undefined && backoff.capMs > 0 && duration > backoff.capMs) {
          duration = backoff.capMs;
          if (!hooks.capForever) stop = true; // apimachinery: steps = 0 → the loop ends after this sleep
        }
      }
      const wait = backoff.jitter > 0 ? current + Math.random() * backoff.jitter * current : current;
      hooks.onRetry?.(err, attempt, wait);
      await sleep(timerMs(wait));
      if (stop) throw hooks.exhausted ? hooks.exhausted(err) : err;
    }
  }
}
