/**
 * The S3 driver's small-object requests (src/artifacts/s3/small-object-requests.ts, D31) against the real peers
 * (minio and versitygw): what they store is what the SDK's PutObject stores (keys, bytes, Content-Type), what they
 * read back is the object, and their errors have the SDK's shape; against a local stub: the SDK's retry of
 * transient answers, and the request line and headers a store sees.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { driverFor } from '../../src/artifacts/registry.ts';
import { keyPath, smallObjectRequests, SmallObjectError, sseHeaders } from '../../src/artifacts/s3/small-object-requests.ts';
import { credsFor, ctxFor, s3Artifact, s3Servers, tmp, uniq, type S3Server } from './helpers.ts';

const servers = s3Servers();
assert.ok(servers.length === 2, 'both minio and versitygw must be configured in .stack/env (make stack-up)');

function raw(s: S3Server): S3Client {
  return new S3Client({ endpoint: `http://${s.host}`, region: s.region, forcePathStyle: true, credentials: { accessKeyId: s.access, secretAccessKey: s.secret }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

/** Every object under `prefix`: key (relative) → [bytes, Content-Type]. */
async function objects(c: S3Client, prefix: string): Promise<Map<string, [string, string | undefined]>> {
  const out = new Map<string, [string, string | undefined]>();
  const list = await c.send(new ListObjectsV2Command({ Bucket: 'my-bucket', Prefix: prefix }));
  for (const o of list.Contents ?? []) {
    const got = await c.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: o.Key }));
    out.set((o.Key as string).slice(prefix.length), [await (got.Body as { transformToString(): Promise<string> }).transformToString(), got.ContentType]);
  }
  return out;
}

// Names the SDK percent-encodes in a path: spaces, `+`, `%`, RFC 3986's `!'()*`, `~`, non-ASCII, `=` and `&`.
const NAMES = ['plain.txt', 'with space.txt', 'plus+sign.json', 'percent%41.csv', "bang!quote'paren(s)*.txt", 'tilde~x.tar.gz', 'ünïcødé-文件.txt', 'eq=amp&.html', 'empty.bin'];

for (const s of servers) {
  describe(`small-object requests on ${s.name}`, () => {
    const secrets = credsFor(s);
    test('a directory saved with them stores what the SDK stores (keys, bytes, Content-Type); loaded back identical', async () => {
      const d = tmp();
      mkdirSync(join(d, 'dir', 'sub dir'), { recursive: true });
      for (const [i, n] of NAMES.entries()) writeFileSync(join(d, 'dir', i % 2 ? 'sub dir' : '', n), n === 'empty.bin' ? '' : `content of ${n}\n`.repeat(i + 1));
      const base = `small/${uniq()}`;
      const lean = s3Artifact(s, `${base}/lean`), sdk = s3Artifact(s, `${base}/sdk`);
      await driverFor(lean, ctxFor(secrets)).save(join(d, 'dir'), lean);
      await driverFor(sdk, ctxFor(secrets, { ARTIFACT_S3_LEAN_REQUESTS: 'false' })).save(join(d, 'dir'), sdk);
      const c = raw(s);
      try {
        const [a, b] = [await objects(c, `${base}/lean/`), await objects(c, `${base}/sdk/`)];
        assert.equal(a.size, NAMES.length);
        assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
        assert.equal(a.get('plus+sign.json')?.[1], 'application/json');
      } finally {
        c.destroy();
      }
      await driverFor(lean, ctxFor(secrets)).load(lean, join(d, 'back'));
      for (const [i, n] of NAMES.entries()) {
        assert.equal(readFileSync(join(d, 'back', i % 2 ? 'sub dir' : '', n), 'utf8'), readFileSync(join(d, 'dir', i % 2 ? 'sub dir' : '', n), 'utf8'), n);
      }
      assert.deepEqual(readdirSync(join(d, 'back')).sort(), readdirSync(join(d, 'dir')).sort());
    });

    test('errors have the SDK\'s shape: a missing key is NoSuchKey (404); a wrong secret is refused (403)', async () => {
      const target = { bucket: 'my-bucket', host: s.host, secure: false, pathStyle: true, region: s.region };
      const ok = smallObjectRequests({ ...target, credentials: { accessKeyId: s.access, secretAccessKey: s.secret } });
      await assert.rejects(ok.get(`small/${uniq()}/missing`, {}), (e: unknown) => e instanceof SmallObjectError && e.Code === 'NoSuchKey' && e.name === 'NoSuchKey' && e.$metadata.httpStatusCode === 404);
      const bad = smallObjectRequests({ ...target, credentials: { accessKeyId: s.access, secretAccessKey: `${s.secret}-wrong` } });
      await assert.rejects(bad.put(`small/${uniq()}/x`, Buffer.from('x'), 'text/plain', {}), (e: unknown) => e instanceof SmallObjectError && e.$metadata.httpStatusCode === 403 && e.Code === 'SignatureDoesNotMatch');
      ok.destroy();
      bad.destroy();
    });
  });
}

