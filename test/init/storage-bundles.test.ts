/**
 * The storage SDKs that live in bundles of their own inside the executable (Azure, GCS, git: scripts/build.ts,
 * MODULE_CHUNKS) work through the real roles: wait saves outputs to Azurite and fake-gcs, init loads them back
 * together with a git input — all with dist/argoexec in simulated pods, no code-cache warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { PodSim, STACK } from '../support/pod-sim.ts';
import { deleteTaskResult } from '../wait/helpers.ts';

const key = `bundles/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
const azure = {
  endpoint: STACK.AZURITE_BLOB_ENDPOINT, container: STACK.AZURITE_CONTAINER, blob: `${key}/a.txt`,
  accountKeySecret: { name: 'az', key: 'key' },
};
const gcs = { bucket: STACK.GCS_BUCKET ?? 'my-bucket', key: `${key}/g.txt` };
const secrets = { az: { key: STACK.AZURITE_ACCOUNT_KEY ?? '' } };
const env = { STORAGE_EMULATOR_HOST: STACK.GCS_ENDPOINT ?? '' };

test('wait saves to Azure and GCS, init loads them and a git repository back (separately embedded SDK bundles)', async () => {
  assert.ok(STACK.AZURITE_BLOB_ENDPOINT && STACK.GCS_ENDPOINT && STACK.GIT_URL, 'make stack-up');
  const out = new PodSim({
    template: {
      name: 'save', container: { image: 'x' },
      outputs: { artifacts: [
        { name: 'az', path: '/tmp/a.txt', archive: { none: {} }, azure },
        { name: 'g', path: '/tmp/g.txt', archive: { none: {} }, gcs },
      ] },
    },
    secrets, env,
  });
  const saved = await out.run(['sh', '-c', 'printf azure-bytes > /tmp/a.txt; printf gcs-bytes > /tmp/g.txt']);
  assert.equal(saved.wait?.code, 0, saved.wait?.stderr);
  assert.doesNotMatch(saved.wait?.stderr ?? '', /Warning|rejected/);
  await deleteTaskResult(out.nodeId);
  out.cleanup();

  const inp = new PodSim({
    template: {
      name: 'load', container: { image: 'x' },
      inputs: { artifacts: [
        { name: 'az', path: '/in/a.txt', azure },
        { name: 'g', path: '/in/g.txt', gcs },
        { name: 'repo', path: '/in/repo', git: { repo: STACK.GIT_URL } },
      ] },
    },
    secrets, env,
  });
  const init = await inp.runInit();
  assert.equal(init.code, 0, init.stderr);
  assert.doesNotMatch(init.stderr, /Warning|rejected/);
  assert.equal(readFileSync(inp.path('input-artifacts', 'az'), 'utf8'), 'azure-bytes');
  assert.equal(readFileSync(inp.path('input-artifacts', 'g'), 'utf8'), 'gcs-bytes');
  assert.ok(readdirSync(inp.path('input-artifacts', 'repo')).includes('.git'), 'the repository is cloned');
  inp.cleanup();
});

test('an S3 input (the roles bundle and the S3 chunk): no Node warning on stderr, as Go prints none', async () => {
  const pod = new PodSim({
    secrets: { s3: { a: STACK.S3_MINIO_ACCESS_KEY ?? '', s: STACK.S3_MINIO_SECRET_KEY ?? '' } },
    template: {
      name: 's3-quiet', container: { image: 'x' },
      inputs: { artifacts: [{ name: 'i', path: '/in/x', optional: true, s3: { endpoint: (STACK.S3_MINIO_ENDPOINT ?? '').replace(/^https?:\/\//, ''), insecure: true, bucket: 'my-bucket', key: `${key}/missing.txt`, accessKeySecret: { name: 's3', key: 'a' }, secretKeySecret: { name: 's3', key: 's' } } }] },
    },
  });
  try {
    const init = await pod.runInit();
    assert.equal(init.code, 0, init.stderr);
    assert.doesNotMatch(init.stderr, /Warning|rejected|\(node:\d+\)/);
  } finally {
    pod.cleanup();
  }
});
