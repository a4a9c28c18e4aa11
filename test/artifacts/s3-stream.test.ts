/**
 * S3 `saveStream` (streamed multipart upload of unknown length) against minio AND versitygw: > 2 parts with exact
 * bytes read back, small / exactly-one-part / empty streams as one PutObject, abort on a source error (no object, no
 * pending upload), error texts; SSE-C multipart on the private TLS minio. Also bounded file uploads.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, request, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { S3Client, HeadObjectCommand, ListMultipartUploadsCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { driverFor } from '../../src/artifacts/registry.ts';
import { saveStreamWith, type ArtifactDriver } from '../../src/artifacts/driver.ts';
import { startTlsMinio } from './tls-minio.ts';
import { credsFor, ctxFor, s3Artifact, s3Servers, secretsDir, tmp, uniq, type S3Server } from './helpers.ts';

const MiB = 1024 * 1024;
const servers = s3Servers();
assert.ok(servers.length === 2, 'both minio and versitygw must be configured in .stack/env (make stack-up)');

function raw(s: S3Server): S3Client {
  return new S3Client({ endpoint: `http://${s.host}`, region: s.region, forcePathStyle: true, credentials: { accessKeyId: s.access, secretAccessKey: s.secret }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

/** `total` pseudo-random bytes in odd-sized chunks (never aligned to a part), optionally failing after `failAt`. */
function source(total: number, seed: Buffer, failAt?: number): Readable {
  return Readable.from((function* () {
    let sent = 0;
    let i = 0;
    while (sent < total) {
      if (failAt !== undefined && sent >= failAt) throw new Error('source broke');
      const n = Math.min(total - sent, 777_777 + (i++ % 5) * 1234);
      const c = Buffer.allocUnsafe(n);
      for (let o = 0; o < n; o += seed.length) seed.copy(c, o, 0, Math.min(seed.length, n - o));
      c.writeUInt32BE(i, 0);
      sent += n;
      yield c;
    }
  })(), { objectMode: false });
}

async function digest(r: Readable): Promise<{ sha: string; n: number }> {
  const h = createHash('sha256');
  let n = 0;
  for await (const c of r) {
    h.update(c as Buffer);
    n += (c as Buffer).length;
  }
  return { sha: h.digest('hex'), n };
}

async function getObject(c: S3Client, bucket: string, key: string, extra: Record<string, string> = {}): Promise<{ sha: string; n: number }> {
  const out = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return digest(out.Body as Readable);
}

function stream(drv: ArtifactDriver): NonNullable<ArtifactDriver['saveStream']> {
  assert.ok(drv.saveStream, 'the S3 driver implements saveStream');
  return drv.saveStream.bind(drv);
}

