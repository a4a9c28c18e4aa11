/** Bad input: documented exit code, one-line message, no stack trace unless --loglevel debug. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { emissaryPod, oneLineError, runEmissary } from '../support/emissary.ts';
import { EMISSARY } from '../support/sandbox.ts';

test('malformed template JSON → 64, "failed to unmarshal template: …", one line', async () => {
  const pod = await emissaryPod('{"outputs": [');
  const r = await runEmissary(pod, ['true']);
  assert.equal(r.code, 64);
  assert.match(pod.terminationMessage(), /^failed to unmarshal template: /);
  assert.equal(oneLineError(r.stderr), `Error: ${pod.terminationMessage()}`);
  pod.cleanup();
});

test('a template that is not an object → 64 failed to unmarshal template', async () => {
  const pod = await emissaryPod('[1,2]');
  const r = await runEmissary(pod, ['true']);
  assert.equal(r.code, 64);
  assert.equal(pod.terminationMessage(), 'failed to unmarshal template: json: cannot unmarshal array into Go value of type v1alpha1.Template');
  pod.cleanup();
});

test('unwritable /var/run/argo (non-root user) → 64, "failed to create ctr directory"', async () => {
  const pod = await emissaryPod();
  chmodSync(pod.varRunArgo, 0o755);
  const r = await runEmissary(pod, ['true'], {}, { user: '1000:1000' });
  assert.equal(r.code, 64, r.stderr);
  assert.equal(pod.terminationMessage(), 'failed to create ctr directory: mkdir /var/run/argo/ctr/main: permission denied');
  oneLineError(r.stderr);
  pod.cleanup();
});

test('a path that is not executable → 64, failed to find name in PATH … permission denied', async () => {
  const pod = await emissaryPod();
  pod.write('/tmp/script', '#!/bin/sh\necho hi\n', 0o644);
  const r = await runEmissary(pod, ['/tmp/script']);
  assert.equal(r.code, 64);
  assert.equal(pod.terminationMessage(), 'failed to find name in PATH: exec: "/tmp/script": permission denied');
  pod.cleanup();
});

test('an executable with a bad format → 64, failed to start command: fork/exec …: exec format error', async () => {
  const pod = await emissaryPod();
  pod.write('/tmp/garbage', 'not a program', 0o755);
  const r = await runEmissary(pod, ['/tmp/garbage']);
  assert.equal(r.code, 64);
  assert.equal(pod.terminationMessage(), 'failed to start command: fork/exec /tmp/garbage: exec format error');
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '64');
  pod.cleanup();
});

test('no command after -- → 64 with a usage message', async () => {
  const pod = await emissaryPod();
  const r = await pod.run([EMISSARY, 'emissary', '--'], { env: { ARGO_CONTAINER_NAME: 'main' } });
  assert.equal(r.code, 64);
  assert.match(oneLineError(r.stderr), /no command given/);
  pod.cleanup();
});

test('--loglevel debug adds the stack trace of an internal error', async () => {
  const pod = await emissaryPod('{"outputs": [');
  const r = await pod.run([EMISSARY, 'emissary', '--loglevel', 'debug', '--', 'true'], { env: { ARGO_CONTAINER_NAME: 'main', PATH: '/usr/bin:/bin' } });
  assert.equal(r.code, 64);
  assert.match(r.stderr, /\n\s+at /);
  pod.cleanup();
});

test('NODE_OPTIONS from the user image never reaches our runtime, but is passed on to the command', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['sh', '-c', 'echo "$NODE_OPTIONS"'], { NODE_OPTIONS: '--require /nonexistent.js --max-old-space-size=1' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '--require /nonexistent.js --max-old-space-size=1\n');
  pod.cleanup();
});
