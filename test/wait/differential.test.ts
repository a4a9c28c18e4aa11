/**
 * Differential tests (brief step 6): the same pod through the Go reference executor ($REFERENCE_ARGOEXEC:
 * its init, emissary and wait) and through ours → identical S3 object keys, identical archive contents,
 * identical TaskResult JSON apart from names/uids/key prefixes; artifacts written by either are read by
 * the other's init.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GO_EXECUTOR, PodSim, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { archiveLocation, deleteTaskResult, getTaskResult, s3Get, s3Keys, S3_SECRETS, stripServerFields, tarEntries } from './helpers.ts';

const SCRIPT = [
  'set -e',
  'mkdir -p /tmp/dir/sub /work/vdir',
  'printf "param\\n" > /tmp/p; printf vol > /work/vp',
  'printf hello > /tmp/file.txt; chmod 0640 /tmp/file.txt',
  'echo one > /tmp/dir/one; echo two > /tmp/dir/sub/two; chmod 0700 /tmp/dir/sub; ln -s one /tmp/dir/link; ln -s /etc/hostname /tmp/dir/abs',
  'mkdir -p /tmp/nd/x; echo n > /tmp/nd/x/n',
  'mkdir -p /tmp/d2/sub; echo one > /tmp/d2/one; echo two > /tmp/d2/sub/two; chmod 0700 /tmp/d2/sub; ln -s one /tmp/d2/link',
  'echo v > /work/vdir/v',
  'echo stdout-line; echo stderr-line >&2',
].join('\n');

function template(key: string): Record<string, unknown> {
  return {
    name: 'diff',
    container: { image: 'x', volumeMounts: [{ name: 'work', mountPath: '/work' }] },
    outputs: {
      parameters: [
        { name: 'p', valueFrom: { path: '/tmp/p' }, globalName: 'gp' },
        { name: 'vp', valueFrom: { path: '/work/vp' } },
        { name: 'dp', valueFrom: { path: '/tmp/none', default: 'dflt' } },
      ],
      artifacts: [
        { name: 'file', path: '/tmp/file.txt' },
        { name: 'dir', path: '/tmp/dir/' },
        { name: 'dir2', path: '/tmp/d2' },
        { name: 'none-file', path: '/tmp/file.txt', archive: { none: {} } },
        { name: 'none-dir', path: '/tmp/nd', archive: { none: {} } },
        { name: 'zip-dir', path: '/tmp/nd', archive: { zip: {} } },
        { name: 'vol', path: '/work/vdir', archive: { tar: { compressionLevel: 1 } } },
        { name: 'opt', path: '/tmp/missing', optional: true },
      ],
    },
    archiveLocation: archiveLocation(key, true),
  };
}

async function runWith(executor: Executor, key: string): Promise<{ tr: any; pod: PodSim }> {
  const pod = new PodSim({ template: template(key), executor, volumes: ['work'], secrets: S3_SECRETS, env: { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' } });
  const r = await pod.run(['sh', '-c', SCRIPT]);
  assert.equal(r.init.code, 0, `${executor.name} init: ${r.init.stderr}`);
  assert.equal(r.main?.code, 0, `${executor.name} main: ${r.main?.stderr}`);
  assert.equal(r.wait?.code, 0, `${executor.name} wait: ${r.wait?.stderr}`);
  const tr = stripServerFields(await getTaskResult(pod.nodeId));
  await deleteTaskResult(pod.nodeId);
  return { tr, pod };
}

/** Replace run-specific values so the two TaskResults can be compared. */
function normalise(tr: any, pod: PodSim, key: string): any {
  let s = JSON.stringify(tr);
  for (const [from, to] of [[key, '<KEY>'], [pod.nodeId, '<NODE>'], [pod.workflowName, '<WF>'], [pod.workflowUid, '<UID>']] as const) s = s.split(from).join(to);
  return JSON.parse(s);
}

