/** lifecycle §16 items 1–15: exit-code files, template sources, output capture. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { emissaryPod, runEmissary } from '../support/emissary.ts';

test('1: child exit 3 → exitcode file "3" (no newline), emissary exits 3, no termination message', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['sh', '-c', 'exit 3']);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '3');
  assert.equal(pod.terminationMessage(), '');
  pod.cleanup();
});

test('2: child exit 0 → exitcode "0", exit 0', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['true']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '0');
  pod.cleanup();
});

test('3: ctr/main is created 0777 although the process umask is 022', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['sh', '-c', 'exit 0']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(pod.file('/var/run/argo/ctr/main')).mode & 0o777, 0o777);
  pod.cleanup();
});

test('4: child killed by SIGTERM → 143, by SIGKILL → 137', async () => {
  const pod = await emissaryPod();
  const term = await runEmissary(pod, ['sh', '-c', 'kill -TERM $$; sleep 5']);
  assert.equal(term.code, 143, term.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '143');
  const kill = await runEmissary(pod, ['sh', '-c', 'kill -KILL $$; sleep 5']);
  assert.equal(kill.code, 137, kill.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '137');
  pod.cleanup();
});

test('5: a command not on PATH → exitcode 64, exit 64, "failed to find name in PATH:"', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['no-such-command']);
  assert.equal(r.code, 64);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '64');
  assert.equal(pod.terminationMessage(), 'failed to find name in PATH: exec: "no-such-command": executable file not found in $PATH');
  pod.cleanup();
});

test('6: no template file and no ARGO_TEMPLATE → 64 with the Go message', async () => {
  const pod = await emissaryPod(null);
  const r = await runEmissary(pod, ['true']);
  assert.equal(r.code, 64);
  assert.equal(pod.terminationMessage(), 'failed to read template: neither /var/run/argo/template nor ARGO_TEMPLATE is available');
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '64');
  pod.cleanup();
});

test('7: no template file but ARGO_TEMPLATE set → the command runs', async () => {
  const pod = await emissaryPod(null);
  const r = await runEmissary(pod, ['sh', '-c', 'echo ran'], { ARGO_TEMPLATE: '{"name":"x"}' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ran\n');
  pod.cleanup();
});

test('8: ARGO_TEMPLATE=offloaded reads /argo/config/ARGO_TEMPLATE', async () => {
  const pod = await emissaryPod(null);
  pod.write('/argo/config/ARGO_TEMPLATE', JSON.stringify({ archiveLocation: { archiveLogs: true } }));
  const r = await runEmissary(pod, ['sh', '-c', 'echo offloaded'], { ARGO_TEMPLATE: 'offloaded' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/combined'), 'offloaded\n', 'archiveLogs from the offloaded template turned capture on');
  pod.cleanup();
});

test('9: the template file wins over ARGO_TEMPLATE', async () => {
  const pod = await emissaryPod({ archiveLocation: { archiveLogs: true } });
  const r = await runEmissary(pod, ['sh', '-c', 'echo file'], { ARGO_TEMPLATE: '{}' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/combined'), 'file\n');
  const pod2 = await emissaryPod({});
  await runEmissary(pod2, ['sh', '-c', 'echo file'], { ARGO_TEMPLATE: JSON.stringify({ archiveLocation: { archiveLogs: true } }) });
  assert.equal(pod2.exists('/var/run/argo/ctr/main/combined'), false);
  pod.cleanup();
  pod2.cleanup();
});

test('10: ARGO_INCLUDE_SCRIPT_OUTPUT=true captures stdout, still relayed to the container log', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['echo', 'hello'], { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/stdout'), 'hello\n');
  assert.equal(r.stdout, 'hello\n');
  pod.cleanup();
});

test('11: stderr goes to combined (and the container log) but not to stdout', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['sh', '-c', 'echo out; echo err >&2'], { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/stdout'), 'out\n');
  assert.equal(pod.read('/var/run/argo/ctr/main/combined'), 'out\nerr\n');
  assert.match(r.stderr, /^err$/m);
  pod.cleanup();
});

test('12: no capture files without ARGO_INCLUDE_SCRIPT_OUTPUT or archiveLogs', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['echo', 'x'], { ARGO_INCLUDE_SCRIPT_OUTPUT: 'false' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'x\n');
  assert.equal(pod.exists('/var/run/argo/ctr/main/stdout'), false);
  assert.equal(pod.exists('/var/run/argo/ctr/main/combined'), false);
  pod.cleanup();
});

test('13: archiveLocation.archiveLogs creates combined even when script output is not included', async () => {
  const pod = await emissaryPod({ archiveLocation: { archiveLogs: true } });
  const r = await runEmissary(pod, ['sh', '-c', 'echo a; echo b >&2'], { ARGO_INCLUDE_SCRIPT_OUTPUT: 'false' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/combined'), 'a\nb\n');
  pod.cleanup();
});

test('14: stdout and combined are appended across retry attempts', async () => {
  const pod = await emissaryPod({ containerSet: { containers: [{ name: 'main' }], retryStrategy: { retries: 2 } } });
  const script = 'if [ -f /tmp/once ]; then echo second; else touch /tmp/once; echo first; exit 1; fi';
  const r = await runEmissary(pod, ['sh', '-c', script], { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/stdout'), 'first\nsecond\n');
  assert.equal(pod.read('/var/run/argo/ctr/main/combined'), 'first\nsecond\n');
  pod.cleanup();
});

test('15: a background grandchild holding stdout does not keep the emissary waiting', async () => {
  const pod = await emissaryPod();
  const started = Date.now();
  const r = await runEmissary(pod, ['sh', '-c', '(sleep 60; echo x) & printf hello'], { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - started < 10_000, 'finished promptly');
  assert.equal(pod.read('/var/run/argo/ctr/main/stdout'), 'hello');
  pod.cleanup();
});

test('16: PID 1 keeps the kernel\'s process name (the executable\'s basename, as Go\'s argoexec), not Node\'s MainThread', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['sh', '-c', 'cat /proc/1/comm; tr "\\0" " " < /proc/1/cmdline']);
  assert.equal(r.code, 0, r.stderr);
  const [comm, cmdline] = r.stdout.split('\n');
  assert.equal(comm, 'argoexec');
  assert.match(cmdline ?? '', /^\/var\/run\/argo\/argoexec emissary .*-- sh -c /, 'the command line is untouched');
  pod.cleanup();
});
