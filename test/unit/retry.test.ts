/** The executor's one retry loop (src/core/retry.ts) and Argo's ExecutorRetry wording over it (src/artifacts/retry.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryOnError } from '../../src/core/retry.ts';
import { withRetry } from '../../src/artifacts/retry.ts';

const quick = { steps: 5, durationMs: 1, factor: 2, jitter: 0 };
const transient = (err: unknown): boolean => (err as Error).message.startsWith('transient');

function failing(times: number, message = 'transient'): { fn: (attempt: number) => Promise<string>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    fn: async (attempt) => {
      attempts.push(attempt);
      if (attempts.length <= times) throw new Error(`${message} ${attempts.length}`);
      return 'ok';
    },
  };
}

test('transient errors are retried until success; attempts count from 1; hooks see every failure', async () => {
  const f = failing(3);
  const errors: number[] = [];
  const retries: [number, number][] = [];
  assert.equal(await retryOnError(quick, transient, f.fn, { onError: (_e, a) => errors.push(a), onRetry: (_e, a, d) => retries.push([a, d]) }), 'ok');
  assert.deepEqual(f.attempts, [1, 2, 3, 4]);
  assert.deepEqual(errors, [0, 1, 2]);
  assert.deepEqual(retries, [[1, 1], [2, 2], [3, 4]], 'delay = duration × factor^n without jitter');
});

test('a non-retriable error is thrown at once', async () => {
  const f = failing(1, 'fatal');
  await assert.rejects(retryOnError(quick, transient, f.fn), /^Error: fatal 1$/);
  assert.deepEqual(f.attempts, [1]);
});

test('after `steps` attempts: the last error as is, or in ExecutorRetry\'s words', async () => {
  const raw = failing(10);
  await assert.rejects(retryOnError(quick, transient, raw.fn), { message: 'transient 5' });
  assert.equal(raw.attempts.length, 5);
  const executor = failing(10);
  await assert.rejects(withRetry(quick, transient, executor.fn), { message: 'timed out waiting for the condition: transient 5' });
  assert.equal(executor.attempts.length, 5);
  const once = failing(10);
  await assert.rejects(withRetry({ ...quick, steps: 0 }, transient, once.fn), /timed out/, 'at least one attempt');
  assert.equal(once.attempts.length, 1);
});

test('a cap ends the stepping like apimachinery, unless capForever', async () => {
  const capped = failing(20);
  await assert.rejects(retryOnError({ ...quick, steps: 10, capMs: 4 }, transient, capped.fn), { message: 'transient 3' });
  assert.equal(capped.attempts.length, 3, '1 ms, 2 ms, then 8 ms > cap: stop after the capped sleep');
  const forever = failing(7);
  const delays: number[] = [];
  assert.equal(await retryOnError({ ...quick, steps: 10, capMs: 4 }, transient, forever.fn, { capForever: true, onRetry: (_e, _a, d) => delays.push(d) }), 'ok');
  assert.deepEqual(delays, [1, 2, 4, 4, 4, 4, 4]);
});
