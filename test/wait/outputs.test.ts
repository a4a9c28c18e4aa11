/** lifecycle §16 items 62–71, 75–80: what `wait` captures and reports (real apiserver, real MinIO). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { PodSim, type PodSpec } from '../support/pod-sim.ts';
import { until } from '../support/emissary.ts';
import { ApiProxy } from './api-proxy.ts';
import { admin, archiveLocation, deleteTaskResult, getTaskResult, s3Get, s3Keys, S3_SECRETS, tarEntries } from './helpers.ts';

const container = { image: 'x' };

async function runPod(spec: PodSpec, cmd: string[]): Promise<{ pod: PodSim; tr: any; wait: { code: number | null; stderr: string } }> {
  const pod = new PodSim(spec);
  const r = await pod.run(cmd);
  assert.equal(r.init.code, 0, r.init.stderr);
  const tr = await getTaskResult(pod.nodeId);
  await deleteTaskResult(pod.nodeId);
  return { pod, tr, wait: r.wait as { code: number | null; stderr: string } };
}

test('62: wait reads no outputs until every containerSet member wrote its exitcode', async () => {
  const pod = new PodSim({ template: { containerSet: { containers: [{ name: 'a' }, { name: 'b' }] }, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p', default: 'd' } }] } } });
  assert.equal((await pod.runInit()).code, 0);
  const wait = pod.startWait();
  await until(() => existsSync(pod.path('var-run-argo', 'ctr/b')), 20_000, 'wait to pre-create the member dirs');
  assert.equal(statSync(pod.path('var-run-argo', 'ctr/a')).mode & 0o777, 0o777);
  assert.equal(statSync(pod.path('var-run-argo', 'ctr/b')).mode & 0o777, 0o777);
  writeFileSync(pod.path('var-run-argo', 'ctr/a/exitcode'), '0');
  await sleep(700);
  assert.equal((await getTaskResult(pod.nodeId)).outputs, undefined, 'nothing reported while b runs');
  mkdirSync(pod.path('var-run-argo', 'outputs/parameters/tmp'), { recursive: true });
  writeFileSync(pod.path('var-run-argo', 'outputs/parameters/tmp/p'), 'late\n');
  writeFileSync(pod.path('var-run-argo', 'ctr/b/exitcode'), '0');
  const w = await wait.done;
  assert.equal(w.code, 0, w.stderr);
  const tr = await getTaskResult(pod.nodeId);
  assert.deepEqual(tr.outputs, { parameters: [{ name: 'p', value: 'late', valueFrom: { path: '/tmp/p', default: 'd' } }] });
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('63: the result is stdout minus exactly one trailing newline', async () => {
  for (const [printed, expected] of [['hello\\n', 'hello'], ['a\\n\\n', 'a\n'], ['x\\r\\n', 'x\r'], ['', '']] as const) {
    const { pod, tr, wait } = await runPod({ template: { container }, env: { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' } }, ['printf', printed]);
    assert.equal(wait.code, 0, wait.stderr);
    assert.deepEqual(tr.outputs, { result: expected }, `printf ${printed}`);
    pod.cleanup();
  }
});

test('64: a 300 KiB stdout is reported as its last 262144 bytes', async () => {
  const { pod, tr, wait } = await runPod({ template: { script: { image: 'x', source: 'x' } }, env: { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' } },
    ['sh', '-c', 'i=0; while [ $i -lt 3072 ]; do printf "%099d\\n" $i; i=$((i+1)); done']);
  assert.equal(wait.code, 0, wait.stderr);
  let all = '';
  for (let i = 0; i < 3072; i++) all += `${String(i).padStart(99, '0')}\n`;
  const expected = all.slice(0, -1).slice(-262144);
  assert.equal(tr.outputs.result.length, 262144);
  assert.equal(tr.outputs.result, expected);
  assert.match(wait.stderr, /Output is larger than the maximum allowed size of 256 kB/);
  pod.cleanup();
});

test('65: with ARGO_INCLUDE_SCRIPT_OUTPUT=false no result is reported', async () => {
  const { pod, tr, wait } = await runPod({ template: { container }, env: { ARGO_INCLUDE_SCRIPT_OUTPUT: 'false' } }, ['echo', 'hello']);
  assert.equal(wait.code, 0, wait.stderr);
  assert.deepEqual(tr.outputs, {});
  pod.cleanup();
});

test('66: parameters keep all their fields, value = file minus one newline, non-path parameters untouched', async () => {
  const parameters = [
    { name: 'p', valueFrom: { path: '/tmp/p' }, globalName: 'g', description: 'desc' },
    { name: 'e', valueFrom: { expression: '1+1' } },
    { name: 'q', valueFrom: { path: '/tmp/q' }, enum: ['a', 'b'] },
  ];
  const { pod, tr, wait } = await runPod({ template: { container, outputs: { parameters } } }, ['sh', '-c', 'printf "v1\\n\\n" > /tmp/p; printf "" > /tmp/q']);
  assert.equal(wait.code, 0, wait.stderr);
  assert.deepEqual(tr.outputs, { parameters: [
    { name: 'p', value: 'v1\n', valueFrom: { path: '/tmp/p' }, globalName: 'g', description: 'desc' },
    { name: 'e', valueFrom: { expression: '1+1' } },
    { name: 'q', value: '', valueFrom: { path: '/tmp/q' }, enum: ['a', 'b'] },
  ] });
  pod.cleanup();
});

test('67: a missing parameter uses valueFrom.default; without a default wait exits 64 with the open error', async () => {
  const withDefault = await runPod({ template: { container, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p', default: 'd' } }] } } }, ['true']);
  assert.equal(withDefault.wait.code, 0, withDefault.wait.stderr);
  assert.deepEqual(withDefault.tr.outputs, { parameters: [{ name: 'p', value: 'd', valueFrom: { path: '/tmp/p', default: 'd' } }] });
  withDefault.pod.cleanup();
  const params = [{ name: 'p', valueFrom: { path: '/tmp/p' } }, { name: 'later', valueFrom: { path: '/tmp/later' } }];
  const { pod, tr, wait } = await runPod({ template: { container, outputs: { parameters: params } } }, ['sh', '-c', 'echo l > /tmp/later']);
  assert.equal(wait.code, 64);
  assert.equal(pod.terminationMessage('wait'), 'open /var/run/argo/outputs/parameters/tmp/p: no such file or directory');
  assert.deepEqual(tr.outputs, { parameters: params }, 'remaining parameters get no value');
  assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  pod.cleanup();
});

test('68: a parameter under a user volume mount is read from /mainctrfs/<path>', async () => {
  const template = { container: { image: 'x', volumeMounts: [{ name: 'work', mountPath: '/work' }] }, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/work/out/p' } }] } };
  const { pod, tr, wait } = await runPod({ template, volumes: ['work'] }, ['sh', '-c', 'mkdir -p /work/out && printf vol > /work/out/p']);
  assert.equal(wait.code, 0, wait.stderr);
  assert.equal(existsSync(pod.path('var-run-argo', 'outputs/parameters/work/out/p')), false, 'the emissary did not stage it');
  assert.deepEqual(tr.outputs.parameters[0].value, 'vol');
  pod.cleanup();
});

test('69, 70: saved artifacts get <archive key>/<name>.tgz; optional missing ones are omitted, required missing ones fail', async () => {
  const key = `wait-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const artifacts = [{ name: 'out', path: '/tmp/out/' }, { name: 'opt', path: '/tmp/none', optional: true }, { name: 'globby', path: '/tmp/f.txt', globalName: 'G', archive: { tar: { compressionLevel: 9 } } }];
  const template = { container, outputs: { artifacts }, archiveLocation: archiveLocation(key) };
  const { pod, tr, wait } = await runPod({ template, secrets: S3_SECRETS }, ['sh', '-c', 'mkdir -p /tmp/out/sub && echo a > /tmp/out/a && ln -s a /tmp/out/sub/l && printf t > /tmp/f.txt']);
  assert.equal(wait.code, 0, wait.stderr);
  assert.deepEqual(tr.outputs, { artifacts: [
    { name: 'out', path: '/tmp/out', s3: { key: `${key}/out.tgz` } },
    { name: 'globby', path: '/tmp/f.txt', globalName: 'G', archive: { tar: { compressionLevel: 9 } }, s3: { key: `${key}/globby.tgz` } },
  ] });
  assert.deepEqual(await s3Keys(key), [`${key}/globby.tgz`, `${key}/out.tgz`]);
  const out = await tarEntries(await s3Get(`${key}/out.tgz`));
  assert.deepEqual(out.map((e) => [e.name, e.type, e.linkname ?? '']), [['out', 'directory', ''], ['out/a', 'file', ''], ['out/sub', 'directory', ''], ['out/sub/l', 'symlink', 'a']]);
  assert.deepEqual((await tarEntries(await s3Get(`${key}/globby.tgz`))).map((e) => [e.name, e.content]), [['f.txt', 't']]);
  // Each upload ends with a summary line: bytes of the tar compressed and uploaded (one 512-byte header + 512 of data + 1024 end blocks).
  assert.match(wait.stderr, /msg="Uploading artifact: done" argo=true name=globby bytes=2048 seconds=[0-9.]+ rate="[0-9.]+ MB\/s"/);
  pod.cleanup();

  const required = await runPod({ template: { container, outputs: { artifacts: [{ name: 'req', path: '/tmp/missing' }] }, archiveLocation: archiveLocation(key) }, secrets: S3_SECRETS }, ['true']);
  assert.equal(required.wait.code, 64);
  assert.equal(required.pod.terminationMessage('wait'), 'open /var/run/argo/outputs/artifacts/tmp/missing.tgz: no such file or directory; ');
  assert.deepEqual(required.tr.outputs, {});
  required.pod.cleanup();
});

test('D37: ARGOEXEC_DEFAULT_GZIP=zlib stores a default tar.gz byte for byte as compressionLevel 6; unset, the default differs; a bad value fails naming it', async () => {
  const key = `wait-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const artifacts = [{ name: 'def', path: '/tmp/t.txt' }, { name: 'six', path: '/tmp/t.txt', archive: { tar: { compressionLevel: 6 } } }];
  const stored = async (env: Record<string, string>, sub: string): Promise<[Buffer, Buffer]> => {
    const template = { container, outputs: { artifacts }, archiveLocation: archiveLocation(`${key}/${sub}`) };
    const { pod, wait } = await runPod({ template, secrets: S3_SECRETS, env }, ['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "line $i INFO request completed status=200"; i=$((i+1)); done > /tmp/t.txt']);
    assert.equal(wait.code, 0, wait.stderr);
    pod.cleanup();
    return [await s3Get(`${key}/${sub}/def.tgz`), await s3Get(`${key}/${sub}/six.tgz`)];
  };
  const [zlibDefault, zlibSix] = await stored({ ARGOEXEC_DEFAULT_GZIP: 'zlib' }, 'zlib');
  assert.ok(zlibDefault.equals(zlibSix), 'with zlib the default is level 6, byte for byte');
  // (Within one pod only: the two pods' files have different mtimes, so their tars differ.)
  const [fastDefault, fastSix] = await stored({}, 'fast');
  assert.ok(!fastDefault.equals(fastSix), 'unset, the default level is not zlib level 6 (ISA-L)');
  assert.deepEqual(gunzipSync(fastDefault), gunzipSync(fastSix), 'the same tar either way');

  const bad = new PodSim({ template: { container }, env: { ARGOEXEC_DEFAULT_GZIP: 'best' } });
  const r = await bad.run(['true']);
  assert.notEqual(r.init.code, 0);
  assert.match(r.init.stderr, /ARGOEXEC_DEFAULT_GZIP="best": expected "fast" \(the default\) or "zlib"/);
  bad.cleanup();
});

test('69 (volume): artifacts on a user volume are archived from /mainctrfs; missing optional ones are omitted, a missing required one fails', async () => {
  const key = `wait-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const volumeMounts = [{ name: 'work', mountPath: '/work' }];
  const artifacts = [{ name: 'tree', path: '/work/tree' }, { name: 'opt', path: '/work/none', optional: true }];
  const { pod, tr, wait } = await runPod({ template: { container: { ...container, volumeMounts }, outputs: { artifacts }, archiveLocation: archiveLocation(key) }, volumes: ['work'], secrets: S3_SECRETS },
    ['sh', '-c', 'mkdir -p /work/tree && echo v > /work/tree/f']);
  assert.equal(wait.code, 0, wait.stderr);
  assert.deepEqual(tr.outputs, { artifacts: [{ name: 'tree', path: '/work/tree', s3: { key: `${key}/tree.tgz` } }] });
  assert.deepEqual((await tarEntries(await s3Get(`${key}/tree.tgz`))).map((e) => [e.name, e.content ?? '']), [['tree', ''], ['tree/f', 'v\n']]);
  pod.cleanup();

  const required = await runPod({ template: { container: { ...container, volumeMounts }, outputs: { artifacts: [{ name: 'req', path: '/work/missing' }] }, archiveLocation: archiveLocation(key) }, volumes: ['work'], secrets: S3_SECRETS }, ['true']);
  assert.equal(required.wait.code, 64, required.wait.stderr);
  assert.match(required.pod.terminationMessage('wait'), /^stat \/mainctrfs\/work\/missing: no such file or directory; $/);
  assert.doesNotMatch(required.wait.stderr, /Unhandled|node:events/, 'the failure is reported, not thrown');
  assert.deepEqual(required.tr.outputs, {});
  required.pod.cleanup();
});

test('70: archive none uploads the file as basename(path), a directory under <name>/; zip uploads <name>.zip', async () => {
  const key = `wait-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const artifacts = [
    { name: 'plain', path: '/tmp/r.json', archive: { none: {} } },
    { name: 'dir', path: '/tmp/d', archive: { none: {} } },
    { name: 'zipped', path: '/tmp/d', archive: { zip: {} } },
  ];
  const { pod, tr, wait } = await runPod({ template: { container, outputs: { artifacts }, archiveLocation: archiveLocation(key) }, secrets: S3_SECRETS },
    ['sh', '-c', 'printf "{}" > /tmp/r.json; mkdir -p /tmp/d/s; echo 1 > /tmp/d/one; echo 2 > /tmp/d/s/two']);
  assert.equal(wait.code, 0, wait.stderr);
  assert.deepEqual(tr.outputs.artifacts.map((a: any) => a.s3.key), [`${key}/r.json`, `${key}/d`, `${key}/zipped.zip`]);
  assert.deepEqual(await s3Keys(key), [`${key}/d/one`, `${key}/d/s/two`, `${key}/r.json`, `${key}/zipped.zip`]);
  assert.equal((await s3Get(`${key}/r.json`)).toString(), '{}');
  assert.equal((await s3Get(`${key}/d/s/two`)).toString(), '2\n');
  pod.cleanup();
});

test('71: archiveLogs uploads main\'s combined output as main-logs at <archive key>/main.log', async () => {
  const key = `wait-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const { pod, tr, wait } = await runPod({ template: { container, archiveLocation: archiveLocation(key, true) }, secrets: S3_SECRETS }, ['sh', '-c', 'echo out; echo err >&2']);
  assert.equal(wait.code, 0, wait.stderr);
  assert.deepEqual(tr.outputs, { artifacts: [{ name: 'main-logs', s3: { key: `${key}/main.log` } }] });
  const log = (await s3Get(`${key}/main.log`)).toString();
  assert.ok(log === 'out\nerr\n' || log === 'err\nout\n', log);
  pod.cleanup();
  // A containerSet member that never ran has no combined file: skipped with a warning, no error.
  const cs = new PodSim({ template: { containerSet: { containers: [{ name: 'main' }, { name: 'x' }] }, archiveLocation: archiveLocation(key, true) }, secrets: S3_SECRETS });
  assert.equal((await cs.runInit()).code, 0);
  const w = cs.startWait();
  const m = cs.startMain(['echo', 'only-main']);
  await m.done;
  mkdirSync(cs.path('var-run-argo', 'ctr/x'), { recursive: true });
  writeFileSync(cs.path('var-run-argo', 'ctr/x/exitcode'), '143');
  const wr = await w.done;
  assert.equal(wr.code, 0, wr.stderr);
  assert.match(wr.stderr, /no logs to save: container produced no output/);
  assert.deepEqual((await getTaskResult(cs.nodeId)).outputs, { artifacts: [{ name: 'main-logs', s3: { key: `${key}/main.log` } }] });
  await deleteTaskResult(cs.nodeId);
  cs.cleanup();
});

test('75: progress N/M is merge-patched within a patch tick; invalid lines are never reported', async (t) => {
  const proxy = await ApiProxy.start();
  t.after(() => proxy.close());
  const pod = new PodSim({ template: { container }, kubePort: String(proxy.port), env: {
    ARGO_PROGRESS_FILE: '/var/run/argo/progress', ARGO_PROGRESS_PATCH_TICK_DURATION: '1s', ARGO_PROGRESS_FILE_TICK_DURATION: '1s',
  } });
  writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
  const r = await pod.run(['sh', '-c', 'echo 11/10 > /var/run/argo/progress; sleep 1.5; echo 0/0 >> /var/run/argo/progress; sleep 1.5; echo nonsense >> /var/run/argo/progress; sleep 1.5; echo 3/10 >> /var/run/argo/progress; sleep 2']);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  const progress = proxy.taskResultCalls().filter((c) => c.body.includes('progress')).map((c) => [c.method, c.contentType, c.body]);
  assert.deepEqual(progress, [['PATCH', 'application/merge-patch+json', '{"metadata":{},"progress":"3/10"}']]);
  assert.equal((await getTaskResult(pod.nodeId)).progress, '3/10');
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('76: at ARGO_DEADLINE wait writes 15 to main\'s signal file and "Step exceeded its deadline"', async () => {
  const pod = new PodSim({ template: { container }, env: { ARGO_DEADLINE: new Date(Date.now() + 2500).toISOString(), ARGO_TERMINATION_GRACE_PERIOD_SECONDS: '5' } });
  const t0 = Date.now();
  const r = await pod.run(['sleep', '30']);
  const took = Date.now() - t0;
  assert.equal(r.main?.code, 143, r.main?.stderr);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  assert.ok(took < 15_000, `took ${took} ms`);
  assert.equal(pod.terminationMessage('wait'), 'Step exceeded its deadline');
  assert.match(r.main?.stderr ?? '', /signal/i);
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('77: ARGO_DEADLINE=0001-01-01T00:00:00Z disables the deadline kill', async () => {
  const pod = new PodSim({ template: { container }, env: { ARGO_DEADLINE: '0001-01-01T00:00:00Z' } });
  const r = await pod.run(['sleep', '2']);
  assert.equal(r.main?.code, 0);
  assert.equal(r.wait?.code, 0);
  assert.equal(pod.terminationMessage('wait'), '');
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('78: SIGTERM to wait while main runs: it reports, finalizes and exits 0', async () => {
  const pod = new PodSim({ template: { container, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p', default: 'early' } }] } } });
  assert.equal((await pod.runInit()).code, 0);
  const wait = pod.startWait();
  const main = pod.startMain(['sleep', '30']);
  await sleep(1000);
  process.kill(wait.pid1(), 'SIGTERM');
  const w = await wait.done;
  assert.equal(w.code, 0, w.stderr);
  assert.equal(w.signal, null);
  const tr = await getTaskResult(pod.nodeId);
  assert.deepEqual(tr.outputs, { parameters: [{ name: 'p', value: 'early', valueFrom: { path: '/tmp/p', default: 'early' } }] });
  assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  process.kill(main.pid1(), 'SIGTERM');
  await main.done;
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('79: a resource template with archived logs: wait reports only outputs.artifacts, parameters untouched', async () => {
  const key = `wait-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const template = { resource: { action: 'get', manifest: 'kind: ConfigMap' }, outputs: { parameters: [{ name: 'x', valueFrom: { jsonPath: '{.metadata.name}' } }] }, archiveLocation: archiveLocation(key, true) };
  const pod = new PodSim({ template, secrets: S3_SECRETS });
  const TR = '/apis/argoproj.io/v1alpha1/namespaces/argo/workflowtaskresults';
  // What `argoexec resource` reports from main (its own process; it may come first).
  const pre = await admin.req('POST', TR, { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTaskResult', metadata: { name: pod.nodeId, labels: { 'workflows.argoproj.io/workflow': pod.workflowName } }, outputs: { parameters: [{ name: 'x', value: 'cm', valueFrom: { jsonPath: '{.metadata.name}' } }] } });
  assert.equal(pre.status, 201, pre.text);
  const r = await pod.run(['sh', '-c', 'echo resource-log']);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  const tr = await getTaskResult(pod.nodeId);
  assert.deepEqual(tr.outputs, {
    parameters: [{ name: 'x', value: 'cm', valueFrom: { jsonPath: '{.metadata.name}' } }],
    artifacts: [{ name: 'main-logs', s3: { key: `${key}/main.log` } }],
  });
  assert.equal((await s3Get(`${key}/main.log`)).toString(), 'resource-log\n');
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('80: ARGO_ARTIFACT_PLUGIN_NAMES: wait writes 15 to each plugin sidecar\'s signal file before finalizing', async () => {
  const pod = new PodSim({ template: { container }, waitEnv: { ARGO_ARTIFACT_PLUGIN_NAMES: 'artifact-plugin-x, ', ARGO_TERMINATION_GRACE_PERIOD_SECONDS: '20' } });
  assert.equal((await pod.runInit()).code, 0);
  const wait = pod.startWait();
  const main = pod.startMain(['true']);
  const signal = pod.path('var-run-argo', 'ctr/artifact-plugin-x/signal');
  const end = Date.now() + 20_000;
  // The signal file may exist before its content is written: wait for the content, not the name.
  while (!(existsSync(signal) && readFileSync(signal, 'utf8') !== '') && Date.now() < end) await sleep(50);
  assert.equal(readFileSync(signal, 'utf8'), '15');
  const tr = await getTaskResult(pod.nodeId);
  assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'false', 'not finalized before the sidecar is killed');
  writeFileSync(pod.path('var-run-argo', 'ctr/artifact-plugin-x/exitcode'), '143');
  const w = await wait.done;
  await main.done;
  assert.equal(w.code, 0, w.stderr);
  assert.equal((await getTaskResult(pod.nodeId)).metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});
