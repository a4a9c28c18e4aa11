/**
 * Issue 13, termination: SIGTERM reaches `wait` while it uploads an output. It goes on saving (as Go's does); if the
 * pod's grace period ends first, SIGKILL would leave the node without a word — so the termination message says at
 * once that outputs may be lost, and is cleared when the save completes in time. The store is a local S3 endpoint that
 * holds the upload until the test lets it through (or never, for the SIGKILL case).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PodSim } from '../support/pod-sim.ts';
import { until } from '../support/emissary.ts';
import { deleteTaskResult, S3_SECRETS } from './helpers.ts';

const held: ServerResponse[] = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'PUT') { held.push(res); return; } // the upload hangs until released
    res.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => { for (const r of held) r.destroy(); server.close(); });
const endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;

const NOTE = 'wait was terminated while saving outputs; outputs not saved when the grace period ended are lost';

function pod(): PodSim {
  return new PodSim({
    secrets: S3_SECRETS,
    template: {
      container: { image: 'x' },
      outputs: { artifacts: [{ name: 'out', path: '/tmp/out.txt', archive: { none: {} }, s3: { endpoint, insecure: true, bucket: 'my-bucket', key: `held/${Date.now()}.txt`, accessKeySecret: { name: 'my-minio-cred', key: 'accesskey' }, secretKeySecret: { name: 'my-minio-cred', key: 'secretkey' } } }] },
    },
  });
}

async function startSaving(p: PodSim): Promise<ReturnType<PodSim['startWait']>> {
  assert.equal((await p.runInit()).code, 0);
  const before = held.length;
  const wait = p.startWait({}, 60_000);
  await p.startMain(['sh', '-c', 'echo saved > /tmp/out.txt']).done;
  await until(() => held.length > before, 20_000, 'the upload to reach the store');
  return wait;
}

test('SIGTERM mid-upload, then SIGKILL at the end of the grace period: the termination message says outputs may be lost', async () => {
  const p = pod();
  try {
    const wait = await startSaving(p);
    process.kill(wait.pid1(), 'SIGTERM');
    await sleep(1000);
    process.kill(wait.pid1(), 'SIGKILL');
    await wait.done;
    assert.equal(p.terminationMessage('wait'), NOTE);
  } finally {
    await deleteTaskResult(p.nodeId).catch(() => undefined);
    p.cleanup();
  }
});

test('SIGTERM mid-upload and the upload completes in time: no message is left', async () => {
  const p = pod();
  try {
    const wait = await startSaving(p);
    process.kill(wait.pid1(), 'SIGTERM');
    await sleep(1000);
    for (const r of held.splice(0)) r.writeHead(200, { etag: '"0123456789abcdef0123456789abcdef"' }).end();
    const w = await wait.done;
    assert.equal(w.code, 0, w.stderr);
    assert.equal(p.terminationMessage('wait'), '');
  } finally {
    await deleteTaskResult(p.nodeId).catch(() => undefined);
    p.cleanup();
  }
});
