/**
 * Artifact plugins through dist/argoexec in simulated legacy pods (lifecycle §10.6, §10.7, §16 items 75, 80, 92;
 * artifacts spec §3.1, §3.2 step 10, §6.8) with the test plugin (test/support/artifact-plugin/server.ts) as the
 * plugin image: `init` skips plugin inputs, `init-artifact-test` (artifact-plugin-init) loads them through the
 * socket, `wait` saves outputs through the `artifact-plugin-test` sidecar (artifact-plugin-sidecar) and ends it with
 * the file signal; the TaskResult against the real apiserver.
 *
 * 1. inputs loaded by init-artifact-test (file 0666, tar.gz directory unpacked), outputs saved by wait through the
 *    sidecar (tar, none, key-less via the plugin archiveLocation), sidecar ended by signal file → exitcode 143, exit 0
 * 2. a plugin whose socket never appears: init-artifact-test fails after 120 s naming plugin and socket (exit 64)
 * 3. the plugin crashes in the middle of a save: the step fails naming the cause; what was saved before stays
 *    saved and reported
 * 4. `artifact delete` deletes plugin artifacts through an emissary-wrapped plugin sidecar (artifact-GC pod)
 * 5. `artifact-plugin-sidecar` ignores SIGTERM, honours `15` in its signal file
 * 6. a plugin advertising SaveStream: wait streams the gzip of a tar output (GetCapabilities, SaveStream)
 * 7. init-less pod: the supervisor loads plugin inputs through the plugin sidecar (ARGO_INPUT_ARTIFACT_PLUGIN_NAMES)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { NAMESPACE, STACK } from '../support/pod-sim.ts';
import { PLUGIN_SERVER, PluginPod } from '../support/plugin-pod.ts';
import { PROJECT } from '../support/sandbox.ts';
import { IMAGE_ROOT, InitlessPod } from '../supervisor/helpers.ts';
import { admin, deleteTaskResult, getTaskResult, tarEntries } from '../wait/helpers.ts';

const rand = (): string => `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
const plugin = (key: string, configuration = '{}'): Record<string, unknown> => ({ name: 'test', configuration, key });

/** Put an object into a plugin store (host side). */
function seed(store: string, key: string, data: Buffer | string): void {
  const p = join(store, 'objects', key);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, data);
}

