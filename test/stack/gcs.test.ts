// fake-gcs-server is real: upload, metadata, download and delete through the GCS JSON API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { need } from './env.ts';

test('fake-gcs-server: upload, stat, download and delete an object', async () => {
  const base = need('GCS_ENDPOINT');
  const bucket = need('GCS_BUCKET');
  const name = `stack-smoke/${randomBytes(4).toString('hex')}/hello.txt`;
  const content = 'hello from the GCS smoke test\n';

  const up = await fetch(`${base}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(name)}`, {
    method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: content,
  });
  assert.equal(up.status, 200, await up.clone().text());
  const meta = await up.json() as { name: string; size: string; bucket: string };
  assert.equal(meta.name, name);
  assert.equal(meta.bucket, bucket);
  assert.equal(Number(meta.size), Buffer.byteLength(content));

  const list = await fetch(`${base}/storage/v1/b/${bucket}/o?prefix=${encodeURIComponent(name)}`);
  assert.equal(list.status, 200);
  const items = ((await list.json()) as { items?: { name: string }[] }).items ?? [];
  assert.deepEqual(items.map((i) => i.name), [name]);

  const get = await fetch(`${base}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`);
  assert.equal(get.status, 200);
  assert.equal(await get.text(), content);

  const del = await fetch(`${base}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`, { method: 'DELETE' });
  // Real GCS answers 204; fake-gcs-server v1.56 answers 200.
  assert.ok(del.status === 204 || del.status === 200, `DELETE answered ${del.status}`);
  await del.text();
  const gone = await fetch(`${base}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`);
  assert.equal(gone.status, 404);
  await gone.text();
});
