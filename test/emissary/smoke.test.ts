import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMISSARY, PodSandbox, installedExecutable } from '../support/sandbox.ts';

test('smoke: emissary runs sh in a pod', async () => {
  const pod = new PodSandbox().withExecutable(await installedExecutable());
  pod.write('/var/run/argo/template', '{}');
  const r = await pod.run([EMISSARY, 'emissary', '--', 'sh', '-c', 'echo hi; exit 3'], { env: { ARGO_CONTAINER_NAME: 'main', PATH: '/usr/bin:/bin' } });
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, 'hi\n');
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '3');
  pod.cleanup();
});
