/** lifecycle §16 items 16–22, §10.1 kill, and PID-1 behaviour inside a PID namespace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { childOf, emissaryPod, runEmissary, startEmissary, until, userProcessStarted } from '../support/emissary.ts';
import { EMISSARY } from '../support/sandbox.ts';


test('16: the child runs in its own process group (pgid == its pid)', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['sh', '-c', 'read -r l < /proc/$$/stat; echo "$l"']);
  assert.equal(r.code, 0, r.stderr);
  const f = r.stdout.trim().replace(/^.*\) /, '').split(' '); // after "(comm) ": state ppid pgrp …
  const pid = Number(r.stdout.split(' ')[0]);
  assert.equal(Number(f[2]), pid, `pgrp of ${r.stdout}`);
  assert.equal(Number(f[1]), 1, 'parent is the emissary, PID 1 of the pod');
  pod.cleanup();
});

test('17: the child inherits umask 0', async () => {
  const pod = await emissaryPod();
  const r = await runEmissary(pod, ['sh', '-c', 'echo x > /tmp/f']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(pod.file('/tmp/f')).mode & 0o777, 0o666);
  pod.cleanup();
});

test('18: SIGTERM to the emissary reaches the child group; emissary exits 143', async () => {
  const pod = await emissaryPod();
  const run = startEmissary(pod, ['sh', '-c', 'sleep 100']);
  await userProcessStarted(run);
  process.kill(run.pid1(), 'SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 143, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '143');
  pod.cleanup();
});

test('19: SIGUSR1, SIGHUP, SIGINT are forwarded; SIGURG is not', async () => {
  const pod = await emissaryPod();
  const script = 'for s in USR1 HUP INT URG; do trap "echo got $s" $s; done; echo ready; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done';
  const run = startEmissary(pod, ['sh', '-c', script], { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' });
  await until(() => pod.exists('/var/run/argo/ctr/main/stdout') && pod.read('/var/run/argo/ctr/main/stdout').includes('ready'), 10_000, 'ready');
  for (const s of ['SIGURG', 'SIGUSR1', 'SIGHUP', 'SIGINT'] as const) {
    process.kill(run.pid1(), s);
    await sleep(300);
  }
  process.kill(run.pid1(), 'SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 143, r.stderr);
  const out = pod.read('/var/run/argo/ctr/main/stdout');
  assert.match(out, /got USR1/);
  assert.match(out, /got HUP/);
  assert.match(out, /got INT/);
  assert.doesNotMatch(out, /got URG/);
  pod.cleanup();
});

test('20: "15" in the signal file terminates the child group and the file is removed', async () => {
  const pod = await emissaryPod();
  const run = startEmissary(pod, ['sh', '-c', 'sleep 100']);
  await userProcessStarted(run);
  pod.write('/var/run/argo/ctr/main/signal', '15', 0o666);
  const r = await run.done;
  assert.equal(r.code, 143, r.stderr);
  assert.equal(pod.exists('/var/run/argo/ctr/main/signal'), false);
  pod.cleanup();
});

test('21: a signal file that already holds "9" kills the child at once (137)', async () => {
  const pod = await emissaryPod();
  pod.write('/var/run/argo/ctr/main/signal', '9', 0o666);
  const started = Date.now();
  const r = await runEmissary(pod, ['sh', '-c', 'sleep 100']);
  assert.equal(r.code, 137, r.stderr);
  assert.ok(Date.now() - started < 10_000);
  pod.cleanup();
});

test('22: " 15\\n" is honoured; "abc" and "0" are ignored and left in place', async () => {
  const pod = await emissaryPod();
  pod.write('/var/run/argo/ctr/main/signal', ' 15\n', 0o666);
  const r = await runEmissary(pod, ['sh', '-c', 'sleep 100']);
  assert.equal(r.code, 143, r.stderr);
  for (const junk of ['abc', '0']) {
    pod.write('/var/run/argo/ctr/main/signal', junk, 0o666);
    const run = startEmissary(pod, ['sh', '-c', 'sleep 100']);
    await userProcessStarted(run);
    await sleep(500);
    assert.equal(pod.read('/var/run/argo/ctr/main/signal'), junk, `${junk} left in place`);
    assert.ok(childOf(run.pid1()) !== undefined, 'child still running');
    process.kill(run.pid1(), 'SIGTERM');
    assert.equal((await run.done).code, 143);
  }
  pod.cleanup();
});

test('kill: `argoexec kill 15 1` run inside the pod reaches the user process → 143', async () => {
  const pod = await emissaryPod();
  const run = startEmissary(pod, ['sh', '-c', 'sleep 100']);
  await userProcessStarted(run);
  const k = pod.exec(run.pid1(), [EMISSARY, 'kill', '15', '1']);
  // The kill command lives in the pod's PID namespace: when PID 1 exits first, the kernel kills it (code null),
  // as it would in a real pod. Otherwise it reports and exits 0.
  if (k.code !== null) {
    assert.equal(k.code, 0, k.stderr);
    assert.equal(k.stdout, 'killing 1 with terminated\n');
  }
  const r = await run.done;
  assert.equal(r.code, 143, r.stderr);
  assert.equal(pod.read('/var/run/argo/ctr/main/exitcode'), '143');
  pod.cleanup();
});

test('kill: `argoexec kill 9 <child>` inside the pod → 137; `kill 9 1` cannot kill PID 1', async () => {
  const pod = await emissaryPod();
  const run = startEmissary(pod, ['sh', '-c', 'sleep 100']);
  await userProcessStarted(run);
  const self = pod.exec(run.pid1(), [EMISSARY, 'kill', '9', '1']);
  assert.equal(self.code, 0, self.stderr);
  await sleep(300);
  assert.ok(childOf(run.pid1()) !== undefined, 'SIGKILL from inside the namespace is dropped for PID 1');
  // The child's pid as seen inside the pod's namespace (last NSpid field).
  const nspid = /^NSpid:.*\s(\d+)$/m.exec(readFileSync(`/proc/${childOf(run.pid1())}/status`, 'utf8'))?.[1] as string;
  const k = pod.exec(run.pid1(), [EMISSARY, 'kill', '9', nspid]);
  assert.equal(k.stdout, `killing ${nspid} with killed\n`);
  const r = await run.done;
  assert.equal(r.code, 137, r.stderr);
  pod.cleanup();
});

test('PID 1 duty: orphaned grandchildren are reaped while the command runs (no zombies)', async () => {
  const pod = await emissaryPod();
  // The inner shell exits at once; its background sleep is re-parented to PID 1 and exits 0.2 s later.
  const script = 'sh -c "sleep 0.2 &"; sleep 2.5; z=0; for f in /proc/[0-9]*/stat; do read -r l < $f 2>/dev/null || continue; case "${l##*) }" in Z*) z=$((z+1));; esac; done; echo zombies=$z';
  const r = await runEmissary(pod, ['sh', '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'zombies=0\n');
  pod.cleanup();
});

test('ARGOEXEC_CPU_PROFILE: the profiler\'s SIGPROF is not relayed — the child runs to its end, the profile is written', async () => {
  const pod = await emissaryPod();
  // Busy for a while (the sampler fires every 0.5 ms): 300 MB through the emissary's stdout tee.
  const r = await runEmissary(pod, ['sh', '-c', 'head -c 300000000 /dev/zero; echo done >&2'], { ARGOEXEC_CPU_PROFILE: '/tmp', ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' });
  assert.equal(r.code, 0, `exit ${r.code} (155 = SIGPROF); ${r.stderr.slice(-500)}`);
  assert.match(r.stderr, /done/);
  const profiles = readdirSync(pod.file('/tmp')).filter((f) => /^argoexec-emissary-\d+\.cpuprofile$/.test(f));
  assert.equal(profiles.length, 1, readdirSync(pod.file('/tmp')).join(', '));
  pod.cleanup();
});
