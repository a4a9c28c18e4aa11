/**
 * lifecycle §9, §16 items 81–83: `argoexec supervisor` in simulated init-less pods — the status marker
 * protocol, pre-main (template, script, input artifacts from MinIO / go-httpbin), PostMain with and
 * without a pre-main failure, and the whole pod with our emissary waiting for READY. Real apiserver
 * (as the executor ServiceAccount), real MinIO; nothing mocked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, watch, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { STACK } from '../support/pod-sim.ts';
import { until } from '../support/emissary.ts';
import { archiveLocation, deleteTaskResult, s3Get, s3Put, S3_SECRETS, tarEntries } from '../wait/helpers.ts';
import { InitlessPod, reportedTaskResult, watchTaskResult } from './helpers.ts';

const HTTPBIN = STACK.HTTPBIN_URL ?? 'http://127.0.0.1:9100';
const uniqueKey = (): string => `supervisor-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

function parsesAsJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

test('81, 83: RUNNING before the template, heartbeat every 5 s, READY only after the inputs; every write is status.tmp + rename', async (t) => {
  const template = {
    name: 'slow', script: { image: 'x', source: 'echo hi\n' },
    inputs: { artifacts: [{ name: 'slow', path: '/in/slow.json', http: { url: `${HTTPBIN}/delay/7` } }] },
  };
  const pod = new InitlessPod({ template });
  const taskResult = await watchTaskResult(pod.nodeId);
  t.after(() => taskResult.close());
  const varRunArgo = pod.path('var-run-argo');
  const events: string[] = [];
  const watcher = watch(varRunArgo, (type, name) => { events.push(`${type} ${name}`); });
  t.after(() => watcher.close()); // also when an assertion fails: an open watcher keeps the test process alive
  const sup = pod.startSupervisor();

  await until(() => existsSync(`${varRunArgo}/status`), 15_000, 'the status marker');
  assert.equal(readFileSync(`${varRunArgo}/status`, 'utf8'), 'RUNNING\n');
  assert.equal(statSync(`${varRunArgo}/status`).mode & 0o777, 0o644);
  // The template is written with a plain write (as Go does): it may exist before its content is complete.
  await until(() => parsesAsJson(`${varRunArgo}/template`), 5_000, 'the whole template');
  assert.equal(statSync(`${varRunArgo}/template`).mode & 0o777, 0o444);
  assert.deepEqual(JSON.parse(readFileSync(`${varRunArgo}/template`, 'utf8')), template);
  // The script is staged right after the template (as Go does, with a plain write): wait for its content.
  await until(() => existsSync(pod.path('argo-staging', 'script')) && readFileSync(pod.path('argo-staging', 'script'), 'utf8') !== '', 5_000, 'the script');
  assert.equal(readFileSync(pod.path('argo-staging', 'script'), 'utf8'), 'echo hi\n');
  assert.equal(statSync(pod.path('argo-staging', 'script')).mode & 0o777, 0o755);
  assert.equal(existsSync(pod.path('input-artifacts', 'slow')), false, 'still downloading');

  // Heartbeat: a fresh file (new inode, newer mtime) with the same content about every 5 s.
  const first = statSync(`${varRunArgo}/status`);
  await sleep(5_600);
  const second = statSync(`${varRunArgo}/status`);
  assert.equal(readFileSync(`${varRunArgo}/status`, 'utf8'), 'RUNNING\n');
  assert.notEqual(second.ino, first.ino, 'rewritten by rename');
  assert.ok(second.mtimeMs > first.mtimeMs);
  assert.equal(existsSync(pod.path('input-artifacts', 'slow')), false);

  await until(() => readFileSync(`${varRunArgo}/status`, 'utf8') !== 'RUNNING\n', 15_000, 'the terminal status');
  assert.equal(readFileSync(`${varRunArgo}/status`, 'utf8'), 'READY\n');
  assert.equal(JSON.parse(readFileSync(pod.path('input-artifacts', 'slow'), 'utf8')).url, `${HTTPBIN}/delay/7`);
  assert.equal(existsSync(`${varRunArgo}/status.tmp`), false);

  // main "exits": the supervisor runs PostMain and finishes.
  mkdirSync(`${varRunArgo}/ctr/main`, { recursive: true });
  writeFileSync(`${varRunArgo}/ctr/main/exitcode`, '0');
  const r = await sup.done;
  watcher.close();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(pod.terminationMessage('supervisor'), '');

  const named = events.filter((e) => / (status|status\.tmp|template)$/.test(e));
  assert.equal(named[0], 'rename status.tmp', 'the first thing written is the marker');
  assert.ok(named.indexOf('rename status') < named.indexOf('rename template'), `RUNNING before the template: ${named.join(', ')}`);
  assert.deepEqual(named.filter((e) => e === 'change status'), [], 'status is never written in place');
  assert.ok(named.filter((e) => e === 'rename status').length >= 3, 'initial RUNNING, ≥1 heartbeat, READY');

  await reportedTaskResult(taskResult, t, 'supervisor');
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('82: a failing input download → FAILED\\n<error>, main exits 65, no result/parameters/artifacts, supervisor exits 64 after main', async (t) => {
  const key = uniqueKey();
  const template = {
    name: 'fails', container: { image: 'x' },
    inputs: { artifacts: [{ name: 'in', path: '/in/x', s3: { key: `${key}/missing.txt` } }] },
    outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }], artifacts: [{ name: 'out', path: '/tmp/out' }] },
    archiveLocation: archiveLocation(key),
  };
  const pod = new InitlessPod({ template, secrets: S3_SECRETS, env: { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' } });
  const taskResult = await watchTaskResult(pod.nodeId);
  t.after(() => taskResult.close());
  const sup = pod.startSupervisor();
  const main = pod.startMain(['sh', '-c', 'echo ran > /tmp/p; echo ran']);
  const [s, m] = await Promise.all([sup.done, main.done]);

  const loadError = `failed to load non-plugin input artifacts: artifact in failed to load: `;
  const status = readFileSync(pod.path('var-run-argo', 'status'), 'utf8');
  assert.ok(status.startsWith(`FAILED\n${loadError}`), status);
  const preMainError = status.slice('FAILED\n'.length);
  assert.match(preMainError, /The specified key does not exist|NoSuchKey|not found/i);

  assert.equal(m.code, 65, m.stderr);
  assert.equal(pod.terminationMessage('main'), `supervisor reported pre-main failure: ${preMainError}`);
  assert.equal(readFileSync(pod.path('var-run-argo', 'ctr/main/exitcode'), 'utf8'), '65');
  assert.equal(existsSync(pod.path('tmp-main', 'p')), false, 'the command never ran');

  assert.equal(s.code, 64, s.stderr);
  assert.equal(pod.terminationMessage('supervisor'), preMainError);
  const tr = await reportedTaskResult(taskResult, t, 'supervisor');
  assert.deepEqual(tr.outputs, { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] }, 'template outputs without values, no result');
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('9: an unwritable status marker → recorded, no pre-main, PostMain(preMainFailed), exit 64', async (t) => {
  const pod = new InitlessPod({ template: { name: 'x', container: { image: 'x' }, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] } } });
  const taskResult = await watchTaskResult(pod.nodeId);
  t.after(() => taskResult.close());
  mkdirSync(pod.path('var-run-argo', 'status/blocker'), { recursive: true }); // a non-empty directory: rename cannot replace it
  mkdirSync(pod.path('var-run-argo', 'ctr/main'), { recursive: true });
  mkdirSync(pod.path('var-run-argo', 'outputs/parameters/tmp'), { recursive: true });
  writeFileSync(pod.path('var-run-argo', 'outputs/parameters/tmp/p'), 'ignored');
  writeFileSync(pod.path('var-run-argo', 'ctr/main/exitcode'), '65');
  const r = await pod.startSupervisor().done;
  assert.equal(r.code, 64, r.stderr);
  assert.equal(pod.terminationMessage('supervisor'),
    'failed to write initial status marker: failed to rename marker /var/run/argo/status: rename /var/run/argo/status.tmp /var/run/argo/status: is a directory');
  assert.equal(existsSync(pod.path('var-run-argo', 'template')), false, 'pre-main did not run');
  const tr = await reportedTaskResult(taskResult, t, 'supervisor');
  assert.deepEqual(tr.outputs, { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] });
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('9: pre-main errors carry their step prefix: failed to write template / failed to stage files', async () => {
  for (const [blocker, expected] of [
    ['var-run-argo/template', 'failed to write template: open /var/run/argo/template: is a directory'],
    ['argo-staging/script', 'failed to stage files: open /argo/staging/script: is a directory'],
  ] as const) {
    const pod = new InitlessPod({ template: { name: 'x', script: { image: 'x', source: 'true' } } });
    mkdirSync(pod.path(blocker, 'x'), { recursive: true });
    mkdirSync(pod.path('var-run-argo', 'ctr/main'), { recursive: true });
    writeFileSync(pod.path('var-run-argo', 'ctr/main/exitcode'), '65');
    const r = await pod.startSupervisor().done;
    assert.equal(r.code, 64, r.stderr);
    assert.equal(readFileSync(pod.path('var-run-argo', 'status'), 'utf8'), `FAILED\n${expected}`);
    assert.equal(pod.terminationMessage('supervisor'), expected);
    await deleteTaskResult(pod.nodeId);
    pod.cleanup();
  }
});

test('9: ARGO_INPUT_ARTIFACT_PLUGIN_NAMES: a plugin input whose socket cannot be stat-ed → FAILED with the plugin prefix and Go\'s driver error', async () => {
  const plugin = { name: 'my-plugin', configuration: '{}', key: 'k' };
  const pod = new InitlessPod({ template: { name: 'x', container: { image: 'x' }, inputs: { artifacts: [{ name: 'in', path: '/in/x', plugin }] } } });
  // /tmp/artifact-plugins/my-plugin is a file: stat of …/socket fails with ENOTDIR at once (NewDriver: any error but
  // "does not exist" is fatal), instead of the 120 s wait for a socket that never appears.
  mkdirSync(pod.path('tmp-supervisor', 'artifact-plugins'));
  writeFileSync(pod.path('tmp-supervisor', 'artifact-plugins/my-plugin'), '');
  const sup = pod.startSupervisor({ ARGO_INPUT_ARTIFACT_PLUGIN_NAMES: ' my-plugin ,' });
  const main = pod.startMain(['true']);
  const [s, m] = await Promise.all([sup.done, main.done]);
  const socket = '/tmp/artifact-plugins/my-plugin/socket';
  const msg = `failed to load input artifacts from plugin "my-plugin": failed to create plugin driver for my-plugin: plugin my-plugin cannot stat unix socket at "${socket}": stat ${socket}: not a directory`;
  assert.equal(readFileSync(pod.path('var-run-argo', 'status'), 'utf8'), `FAILED\n${msg}`);
  assert.equal(m.code, 65, m.stderr);
  assert.equal(s.code, 64, s.stderr);
  assert.equal(pod.terminationMessage('supervisor'), msg);
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});

test('end to end: init-less pod — our emissary waits for READY, the MinIO input is linked into place, outputs reach the TaskResult', async (t) => {
  const key = uniqueKey();
  await s3Put(`${key}/in.txt`, 'hello from minio\n');
  const template = {
    name: 'e2e', container: { image: 'x', volumeMounts: [{ name: 'work', mountPath: '/work' }] },
    inputs: { artifacts: [
      { name: 'in', path: '/in/data.txt', s3: { key: `${key}/in.txt` } },
      { name: 'vol', path: '/work/v.txt', s3: { key: `${key}/in.txt` } },
      { name: 'opt', path: '/in/opt', optional: true },
    ] },
    outputs: {
      parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }, { name: 'fromInput', valueFrom: { path: '/in/data.txt' } }],
      artifacts: [{ name: 'out', path: '/tmp/out.txt' }],
    },
    archiveLocation: archiveLocation(key),
  };
  const pod = new InitlessPod({ template, volumes: ['work'], secrets: S3_SECRETS, env: { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' } });
  const taskResult = await watchTaskResult(pod.nodeId);
  t.after(() => taskResult.close());
  const main = pod.startMain(['sh', '-c', 'tr a-z A-Z < /in/data.txt > /tmp/p && cp /work/v.txt /tmp/out.txt && readlink /in/data.txt && test ! -e /in/opt']);
  await sleep(500); // main is up first and waits for the marker
  const sup = pod.startSupervisor();
  const [m, s] = await Promise.all([main.done, sup.done]);
  assert.equal(m.code, 0, m.stderr);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(readFileSync(pod.path('var-run-argo', 'status'), 'utf8'), 'READY\n');
  assert.equal(readFileSync(pod.path('input-artifacts', 'in'), 'utf8'), 'hello from minio\n');
  assert.equal(readFileSync(pod.path('vol-work', 'v.txt'), 'utf8'), 'hello from minio\n', 'an input inside a user volume goes to /mainctrfs/<path>');
  assert.equal(pod.terminationMessage('supervisor'), '');

  const tr = await reportedTaskResult(taskResult, t, 'supervisor');
  assert.deepEqual(tr.outputs, {
    parameters: [
      { name: 'p', value: 'HELLO FROM MINIO', valueFrom: { path: '/tmp/p' } },
      { name: 'fromInput', value: 'hello from minio', valueFrom: { path: '/in/data.txt' } },
    ],
    artifacts: [{ name: 'out', path: '/tmp/out.txt', s3: { key: `${key}/out.tgz` } }],
    result: '/argo/inputs/artifacts/in',
  });
  const entries = await tarEntries(await s3Get(`${key}/out.tgz`));
  assert.deepEqual(entries.map((e) => [e.name, e.content]), [['out.txt', 'hello from minio\n']]);
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});
