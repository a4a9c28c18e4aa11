/**
 * OSS driver (artifacts spec §6.6; workflow/artifacts/oss/oss.go of argoexec v4.1.2) against the fake OSS of
 * test/support/oss-server.ts, which verifies every request's V1 signature and records it. No OSS-compatible server
 * can be installed here; the same fake serves the Go reference in oss-differential.test.ts, which checks that both
 * executors send the same requests. Error texts are the Go SDK's ServiceError texts (oss/error.go) with oss.go's
 * wrapping; the service's part (code, message, EC) is OSS's own.
 *
 * Cases: 1 file save+load, 2 overwrite, 3 directory save (Go's key layout with `/` markers), 4 directory load,
 * 5 delete (GC) and missing delete, 6 listObjects / isDirectory, 7 missing object, 8 missing bucket, 9 wrong secret /
 * wrong access key id, 10 createBucketIfNotPresent, 11 lifecycleRule, 12 multipart, 13 securityToken,
 * 14 useSDKCreds, 15 transient errors retried, non-transient not, 16 a directory listing escaping the destination,
 * 17 https_proxy, 18 a silent server (i/o timeout), 19 invalid bucket and object names.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOssFake, type OssFake } from '../support/oss-server.ts';
import { HttpProxy } from '../support/http-proxy.ts';
import { OssArtifactDriver } from '../../src/artifacts/oss/driver.ts';
import type { DriverContext } from '../../src/artifacts/driver.ts';
import type { Artifact } from '../../src/core/template.ts';
import { createLogger, type Logger } from '../../src/core/log.ts';

let fake: OssFake;
let scratch: string;
const logLines: string[] = [];
const log: Logger = createLogger('info', 'text', (line: string) => { logLines.push(line); });

before(async () => {
  fake = await startOssFake({ buckets: ['my-bucket'] });
  scratch = mkdtempSync(join(tmpdir(), 'oss-test-'));
  mkdirSync(join(scratch, 'secrets/cred'), { recursive: true });
  writeFileSync(join(scratch, 'secrets/cred/accessKey'), fake.accessKeyId);
  writeFileSync(join(scratch, 'secrets/cred/secretKey'), fake.accessKeySecret);
  writeFileSync(join(scratch, 'secrets/cred/wrongSecret'), 'not-the-secret-key');
  writeFileSync(join(scratch, 'secrets/cred/wrongAccess'), 'unknown-access-key');
});
after(async () => {
  await fake.close();
  rmSync(scratch, { recursive: true, force: true });
  const all = logLines.join('\n');
  assert.ok(!all.includes(fake.accessKeySecret), 'the secret key never reaches a log line');
});

const ctx = (env: NodeJS.ProcessEnv = {}): DriverContext => ({ log, secretsDir: join(scratch, 'secrets'), env });

function art(key: string, extra: Record<string, unknown> = {}): Artifact {
  return {
    name: 'a',
    oss: {
      endpoint: fake.endpoint, bucket: 'my-bucket', key,
      accessKeySecret: { name: 'cred', key: 'accessKey' }, secretKeySecret: { name: 'cred', key: 'secretKey' }, ...extra,
    },
  } as Artifact;
}

function driver(a: Artifact, env: NodeJS.ProcessEnv = {}): OssArtifactDriver {
  const d = new OssArtifactDriver(a, ctx(env));
  d.backoff = { durationMs: 5, factor: 2, steps: 5, jitter: 0.1 };
  return d;
}

/** Requests recorded from `from` on, as `METHOD bucket/key?params → status[ code]`. */
function since(from: number): string[] {
  return fake.requests.slice(from).map((r) => {
    const q = Object.keys(r.query).sort().map((k) => (r.query[k] === '' ? k : `${k}=${r.query[k]}`)).join('&');
    return `${r.method} ${r.bucket}/${r.key}${q ? `?${q}` : ''} → ${r.status}${r.code ? ` ${r.code}` : ''}`;
  });
}

