/** lifecycle §16 items 43–48: the init-less readiness handshake and input-artifact symlinks. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { emissaryPod, runEmissary, startEmissary } from '../support/emissary.ts';

const READY = { ARGO_WAIT_FOR_READY: 'true' };

describe('init-less readiness', { concurrency: true }, () => {
  test('43: status READY → the command runs', async () => {
    const pod = await emissaryPod();
    pod.write('/var/run/argo/status', 'READY\n');
    const r = await runEmissary(pod, ['sh', '-c', 'echo ran'], READY);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ran\n');
    pod.cleanup();
  });

  test('43b: RUNNING then READY (atomic rename) → the command runs once READY lands', async () => {
    const pod = await emissaryPod();
    pod.write('/var/run/argo/status', 'RUNNING\n');
    const run = startEmissary(pod, ['sh', '-c', 'echo ran'], READY);
    await sleep(800);
    pod.write('/var/run/argo/status.tmp', 'READY\n');
    const { renameSync } = await import('node:fs');
    renameSync(pod.file('/var/run/argo/status.tmp'), pod.file('/var/run/argo/status'));
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    pod.cleanup();
  });

  test('44: FAILED\\nboom → exit 65, exitcode 65, termination message', async () => {
    const pod = await emissaryPod();
    pod.write('/var/run/argo/status', 'FAILED\nboom');
    const r = await runEmissary(pod, ['sh', '-c', 'touch /tmp/ran'], READY);
    assert.equal(r.code, 65, r.stderr);
    assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '65');
    assert.equal(pod.terminationMessage(), 'supervisor reported pre-main failure: boom');
    assert.equal(pod.exists('/tmp/ran'), false);
    pod.cleanup();
  });

  test('45: no status file for more than 30 s → 65 "status marker never appeared within 30s"', async () => {
    const pod = await emissaryPod();
    const t0 = Date.now();
    const r = await runEmissary(pod, ['true'], READY);
    assert.equal(r.code, 65, r.stderr);
    assert.ok(Date.now() - t0 >= 30_000);
    assert.equal(pod.terminationMessage(), 'supervisor presumed dead: status marker never appeared within 30s');
    pod.cleanup();
  });

  test('46: RUNNING whose mtime is older than 30 s → 65 "no status update within 30s"', async () => {
    const pod = await emissaryPod();
    pod.write('/var/run/argo/status', 'RUNNING\n');
    const old = (Date.now() - 40_000) / 1000;
    utimesSync(pod.file('/var/run/argo/status'), old, old);
    const r = await runEmissary(pod, ['true'], READY);
    assert.equal(r.code, 65, r.stderr);
    assert.equal(pod.terminationMessage(), 'supervisor presumed dead: no status update within 30s');
    pod.cleanup();
  });

  test('46b: periodic RUNNING rewrites keep the emissary waiting past 30 s', async () => {
    const pod = await emissaryPod();
    pod.write('/var/run/argo/status', 'RUNNING\n');
    const run = startEmissary(pod, ['sh', '-c', 'echo ran'], READY);
    const t0 = Date.now();
    while (Date.now() - t0 < 34_000) {
      await sleep(2000);
      writeFileSync(pod.file('/var/run/argo/status'), 'RUNNING\n');
    }
    writeFileSync(pod.file('/var/run/argo/status'), 'READY\n');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ran\n');
    pod.cleanup();
  });
});

describe('init-less input artifacts', { concurrency: true }, () => {
  test('47: input artifact x at /tmp/in/x becomes a symlink to /argo/inputs/artifacts/x; a missing one is skipped', async () => {
    const pod = await emissaryPod({ inputs: { artifacts: [{ name: 'x', path: '/tmp/in/x' }, { name: 'missing', path: '/tmp/in/missing' }] } });
    pod.write('/var/run/argo/status', 'READY\n');
    pod.write('/argo/inputs/artifacts/x', 'payload');
    const r = await runEmissary(pod, ['sh', '-c', 'readlink /tmp/in/x; cat /tmp/in/x'], READY);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '/argo/inputs/artifacts/x\npayload');
    assert.equal(readlinkSync(pod.file('/tmp/in/x')), '/argo/inputs/artifacts/x');
    assert.throws(() => lstatSync(pod.file('/tmp/in/missing')));
    pod.cleanup();
  });

  test('47b: an existing file at the artifact path (not in a volume) is replaced by the link', async () => {
    const pod = await emissaryPod({ inputs: { artifacts: [{ name: 'x', path: '/tmp/in/x' }] } });
    pod.write('/var/run/argo/status', 'READY\n');
    pod.write('/argo/inputs/artifacts/x', 'new');
    pod.write('/tmp/in/x', 'old');
    const r = await runEmissary(pod, ['cat', '/tmp/in/x'], READY);
    assert.equal(r.stdout, 'new');
    pod.cleanup();
  });

  test('47c: only `main` links input artifacts', async () => {
    const pod = await emissaryPod({ inputs: { artifacts: [{ name: 'x', path: '/tmp/in/x' }] } });
    pod.write('/var/run/argo/status', 'READY\n');
    pod.write('/argo/inputs/artifacts/x', 'p');
    const r = await runEmissary(pod, ['true'], { ...READY, ARGO_CONTAINER_NAME: 'side' });
    assert.equal(r.code, 0, r.stderr);
    assert.throws(() => lstatSync(pod.file('/tmp/in/x')));
    pod.cleanup();
  });

  test('48: an existing art.path inside a declared volume mount is refused with exit 65', async () => {
    const pod = await emissaryPod({
      inputs: { artifacts: [{ name: 'x', path: '/tmp/data/x' }] },
      container: { volumeMounts: [{ name: 'data', mountPath: '/tmp/data' }] },
    });
    pod.write('/var/run/argo/status', 'READY\n');
    pod.write('/argo/inputs/artifacts/x', 'p');
    mkdirSync(pod.file('/tmp/data'), { recursive: true });
    writeFileSync(pod.file('/tmp/data/x'), 'precious');
    const r = await runEmissary(pod, ['true'], READY);
    assert.equal(r.code, 65, r.stderr);
    assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '65');
    assert.match(pod.terminationMessage(), /^refusing to stage input artifact "x" at \/tmp\/data\/x: it resolves to \/tmp\/data\/x inside volume mount "data" \(\/tmp\/data\)/);
    assert.equal(pod.read('/tmp/data/x'), 'precious');
    pod.cleanup();
  });
});
