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

test('image root: upstream\'s /etc/passwd and /etc/group (distroless static, no entry for 8737), in both images', () => {
  // distroless static's files (gcr.io/distroless/static-debian13, the base of Argo v4.1.2's argoexec image).
  const passwd = 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n';
  const group = 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n';
  // ours: a pod that sets runAsUser: 8737 alone gets group 0 and HOME=/; tar headers of 8737's files name no owner
  assert.equal(readFileSync(join(ROOT, 'build/image/rootfs/etc/passwd'), 'utf8'), passwd);
  assert.equal(readFileSync(join(ROOT, 'build/image/rootfs/etc/group'), 'utf8'), group);
  // the Go reference's image copies the same two files
  assert.equal(readFileSync(join(ROOT, 'images/distroless-etc/passwd'), 'utf8'), passwd);
  assert.equal(readFileSync(join(ROOT, 'images/distroless-etc/group'), 'utf8'), group);
  const build = readFileSync(join(ROOT, 'images/build/build.sh'), 'utf8');
  const goImage = build.slice(build.indexOf('img_argoexec-go() {'), build.indexOf('\n}\n', build.indexOf('img_argoexec-go() {')));
  assert.ok(goImage.includes('cp "$ROOT/images/distroless-etc/passwd" "$ROOT/images/distroless-etc/group" "$r/etc/"'), goImage);
});