test('the driver\'s message for a refused small object names bucket, key and endpoint, never the secret', async () => {
  const s = servers[0] as S3Server;
  const d = tmp();
  mkdirSync(join(d, 'dir'));
  writeFileSync(join(d, 'dir', 'a.txt'), 'a');
  const art = s3Artifact(s, `small/${uniq()}/dir`);
  const wrong = 'wrong-secret-value-123';
  await assert.rejects(driverFor(art, ctxFor(credsFor(s, wrong), { EXECUTOR_RETRY_BACKOFF_STEPS: '1' })).save(join(d, 'dir'), art), (e: unknown) => {
    const m = (e as Error).message;
    assert.match(m, new RegExp(`^failed to put file s3://my-bucket/small/.*/dir/a\\.txt at http://${s.host}: SignatureDoesNotMatch \\(HTTP 403\\)`));
    assert.match(m, /check the credentials/);
    assert.ok(!m.includes(wrong));
    return true;
  });
});

test('keyPath encodes as the SDK does; SSE headers as the SDK sends them (with the SSE-C key MD5)', () => {
  assert.equal(keyPath("a b/c+d/e%f/g!'()*/h~i/ü"), "a%20b/c%2Bd/e%25f/g%21%27%28%29%2A/h~i/%C3%BC");
  const key = Buffer.alloc(32, 7).toString('base64');
  assert.deepEqual(sseHeaders({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key }), {
    'x-amz-server-side-encryption-customer-algorithm': 'AES256',
    'x-amz-server-side-encryption-customer-key': key,
    // base64(md5(32 × 0x07)), computed independently: python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.md5(b'\x07'*32).digest()))"
    'x-amz-server-side-encryption-customer-key-md5': 'y4HAEFCYWuvAXWFTtA1Qpg==',
  });
  assert.deepEqual(sseHeaders({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'k1', SSEKMSEncryptionContext: 'e30=' }), {
    'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'k1', 'x-amz-server-side-encryption-context': 'e30=',
  });
});

/** A stub store: answers each request with the next of `answers` (then 200), and records what it was sent. */
async function stub(answers: [number, string][], address = '127.0.0.1'): Promise<{ host: string; seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[]; close(): void }> {
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method as string, url: req.url as string, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const [status, body] = answers.shift() ?? [200, ''];
      res.writeHead(status, { 'content-type': 'application/xml' }).end(body);
    });
  });
  server.listen(0, address);
  await once(server, 'listening');
  const a = address.includes(':') ? `[${address}]` : address;
  return { host: `${a}:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
}

test('transient answers are retried as the SDK does (503 SlowDown, 500); a 404 is not', async () => {
  const slow = '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
  const s = await stub([[503, slow], [500, '<Error><Code>InternalError</Code><Message>x</Message></Error>'], [200, '']]);
  const r = smallObjectRequests({ bucket: 'b', host: s.host, secure: false, pathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
  try {
    await r.put('dir/a b.txt', Buffer.from('hello'), 'text/plain', {});
    assert.equal(s.seen.length, 3);
    for (const q of s.seen) {
      assert.equal(q.method, 'PUT');
      assert.equal(q.url, '/b/dir/a%20b.txt');
      assert.equal(q.body, 'hello');
      assert.equal(q.headers['content-type'], 'text/plain');
      // sha256("hello"), the payload hash SigV4 signs
      assert.equal(q.headers['x-amz-content-sha256'], '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
      assert.match(String(q.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]*content-type[a-z0-9;-]*host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
    }
    s.seen.length = 0;
    s.close();
    const nf = await stub([[404, '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>']]);
    // b.127.0.0.1 resolves nowhere: a lookup stands in for the DNS of a virtual-hosted bucket
    const lookup = ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))) as never;
    const r2 = smallObjectRequests({ bucket: 'b', host: nf.host, secure: false, pathStyle: false, region: 'eu-west-1', credentials: async () => ({ accessKeyId: 'AKID2', secretAccessKey: 'S' }), lookup });
    await assert.rejects(r2.get('k', {}), (e: unknown) => e instanceof SmallObjectError && e.Code === 'NoSuchKey' && e.message === 'The specified key does not exist.');
    assert.equal(nf.seen.length, 1);
    // virtual-hosted: the bucket in the Host header, not in the path; a credential provider is called
    assert.equal(nf.seen[0]!.url, '/k');
    assert.equal(nf.seen[0]!.headers.host, `b.${nf.host}`);
    assert.match(String(nf.seen[0]!.headers.authorization), /Credential=AKID2\/\d{8}\/eu-west-1\/s3\/aws4_request/);
    nf.close();
    r2.destroy();
  } finally {
    r.destroy();
  }
});

test('an IPv6 literal endpoint: connected without brackets, named with them in Host', async () => {
  const s = await stub([], '::1');
  const r = smallObjectRequests({ bucket: 'b', host: s.host, secure: false, pathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'A', secretAccessKey: 'S' } });
  try {
    await r.put('k', Buffer.from('x'), 'text/plain', {});
    assert.equal(s.seen.length, 1);
    assert.equal(s.seen[0]!.headers.host, s.host);
    assert.match(s.host, /^\[::1\]:\d+$/);
  } finally {
    r.destroy();
    s.close();
  }
});
