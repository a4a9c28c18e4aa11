/**
 * The short subset of `make faults` (issue 13) that `make test` runs: the same scenario code (bench/faults), our
 * executor only, one run each, against the stack's real kube-apiserver and MinIO in simulated pods.
 *
 *   - the API server down (10 s here, 30 s in `make faults`) at each phase of wait's TaskResult protocol: never
 *     stuck, outputs never lost (the TaskResult holds the parameter and the artifact, labelled complete);
 *   - resources: the capture emptyDir full, /tmp full and read-only, main's PID 1 killed without an exit code, wait
 *     in a 192 MiB memory cgroup saving 48 MiB as tar.gz: wait ends, the TaskResult is complete, a failure names its
 *     cause, nothing is OOM-killed;
 *   - S3 answering 503 SlowDown to 20 % of requests (argo-workflows #15565): a file and a 300-file directory
 *     uploaded by wait and downloaded by init, every object and file checked against its source's sha256.
 * Go's figures for the same scenarios are in docs/reliability.md (`make faults`); these are pass/fail only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The scenario modules read these when they load.
process.env.FAULTS_EXECUTORS = 'ts';
process.env.FAULTS_RUNS = '1';
process.env.FAULTS_API_RUNS = '1';
process.env.FAULTS_API_DOWN_S = '10';
const common = await import('../../bench/faults/common.ts');
const { apiFaults, PHASES } = await import('../../bench/faults/api.ts');
const lifecycle = await import('../../bench/faults/lifecycle.ts');
const { s3Faults } = await import('../../bench/faults/s3.ts');

const runId = `short-${Date.now()}`;
const log = (s: string): void => { process.stderr.write(`[faults-short] ${s}\n`); };
mkdirSync(common.LOG_DIR, { recursive: true });
await common.leastPrivilegeAccount();

test('API server down 10 s at each phase of wait: ours completes every TaskResult with its outputs', { timeout: 300_000 }, async () => {
  await apiFaults(runId, log);
  const rows = common.rows.filter((r) => r.group.startsWith('API down'));
  assert.deepEqual(rows.map((r) => r.scenario).sort(), [...PHASES].sort());
  for (const r of rows) {
    assert.equal(r.runs, 1, r.scenario);
    assert.deepEqual({ scenario: r.scenario, ok: r.ok, stuck: r.stuck, lost: r.lost, reported: r.reported }, { scenario: r.scenario, ok: 1, stuck: 0, lost: 0, reported: 0 }, r.notes.join('; '));
  }
});

test('resources: full capture emptyDir, /tmp full or read-only, main killed without an exit code, wait at its memory limit — wait ends and reports', { timeout: 300_000 }, async () => {
  const ds = await common.makeData(join(tmpdir(), `faults-short-${runId}`), 48 * common.MiB, 4);
  await lifecycle.resources(ds, runId, log);
  const os = lifecycle.outcomes.filter((o) => o.part === 'Resources' && o.executor === 'ts');
  assert.equal(os.length, 5);
  for (const o of os) {
    assert.equal(o.stuck, false, `${o.scenario}: ${o.line}`);
    assert.equal(o.ok, true, `${o.scenario}: ${o.line}`);
  }
  // a failure names its cause, as Go's texts
  assert.match(os.find((o) => /read-only/.test(o.scenario))!.line, /mkdir \/tmp\/argo: read-only file system/);
  assert.match(os.find((o) => /full \(1 MiB/.test(o.scenario))!.line, /no space left on device/);
  // in a 192 MiB memory cgroup the 48 MiB output is saved whole, no OOM kill
  const mem = os.find((o) => /memory limit/.test(o.scenario))!;
  assert.match(mem.line, /output saved \(sha256 of the tar entry verified\)/);
  assert.doesNotMatch(mem.line, /OOM-killed/);
});

test('S3 answers 503 SlowDown to 20 % of requests: ours uploads and downloads everything, sha256 verified', { timeout: 300_000 }, async () => {
  const ds = await common.makeData(join(tmpdir(), `faults-short-${runId}-s3`), 16 * common.MiB, 300);
  const source = `faults/${runId}/source`;
  await common.uploadSource(ds, source);
  process.env.FAULTS_S3 = 'slowdown-503';
  const lines: string[] = [];
  try {
    await s3Faults(undefined, ds, runId, source, (line) => { lines.push(line); log(line); });
  } finally {
    delete process.env.FAULTS_S3;
  }
  // the fault was there: about one request in five answered 503
  const [, injected, requests] = lines.join('\n').match(/503 proxy: (\d+) of (\d+) requests answered 503/) ?? [];
  assert.ok(Number(injected) > 0 && Number(injected) >= Number(requests) / 6, `503s injected: ${injected} of ${requests}`);
  const rows = common.rows.filter((r) => r.group.startsWith('S3') && r.executor === 'ts');
  assert.deepEqual(rows.map((r) => r.group).sort(), ['S3 download', 'S3 upload']);
  for (const r of rows) {
    assert.deepEqual({ group: r.group, runs: r.runs, ok: r.ok, stuck: r.stuck, lost: r.lost, corrupted: r.corrupted, reported: r.reported },
      { group: r.group, runs: 1, ok: 1, stuck: 0, lost: 0, corrupted: 0, reported: 0 }, r.notes.join('; '));
  }
});

test.after(async () => {
  rmSync(join(tmpdir(), `faults-short-${runId}-s3`), { recursive: true, force: true });
  rmSync(join(tmpdir(), `faults-short-${runId}`), { recursive: true, force: true });
  await common.deletePrefix(`faults/${runId}/`).catch(() => undefined);
});
