/**
 * util/retry DefaultRetry under util/wait Backoff (artifacts spec §7.2): RETRY_BACKOFF_STEPS (5),
 * RETRY_BACKOFF_DURATION (10ms), RETRY_BACKOFF_FACTOR (2), no jitter — attempts at 0, 10, 30, 70,
 * 150 ms. Every error is retried; malformed values panic like util/env.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PanicError } from '../../core/errors.ts';
import { parseGoDuration, timerMs } from '../../core/go-duration.ts';

export interface SimpleBackoff { steps: number; durationMs: number; factor: number }

function lookup<T>(env: NodeJS.ProcessEnv, key: string, fallback: T, parse: (v: string) => T | undefined, what: string): T {
  const v = env[key];
  if (v === undefined || v === '') return fallback;
  const parsed = parse(v);
  if (parsed === undefined) throw new PanicError(what);
  return parsed;
}

export function defaultRetry(env: NodeJS.ProcessEnv): SimpleBackoff {
  return {
    steps: lookup(env, 'RETRY_BACKOFF_STEPS', 5, (v) => (/^[+-]?\d+$/.test(v) ? Number.parseInt(v, 10) : undefined), 'failed to convert to int'),
    durationMs: lookup(env, 'RETRY_BACKOFF_DURATION', 10, (v) => { try { return parseGoDuration(v); } catch { return undefined; } }, 'failed to parse'),
    factor: lookup(env, 'RETRY_BACKOFF_FACTOR', 2, (v) => (v.trim() === v && !Number.isNaN(Number(v)) ? Number(v) : undefined), 'failed to convert to float'),
  };
}

/** apimachinery ExponentialBackoff: run `attempt` until it reports done or the steps run out. */
export async function backoff(b: SimpleBackoff, attempt: () => Promise<boolean>): Promise<void> {
  let steps = b.steps;
  let duration = b.durationMs;
  while (steps > 0) {
    if (await attempt()) return;
    if (steps === 1) return;
    steps--;
    const current = duration;
    if (b.factor !== 0) duration *= b.factor;
    await sleep(timerMs(current));
  }
}
