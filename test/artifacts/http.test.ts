/** HTTP / Artifactory / raw input drivers against go-httpbin. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { driverFor } from '../../src/artifacts/registry.ts';
import { ArtifactNotFoundError } from '../../src/artifacts/driver.ts';
import { ctxFor, secretsDir, stack, tmp } from './helpers.ts';
import { startArtifactory } from '../support/artifactory-server.ts';

const httpbin = stack.HTTPBIN_URL ?? '';
assert.ok(httpbin, 'HTTPBIN_URL must be set in .stack/env (make stack-up)');
const secrets = secretsDir({ auth: { user: 'admin', pass: 'password' }, empty: { v: '' } });
const ctx = ctxFor(secrets);

describe('http driver', () => {
  test('GET with configured headers (repeatable names) streams the body to the file', async () => {
    const d = tmp();
    const art = { name: 'h', path: '/x', http: { url: `${httpbin}/get?x=1`, headers: [{ name: 'X-Test', value: 'one' }, { name: 'X-Test', value: 'two' }] } };
    await driverFor(art, ctx).load(art, join(d, 'out'));
    const body = JSON.parse(readFileSync(join(d, 'out'), 'utf8')) as { headers: Record<string, string[]> };
    assert.deepEqual(body.headers['X-Test'], ['one', 'two']);
  });

  test('404 → ArtifactNotFoundError; 500 → "loading content from <url> failed with reason: 500 …"', async () => {
    const d = tmp();
    const nf = { name: 'h', path: '/x', http: { url: `${httpbin}/status/404` } };
    await assert.rejects(driverFor(nf, ctx).load(nf, join(d, 'a')), ArtifactNotFoundError);
    const err = { name: 'h', path: '/x', http: { url: `${httpbin}/status/500` } };
    await assert.rejects(driverFor(err, ctx).load(err, join(d, 'b')), (e: unknown) => !(e instanceof ArtifactNotFoundError) && /loading content from .*\/status\/500 failed with reason: 500/.test((e as Error).message));
  });

  test('a refused connection in Go\'s words (expectedfailures/failed-artifact-load with the Go reference)', async () => {
    const art = { name: 'h', path: '/x', http: { url: 'http://127.0.0.1:1/doesnt-exist.txt' } };
    await assert.rejects(driverFor(art, ctxFor(secrets, { EXECUTOR_RETRY_BACKOFF_STEPS: '1' })).load(art, join(tmp(), 'a')),
      (e: unknown) => (e as Error).message === 'Get "http://127.0.0.1:1/doesnt-exist.txt": dial tcp 127.0.0.1:1: connect: connection refused');
  });

  test('basic auth from secrets; not sent when the password is empty', async () => {
    const d = tmp();
    const url = `${httpbin}/basic-auth/admin/password`;
    const ok = { name: 'h', path: '/x', http: { url, auth: { basicAuth: { usernameSecret: { name: 'auth', key: 'user' }, passwordSecret: { name: 'auth', key: 'pass' } } } } };
    await driverFor(ok, ctx).load(ok, join(d, 'ok'));
    assert.match(readFileSync(join(d, 'ok'), 'utf8'), /"authorized": ?true/);
    const half = { name: 'h', path: '/x', http: { url, auth: { basicAuth: { usernameSecret: { name: 'auth', key: 'user' }, passwordSecret: { name: 'empty', key: 'v' } } } } };
    await assert.rejects(driverFor(half, ctx).load(half, join(d, 'no')), /401/);
  });

  test('redirects are followed', async () => {
    const d = tmp();
    const art = { name: 'h', path: '/x', http: { url: `${httpbin}/redirect-to?url=${encodeURIComponent('/bytes/64?seed=1')}&status_code=302` } };
    await driverFor(art, ctx).load(art, join(d, 'r'));
    assert.equal(statSync(join(d, 'r')).size, 64);
  });

  test('PUT sends the file; non-2xx fails with "saving file … failed with reason"', async () => {
    const d = tmp();
    writeFileSync(join(d, 'up.txt'), 'payload');
    const art = { name: 'h', path: '/x', http: { url: `${httpbin}/put` } };
    await driverFor(art, ctx).save(join(d, 'up.txt'), art);
    const bad = { name: 'h', path: '/x', http: { url: `${httpbin}/status/403` } };
    await assert.rejects(driverFor(bad, ctx).save(join(d, 'up.txt'), bad), /saving file .*up\.txt to .* failed with reason: 403/);
  });

  test('artifactory: deploy (PUT) then download (GET) round-trips against the Artifactory stand-in; 401 and 404 as Artifactory answers them', async (t) => {
    const store = tmp('artifactory-');
    const server = await startArtifactory({ user: 'admin', password: 'password', repos: ['generic-local'], dir: store });
    t.after(() => server.close());
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/artifactory`;
    const d = tmp();
    writeFileSync(join(d, 'hello.tgz'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    const loc = (url: string) => ({ name: 'a', path: '/x', artifactory: { url, usernameSecret: { name: 'auth', key: 'user' }, passwordSecret: { name: 'auth', key: 'pass' } } });
    const art = loc(`${base}/generic-local/wf/hello.tgz`);
    await driverFor(art, ctx).save(join(d, 'hello.tgz'), art);
    await driverFor(art, ctx).load(art, join(d, 'back'));
    assert.deepEqual(readFileSync(join(d, 'back')), readFileSync(join(d, 'hello.tgz')));
    const missing = loc(`${base}/generic-local/wf/none.tgz`);
    await assert.rejects(driverFor(missing, ctx).load(missing, join(d, 'none')), ArtifactNotFoundError);
    const wrong = { ...art, artifactory: { ...art.artifactory, passwordSecret: { name: 'empty', key: 'v' } } };
    await assert.rejects(driverFor(wrong, ctx).save(join(d, 'hello.tgz'), wrong), /saving file .*hello\.tgz to .* failed with reason: 401/);
  });

  test('artifactory always sends Basic auth', async () => {
    const d = tmp();
    const art = { name: 'a', path: '/x', artifactory: { url: `${httpbin}/basic-auth/admin/password`, usernameSecret: { name: 'auth', key: 'user' }, passwordSecret: { name: 'auth', key: 'pass' } } };
    await driverFor(art, ctx).load(art, join(d, 'a'));
    assert.match(readFileSync(join(d, 'a'), 'utf8'), /"authorized": ?true/);
  });
});

test('raw: data written verbatim (no newline); save unsupported', async () => {
  const d = tmp();
  const art = { name: 'r', path: '/x', raw: { data: 'hello' } };
  const drv = driverFor(art, ctx);
  await drv.load(art, join(d, 'r'));
  assert.equal(readFileSync(join(d, 'r'), 'utf8'), 'hello');
  await assert.rejects(drv.save(join(d, 'r'), art), /Raw output artifacts unsupported/);
});

test('missing locations fail clearly (every location kind has a driver now)', () => {
  assert.throws(() => driverFor({ name: 'n', path: '/x' }, ctx), /artifact storage is not configured/);
});
