/**
 * client-go's retry.OnError over an apimachinery wait.Backoff: run `fn`; on an error that `retriable`
 * accepts, sleep the next backoff step (duration × factor, jittered by up to `jitter`×duration, capped)
 * and try again, up to `steps` attempts; other errors return at once.
 *
 * Note: with a cap, apimachinery stops stepping once the cap is reached (≈5 attempts for 1s×2 cap 30s)
 * although Argo asks for "effectively infinite retries". `capForever` keeps retrying at the cap, as the
 * contract (lifecycle §8.5) and Argo's intent say.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backoff } from '../bootstrap.ts';

export interface RetryHooks {
  /** Called after every failed attempt (attempt counts from 0). */
  onError?: (err: unknown, attempt: number) => void;
  /** Keep retrying at the cap instead of stopping there (see the module note). */
  capForever?: boolean;
}

export async function retryOnError<T>(backoff: Backoff, retriable: (err: unknown) => boolean, fn: () => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
  let steps = backoff.steps;
  let duration = backoff.durationMs;
  let attempt = 0;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      hooks.onError?.(err, attempt);
      attempt++;
      if (!retriable(err)) throw err;
      if (steps <= 1) throw err;
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
      await sleep(wait);
      if (stop) throw err;
    }
  }
}
