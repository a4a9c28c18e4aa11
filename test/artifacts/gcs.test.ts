/**
 * GCS driver against the real fake-gcs-server of the stack (JSON API, no auth): file and directory round trips with
 * Go's key layout, prefix handling, not-found, delete, invalid service-account keys (no secret in the message).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { driverFor } from '../../src/artifacts/registry.ts';
import { ArtifactNotFoundError } from '../../src/artifacts/driver.ts';
import { cleanKey } from '../../src/artifacts/gcs/driver.ts';
import type { Artifact } from '../../src/core/template.ts';
import { ctxFor, secretsDir, stack, tmp, uniq } from './helpers.ts';

const endpoint = stack.GCS_ENDPOINT ?? '';
const bucketName = stack.GCS_BUCKET ?? 'my-bucket';
assert.ok(endpoint, 'GCS_ENDPOINT must be set in .stack/env (make stack-up)');
const env = { STORAGE_EMULATOR_HOST: stack.STORAGE_EMULATOR_HOST ?? endpoint };

function gcs(key: string, extra: Record<string, unknown> = {}): Artifact {
  return { name: 'a', path: '/tmp/x', gcs: { bucket: bucketName, key, ...extra } };
}

/** Object names below a prefix, straight from the emulator's JSON API. */
async function names(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token = '';
  do {
    const u = new URL(`${endpoint}/storage/v1/b/${bucketName}/o`);
    u.searchParams.set('prefix', prefix);
    if (token) u.searchParams.set('pageToken', token);
    const r = (await (await fetch(u)).json()) as { items?: { name: string }[]; nextPageToken?: string };
    for (const i of r.items ?? []) out.push(i.name);
    token = r.nextPageToken ?? '';
  } while (token);
  return out.sort();
}

async function object(name: string): Promise<{ status: number; body: Buffer; contentType: string | null }> {
  const r = await fetch(`${endpoint}/storage/v1/b/${bucketName}/o/${encodeURIComponent(name)}?alt=media`);
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()), contentType: r.headers.get('content-type') };
}

async function put(name: string, data: string | Buffer): Promise<void> {
  const u = new URL(`${endpoint}/upload/storage/v1/b/${bucketName}/o`);
  u.searchParams.set('uploadType', 'media');
  u.searchParams.set('name', name);
  const r = await fetch(u, { method: 'POST', body: typeof data === 'string' ? data : new Uint8Array(data) });
  assert.equal(r.status, 200, await r.text());
}