/** A tar.gz of a directory `top` holding `files` (one top-level entry: unpacked into place by init). */
function tgzOf(top: string, files: Record<string, string>): Buffer {
  const d = mkdtempSync(join(tmpdir(), 'plugin-tgz-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(d, top, name, '..'), { recursive: true });
    writeFileSync(join(d, top, name), content);
  }
  return execFileSync('tar', ['-C', d, '-czf', '-', top]);
}

test('1: plugin inputs through init-artifact-test, outputs through the artifact-plugin-test sidecar, TaskResult as Go records it', async (t) => {
  assert.ok(STACK.KUBECONFIG, 'make stack-up');
  const run = `plugin-tests/${rand()}`;
  const template = {
    name: 'plug', container: { image: 'x' },
    inputs: { artifacts: [
      { name: 'in', path: '/in/data.txt', plugin: plugin(`${run}/in/data.txt`) },
      { name: 'dir', path: '/in/dir', plugin: plugin(`${run}/in/dir.tgz`) },
      { name: 'opt', path: '/in/opt', optional: true },
    ] },
    outputs: { artifacts: [
      { name: 'out', path: '/tmp/out.txt', plugin: plugin(`${run}/out.tgz`) },
      { name: 'raw', path: '/tmp/out.txt', archive: { none: {} }, plugin: plugin(`${run}/raw.txt`) },
      { name: 'keyless', path: '/tmp/d' },
    ] },
    archiveLocation: { plugin: plugin(`${run}/wf/pod`) },
  };
  const pod = new PluginPod({ template });
  t.after(() => pod.cleanup());
  seed(pod.store, `${run}/in/data.txt`, 'plugin input\n');
  seed(pod.store, `${run}/in/dir.tgz`, tgzOf('d', { 'a.txt': 'A\n', 'sub/b.txt': 'B\n' }));

  const r = await pod.run(['sh', '-c', 'set -e; tr a-z A-Z < /in/data.txt > /tmp/out.txt; mkdir /tmp/d; cat /in/dir/a.txt /in/dir/sub/b.txt > /tmp/d/ab']);
  assert.equal(r.init.code, 0, r.init.stderr);
  assert.match(r.init.stderr, /Skipping artifact that is from a plugin/);
  assert.equal(r.pluginInit?.code, 0, r.pluginInit?.stderr);
  assert.equal(r.main?.code, 0, r.main?.stderr);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  assert.equal(r.sidecar?.code, 0, r.sidecar?.stderr);
  // The plugin driver's bundle (grpc-js) starts from its code cache in init-artifact-test and wait.
  assert.doesNotMatch(`${r.pluginInit?.stderr}${r.wait?.stderr}${r.sidecar?.stderr}`, /Warning|rejected/);
  await t.test('inputs: bytes in place; a plugin input without mode is 0666 (executor.go loadArtifact)', () => {
    assert.equal(readFileSync(pod.path('input-artifacts', 'in'), 'utf8'), 'plugin input\n');
    assert.equal(statSync(pod.path('input-artifacts', 'in')).mode & 0o777, 0o666);
    assert.equal(readFileSync(pod.path('input-artifacts', 'dir/sub/b.txt'), 'utf8'), 'B\n');
    assert.equal(existsSync(pod.path('input-artifacts', 'in.tmp')), false);
  });
  await t.test('outputs in the store: tar.gz of the file, the file itself, key-less under the archive key', async () => {
    const entries = await tarEntries(gunzipSync(readFileSync(pod.object(`${run}/out.tgz`))));
    assert.deepEqual(entries.map((e) => [e.name, e.content]), [['out.txt', 'PLUGIN INPUT\n']]);
    assert.equal(readFileSync(pod.object(`${run}/raw.txt`), 'utf8'), 'PLUGIN INPUT\n');
    const dir = await tarEntries(gunzipSync(readFileSync(pod.object(`${run}/wf/pod/keyless.tgz`))));
    assert.deepEqual(dir.filter((e) => e.type === 'file').map((e) => [e.name, e.content]), [['d/ab', 'A\nB\n']]);
  });
  await t.test('TaskResult: saved artifacts with their plugin locations (key-less: SetType gives only the key)', async () => {
    const tr = await getTaskResult(pod.nodeId);
    assert.deepEqual(tr.outputs.artifacts, [
      { name: 'out', path: '/tmp/out.txt', plugin: plugin(`${run}/out.tgz`) },
      { name: 'raw', path: '/tmp/out.txt', archive: { none: {} }, plugin: plugin(`${run}/raw.txt`) },
      { name: 'keyless', path: '/tmp/d', plugin: { key: `${run}/wf/pod/keyless.tgz` } },
    ]);
    assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  });
  await t.test('the sidecar was ended by wait with 15 in its signal file; it exited 0 and wrote the server\'s status', () => {
    assert.equal(readFileSync(pod.path('var-run-argo', 'ctr/artifact-plugin-test/exitcode'), 'utf8'), '143');
    assert.match(r.wait?.stderr ?? '', /artifact sidecars killed/);
  });
  await t.test('requests: Load for each input at its .tmp path; Save of each staged file', () => {
    const reqs = readFileSync(join(pod.store, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(reqs.filter((q) => q.method === 'Load').map((q) => q.request.path), ['/argo/inputs/artifacts/in.tmp', '/argo/inputs/artifacts/dir.tmp']);
    assert.deepEqual(reqs.filter((q) => q.method === 'Save').map((q) => q.request.path), [
      '/tmp/argo/outputs/artifacts/out.tgz', '/tmp/argo/outputs/artifacts/out.txt', '/tmp/argo/outputs/artifacts/keyless.tgz',
    ]);
  });
  await deleteTaskResult(pod.nodeId);
});

test('2: a plugin whose socket never appears: init-artifact-test fails after 120 s naming plugin and socket', async (t) => {
  const template = { name: 'x', container: { image: 'x' }, inputs: { artifacts: [{ name: 'in', path: '/in/x', plugin: plugin('k') }] } };
  // The "plugin" runs but never listens.
  const pod = new PluginPod({ template, pluginCommand: ['/bin/sh', '-c', 'exec sleep 1000'] });
  t.after(() => pod.cleanup());
  const init = await pod.sim.runInit();
  assert.equal(init.code, 0, init.stderr);
  const r = await pod.startPluginInit(200_000).done;
  const msg = 'failed to create plugin driver for test: plugin test expected unix socket at "/tmp/artifact-plugins/test/socket" but it does not exist after waiting for 120 seconds';
  assert.equal(r.code, 64, r.stderr);
  assert.equal(pod.sim.terminationMessage('init-artifact-test'), msg);
  assert.match(r.stderr, new RegExp(`Error: ${msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('3: the plugin crashes in the middle of a save: the step fails naming the cause, what was saved before is kept', async (t) => {
  assert.ok(STACK.KUBECONFIG, 'make stack-up');
  const run = `plugin-tests/${rand()}`;
  const template = {
    name: 'crash', container: { image: 'x' },
    outputs: { artifacts: [
      { name: 'a', path: '/tmp/a.txt', archive: { none: {} }, plugin: plugin(`${run}/a.txt`) },
      { name: 'b', path: '/tmp/b.bin', archive: { none: {} }, plugin: plugin(`${run}/b.bin`, '{"crash":"save"}') },
      { name: 'c', path: '/tmp/a.txt', archive: { none: {} }, plugin: plugin(`${run}/c.txt`) },
    ] },
  };
  const pod = new PluginPod({ template });
  t.after(() => pod.cleanup());
  const r = await pod.run(['sh', '-c', 'echo saved-first > /tmp/a.txt; head -c 4194304 /dev/urandom > /tmp/b.bin']);
  assert.equal(r.main?.code, 0, r.main?.stderr);
  assert.equal(r.wait?.code, 64, r.wait?.stderr);
  const termination = pod.sim.terminationMessage('wait');
  // b: the connection broke during the call; c: the server is gone (its socket file remains, nobody listens).
  assert.match(termination, /^plugin test save failed: rpc error: code = Unavailable desc = [^;]+; failed to create plugin driver for test: timeout waiting for plugin test connection to become ready, last state: [A-Z_]+ \(socket="\/tmp\/artifact-plugins\/test\/socket"\); $/);
  assert.equal(readFileSync(pod.object(`${run}/a.txt`), 'utf8'), 'saved-first\n');
  assert.equal(existsSync(pod.object(`${run}/b.bin`)), false);
  const tr = await getTaskResult(pod.nodeId);
  assert.deepEqual(tr.outputs.artifacts, [{ name: 'a', path: '/tmp/a.txt', archive: { none: {} }, plugin: plugin(`${run}/a.txt`) }]);
  assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  // The sidecar wrote the server's status (3) and exited 0; wait's kill found it done.
  assert.equal(r.sidecar?.code, 0, r.sidecar?.stderr);
  assert.equal(readFileSync(pod.path('var-run-argo', 'ctr/artifact-plugin-test/exitcode'), 'utf8'), '3');
  await deleteTaskResult(pod.nodeId);
});

const WFAT = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowartifactgctasks`;

test('4: artifact delete: plugin artifacts deleted through the emissary-wrapped plugin sidecar of an artifact-GC pod', async (t) => {
  assert.ok(STACK.KUBECONFIG, 'make stack-up');
  const run = `plugin-tests/${rand()}`;
  const hash = String(Math.floor(Math.random() * 4e9));
  const task = `gc-plugin-${rand()}`;
  const pod = new PluginPod({ template: {} });
  t.after(async () => { pod.cleanup(); await admin.req('DELETE', `${WFAT}/${task}`); });
  seed(pod.store, `${run}/a.tgz`, 'a');
  seed(pod.store, `${run}/dir/x`, 'x');
  const created = await admin.req('POST', WFAT, {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowArtifactGCTask',
    metadata: { name: task, labels: { 'workflows.argoproj.io/artifact-gc-pod': hash } },
    spec: { artifactsByNode: { n1: { artifacts: {
      a: { name: 'a', path: '/tmp/a', plugin: plugin(`${run}/a.tgz`) },
      dir: { name: 'dir', path: '/tmp/dir', plugin: plugin(`${run}/dir`) },
      bad: { name: 'bad', path: '/tmp/bad', plugin: plugin(`${run}/bad`, '{"fail":"no such bucket"}') },
    } } } },
  });
  assert.equal(created.status, 201, created.text);
  // artifact_gc.go: the standard init container (template {}) installs argoexec for the emissary-wrapped sidecar.
  const init = await pod.sim.runInit({ ARGO_TEMPLATE: '{}' });
  assert.equal(init.code, 0, init.stderr);
  const sidecar = pod.startSidecar('emissary');
  const gc = await pod.sim.start('wait', ['argoexec', 'artifact', 'delete', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], {
    ...pod.sim.executorEnv('main'), ARGO_CONTAINER_NAME: 'main', ARGO_TEMPLATE: '{}', ARGO_DEADLINE: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ARGO_ARTIFACT_POD_NAME: hash, ARGO_ARTIFACT_PLUGIN_NAMES: 'artifact-plugin-test',
  }).done;
  assert.equal(gc.code, 0, gc.stderr);
  const s = await sidecar.done;
  assert.equal(s.code, 143, s.stderr); // the emissary exits with its child's status (15 from the GC main)
  assert.equal(existsSync(pod.object(`${run}/a.tgz`)), false);
  assert.equal(existsSync(pod.object(`${run}/dir`)), false);
  const got = await admin.req('GET', `${WFAT}/${task}`);
  assert.deepEqual(got.body.status.artifactResultsByNode.n1.artifactResults, {
    a: { name: 'a', success: true },
    dir: { name: 'dir', success: true },
    bad: { name: 'bad', error: 'plugin test delete failed: no such bucket' }, // success: false is omitted (omitempty)
  });
});

test('5 (item 92): artifact-plugin-sidecar ignores SIGTERM and ends on 15 in its signal file', async (t) => {
  const pod = new PluginPod({ template: { name: 'x', container: { image: 'x' } } });
  t.after(() => pod.cleanup());
  const init = await pod.sim.runInit();
  assert.equal(init.code, 0, init.stderr);
  const sidecar = pod.startSidecar();
  const socket = pod.path('artifact-plugin-test', 'socket');
  for (let i = 0; i < 200 && !existsSync(socket); i++) await sleep(50);
  assert.ok(existsSync(socket), 'the plugin listens');
  process.kill(sidecar.pid1(), 'SIGTERM'); // the kubelet's SIGTERM: not forwarded
  await sleep(1000);
  assert.equal(existsSync(pod.path('var-run-argo', 'ctr/artifact-plugin-test/exitcode')), false, 'still running after SIGTERM');
  writeFileSync(pod.path('var-run-argo', 'ctr/artifact-plugin-test/signal'), '15');
  const r = await sidecar.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(pod.path('var-run-argo', 'ctr/artifact-plugin-test/exitcode'), 'utf8'), '143');
});

test('6: a plugin that advertises SaveStream gets the wait\'s tar output streamed (no .tgz staged), other outputs by Save', async (t) => {
  assert.ok(STACK.KUBECONFIG, 'make stack-up');
  const run = `plugin-tests/${rand()}`;
  const template = {
    name: 'stream', container: { image: 'x' },
    outputs: { artifacts: [
      { name: 'big', path: '/tmp/big', plugin: plugin(`${run}/big.tgz`) },
      { name: 'raw', path: '/tmp/big/one', archive: { none: {} }, plugin: plugin(`${run}/one`) },
    ] },
  };
  const pod = new PluginPod({ template, pluginEnv: { TEST_PLUGIN_STREAMING: 'true' } });
  t.after(() => pod.cleanup());
  const r = await pod.run(['sh', '-c', 'mkdir /tmp/big; head -c 5000000 /dev/urandom > /tmp/big/one; echo two > /tmp/big/two']);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  const reqs = readFileSync(join(pod.store, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(reqs.map((q) => q.method), ['GetCapabilities', 'SaveStream', 'Save']);
  assert.equal(reqs[1].request.outputArtifact.plugin.key, `${run}/big.tgz`);
  assert.equal(existsSync(pod.path('tmp-wait', 'argo/outputs/artifacts/big.tgz')), false, 'nothing staged on disk');
  const entries = await tarEntries(gunzipSync(readFileSync(pod.object(`${run}/big.tgz`))));
  assert.deepEqual(entries.map((e) => e.name), ['big', 'big/one', 'big/two']);
  assert.ok(readFileSync(pod.object(`${run}/one`)).equals(readFileSync(pod.path('tmp-wait', 'argo/outputs/artifacts/one'))));
  await deleteTaskResult(pod.nodeId);
});

test('7: init-less pod: the supervisor loads plugin inputs through the artifact-plugin-test sidecar, then ends it', async (t) => {
  assert.ok(STACK.KUBECONFIG, 'make stack-up');
  const run = `plugin-tests/${rand()}`;
  const store = mkdtempSync(join(tmpdir(), 'argoexec-plugin-store-'));
  seed(store, `${run}/in.txt`, 'through the supervisor\n');
  const template = { name: 'initless', container: { image: 'x' }, inputs: { artifacts: [
    { name: 'in', path: '/in/x.txt', plugin: plugin(`${run}/in.txt`) },
  ] } };
  const pod = new InitlessPod({ template });
  const socketDir = pod.path('artifact-plugin-test');
  mkdirSync(socketDir, { mode: 0o777 });
  mkdirSync(pod.path('tmp-artifact-plugin-test'), { mode: 0o777 });
  writeFileSync(pod.path('termination-log-artifact-plugin-test'), '');
  pod.sim.spec.extraMounts = { wait: [[socketDir, '/tmp/artifact-plugins/test', 'rw']] };
  t.after(() => pod.cleanup());
  // workflowpod_layout.go buildPluginSidecars: the plugin image with argoexec from the argoexec-bin image volume,
  // the input-artifacts volume and the socket volume.
  const sidecar = pod.sim.start('artifact-plugin-test', ['/argo-bin/bin/argoexec', 'artifact-plugin-sidecar', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0', '--',
    process.execPath, PLUGIN_SERVER, '/tmp/artifact-plugins/test/socket'],
  { ...pod.sim.executorEnv('artifact-plugin-test'), TEST_PLUGIN_STORE: '/store' }, 120_000, [
    [pod.path('var-run-argo'), '/var/run/argo', 'rw'],
    [pod.path('tmp-artifact-plugin-test'), '/tmp', 'rw'],
    [pod.path('termination-log-artifact-plugin-test'), '/dev/termination-log', 'rw'],
    [pod.path('input-artifacts'), '/argo/inputs/artifacts', 'rw'],
    [socketDir, '/tmp/artifact-plugins/test', 'rw'],
    [IMAGE_ROOT, '/argo-bin', 'ro'],
    [PROJECT, PROJECT, 'ro'],
    [store, '/store', 'rw'],
  ]);
  t.after(() => rmSync(store, { recursive: true, force: true }));
  const main = pod.startMain(['cat', '/in/x.txt']);
  const sup = pod.startSupervisor({ ARGO_INPUT_ARTIFACT_PLUGIN_NAMES: 'test', ARGO_ARTIFACT_PLUGIN_NAMES: 'artifact-plugin-test' });
  const [m, s, sc] = await Promise.all([main.done, sup.done, sidecar.done]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(m.code, 0, m.stderr);
  assert.equal(m.stdout, 'through the supervisor\n');
  assert.equal(readFileSync(pod.path('var-run-argo', 'status'), 'utf8'), 'READY\n');
  assert.equal(statSync(pod.path('input-artifacts', 'in')).mode & 0o777, 0o666);
  assert.equal(sc.code, 0, sc.stderr);
  assert.equal(readFileSync(pod.path('var-run-argo', 'ctr/artifact-plugin-test/exitcode'), 'utf8'), '143');
  await deleteTaskResult(pod.nodeId);
});
