/** lifecycle §16 items 28–36: staging of output parameters and artifacts by the emissary of main. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { emissaryPod, readTar, runEmissary } from '../support/emissary.ts';

const outputs = (parameters: string[], artifacts: string[], extra: object = {}): object => ({
  outputs: {
    parameters: parameters.map((path, i) => ({ name: `p${i}`, valueFrom: { path } })),
    artifacts: artifacts.map((path, i) => ({ name: `a${i}`, path })),
  },
  ...extra,
});

test('28: an output parameter file is copied byte for byte to outputs/parameters/<path>', async () => {
  const pod = await emissaryPod(outputs(['/tmp/p'], []));
  const r = await runEmissary(pod, ['sh', '-c', 'printf "line1\\nline2\\n\\n" > /tmp/p; printf "\\001\\377" >> /tmp/p']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(pod.file('/var/run/argo/outputs/parameters/tmp/p')), Buffer.from('line1\nline2\n\n\x01\xff', 'latin1'));
  pod.cleanup();
});

test('29: a missing parameter file is skipped and the exit code is unchanged', async () => {
  const pod = await emissaryPod(outputs(['/tmp/missing'], []));
  const r = await runEmissary(pod, ['sh', '-c', 'exit 4']);
  assert.equal(r.code, 4, r.stderr);
  assert.equal(pod.exists('/var/run/argo/outputs/parameters/tmp/missing'), false);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '4');
  pod.cleanup();
});

test('30: a file artifact is staged as a tar holding one entry named after the file', async () => {
  const pod = await emissaryPod(outputs([], ['/tmp/a']));
  const r = await runEmissary(pod, ['sh', '-c', 'printf hello > /tmp/a; chmod 0640 /tmp/a']);
  assert.equal(r.code, 0, r.stderr);
  const entries = await readTar(pod.file('/var/run/argo/outputs/artifacts/tmp/a.tar'));
  assert.deepEqual(entries.map((e) => [e.name, e.type, e.mode, e.content]), [['a', 'file', 0o640, 'hello']]);
  pod.cleanup();
});

test('31: a trailing slash still stages to …/artifacts/tmp/a.tar', async () => {
  const pod = await emissaryPod(outputs([], ['/tmp/a/']));
  const r = await runEmissary(pod, ['sh', '-c', 'mkdir /tmp/a; echo x > /tmp/a/f']);
  assert.equal(r.code, 0, r.stderr);
  const entries = await readTar(pod.file('/var/run/argo/outputs/artifacts/tmp/a.tar'));
  assert.deepEqual(entries.map((e) => e.name), ['a', 'a/f']);
  pod.cleanup();
});

test('32: a directory becomes `d`, then `d/<rel>` entries in lexical order, symlinks kept as symlinks', async () => {
  const pod = await emissaryPod(outputs([], ['/tmp/d']));
  const r = await runEmissary(pod, ['sh', '-c', 'mkdir -p /tmp/d/sub && echo x > /tmp/d/x && echo y > /tmp/d/sub/y && ln -s x /tmp/d/link && chmod 0755 /tmp/d']);
  assert.equal(r.code, 0, r.stderr);
  const entries = await readTar(pod.file('/var/run/argo/outputs/artifacts/tmp/d.tar'));
  assert.deepEqual(entries.map((e) => [e.name, e.type]), [
    ['d', 'directory'], ['d/link', 'symlink'], ['d/sub', 'directory'], ['d/sub/y', 'file'], ['d/x', 'file'],
  ]);
  assert.equal(entries.find((e) => e.name === 'd/link')?.linkname, 'x');
  assert.equal(entries.find((e) => e.name === 'd')?.mode, 0o755);
  assert.equal(entries.find((e) => e.name === 'd/x')?.content, 'x\n');
  pod.cleanup();
});

test('33: a missing artifact path is skipped and the exit code is unchanged', async () => {
  const pod = await emissaryPod(outputs([], ['/tmp/none']));
  const r = await runEmissary(pod, ['sh', '-c', 'exit 2']);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(pod.exists('/var/run/argo/outputs/artifacts/tmp/none.tar'), false);
  pod.cleanup();
});

test('34: paths inside a declared volume mount are not staged', async () => {
  const pod = await emissaryPod(outputs(['/tmp/vol/p'], ['/tmp/vol/a'], { container: { volumeMounts: [{ name: 'v', mountPath: '/tmp/vol' }] } }));
  const r = await runEmissary(pod, ['sh', '-c', 'mkdir -p /tmp/vol && echo p > /tmp/vol/p && echo a > /tmp/vol/a']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.exists('/var/run/argo/outputs'), false);
  pod.cleanup();
});

test('35: a container other than main stages no outputs', async () => {
  const pod = await emissaryPod(outputs(['/tmp/p'], ['/tmp/p'], { containerSet: { containers: [{ name: 'a' }] } }));
  const r = await runEmissary(pod, ['sh', '-c', 'echo p > /tmp/p'], { ARGO_CONTAINER_NAME: 'a' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.exists('/var/run/argo/outputs'), false);
  assert.equal(pod.read('/var/run/argo/ctr/a/exitcode'), '0');
  pod.cleanup();
});

test('36: a parameter path that is a directory → exit 64 while exitcode holds the child code', async () => {
  const pod = await emissaryPod(outputs(['/tmp/dir'], []));
  const r = await runEmissary(pod, ['sh', '-c', 'mkdir /tmp/dir']);
  assert.equal(r.code, 64, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '0');
  assert.equal(pod.terminationMessage(), 'failed to copy /tmp/dir to /var/run/argo/outputs/parameters//tmp/dir: read /tmp/dir: is a directory');
  pod.cleanup();
});

test('outputs: a device file at an artifact path fails the emissary (exit 64) but keeps the exit code', async () => {
  const pod = await emissaryPod(outputs([], ['/dev/null']));
  const r = await runEmissary(pod, ['true']);
  assert.equal(r.code, 64, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '0');
  assert.equal(pod.terminationMessage(), 'failed to tarball the output /dev/null to /var/run/argo/outputs/artifacts/dev/null.tar: /dev/null is not a regular file or directory');
  pod.cleanup();
});