describe('GCS on fake-gcs-server', () => {
  const ctx = ctxFor(secretsDir({}), env);

  test('key cleaning is Go path.Clean', () => {
    assert.equal(cleanKey('a/b/'), 'a/b');
    assert.equal(cleanKey('a//b/./c/..'), 'a/b');
    assert.equal(cleanKey(''), '.');
    assert.equal(cleanKey('/x/'), '/x');
  });

  test('file round trip: object at clean(key), exact bytes', async () => {
    const d = tmp();
    const data = randomBytes(300_000);
    writeFileSync(join(d, 'out.tgz'), data);
    const key = `t/${uniq()}/out.tgz`;
    const drv = driverFor(gcs(key), ctx);
    await drv.save(join(d, 'out.tgz'), gcs(`${key}/`)); // trailing slash is cleaned away, as in Go
    assert.deepEqual(await names(key), [key]);
    assert.deepEqual((await object(key)).body, data);
    await drv.load(gcs(key), join(d, 'sub/back.tgz'));
    assert.deepEqual(readFileSync(join(d, 'sub/back.tgz')), data);
    assert.deepEqual(await drv.listObjects(gcs(key)), [key]);
    assert.equal(await drv.isDirectory(gcs(key)), false);
    await drv.delete(gcs(key));
    assert.deepEqual(await names(key), []);
  });

  test('large file (resumable upload) round trip', async () => {
    const d = tmp();
    const data = randomBytes(20 * 1024 * 1024 + 123);
    writeFileSync(join(d, 'big.bin'), data);
    const key = `t/${uniq()}/big.bin`;
    const drv = driverFor(gcs(key), ctx);
    let last = 0;
    await drv.save(join(d, 'big.bin'), gcs(key), (n) => { last = n; });
    assert.equal(last, data.length);
    await drv.load(gcs(key), join(d, 'back.bin'));
    assert.ok(readFileSync(join(d, 'back.bin')).equals(data));
  });

  test('directory: objects clean(key)/<rel> for every file (symlinked file followed, empty dirs skipped); load mirrors it', async () => {
    const d = tmp();
    const src = join(d, 'out');
    mkdirSync(join(src, 'a/b'), { recursive: true });
    mkdirSync(join(src, 'empty'));
    writeFileSync(join(src, 'top.txt'), 'top');
    writeFileSync(join(src, 'a/b/deep.json'), '{"deep":1}');
    symlinkSync('top.txt', join(src, 'link'));
    const key = `t/${uniq()}/out`;
    const drv = driverFor(gcs(key), ctx);
    await drv.save(src, gcs(key));
    assert.deepEqual(await names(`${key}/`), [`${key}/a/b/deep.json`, `${key}/link`, `${key}/top.txt`]);
    assert.equal((await object(`${key}/link`)).body.toString(), 'top');
    assert.match((await object(`${key}/a/b/deep.json`)).contentType ?? '', /^application\/json/);
    assert.equal(await drv.isDirectory(gcs(key)), true);
    assert.deepEqual((await drv.listObjects(gcs(key))).sort(), [`${key}/a/b/deep.json`, `${key}/link`, `${key}/top.txt`]);
    for (const k of [key, `${key}/`]) {
      const dest = join(d, `back-${k.length}`);
      await drv.load(gcs(k), dest);
      assert.deepEqual(readdirSync(dest).sort(), ['a', 'link', 'top.txt']);
      assert.equal(readFileSync(join(dest, 'a/b/deep.json'), 'utf8'), '{"deep":1}');
      assert.equal(readFileSync(join(dest, 'link'), 'utf8'), 'top');
    }
    await drv.delete(gcs(key));
    assert.deepEqual(await names(`${key}/`), []);
  });

  test('directory load ignores sibling keys sharing the prefix (no a/b → a/bc collision) and "dir/" placeholders', async () => {
    const base = `t/${uniq()}`;
    await put(`${base}/dir/x.txt`, 'x');
    await put(`${base}/dir/`, '');
    await put(`${base}/dirty/y.txt`, 'y');
    const d = tmp();
    const drv = driverFor(gcs(`${base}/dir`), ctx);
    await drv.load(gcs(`${base}/dir`), join(d, 'in'));
    assert.deepEqual(readdirSync(join(d, 'in')), ['x.txt']);
    assert.deepEqual(await drv.listObjects(gcs(`${base}/dir`)), [`${base}/dir/x.txt`]);
  });

  test('missing key → ArtifactNotFoundError "no results for key"; delete of a missing key is fine', async () => {
    const key = `t/${uniq()}/missing.tgz`;
    const drv = driverFor(gcs(key), ctx);
    await assert.rejects(drv.load(gcs(key), join(tmp(), 'x')), (err: Error) => {
      assert.ok(err instanceof ArtifactNotFoundError);
      assert.match(err.message, new RegExp(`no results for key: ${key}`));
      return true;
    });
    assert.deepEqual(await drv.listObjects(gcs(key)), []);
    await drv.delete(gcs(key));
  });

  test('missing bucket → clear error naming bucket and endpoint', async () => {
    const key = `t/${uniq()}/x`;
    const art: Artifact = { name: 'a', path: '/tmp/x', gcs: { bucket: 'no-such-bucket-xyz', key } };
    const drv = driverFor(art, ctx);
    await assert.rejects(drv.load(art, join(tmp(), 'x')), (err: Error) => {
      assert.match(err.message, /gs:\/\/no-such-bucket-xyz\//);
      assert.ok(err.message.includes(endpoint));
      return true;
    });
  });

  test('invalid service account keys fail clearly without echoing the secret', async () => {
    const secret = 'TOP-SECRET-VALUE-123';
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const good = { type: 'service_account', client_email: 'sa@p.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), project_id: 'p' };
    const cases: [string, RegExp][] = [
      [`{not json ${secret}`, /is not valid JSON/],
      [JSON.stringify({ type: 'authorized_user', refresh_token: secret }), /expected "service_account"/],
      [JSON.stringify({ ...good, private_key: `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n` }), /not a valid PEM private key/],
    ];
    for (const [value, re] of cases) {
      const secrets = secretsDir({ gcs: { key: value } });
      const art = gcs(`t/${uniq()}`, { serviceAccountKeySecret: { name: 'gcs', key: 'key' } });
      const drv = driverFor(art, ctxFor(secrets, env));
      await assert.rejects(drv.load(art, join(tmp(), 'x')), (err: Error) => {
        assert.match(err.message, re);
        assert.match(err.message, /gcs\/key/);
        assert.ok(!err.message.includes(secret), err.message);
        return true;
      });
    }
    // A well-formed key works against the emulator (which, like Go with STORAGE_EMULATOR_HOST, needs no auth).
    const secrets = secretsDir({ gcs: { key: JSON.stringify(good) } });
    const d = tmp();
    writeFileSync(join(d, 'f'), 'with key');
    const key = `t/${uniq()}/f`;
    const art = gcs(key, { serviceAccountKeySecret: { name: 'gcs', key: 'key' } });
    const drv = driverFor(art, ctxFor(secrets, env));
    await drv.save(join(d, 'f'), art);
    assert.equal((await object(key)).body.toString(), 'with key');
  });
});
