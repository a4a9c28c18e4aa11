/**
 * Huge and negative durations from hostile environment values and templates (issue 13, hostile-input part): Node
 * fires any setTimeout/setInterval delay above 2^31-1 ms (~24.8 days) after 1 ms with a TimeoutOverflowWarning, which
 * turned a huge ARGO_PROGRESS_FILE_TICK_DURATION into a 1 ms busy loop and a huge grace period into an immediate
 * kill. Delays go through timerMs (src/core/go-duration.ts); these check the helper and its users.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { MAX_TIMER_MS, parseGoDuration, timerMs } from '../../src/core/go-duration.ts';
import { terminationGraceMs } from '../../src/core/kill-protocol.ts';
import { watchFile } from '../../src/core/watch-file.ts';

test('timerMs: Go durations of any size become delays Node honours', () => {
  assert.equal(MAX_TIMER_MS, 2 ** 31 - 1);
  const cases: [string, number][] = [['2562047h', MAX_TIMER_MS], ['999h', MAX_TIMER_MS], ['597h', MAX_TIMER_MS], ['596h', 2_145_600_000], ['596h31m23s647ms', MAX_TIMER_MS], ['-5s', 0], ['0', 0], ['1.5s', 1500], ['24h', 86_400_000]];
  for (const [d, want] of cases) assert.equal(timerMs(parseGoDuration(d)), want, d);
  assert.equal(timerMs(Number.NaN), MAX_TIMER_MS);
  assert.equal(timerMs(terminationGraceMs({ ARGO_TERMINATION_GRACE_PERIOD_SECONDS: '99999999999999999999' })), MAX_TIMER_MS);
});

test('a watch polling every 999h neither overflows Node\'s timer nor fires early', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'timers-'));
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.name); };
  process.on('warning', onWarning);
  let fired = 0;
  const w = watchFile(join(dir, 'never'), () => { fired++; }, parseGoDuration('999h'));
  t.after(() => { w.close(); process.off('warning', onWarning); rmSync(dir, { recursive: true, force: true }); });
  for (let i = 0; i < 20; i++) await tick(); // an overflowed interval (1 ms) would have been scheduled by now
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(warnings.filter((n) => n === 'TimeoutOverflowWarning'), []);
  assert.equal(fired, 0);
});
