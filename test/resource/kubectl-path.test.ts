/**
 * Where the resource role finds kubectl: in the runtime directory next to the executable (dist/argoexec.d/kubectl,
 * scripts/build.ts), else beside the executable (/bin/kubectl in the executor image, images/Dockerfile).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlPath, runKubectl } from '../../src/roles/resource/kubectl.ts';

test('kubectl next to the executable: <exe>.d/kubectl first, then <dir>/kubectl, else none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-path-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const exe = join(dir, 'bin', 'argoexec');
  mkdirSync(join(dir, 'bin'));
  writeFileSync(exe, '');
  assert.equal(kubectlPath(exe), undefined);
  await assert.rejects(runKubectl(['kubectl', 'version'], kubectlPath(exe)), /^KubectlError: kubectl not found next to /);
  writeFileSync(join(dir, 'bin', 'kubectl'), '');
  assert.equal(kubectlPath(exe), join(dir, 'bin', 'kubectl'), 'the image layout: /bin/argoexec, /bin/kubectl');
  mkdirSync(join(dir, 'bin', 'argoexec.d'));
  writeFileSync(join(dir, 'bin', 'argoexec.d', 'kubectl'), '');
  assert.equal(kubectlPath(exe), join(dir, 'bin', 'argoexec.d', 'kubectl'), 'dist/argoexec.d/kubectl');
});