const keyOf = (): string => `diff-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

test('differential: Go reference and argoexec-ts store the same keys, archives and TaskResult', { timeout: 120_000 }, async () => {
  const goKey = `${keyOf()}-go`;
  const tsKey = `${keyOf()}-ts`;
  const go = await runWith(GO_EXECUTOR, goKey);
  const ts = await runWith(TS_EXECUTOR, tsKey);

  assert.deepEqual(normalise(ts.tr, ts.pod, tsKey), normalise(go.tr, go.pod, goKey));
  const goKeys = (await s3Keys(goKey)).map((k) => k.slice(goKey.length));
  const tsKeys = (await s3Keys(tsKey)).map((k) => k.slice(tsKey.length));
  assert.deepEqual(tsKeys, goKeys);
  assert.deepEqual(goKeys, ['/dir.tgz', '/dir2.tgz', '/file.tgz', '/file.txt', '/main.log', '/nd/x/n', '/vol.tgz', '/zip-dir.zip']);

  for (const k of ['/dir.tgz', '/dir2.tgz', '/file.tgz', '/vol.tgz']) {
    const strip = (e: Awaited<ReturnType<typeof tarEntries>>): unknown => e.map(({ name, type, mode, linkname, content }) => ({ name, type, mode, linkname, content }));
    assert.deepEqual(strip(await tarEntries(await s3Get(tsKey + k))), strip(await tarEntries(await s3Get(goKey + k))), k);
  }
  for (const k of ['/file.txt', '/nd/x/n']) {
    assert.deepEqual((await s3Get(tsKey + k)).toString(), (await s3Get(goKey + k)).toString(), k);
  }
  // stdout and stderr are separate pipes: their interleaving in the combined log is not deterministic.
  const lines = async (k: string): Promise<string[]> => (await s3Get(k)).toString().split('\n').sort();
  assert.deepEqual(await lines(`${tsKey}/main.log`), await lines(`${goKey}/main.log`));
  go.pod.cleanup();
  ts.pod.cleanup();

  // Cross-read: each executor's init loads what the other one wrote (dir.tgz holds an absolute symlink, which
  // both inits refuse on extraction, so dir2 is used).
  for (const [reader, writtenKey] of [[TS_EXECUTOR, goKey], [GO_EXECUTOR, tsKey]] as const) {
    const inputs = [
      { name: 'file', path: '/in/file.txt', s3: { key: `${writtenKey}/file.tgz` } },
      { name: 'dir', path: '/in/dir', s3: { key: `${writtenKey}/dir2.tgz` } },
      { name: 'nd', path: '/in/nd', archive: { none: {} }, s3: { key: `${writtenKey}/nd` } },
    ];
    const pod = new PodSim({ template: { container: { image: 'x' }, inputs: { artifacts: inputs }, archiveLocation: archiveLocation(writtenKey) }, executor: reader, secrets: S3_SECRETS });
    const init = await pod.runInit();
    assert.equal(init.code, 0, `${reader.name} init: ${init.stderr}`);
    const main = await pod.startMain(['sh', '-c', 'cat /in/file.txt /in/dir/one /in/dir/sub/two /in/nd/x/n; readlink /in/dir/link; stat -c %a /in/file.txt /in/dir/sub']).done;
    assert.equal(main.code, 0, main.stderr);
    assert.equal(main.stdout, 'helloone\ntwo\nn\none\n640\n755\n' /* untar: dirs 0755, header mode ignored */, `${reader.name} reading ${writtenKey}`);
    pod.cleanup();
  }
});

test('differential: failure texts (termination message of wait and init) match the Go reference', { timeout: 120_000 }, async () => {
  const key = keyOf();
  const cases: { name: string; template: Record<string, unknown>; cmd: string[]; role: 'wait' | 'init' }[] = [
    { name: 'missing parameter', role: 'wait', cmd: ['true'], template: { container: { image: 'x' }, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] } } },
    { name: 'missing artifacts', role: 'wait', cmd: ['true'], template: { container: { image: 'x' }, outputs: { artifacts: [{ name: 'a', path: '/tmp/a/' }, { name: 'b', path: '/tmp/b', archive: { none: {} } }] }, archiveLocation: archiveLocation(key) } },
    { name: 'required input', role: 'init', cmd: ['true'], template: { container: { image: 'x' }, inputs: { artifacts: [{ name: 'in', path: '/in' }] } } },
    { name: 'traversal', role: 'init', cmd: ['true'], template: { container: { image: 'x' }, inputs: { artifacts: [{ name: 'in', path: '/in/../../etc', raw: { data: 'x' } }] } } },
  ];
  for (const c of cases) {
    const results: Record<string, [number | null | undefined, string]> = {};
    for (const executor of [GO_EXECUTOR, TS_EXECUTOR]) {
      const pod = new PodSim({ template: c.template, executor, secrets: S3_SECRETS });
      const r = await pod.run(c.cmd);
      const code = c.role === 'init' ? r.init.code : r.wait?.code;
      results[executor.name] = [code, pod.terminationMessage(c.role)];
      if (c.role === 'wait') await deleteTaskResult(pod.nodeId);
      pod.cleanup();
    }
    assert.deepEqual(results.ts, results.go, c.name);
  }
});
