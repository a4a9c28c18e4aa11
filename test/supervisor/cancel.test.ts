/**
 * lifecycle §9: the supervisor's input loads share one context (cmd/argoexec/commands/supervisor.go
 * runSupervisorPreMain: errgroup.WithContext over one group for the non-plugin inputs — loaded one after the other,
 * workflow/executor/executor.go loadArtifacts — plus one group per plugin). SIGTERM (main.go signal.NotifyContext)
 * or the first failing group cancels every load still in flight; g.Wait returns the first error, which becomes the
 * `FAILED\n<error>` marker, the termination message and exit 64 (main.go), after PostMain(preMainFailed).
 *
 * Each scenario runs with our executor and with the Go reference v4.1.2 ($REFERENCE_ARGOEXEC) in the same simulated
 * init-less pod and must give the same marker, which the test spells out from the Go source:
 *   - net/http: a request whose context is canceled before the response fails with url.Error
 *     `Get "<url>": context canceled`; a body read after it fails with `context canceled` (io.Copy in http.go Load);
 *   - http.go: 404 → errors.New(CodeNotFound, res.Status) → `404 Not Found`;
 *   - plugin.go NewDriver: a stat error other than "does not exist" fails at once; a missing socket is waited for
 *     (up to 120 s) unless the context is canceled.
 * Real go-httpbin (/delay, /drip, /status), real apiserver; nothing mocked.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { driverFor } from '../../src/artifacts/registry.ts';
import { credsFor, ctxFor, s3Artifact, s3Servers, tmp, uniq } from '../artifacts/helpers.ts';
import { GO_EXECUTOR, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { until } from '../support/emissary.ts';
import { deleteTaskResult } from '../wait/helpers.ts';
import { InitlessPod, reportedTaskResult, watchTaskResult } from './helpers.ts';

const HTTPBIN = STACK.HTTPBIN_URL ?? 'http://127.0.0.1:9100';
const ENGINES: Executor[] = [TS_EXECUTOR, GO_EXECUTOR];
/** The container's deadline: far below the 120 s plugin socket wait; a supervisor that does not cancel is SIGKILLed. */
const DEADLINE_MS = 60_000;

function sizeOf(file: string): number {
  try { return statSync(file).size; } catch { return -1; }
}

async function sigtermMidDownload(t: TestContext, engine: Executor, url: string, started: (pod: InitlessPod) => boolean, expected: string): Promise<void> {
  const template = {
    name: 'slow', container: { image: 'x' },
    inputs: { artifacts: [{ name: 'slow', path: '/in/slow', http: { url } }] },
    outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] }, // something to report: PostMain's TaskResult
  };
  const pod = new InitlessPod({ template, executor: engine });
  const taskResult = await watchTaskResult(pod.nodeId);
  try {
    const sup = pod.startSupervisor({}, DEADLINE_MS);
    const main = pod.startMain(['sh', '-c', 'echo ran > /tmp/p'], {}, DEADLINE_MS);
    await until(() => started(pod), 20_000, `the download of ${url} (${engine.name})`);
    process.kill(sup.pid1(), 'SIGTERM');
    const [s, m] = await Promise.all([sup.done, main.done]);

    const status = readFileSync(pod.path('var-run-argo', 'status'), 'utf8');
    assert.equal(status, `FAILED\n${expected}`, `${engine.name}: ${s.stderr}`);
    assert.equal(s.signal, null, `${engine.name}: ended by itself, no SIGKILL`);
    assert.equal(s.code, 64, `${engine.name}: ${s.stderr}`);
    assert.equal(pod.terminationMessage('supervisor'), expected);
    assert.equal(m.code, 65, `${engine.name}: ${m.stderr}`);
    assert.equal(pod.terminationMessage('main'), `supervisor reported pre-main failure: ${expected}`);
    assert.equal(existsSync(pod.path('tmp-main', 'p')), false, 'the command never ran');
    assert.equal(existsSync(pod.path('input-artifacts', 'slow')), false, `${engine.name}: nothing at the destination`);
    // InitializeOutput creates it empty; ReportOutputs patches (or re-creates) it with the outputs; FinalizeOutput labels it.
    const tr = await reportedTaskResult(taskResult, t, engine.name);
    assert.deepEqual(tr.outputs, { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] }, `${engine.name}: the template's outputs, no values`);
    await deleteTaskResult(pod.nodeId);
  } finally {
    taskResult.close();
    pod.cleanup();
  }
}