for (const s of servers) {
  describe(`S3 saveStream on ${s.name}`, () => {
    const secrets = credsFor(s);
    const env = { ARTIFACT_S3_UPLOAD_PART_SIZE_MIB: '5', ARTIFACT_S3_UPLOAD_THREADS: '2' };

    test('stream of 3+ parts: multipart, exact bytes back, progress, content type from fileName', { timeout: 120_000 }, async () => {
      const seed = randomBytes(4096);
      const total = 17 * MiB + 12345; // 4 parts of 5 MiB (last partial)
      const key = `t/${uniq()}/out.tgz`;
      const art = s3Artifact(s, key);
      const drv = driverFor(art, ctxFor(secrets, env));
      let last = 0;
      await stream(drv)(source(total, seed), art, (n) => { last = n; }, { fileName: 'out.tgz' });
      assert.equal(last, total);
      const c = raw(s);
      const head = await c.send(new HeadObjectCommand({ Bucket: 'my-bucket', Key: key }));
      assert.equal(head.ContentLength, total);
      assert.match(head.ETag ?? '', /-4"?$/, 'four parts (multipart ETag)');
      assert.deepEqual(await getObject(c, 'my-bucket', key), await digest(source(total, seed)));
      // The driver reads it back too.
      const d = tmp();
      await drv.load(art, join(d, 'back'));
      assert.equal(createHash('sha256').update(readFileSync(join(d, 'back'))).digest('hex'), (await digest(source(total, seed))).sha);
      rmSync(d, { recursive: true, force: true });
      c.destroy();
    });

    test('small, exactly-one-part and empty streams are single PutObjects', { timeout: 60_000 }, async () => {
      const c = raw(s);
      for (const total of [1000, 5 * MiB, 0]) {
        const seed = randomBytes(512);
        const key = `t/${uniq()}/small-${total}.bin`;
        const art = s3Artifact(s, key);
        await stream(driverFor(art, ctxFor(secrets, env)))(source(total, seed), art);
        const head = await c.send(new HeadObjectCommand({ Bucket: 'my-bucket', Key: key }));
        assert.equal(head.ContentLength, total);
        assert.doesNotMatch(head.ETag ?? '', /-\d+"?$/, `single put for ${total} bytes`);
        assert.deepEqual(await getObject(c, 'my-bucket', key), await digest(source(total, seed)));
      }
      c.destroy();
    });

    test('source error mid-way aborts: no object, no pending multipart upload; error names bucket + endpoint', { timeout: 60_000 }, async () => {
      const key = `t/${uniq()}/broken.tgz`;
      const art = s3Artifact(s, key);
      const drv = driverFor(art, ctxFor(secrets, env));
      await assert.rejects(stream(drv)(source(30 * MiB, randomBytes(64), 12 * MiB), art), (e: unknown) => {
        const m = (e as Error).message;
        assert.match(m, /source broke/);
        assert.match(m, /s3:\/\/my-bucket\//);
        assert.ok(m.includes(s.host), m);
        assert.ok(!m.includes(s.secret), 'no secret in the message');
        return true;
      });
      const c = raw(s);
      await assert.rejects(c.send(new HeadObjectCommand({ Bucket: 'my-bucket', Key: key })), (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404);
      const ups = await c.send(new ListMultipartUploadsCommand({ Bucket: 'my-bucket', Prefix: key }));
      assert.deepEqual((ups.Uploads ?? []).filter((u) => u.Key === key), [], 'upload aborted');
      c.destroy();
    });

    test('wrong credentials: the stream upload fails with bucket/endpoint, not the secret', { timeout: 60_000 }, async () => {
      const wrong = `Wrong-${uniq()}`;
      const art = s3Artifact(s, `t/${uniq()}/x.tgz`);
      const drv = driverFor(art, ctxFor(credsFor(s, wrong), { ...env, EXECUTOR_RETRY_BACKOFF_STEPS: '1' }));
      const src = source(12 * MiB, randomBytes(64));
      await assert.rejects(stream(drv)(src, art), (e: unknown) => {
        const m = (e as Error).message;
        assert.match(m, /my-bucket/);
        assert.ok(m.includes(s.host));
        assert.ok(!m.includes(wrong));
        return true;
      });
      assert.ok(src.destroyed, 'source destroyed on failure');
    });

    test('503 SlowDown on one UploadPart: only that part is sent again, the object is complete', { timeout: 60_000 }, async () => {
      const [host, port] = s.host.split(':') as [string, string];
      const seen: string[] = [];
      let failed = 0;
      const proxy: Server = createServer((req, res) => {
        const url = req.url ?? '';
        if (req.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(url)) seen.push(url);
        if (req.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(url) && failed === 0) {
          failed++;
          req.resume();
          req.on('end', () => {
            res.writeHead(503, { 'Content-Type': 'application/xml' });
            res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
          });
          return;
        }
        const headers = { ...req.headers };
        delete headers.expect;
        const up = request({ host, port: Number(port), method: req.method, path: url, headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.destroy());
        req.pipe(up);
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
      try {
        const via = { ...s, host: `127.0.0.1:${(proxy.address() as { port: number }).port}` };
        const seed = randomBytes(2048);
        const total = 12 * MiB;
        const key = `t/${uniq()}/retried.tgz`;
        const art = s3Artifact(via, key);
        await stream(driverFor(art, ctxFor(secrets, env)))(source(total, seed), art);
        assert.equal(failed, 1);
        assert.equal(seen.length, 2, 'part 2 sent twice');
        const c = raw(s);
        assert.deepEqual(await getObject(c, 'my-bucket', key), await digest(source(total, seed)));
        c.destroy();
      } finally {
        proxy.close();
      }
    });

    test('file save: parts read into reused buffers (3 parts + exact bytes)', { timeout: 60_000 }, async () => {
      const d = tmp();
      const p = join(d, 'f.bin');
      writeFileSync(p, randomBytes(11 * MiB + 7));
      const key = `t/${uniq()}/f.bin`;
      const art = s3Artifact(s, key);
      await driverFor(art, ctxFor(secrets, env)).save(p, art);
      const c = raw(s);
      const head = await c.send(new HeadObjectCommand({ Bucket: 'my-bucket', Key: key }));
      assert.match(head.ETag ?? '', /-3"?$/);
      assert.equal((await getObject(c, 'my-bucket', key)).sha, createHash('sha256').update(readFileSync(p)).digest('hex'));
      rmSync(d, { recursive: true, force: true });
      c.destroy();
    });
  });
}

test('saveStreamWith: drivers without saveStream spool to a temporary file and call save', async () => {
  const seen: { name: string; bytes: Buffer }[] = [];
  const drv: ArtifactDriver = {
    load: async () => undefined,
    save: async (path) => { seen.push({ name: path.split('/').pop() as string, bytes: readFileSync(path) }); },
    listObjects: async () => [],
    delete: async () => undefined,
    isDirectory: async () => false,
  };
  const dir = tmp();
  await saveStreamWith(drv, Readable.from([Buffer.from('ab'), Buffer.from('cd')]), { name: 'x' }, undefined, { fileName: 'x.tgz', tmpDir: dir });
  assert.deepEqual(seen, [{ name: 'x.tgz', bytes: Buffer.from('abcd') }]);
  assert.deepEqual((await import('node:fs')).readdirSync(dir), [], 'spool removed');
});

describe('SSE-C on a private TLS minio', () => {
  test('streamed multipart upload with SSE-C (headers on every part) reads back with the key only', { timeout: 120_000 }, async () => {
    const m = await startTlsMinio();
    try {
      const password = Buffer.from(`pw ${uniq()}`);
      const secrets = secretsDir({ creds: { accesskey: m.access, secretkey: m.secret }, ssec: { key: password }, ca: { 'ca.crt': m.ca } });
      const key = `t/${uniq()}/enc.tgz`;
      const loc = {
        endpoint: m.host, bucket: 'sse-bucket', key, insecure: false, region: 'us-east-1',
        accessKeySecret: { name: 'creds', key: 'accesskey' }, secretKeySecret: { name: 'creds', key: 'secretkey' },
        caSecret: { name: 'ca', key: 'ca.crt' }, createBucketIfNotPresent: {},
        encryptionOptions: { enableEncryption: true, serverSideCustomerKeySecret: { name: 'ssec', key: 'key' } },
      };
      const art = { name: 'enc', path: '/tmp/enc', s3: loc };
      const seed = randomBytes(1024);
      const total = 11 * MiB + 3;
      const drv = driverFor(art, ctxFor(secrets, { ARTIFACT_S3_UPLOAD_PART_SIZE_MIB: '5' }));
      await stream(drv)(source(total, seed), art);
      const d = tmp();
      await drv.load(art, join(d, 'back'));
      assert.equal(createHash('sha256').update(readFileSync(join(d, 'back'))).digest('hex'), (await digest(source(total, seed))).sha);
      const { Agent } = await import('node:https');
      const { NodeHttpHandler } = await import('@smithy/node-http-handler');
      const c = new S3Client({ endpoint: `https://${m.host}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: m.access, secretAccessKey: m.secret }, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: m.ca }) }) });
      await assert.rejects(c.send(new HeadObjectCommand({ Bucket: 'sse-bucket', Key: key })));
      c.destroy();
    } finally {
      await m.stop();
    }
  });
});
