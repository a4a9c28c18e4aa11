/** Progress lines of long artifact transfers (src/artifacts/progress-log.ts), with a fake clock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, progressLog } from '../../src/artifacts/progress-log.ts';
import type { Logger } from '../../src/core/log.ts';

function recorder(): { log: Logger; lines: [string, Record<string, unknown>][] } {
  const lines: [string, Record<string, unknown>][] = [];
  const log: Logger = {
    level: 'info', with: () => log, debug: () => undefined, warn: () => undefined, error: () => undefined,
    info: (msg, fields) => { lines.push([msg, fields ?? {}]); },
  };
  return { log, lines };
}

test('a line every interval while bytes move (with the total when known), a summary at the end', () => {
  const { log, lines } = recorder();
  let t = 1_000_000;
  const p = progressLog(log, 'Uploading artifact', { name: 'out' }, { everyMs: 10_000, now: () => t });
  t += 4_000; p.report(100 * 1024 * 1024, 1024 * 1024 * 1024);
  assert.equal(lines.length, 0, 'nothing before the interval');
  t += 6_000; p.report(512 * 1024 * 1024, 1024 * 1024 * 1024);
  t += 1_000; p.report(600 * 1024 * 1024);
  t += 10_000; p.report(1024 * 1024 * 1024);
  p.done();
  assert.deepEqual(lines.map(([m, f]) => [m, f.progress ?? f.bytes]), [
    ['Uploading artifact', '512.0 MiB of 1.0 GiB (50%)'],
    ['Uploading artifact', '1.0 GiB of 1.0 GiB (100%)'],
    ['Uploading artifact: done', 1024 * 1024 * 1024],
  ]);
  assert.equal(lines[0]?.[1].name, 'out');
  assert.equal(lines[0]?.[1].rate, `${((512 * 1024 * 1024) / 1e6 / 10).toFixed(1)} MB/s`);
  assert.equal(lines[2]?.[1].seconds, 21);
});

test('no summary when nothing moved; byte formatting', () => {
  const { log, lines } = recorder();
  progressLog(log, 'Downloading artifact', { name: 'x' }).done();
  assert.equal(lines.length, 0);
  assert.deepEqual([0, 1023, 1024, 1536 * 1024, 5 * 1024 ** 3].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 MiB', '5.0 GiB']);
});