for (const engine of ENGINES) {
  test(`9 (${engine.name}): SIGTERM while the request waits for its response → FAILED with net/http's error for the canceled request, exit 64`, async (t) => {
    const url = `${HTTPBIN}/delay/10`;
    // The template is written before the loads start; whenever SIGTERM lands from there on, the request fails the same way.
    await sigtermMidDownload(t, engine, url, (pod) => existsSync(pod.path('var-run-argo', 'template')),
      `failed to load non-plugin input artifacts: artifact slow failed to load: Get "${url}": terminated signal received`);
  });

  test(`9 (${engine.name}): SIGTERM while the body streams → FAILED "… failed to load: terminated signal received", the partial file never reaches the destination`, async (t) => {
    const url = `${HTTPBIN}/drip?duration=10&numbytes=10&code=200&delay=0`;
    // Both write the body into <dest>.tmp as it arrives: a first byte there means the body is streaming.
    await sigtermMidDownload(t, engine, url, (pod) => sizeOf(pod.path('input-artifacts', 'slow.tmp')) > 0,
      'failed to load non-plugin input artifacts: artifact slow failed to load: terminated signal received');
  });

  test(`9 (${engine.name}): a plugin group failing at once cancels the slow non-plugin download; its error wins`, async () => {
    const plugin = { name: 'my-plugin', configuration: '{}', key: 'k' };
    const template = {
      name: 'x', container: { image: 'x' },
      inputs: { artifacts: [
        { name: 'slow', path: '/in/slow', http: { url: `${HTTPBIN}/delay/10` } },
        { name: 'fromplugin', path: '/in/p', plugin },
      ] },
    };
    const pod = new InitlessPod({ template, executor: engine });
    try {
      // /tmp/artifact-plugins/my-plugin is a file: stat of its socket fails with ENOTDIR at once.
      mkdirSync(pod.path('tmp-supervisor', 'artifact-plugins'));
      writeFileSync(pod.path('tmp-supervisor', 'artifact-plugins/my-plugin'), '');
      mkdirSync(pod.path('var-run-argo', 'ctr/main'), { recursive: true });
      writeFileSync(pod.path('var-run-argo', 'ctr/main/exitcode'), '65');
      const s = await pod.startSupervisor({ ARGO_INPUT_ARTIFACT_PLUGIN_NAMES: 'my-plugin' }, DEADLINE_MS).done;
      const socket = '/tmp/artifact-plugins/my-plugin/socket';
      const expected = `failed to load input artifacts from plugin "my-plugin": failed to create plugin driver for my-plugin: plugin my-plugin cannot stat unix socket at "${socket}": stat ${socket}: not a directory`;
      assert.equal(readFileSync(pod.path('var-run-argo', 'status'), 'utf8'), `FAILED\n${expected}`, `${engine.name}: ${s.stderr}`);
      assert.equal(s.code, 64, `${engine.name}: ${s.stderr}`);
      assert.equal(pod.terminationMessage('supervisor'), expected);
      // Had the download not been canceled, g.Wait would have waited for it and renamed it into place.
      assert.equal(existsSync(pod.path('input-artifacts', 'slow')), false, `${engine.name}: the slow download was canceled`);
      await deleteTaskResult(pod.nodeId);
    } finally {
      pod.cleanup();
    }
  });

  test(`9 (${engine.name}): a 404 in the non-plugin group cancels a plugin group still waiting for its socket; the 404 wins`, async () => {
    const plugin = { name: 'late-plugin', configuration: '{}', key: 'k' };
    const template = {
      name: 'x', container: { image: 'x' },
      inputs: { artifacts: [
        { name: 'missing', path: '/in/m', http: { url: `${HTTPBIN}/status/404` } },
        { name: 'fromplugin', path: '/in/p', plugin },
      ] },
    };
    const pod = new InitlessPod({ template, executor: engine });
    try {
      mkdirSync(pod.path('var-run-argo', 'ctr/main'), { recursive: true });
      writeFileSync(pod.path('var-run-argo', 'ctr/main/exitcode'), '65');
      // No socket ever appears: without the cancel the plugin group would wait 120 s, past the container's deadline.
      const s = await pod.startSupervisor({ ARGO_INPUT_ARTIFACT_PLUGIN_NAMES: 'late-plugin' }, DEADLINE_MS).done;
      const expected = 'failed to load non-plugin input artifacts: artifact missing failed to load: 404 Not Found';
      assert.equal(readFileSync(pod.path('var-run-argo', 'status'), 'utf8'), `FAILED\n${expected}`, `${engine.name}: ${s.stderr}`);
      assert.equal(s.signal, null, `${engine.name}: ended by itself`);
      assert.equal(s.code, 64, `${engine.name}: ${s.stderr}`);
      assert.equal(pod.terminationMessage('supervisor'), expected);
      await deleteTaskResult(pod.nodeId);
    } finally {
      pod.cleanup();
    }
  });
}

// The S3 driver, alone: a slow download cannot be produced on MinIO on demand, so the cancel comes from the progress
// callback, once the body streams. Expected text from the Go source (s3.go loadS3Artifact: `failed to get file: %w`
// around minio-go's FGetObject, whose body read returns the context's cause; not transient, so no retry).
test('9: an S3 load aborted while the body streams fails with "failed to get file: <cause>" and leaves nothing', async () => {
  const [server] = s3Servers();
  assert.ok(server, 'an S3 server in the stack');
  const d = tmp();
  try {
    const key = `supervisor-tests/${uniq()}/big.bin`;
    const art = s3Artifact(server, key);
    const drv = driverFor(art, ctxFor(credsFor(server)));
    writeFileSync(join(d, 'big.bin'), randomBytes(24 * 1024 * 1024));
    await drv.save(join(d, 'big.bin'), art);
    const ac = new AbortController();
    let seen = 0;
    const load = drv.load(art, join(d, 'back.bin'), (n) => { seen = n; if (n > 0) ac.abort(new Error('terminated signal received')); }, ac.signal);
    await assert.rejects(load, (err: Error) => err.message === 'failed to get file: terminated signal received' || assert.fail(err.message));
    assert.ok(seen > 0 && seen < 24 * 1024 * 1024, `aborted mid-body (${seen} bytes)`);
    assert.equal(existsSync(join(d, 'back.bin')), false, 'the partial file is removed');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
