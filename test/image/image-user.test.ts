/**
 * The executor image's user is upstream's: UID 8737 with group 0 (Argo's Dockerfile: `USER 8737` on distroless,
 * which has no passwd entry for it). Every place that sets it agrees. Why it matters is checked through the controller
 * (`make e2e`, TestTemplateExecutor): the agent's plugin token, 0440 as Go's `agent init` writes it, must be readable
 * by a plugin sidecar running as another user of group 0 (Argo's hello plugin: UID 1000).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

test('image user 8737:0 in images/Dockerfile, `make image` and the e2e images (ours and the Go reference)', () => {
  assert.match(readFileSync(join(ROOT, 'images/Dockerfile'), 'utf8'), /^USER 8737:0$/m);
  assert.match(readFileSync(join(ROOT, 'Makefile'), 'utf8'), /oci\.ts --rootfs build\/image\/rootfs .*\n.*--user 8737:0 /);
  const build = readFileSync(join(ROOT, 'images/build/build.sh'), 'utf8');
  assert.match(build, /oci argoexec-ts .*--user 8737:0 /);
  assert.match(build, /oci argoexec-go .*--user 8737:0 /);
});

test('image root: 8737\'s primary group is 0 (a pod that sets runAsUser alone gets the group from /etc/passwd)', () => {
  const passwd = readFileSync(join(ROOT, 'build/image/rootfs/etc/passwd'), 'utf8');
  assert.match(passwd, /^argoexec:x:8737:0:/m);
});
