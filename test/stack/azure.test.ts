// Azurite is real: SharedKey-signed Put Blob / Get Blob / List Blobs / Delete Blob with the
// account and key from .stack/env (signing by hand with node:crypto, no SDK).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { need } from './env.ts';

async function azure(method: string, path: string, opts: { query?: Record<string, string>; body?: string; headers?: Record<string, string>; key?: string } = {}): Promise<Response> {
  const account = need('AZURITE_ACCOUNT');
  const key = opts.key ?? need('AZURITE_ACCOUNT_KEY');
  const url = new URL(need('AZURITE_BLOB_ENDPOINT') + path);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  const headers: Record<string, string> = {
    'x-ms-date': new Date().toUTCString(),
    'x-ms-version': '2021-12-02',
    ...(opts.headers ?? {}),
  };
  const contentLength = body && body.length > 0 ? String(body.length) : '';
  const contentType = headers['Content-Type'] ?? '';
  const xms = Object.keys(headers).filter((h) => h.toLowerCase().startsWith('x-ms-')).sort();
  const canonHeaders = xms.map((h) => `${h.toLowerCase()}:${(headers[h] ?? '').trim()}\n`).join('');
  const params = [...url.searchParams.entries()].sort(([a], [b]) => a.localeCompare(b));
  const canonResource = `/${account}${url.pathname}` + params.map(([k, v]) => `\n${k.toLowerCase()}:${v}`).join('');
  const stringToSign = [method, '', '', contentLength, '', contentType, '', '', '', '', '', ''].join('\n') + '\n' + canonHeaders + canonResource;
  const sig = createHmac('sha256', Buffer.from(key, 'base64')).update(stringToSign, 'utf8').digest('base64');
  return fetch(url, { method, headers: { ...headers, Authorization: `SharedKey ${account}:${sig}` }, body });
}

test('Azurite: put, list, get and delete a block blob with SharedKey auth', async () => {
  const container = need('AZURITE_CONTAINER');
  const name = `stack-smoke-${randomBytes(4).toString('hex')}.txt`;
  const content = 'hello from the Azurite smoke test\n';
  const put = await azure('PUT', `/${container}/${name}`, {
    body: content, headers: { 'x-ms-blob-type': 'BlockBlob', 'Content-Type': 'text/plain' },
  });
  assert.equal(put.status, 201, await put.text());

  const list = await azure('GET', `/${container}`, { query: { restype: 'container', comp: 'list', prefix: 'stack-smoke-' } });
  assert.equal(list.status, 200);
  assert.match(await list.text(), new RegExp(`<Name>${name}</Name>`));

  const get = await azure('GET', `/${container}/${name}`);
  assert.equal(get.status, 200);
  assert.equal(await get.text(), content);

  const del = await azure('DELETE', `/${container}/${name}`);
  assert.equal(del.status, 202, await del.text());
  const gone = await azure('GET', `/${container}/${name}`);
  assert.equal(gone.status, 404);
  await gone.text();
});

test('Azurite: a wrong account key is refused (403)', async () => {
  const res = await azure('GET', `/${need('AZURITE_CONTAINER')}`, {
    query: { restype: 'container', comp: 'list' }, key: Buffer.from('not the key').toString('base64'),
  });
  assert.equal(res.status, 403);
  await res.text();
});
