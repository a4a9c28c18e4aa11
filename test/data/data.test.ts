/**
 * lifecycle §10.3, §16 item 86: `argoexec data '<json>'` as the main container of a data-template pod:
 * keys listed from real MinIO (artifactPaths relocated onto the archive location's endpoint/credentials),
 * expr-lang transformations, outputs.result reported in the real apiserver's WorkflowTaskResult, then
 * finalized. v4.1: no InitializeOutput.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteOwnerWorkflow, NAMESPACE, rand, runRole } from '../resource/helpers.ts';
import { admin, archiveLocation, deleteTaskResult, getTaskResult, s3Put, S3_SECRETS } from '../wait/helpers.ts';

after(async () => { await deleteOwnerWorkflow(); });

const TR = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults`;

function dataTemplate(key: string, expressions: string[], s3: Record<string, unknown> = { bucket: 'my-bucket', key }): Record<string, unknown> {
  return {
    name: 'list-log-files',
    data: { source: { artifactPaths: { name: 'test-bucket', s3 } }, transformation: expressions.map((expression) => ({ expression })) },
    archiveLocation: archiveLocation('unused/key'),
  };
}

test('86, 10.3: data \'<json>\' with flags after it: listObjects → filter/map → outputs.result (Go JSON) in the TaskResult, finalized', async () => {
  const prefix = `data-tests/${rand()}`;
  for (const k of ['a/main.log', 'a/other.txt', 'b/main.log', 'c.log', 'd&e/main.log']) await s3Put(`${prefix}/${k}`, k);
  const r = await runRole(['data', '{"name":"list-log-files","data":{}}'], dataTemplate(prefix, ['filter(data, {# endsWith "main.log"})', 'map(data, {# + ".ready"})']), { secrets: S3_SECRETS });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.termination, '');
  const tr = await getTaskResult(r.nodeId);
  assert.equal(tr.metadata.labels['workflows.argoproj.io/report-outputs-completed'], 'true');
  assert.deepEqual(tr.outputs, { result: `["${prefix}/a/main.log.ready","${prefix}/b/main.log.ready","${prefix}/d\\u0026e/main.log.ready"]` });
  await deleteTaskResult(r.nodeId);

  const stats = await runRole(['data'], dataTemplate(prefix, [
    'filter(data, {not(# contains "main")})',
    'len(data) == 2 && all(data, {# startsWith "data-tests/"}) ? {count: len(data), first: upper(split(data[0], "/")[2])} : nil',
  ]), { secrets: S3_SECRETS });
  assert.equal(stats.code, 0, stats.stderr);
  assert.deepEqual((await getTaskResult(stats.nodeId)).outputs, { result: '{"count":2,"first":"A"}' });
  await deleteTaskResult(stats.nodeId);
});

test('10.3: no transformation → the listed keys; a bucket on the artifact itself is listed with the archive location\'s credentials', async () => {
  const prefix = `data-tests/${rand()}`;
  await s3Put(`${prefix}/only.txt`, 'x');
  const r = await runRole(['data'], dataTemplate(prefix, []), { secrets: S3_SECRETS });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await getTaskResult(r.nodeId)).outputs, { result: `["${prefix}/only.txt"]` });
  await deleteTaskResult(r.nodeId);
});

test('10.3: errors → exit 64 "unable to process data template: …", no TaskResult created (FinalizeOutput gets NotFound)', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ data: { source: {} } }, 'unable to process data template: unable to process data source: no valid source is used for data template'],
    [{}, 'unable to process data template: no data template found'],
    [dataTemplate(`data-tests/missing-${rand()}`, []), ''],
    [dataTemplate('data-tests', ['bogus(data)']), 'unable to process data template: unable to process data transformation: error processing data step 0: unknown name bogus (1:1)\n | bogus(data)\n | ^'],
    [dataTemplate('data-tests', ['filter(data, true)', 'data.foo(']), ''],
  ];
  for (const [template, message] of cases) {
    const r = await runRole(['data'], template, { secrets: S3_SECRETS });
    assert.equal(r.code, 64, r.stderr);
    if (message) assert.equal(r.termination, message);
    else assert.match(r.termination, /^unable to process data template: unable to process (data source: unable to source artifact paths: no key found of name data-tests\/missing-|data transformation: error processing data step 1: )/);
    assert.match(r.stderr, /level=WARN msg="failed to patch task result, see https:\/\/argo-workflows.readthedocs.io\/en\/latest\/workflow-rbac\/" .*not found/);
    assert.equal((await admin.req('GET', `${TR}/${r.nodeId}`)).status, 404);
  }
});
