/** The executor retry backoff read from EXECUTOR_RETRY_BACKOFF_* (lifecycle §4 step 8). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executorBackoff } from '../../src/artifacts/retry.ts';

test('EXECUTOR_RETRY_BACKOFF_DURATION is a Go duration, in milliseconds here', () => {
  assert.equal(executorBackoff({ EXECUTOR_RETRY_BACKOFF_DURATION: '1s' }).durationMs, 1000);
  assert.equal(executorBackoff({ EXECUTOR_RETRY_BACKOFF_DURATION: '250ms' }).durationMs, 250);
  assert.equal(executorBackoff({ EXECUTOR_RETRY_BACKOFF_DURATION: '1m30s' }).durationMs, 90_000);
});

test('defaults: 5 steps, 1 s, factor 1.6, jitter 0.5', () => {
  assert.deepEqual(executorBackoff({}), { steps: 5, durationMs: 1000, factor: 1.6, jitter: 0.5 });
});