const reqId = (method: string, bucket: string, key: string, params: string[] = []): string =>
  createHash('sha1').update(`${method} ${bucket}/${key}?${[...params].sort().join('&')}`).digest('hex').slice(0, 24).toUpperCase();

function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) { out[`${r}/`] = ''; walk(join(d, e.name), r); } else out[r] = readFileSync(join(d, e.name), 'utf8');
    }
  };
  walk(root, '');
  return out;
}

describe('OSS driver against the signature-verifying fake', () => {
  test('1. a file is saved with one signed PutObject (Content-Type from the extension) and loaded back', async () => {
    const src = join(scratch, 'hello.txt');
    writeFileSync(src, 'hello oss\n');
    const from = fake.requests.length;
    await driver(art('t1/hello.txt')).save(src, art('t1/hello.txt'));
    const put = fake.requests[from];
    assert.equal(put?.headers['content-type'], 'text/plain');
    assert.equal(put?.headers['content-length'], '10');
    assert.equal(put?.accessKeyId, fake.accessKeyId);
    assert.equal(put?.url, '/my-bucket/t1%2Fhello.txt', 'path style, key escaped as Go url.QueryEscape');
    assert.equal(fake.object('my-bucket', 't1/hello.txt')?.toString(), 'hello oss\n');
    const dst = join(scratch, 'out1', 'hello.txt.tmp');
    await driver(art('t1/hello.txt')).load(art('t1/hello.txt'), dst);
    assert.equal(readFileSync(dst, 'utf8'), 'hello oss\n');
    assert.equal(statSync(join(scratch, 'out1')).mode & 0o777, 0o700, 'parents 0700 as Go');
    assert.ok(!existsSync(`${dst}.temp`));
    assert.deepEqual(since(from), ['PUT my-bucket/t1/hello.txt → 200', 'GET my-bucket/t1/hello.txt → 200']);
  });

  test('2. overwrite: a second save replaces the object', async () => {
    const src = join(scratch, 'ow.bin');
    writeFileSync(src, 'first');
    await driver(art('t2/ow.bin')).save(src, art('t2/ow.bin'));
    writeFileSync(src, 'second, longer');
    await driver(art('t2/ow.bin')).save(src, art('t2/ow.bin'));
    assert.equal(fake.object('my-bucket', 't2/ow.bin')?.toString(), 'second, longer');
  });

  test('3. a directory: a `/` marker object per directory (root and empty ones too), one object per regular file, symlinks skipped', async () => {
    const d = join(scratch, 'dir3');
    mkdirSync(join(d, 'sub/deeper'), { recursive: true });
    mkdirSync(join(d, 'empty'));
    writeFileSync(join(d, 'a.txt'), 'A');
    writeFileSync(join(d, 'sub/b.json'), '{"b":1}');
    writeFileSync(join(d, 'sub/deeper/c'), 'C');
    symlinkSync('a.txt', join(d, 'link'));
    const from = fake.requests.length;
    await driver(art('t3/out')).save(d, art('t3/out'));
    assert.deepEqual(since(from), [
      'PUT my-bucket/t3/out/ → 200', 'PUT my-bucket/t3/out/a.txt → 200', 'PUT my-bucket/t3/out/empty/ → 200',
      'PUT my-bucket/t3/out/sub/ → 200', 'PUT my-bucket/t3/out/sub/b.json → 200', 'PUT my-bucket/t3/out/sub/deeper/ → 200',
      'PUT my-bucket/t3/out/sub/deeper/c → 200',
    ], 'filepath.Walk order');
    assert.equal(fake.requests[from]?.headers['content-type'], 'application/octet-stream');
    assert.equal(fake.requests[from]?.headers['content-length'], '0');
    assert.equal(fake.requests[from + 4]?.headers['content-type'], 'application/json');
  });

  test('4. a directory key loads as a directory: NoSuchKey, then ListObjects of key/ (max-keys 1), then every object below it', async () => {
    const dst = join(scratch, 'out4', 'd.tmp');
    const from = fake.requests.length;
    await driver(art('t3/out')).load(art('t3/out'), dst);
    assert.deepEqual(tree(dst), { 'a.txt': 'A', 'empty/': '', 'sub/': '', 'sub/b.json': '{"b":1}', 'sub/deeper/': '', 'sub/deeper/c': 'C' });
    assert.deepEqual(since(from), [
      'GET my-bucket/t3/out → 404 NoSuchKey',
      'GET my-bucket/?encoding-type=url&max-keys=1&prefix=t3/out/ → 200',
      'GET my-bucket/?encoding-type=url&marker&prefix=t3/out/ → 200',
      'GET my-bucket/t3/out/a.txt → 200', 'GET my-bucket/t3/out/sub/b.json → 200', 'GET my-bucket/t3/out/sub/deeper/c → 200',
    ]);
  });

  test('5. delete (artifact GC) removes the single object; deleting a missing object succeeds', async () => {
    fake.put('my-bucket', 't5/x.tgz', 'x');
    const d = driver(art('t5/x.tgz'));
    await d.delete(art('t5/x.tgz'));
    assert.equal(fake.object('my-bucket', 't5/x.tgz'), undefined);
    const from = fake.requests.length;
    await d.delete(art('t5/x.tgz'));
    assert.deepEqual(since(from), ['DELETE my-bucket/t5/x.tgz → 204']);
  });

  test('6. listObjects (ListObjectsV2 of the key as prefix, paged) and isDirectory', async () => {
    for (let i = 0; i < 105; i++) fake.put('my-bucket', `t6/many/f${String(i).padStart(3, '0')}`, `${i}`);
    fake.put('my-bucket', 't6/manyother', 'x');
    const d = driver(art('t6/many'));
    const from = fake.requests.length;
    const keys = await d.listObjects(art('t6/many'));
    assert.equal(keys.length, 106, 'prefix match as Go (t6/manyother included)');
    assert.equal(keys[0], 't6/many/f000');
    assert.deepEqual(since(from).map((l) => l.replace(/continuation-token=[^&]+/, 'continuation-token=T')), [
      'GET my-bucket/?continuation-token&encoding-type=url&list-type=2&prefix=t6/many → 200',
      'GET my-bucket/?continuation-token=T&encoding-type=url&list-type=2&prefix=t6/many → 200',
    ]);
    assert.equal(await d.isDirectory(art('t6/many')), true);
    assert.equal(await d.isDirectory(art('t6/manyother')), false);
    assert.equal(await d.isDirectory(art('')), true, 'an empty key is a directory (IsOssDirectory)');
  });

  test('7. a missing object: Go\'s final text, marked not-found, no retries, nothing left at the destination', async () => {
    const dst = join(scratch, 'out7', 'missing.tmp');
    const from = fake.requests.length;
    await assert.rejects(driver(art('t7/missing')).load(art('t7/missing'), dst), (err: Error & { notFound?: boolean }) => {
      assert.equal(err.message, `timed out waiting for the condition: oss: service returned error: StatusCode=404, ErrorCode=NoSuchKey, ErrorMessage="The specified key does not exist.", RequestId=${reqId('GET', 'my-bucket', 't7/missing')}, Ec=0026-00000001`);
      assert.equal(err.notFound, true);
      return true;
    });
    assert.equal(since(from).length, 2, 'GetObject + the directory check, once');
    assert.deepEqual(readdirSync(join(scratch, 'out7')), []);
    const line = logLines.find((l) => l.includes('msg="OSS load failed"') && l.includes('key=t7/missing'));
    assert.ok(line?.includes(`endpoint=${fake.endpoint}`) && line.includes('bucket=my-bucket'), `one line names the endpoint and object: ${line}`);
  });

  test('8. a missing bucket: load and save fail with NoSuchBucket', async () => {
    const a = art('k', { bucket: 'no-such-bucket' });
    await assert.rejects(driver(a).load(a, join(scratch, 'out8', 'x')), {
      message: `failed to get file: oss: service returned error: StatusCode=404, ErrorCode=NoSuchBucket, ErrorMessage="The specified bucket does not exist.", RequestId=${reqId('GET', 'no-such-bucket', 'k')}, Ec=0015-00000101`,
    });
    const src = join(scratch, 'f8');
    writeFileSync(src, 'x');
    await assert.rejects(driver(a).save(src, a), {
      message: `oss: service returned error: StatusCode=404, ErrorCode=NoSuchBucket, ErrorMessage="The specified bucket does not exist.", RequestId=${reqId('PUT', 'no-such-bucket', 'k')}, Ec=0015-00000101`,
    });
  });

  test('9. a wrong secret key → SignatureDoesNotMatch; an unknown access key id → InvalidAccessKeyId; no secret in the text', async () => {
    fake.put('my-bucket', 't9/obj', 'x');
    const wrongSecret = art('t9/obj', { secretKeySecret: { name: 'cred', key: 'wrongSecret' } });
    await assert.rejects(driver(wrongSecret).load(wrongSecret, join(scratch, 'out9', 'a')), (err: Error) => {
      assert.equal(err.message, `failed to get file: oss: service returned error: StatusCode=403, ErrorCode=SignatureDoesNotMatch, ErrorMessage="The request signature we calculated does not match the signature you provided. Check your key and signing method.", RequestId=${reqId('GET', 'my-bucket', 't9/obj')}, Ec=0002-00000040`);
      assert.ok(!err.message.includes('not-the-secret-key'));
      return true;
    });
    const wrongId = art('t9/obj', { accessKeySecret: { name: 'cred', key: 'wrongAccess' } });
    await assert.rejects(driver(wrongId).load(wrongId, join(scratch, 'out9', 'b')), {
      message: `failed to get file: oss: service returned error: StatusCode=403, ErrorCode=InvalidAccessKeyId, ErrorMessage="The OSS Access Key Id you provided does not exist in our records.", RequestId=${reqId('GET', 'my-bucket', 't9/obj')}, Ec=0002-00000902`,
    });
  });

  test('10. createBucketIfNotPresent: ListBuckets(prefix, max-keys 1), then PutBucket only when missing', async () => {
    const src = join(scratch, 'f10.txt');
    writeFileSync(src, 'x');
    const a = art('k.txt', { bucket: 'created-bucket', createBucketIfNotPresent: true });
    let from = fake.requests.length;
    await driver(a).save(src, a);
    assert.deepEqual(since(from), ['GET /?max-keys=1&prefix=created-bucket → 200', 'PUT created-bucket/ → 200', 'PUT created-bucket/k.txt → 200']);
    assert.equal(fake.requests[from + 1]?.body, '<CreateBucketConfiguration><StorageClass>Standard</StorageClass></CreateBucketConfiguration>');
    from = fake.requests.length;
    await driver(a).save(src, a);
    assert.deepEqual(since(from), ['GET /?max-keys=1&prefix=created-bucket → 200', 'PUT created-bucket/k.txt → 200']);
  });

  test('11. lifecycleRule: PutBucketLifecycle with the rule Go builds; invalid day combinations fail as Go', async () => {
    const src = join(scratch, 'f11.txt');
    writeFileSync(src, 'x');
    const a = art('t11/k.txt', { lifecycleRule: { markInfrequentAccessAfterDays: 3, markDeletionAfterDays: 10 } });
    await driver(a).save(src, a);
    const id = createHash('sha256').update('t11/k.txt').digest('hex');
    assert.equal(fake.lifecycle.get('my-bucket'), `<LifecycleConfiguration><Rule><ID>${id}</ID><Prefix>t11/k.txt</Prefix><Status>Enabled</Status><Expiration><Days>10</Days></Expiration><Transition><Days>3</Days><StorageClass>IA</StorageClass></Transition><AbortMultipartUpload><Days>10</Days></AbortMultipartUpload></Rule></LifecycleConfiguration>`);
    const bad = art('t11/k.txt', { lifecycleRule: { markInfrequentAccessAfterDays: 5, markDeletionAfterDays: 2 } });
    await assert.rejects(driver(bad).save(src, bad), { message: 'markInfrequentAccessAfterDays cannot be large than markDeletionAfterDays' });
    const noIa = art('t11/k.txt', { lifecycleRule: { markDeletionAfterDays: 2 } });
    await assert.rejects(driver(noIa).save(src, noIa), { message: 'invalid transition lifecycle, must be set one of CreatedBeforeDate and Days' });
    const from = fake.requests.length;
    const zero = art('t11/k.txt', { lifecycleRule: {} });
    await driver(zero).save(src, zero);
    assert.deepEqual(since(from), ['PUT my-bucket/t11/k.txt → 200'], 'no rule when both are 0');
  });

  test('12. above the single-object limit: multipart in ceil(size/limit)+1 parts (the last takes the rest), streamed from the file', async () => {
    const src = join(scratch, 'big.tgz');
    const data = Buffer.alloc(1_000_003);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    writeFileSync(src, data);
    const d = driver(art('t12/big.tgz'));
    d.maxObjectSize = 300_000; // Go's limit is 5 GiB; the arithmetic is the same
    const from = fake.requests.length;
    await d.save(src, art('t12/big.tgz'));
    const lines = since(from).map((l) => l.replace(/uploadId=[0-9A-F]+/, 'uploadId=U'));
    assert.deepEqual(lines, [
      'POST my-bucket/t12/big.tgz?uploads → 200',
      'PUT my-bucket/t12/big.tgz?partNumber=1&uploadId=U → 200', 'PUT my-bucket/t12/big.tgz?partNumber=2&uploadId=U → 200',
      'PUT my-bucket/t12/big.tgz?partNumber=3&uploadId=U → 200', 'PUT my-bucket/t12/big.tgz?partNumber=4&uploadId=U → 200',
      'PUT my-bucket/t12/big.tgz?partNumber=5&uploadId=U → 200',
      'POST my-bucket/t12/big.tgz?uploadId=U → 200',
    ]);
    assert.deepEqual(fake.requests.slice(from + 1, from + 6).map((r) => r.headers['content-length']), ['200000', '200000', '200000', '200000', '200003']);
    assert.equal(fake.requests[from]?.headers['content-type'], 'application/x-compressed-tar', 'Go mime (globs2) for .tgz');
    assert.ok(fake.object('my-bucket', 't12/big.tgz')?.equals(data));
  });

  test('13. securityToken is sent (and signed) as x-oss-security-token', async () => {
    fake.put('my-bucket', 't13/o', 'tok');
    const a = art('t13/o', { securityToken: 'sts-token-value' });
    const from = fake.requests.length;
    await driver(a).load(a, join(scratch, 'out13', 'o'));
    assert.equal(fake.requests[from]?.headers['x-oss-security-token'], 'sts-token-value');
    assert.equal(fake.requests[from]?.status, 200, 'the signature covers the token header');
  });

  test('14. useSDKCreds: the chain — environment, then profile file, then credentials URI (the secrets are ignored)', async () => {
    fake.put('my-bucket', 't14/o', 'sdk');
    const a = art('t14/o', { useSDKCreds: true, accessKeySecret: { name: 'cred', key: 'wrongAccess' } });
    const out = (n: string): string => join(scratch, 'out14', n);
    await driver(a, { ALIBABA_CLOUD_ACCESS_KEY_ID: fake.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: fake.accessKeySecret }).load(a, out('env'));
    assert.equal(readFileSync(out('env'), 'utf8'), 'sdk');
    // profile file (ini), a named profile
    const ini = join(scratch, 'alicloud-credentials');
    writeFileSync(ini, `[default]\ntype = access_key\naccess_key_id = nope\naccess_key_secret = nope\n\n[argo]\ntype = access_key\naccess_key_id = ${fake.accessKeyId}\naccess_key_secret = ${fake.accessKeySecret}\n`);
    await driver(a, { ALIBABA_CLOUD_CREDENTIALS_FILE: ini, ALIBABA_CLOUD_PROFILE: 'argo' }).load(a, out('profile'));
    assert.equal(readFileSync(out('profile'), 'utf8'), 'sdk');
    // credentials URI: session credentials with a security token, fetched once while valid
    const { createServer } = await import('node:http');
    let served = 0;
    const uri = createServer((_req, res) => {
      served++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ Code: 'Success', AccessKeyId: fake.accessKeyId, AccessKeySecret: fake.accessKeySecret, SecurityToken: 'uri-sts-token', Expiration: new Date(Date.now() + 3600_000).toISOString() }));
    });
    await new Promise<void>((res) => uri.listen(0, '127.0.0.1', res));
    try {
      const from = fake.requests.length;
      const d = driver(a, { ALIBABA_CLOUD_CREDENTIALS_URI: `http://127.0.0.1:${(uri.address() as { port: number }).port}/creds`, HOME: join(scratch, 'no-home') });
      await d.load(a, out('uri'));
      await d.load(a, out('uri2'));
      assert.equal(readFileSync(out('uri2'), 'utf8'), 'sdk');
      assert.equal(fake.requests[from]?.headers['x-oss-security-token'], 'uri-sts-token');
      assert.equal(served, 1, 'cached until close to its expiration');
    } finally {
      uri.close();
    }
    // nothing anywhere: signed with empty keys, refused by the server (as Go)
    await assert.rejects(driver(a, { HOME: join(scratch, 'no-home') }).load(a, out('none')), /ErrorCode=InvalidAccessKeyId/);
    assert.ok(logLines.some((l) => l.includes('unable to get credentials from any of the providers in the chain')));
  });

  test('15. transient codes (ServiceUnavailable, InternalError) are retried; after 5 attempts Go\'s timeout text; others fail at once', async () => {
    fake.put('my-bucket', 't15/o', 'retry');
    fake.faults.push({ method: 'GET', key: 't15/o', code: 'ServiceUnavailable', times: 2 });
    let from = fake.requests.length;
    await driver(art('t15/o')).load(art('t15/o'), join(scratch, 'out15', 'o'));
    assert.equal(readFileSync(join(scratch, 'out15', 'o'), 'utf8'), 'retry');
    assert.deepEqual(since(from), ['GET my-bucket/t15/o → 503 ServiceUnavailable', 'GET my-bucket/t15/o → 503 ServiceUnavailable', 'GET my-bucket/t15/o → 200']);
    fake.faults.push({ method: 'PUT', key: 't15/p', code: 'InternalError', times: 5 });
    const src = join(scratch, 'f15');
    writeFileSync(src, 'x');
    from = fake.requests.length;
    await assert.rejects(driver(art('t15/p')).save(src, art('t15/p')), {
      message: `timed out waiting for the condition: oss: service returned error: StatusCode=500, ErrorCode=InternalError, ErrorMessage="We encountered an internal error. Please try again.", RequestId=${reqId('PUT', 'my-bucket', 't15/p')}, Ec=0007-00000001`,
    });
    assert.equal(since(from).length, 5);
    fake.faults.push({ method: 'PUT', key: 't15/q', code: 'InvalidArgument', times: 1 });
    from = fake.requests.length;
    await assert.rejects(driver(art('t15/q')).save(src, art('t15/q')), /ErrorCode=InvalidArgument/);
    assert.equal(since(from).length, 1);
  });

  test('16. a listed key that would land outside the destination (`..`) is refused; nothing is written outside', async () => {
    fake.put('my-bucket', 't16/dir/ok.txt', 'ok');
    fake.put('my-bucket', 't16/dir/../../escaped.txt', 'evil');
    const dst = join(scratch, 'out16', 'd.tmp');
    await assert.rejects(driver(art('t16/dir')).load(art('t16/dir'), dst), {
      message: `failed get directory: refusing to download object t16/dir/../../escaped.txt: it would be written outside ${dst}`,
    });
    assert.ok(!existsSync(join(scratch, 'out16', 'escaped.txt')) && !existsSync(join(scratch, 'escaped.txt')));
  });

  test('17. https_proxy (lower case, as oss.go reads it): every request goes through the proxy as an absolute-form request', async () => {
    const proxy = await HttpProxy.start();
    try {
      fake.put('my-bucket', 't17/o', 'via proxy');
      await driver(art('t17/o'), { https_proxy: proxy.url, HTTPS_PROXY: 'http://127.0.0.1:1' }).load(art('t17/o'), join(scratch, 'out17', 'o'));
      assert.equal(readFileSync(join(scratch, 'out17', 'o'), 'utf8'), 'via proxy');
      assert.deepEqual(proxy.requests, [`GET ${fake.endpoint}/my-bucket/t17%2Fo`]);
      const unreachable = driver(art('t17/o'), { https_proxy: 'http://127.0.0.1:1' });
      unreachable.backoff = { durationMs: 1, factor: 1, steps: 2, jitter: 0 };
      await assert.rejects(unreachable.load(art('t17/o'), join(scratch, 'out17', 'p')), {
        message: `timed out waiting for the condition: failed to get file: Get "${fake.endpoint}/my-bucket/t17%2Fo": proxyconnect tcp: dial tcp 127.0.0.1:1: connect: connection refused`,
      });
    } finally {
      await proxy.close();
    }
  });

  test('18. a server that stops answering: Go\'s i/o timeout (after the read/write limit), retried as transient', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => { /* accept, never answer */ });
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
    const port = (silent.address() as { port: number }).port;
    try {
      const a = art('t18/o', { endpoint: `http://127.0.0.1:${port}` });
      const d = driver(a);
      d.timeoutMs = 200;
      d.backoff = { durationMs: 1, factor: 1, steps: 2, jitter: 0 };
      await assert.rejects(d.load(a, join(scratch, 'out18', 'o')), (err: Error) => {
        assert.match(err.message, new RegExp(`^timed out waiting for the condition: failed to get file: Get "http://127\\.0\\.0\\.1:${port}/my-bucket/t18%2Fo": read tcp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: i/o timeout$`));
        return true;
      });
    } finally {
      silent.close();
    }
  });

  test('19. invalid names fail before any request, with the SDK\'s texts (CheckBucketName, CheckObjectName)', async () => {
    const from = fake.requests.length;
    const bad = art('k', { bucket: 'My_Bucket' });
    await assert.rejects(driver(bad).load(bad, join(scratch, 'out19', 'a')), { message: 'bucket name My_Bucket can only include lowercase letters, numbers, and -' });
    const short = art('k', { bucket: 'ab' });
    await assert.rejects(driver(short).delete(short), { message: 'bucket name ab len is between [3-63],now is 2' });
    const dash = art('k', { bucket: '-ab' });
    await assert.rejects(driver(dash).listObjects(dash), { message: 'bucket name -ab must start and end with a lowercase letter or number' });
    await assert.rejects(driver(art('')).load(art(''), join(scratch, 'out19', 'b')), { message: 'failed to get file: object name is empty' });
    await assert.rejects(driver(art('')).delete(art('')), { message: 'object name is empty' });
    assert.equal(fake.requests.length, from, 'no request was sent');
  });
});

