/**
 * The executor image's root filesystem (build/image/rootfs, what images/Dockerfile ships) works as the
 * init container would use it: non-root UID 8737, read-only root, `argoexec` found on PATH, and `init`
 * installs a copy on /var/run/argo that runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { PodSandbox, PROJECT } from '../support/sandbox.ts';

const IMAGE_ROOT = join(PROJECT, 'build/image/rootfs');

test('image: `argoexec version --short` on PATH=/bin as 8737 on a read-only root', async () => {
  const pod = new PodSandbox();
  const r = await pod.run(['/bin/argoexec', 'version', '--short'], { base: IMAGE_ROOT, user: '8737:8737', readOnlyRoot: true, env: { PATH: '/bin' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^argoexec: v\d+\.\d+\.\d+/);
  pod.cleanup();
});

test('image: `argoexec init` as 8737 installs a working copy on /var/run/argo (mode 0555)', async () => {
  const pod = new PodSandbox();
  pod.write('/argo/staging/.keep', '');
  chmodSync(pod.file('/argo/staging'), 0o777); // an emptyDir
  const template = { name: 's', script: { source: 'echo hi\n' } };
  const r = await pod.run(['argoexec', 'init', '--loglevel', 'info', '--log-format', 'json', '--gloglevel', '0'], {
    base: IMAGE_ROOT, user: '8737:8737', readOnlyRoot: true,
    env: { PATH: '/bin', ARGO_POD_NAME: 'p', ARGO_TEMPLATE: JSON.stringify(template), ARGO_DEADLINE: '0001-01-01T00:00:00Z', ARGO_CONTAINER_NAME: 'init' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(pod.file('/var/run/argo/argoexec')).mode & 0o777, 0o555);
  assert.equal(statSync(pod.file('/var/run/argo/template')).mode & 0o777, 0o444);
  assert.deepEqual(JSON.parse(pod.read('/var/run/argo/template')), template);
  assert.equal(pod.read('/argo/staging/script'), 'echo hi\n');
  assert.equal(statSync(pod.file('/argo/staging/script')).mode & 0o777, 0o755);
  const log = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.msg === 'copied executable');
  assert.ok(log && typeof log.bytes === 'number' && log.bytes > 100_000_000, 'init logs what it copied');
  // The copy runs (here, inside the same image root, as another UID).
  const v = await pod.run(['/var/run/argo/argoexec', 'version', '--short'], { base: IMAGE_ROOT, user: '1234:1234', readOnlyRoot: true });
  assert.equal(v.code, 0, v.stderr);
  // kubectl (for `resource`, which runs in this image) is not copied into user containers.
  assert.equal(existsSync(pod.file('/var/run/argo/argoexec.d/kubectl')), false);
  assert.equal(existsSync(pod.file('/var/run/argo/kubectl')), false);
  pod.cleanup();
});

test('image: /bin/kubectl is kubectl v1.35.4 (k8s.io/kubectl v0.35.4, what Argo v4.1.2 links in), static, runs as 8737', async () => {
  const pod = new PodSandbox();
  const r = await pod.run(['/bin/kubectl', 'version', '--client'], { base: IMAGE_ROOT, user: '8737:8737', readOnlyRoot: true, env: { PATH: '/bin' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Client Version: v1\.35\.4$/m);
  pod.cleanup();
});
