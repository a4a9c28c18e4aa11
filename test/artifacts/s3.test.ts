/**
 * S3 driver against the real test peers (minio AND versitygw): file/directory round trips, large multipart,
 * SSE-C, createBucketIfNotPresent, wrong credentials, missing keys, key layout as Go writes it.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { driverFor } from '../../src/artifacts/registry.ts';
import { ArtifactNotFoundError } from '../../src/artifacts/driver.ts';
import { ssecKey } from '../../src/artifacts/s3/client.ts';
import { startTlsMinio } from './tls-minio.ts';
import { once } from 'node:events';
import { writeTarTree } from '../../src/core/archive/index.ts';
import { scanTarFileTree } from '../../src/core/archive/tar-scan.ts';
import { credsFor, ctxFor, s3Artifact, s3Servers, secretsDir, tmp, uniq, type S3Server } from './helpers.ts';

const servers = s3Servers();
assert.ok(servers.length === 2, 'both minio and versitygw must be configured in .stack/env (make stack-up)');

function raw(s: S3Server): S3Client {
  return new S3Client({ endpoint: `http://${s.host}`, region: s.region, forcePathStyle: true, credentials: { accessKeyId: s.access, secretAccessKey: s.secret }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

async function sha256File(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(p)) h.update(c as Buffer);
  return h.digest('hex');
}

for (const s of servers) {
  describe(`S3 on ${s.name}`, () => {
    const secrets = credsFor(s);

    test('file round trip; download mode 0600; content-type from the local extension', async () => {
      const d = tmp();
      writeFileSync(join(d, 'out.tgz'), randomBytes(1000));
      const key = `t/${uniq()}/out.tgz`;
      const art = s3Artifact(s, key);
      const drv = driverFor(art, ctxFor(secrets));
      await drv.save(join(d, 'out.tgz'), art);
      await drv.load(art, join(d, 'sub/dir/back.tgz'));
      assert.deepEqual(readFileSync(join(d, 'sub/dir/back.tgz')), readFileSync(join(d, 'out.tgz')));
      assert.equal(statSync(join(d, 'sub/dir/back.tgz')).mode & 0o777, 0o600);
      assert.equal(statSync(join(d, 'sub')).mode & 0o777, 0o700);
      const head = await raw(s).send(new HeadObjectCommand({ Bucket: 'my-bucket', Key: key }));
      assert.equal(head.ContentLength, 1000);
      assert.notEqual(head.ContentType, undefined);
    });

    test('load replaces a longer file at the path entirely; a directory at the path fails and is left alone', async () => {
      const d = tmp();
      const body = randomBytes(3000);
      writeFileSync(join(d, 'obj'), body);
      const key = `t/${uniq()}/obj`;
      const art = s3Artifact(s, key);
      const drv = driverFor(art, ctxFor(secrets));
      await drv.save(join(d, 'obj'), art);
      writeFileSync(join(d, 'longer'), randomBytes(10_000));
      await drv.load(art, join(d, 'longer'));
      assert.deepEqual(readFileSync(join(d, 'longer')), body, 'no bytes of the old file left past the object');
      mkdirSync(join(d, 'dir'));
      writeFileSync(join(d, 'dir/keep'), 'k');
      await assert.rejects(drv.load(art, join(d, 'dir')), (err: Error) => err.message.includes(`${join(d, 'dir')} is a directory`));
      assert.deepEqual(readdirSync(join(d, 'dir')), ['keep']);
    });

    test('directory save uses key/<rel> per regular file (no dirs, no symlinks); load mirrors it', async () => {
      const d = tmp();
      const src = join(d, 'out');
      mkdirSync(join(src, 'a/b'), { recursive: true });
      mkdirSync(join(src, 'empty'));
      writeFileSync(join(src, 'top.txt'), 'top');
      writeFileSync(join(src, 'a/b/deep.txt'), 'deep');
      symlinkSync('top.txt', join(src, 'link'));
      const key = `t/${uniq()}/out`;
      const art = s3Artifact(s, key);
      const drv = driverFor(art, ctxFor(secrets));
      await drv.save(src, art);
      const listed = await raw(s).send(new ListObjectsV2Command({ Bucket: 'my-bucket', Prefix: `${key}/` }));
      assert.deepEqual((listed.Contents ?? []).map((o) => o.Key).sort(), [`${key}/a/b/deep.txt`, `${key}/top.txt`]);
      assert.equal(await drv.isDirectory(art), true);
      assert.deepEqual((await drv.listObjects(art)).sort(), [`${key}/a/b/deep.txt`, `${key}/top.txt`]);
      // Load via the prefix (no object named exactly `key`), with and without a trailing slash.
      for (const k of [key, `${key}/`]) {
        const dest = join(d, `back-${k.length}`);
        await drv.load(s3Artifact(s, k), dest);
        assert.equal(readFileSync(join(dest, 'top.txt'), 'utf8'), 'top');
        assert.equal(readFileSync(join(dest, 'a/b/deep.txt'), 'utf8'), 'deep');
        assert.deepEqual(readdirSync(dest).sort(), ['a', 'top.txt']);
      }
      // Delete of `key/` removes every object below it.
      await drv.delete(s3Artifact(s, `${key}/`));
      const after = await raw(s).send(new ListObjectsV2Command({ Bucket: 'my-bucket', Prefix: `${key}/` }));
      assert.equal(after.KeyCount ?? 0, 0);
    });

    test('a directory of more objects than one listing page (1,000 keys): load, listObjects and delete see them all', { timeout: 120_000 }, async () => {
      const d = tmp();
      const src = join(d, 'out');
      const n = 1_234; // two pages of ListObjectsV2: downloads start with the first (driver.ts #getDirectory)
      for (let i = 0; i < n; i++) {
        if (i % 100 === 0) mkdirSync(join(src, `d${i / 100}`), { recursive: true });
        writeFileSync(join(src, `d${Math.floor(i / 100)}`, `f${i}`), `file ${i}`);
      }
      const key = `t/${uniq()}/many`;
      const art = s3Artifact(s, key);
      const drv = driverFor(art, ctxFor(secrets));
      await drv.save(src, art);
      const progress: [number, number | undefined][] = [];
      const dest = join(d, 'back');
      await drv.load(art, dest, (bytes, total) => progress.push([bytes, total]));
      let files = 0;
      for (const sub of readdirSync(dest)) {
        for (const f of readdirSync(join(dest, sub))) {
          files++;
          assert.equal(readFileSync(join(dest, sub, f), 'utf8'), `file ${f.slice(1)}`);
          assert.equal(sub, `d${Math.floor(Number(f.slice(1)) / 100)}`);
        }
      }
      assert.equal(files, n);
      // The last report carries every byte and, the listing being complete by then, the total.
      const bytes = Array.from({ length: n }, (_, i) => `file ${i}`.length).reduce((a, b) => a + b, 0);
      assert.deepEqual(progress.at(-1), [bytes, bytes]);
      assert.equal((await drv.listObjects(art)).length, n);
      await drv.delete(s3Artifact(s, `${key}/`));
      const after = await raw(s).send(new ListObjectsV2Command({ Bucket: 'my-bucket', Prefix: `${key}/` }));
      assert.equal(after.KeyCount ?? 0, 0);
    });

    test('saveTree from a hand-over tar stores what saving the directory stores: same keys, bytes, content types', async () => {
      const d = tmp();
      const src = join(d, 'out');
      mkdirSync(join(src, 'a/b'), { recursive: true });
      writeFileSync(join(src, 'top.txt'), 'top');
      writeFileSync(join(src, 'empty.json'), '');
      writeFileSync(join(src, 'a/b/deep.bin'), randomBytes(6 * 1024 * 1024 + 17)); // above one part: multipart from a range
      for (let i = 0; i < 40; i++) writeFileSync(join(src, 'a', `f${i}.html`), `<p>${i}</p>`);
      const out = createWriteStream(join(d, 'out.tar'));
      await writeTarTree(src, out);
      if (!out.closed) await once(out, 'close');
      const tree = await scanTarFileTree(join(d, 'out.tar'));
      assert.ok(tree);
      const viaDir = `t/${uniq()}/dir`;
      const viaTar = `t/${uniq()}/tar`;
      const drv = driverFor(s3Artifact(s, viaDir), ctxFor(secrets));
      await drv.save(src, s3Artifact(s, viaDir));
      assert.ok(drv.saveTree);
      await drv.saveTree(tree, s3Artifact(s, viaTar));
      const objects = async (prefix: string): Promise<string[]> => {
        const listed = await raw(s).send(new ListObjectsV2Command({ Bucket: 'my-bucket', Prefix: `${prefix}/` }));
        const rows: string[] = [];
        for (const o of listed.Contents ?? []) {
          const head = await raw(s).send(new HeadObjectCommand({ Bucket: 'my-bucket', Key: o.Key }));
          rows.push(`${(o.Key as string).slice(prefix.length)} ${o.Size} ${head.ContentType}`);
        }
        return rows.sort();
      };
      const fromDir = await objects(viaDir);
      assert.equal(fromDir.length, 43);
      assert.deepEqual(await objects(viaTar), fromDir);
      const back = join(d, 'back');
      await drv.load(s3Artifact(s, viaTar), back);
      assert.equal(await sha256File(join(back, 'a/b/deep.bin')), await sha256File(join(src, 'a/b/deep.bin')));
      assert.equal(readFileSync(join(back, 'a/f7.html'), 'utf8'), '<p>7</p>');
    });

    test('missing key → ArtifactNotFoundError; listObjects of a missing key → not found', async () => {
      const art = s3Artifact(s, `t/${uniq()}/missing.tgz`);
      const drv = driverFor(art, ctxFor(secrets));
      await assert.rejects(drv.load(art, join(tmp(), 'x')), (e: unknown) => e instanceof ArtifactNotFoundError && /missing\.tgz/.test((e as Error).message));
      await assert.rejects(drv.listObjects(art), ArtifactNotFoundError);
      assert.equal(await drv.isDirectory(art), false);
    });

    test('wrong credentials: clear error naming bucket and endpoint, never the secret', async () => {
      const wrongSecret = `WrongSecret-${uniq()}-xyz`;
      const art = s3Artifact(s, `t/${uniq()}/f.txt`);
      const drv = driverFor(art, ctxFor(credsFor(s, wrongSecret)));
      const d = tmp();
      writeFileSync(join(d, 'f.txt'), 'x');
      for (const op of [() => drv.save(join(d, 'f.txt'), art), () => drv.load(art, join(d, 'g'))]) {
        await assert.rejects(op(), (e: unknown) => {
          const m = (e as Error).message;
          assert.match(m, /my-bucket/);
          assert.match(m, new RegExp(s.host.replace(/\./g, '\\.')));
          assert.ok(!m.includes(wrongSecret), `secret leaked: ${m}`);
          assert.ok(!(e instanceof ArtifactNotFoundError));
          return true;
        });
      }
    });

    test('createBucketIfNotPresent creates the bucket, and is a no-op when it exists', async () => {
      const bucket = `argo-new-${uniq()}`.toLowerCase().slice(0, 40);
      const d = tmp();
      writeFileSync(join(d, 'f.txt'), 'in a new bucket');
      const art = s3Artifact(s, 'k/f.txt', { bucket, createBucketIfNotPresent: {} });
      const drv = driverFor(art, ctxFor(secrets));
      await drv.save(join(d, 'f.txt'), art);
      await drv.save(join(d, 'f.txt'), art); // bucket exists now: BucketAlreadyOwnedByYou ignored
      await drv.load(art, join(d, 'back'));
      assert.equal(readFileSync(join(d, 'back'), 'utf8'), 'in a new bucket');
    });

    test('large file (≥ 64 MiB) multipart upload and ranged download', { timeout: 300_000 }, async () => {
      const d = tmp();
      const p = join(d, 'big.bin');
      const chunk = randomBytes(1 << 20);
      const parts: Buffer[] = [];
      for (let i = 0; i < 70; i++) { chunk[0] = i; parts.push(Buffer.from(chunk)); }
      writeFileSync(p, Buffer.concat(parts));
      const key = `t/${uniq()}/big.bin`;
      const art = s3Artifact(s, key);
      let last = 0;
      const drv = driverFor(art, ctxFor(secrets, { ARTIFACT_S3_UPLOAD_PART_SIZE_MIB: '16' }));
      await drv.save(p, art, (n) => { last = n; });
      assert.equal(last, 70 << 20);
      const head = await raw(s).send(new HeadObjectCommand({ Bucket: 'my-bucket', Key: key }));
      assert.equal(head.ContentLength, 70 << 20);
      assert.match(head.ETag ?? '', /-5"?$/, 'five 16 MiB parts (multipart ETag)');
      await drv.load(art, join(d, 'back.bin'));
      assert.equal(await sha256File(join(d, 'back.bin')), await sha256File(p));
      rmSync(d, { recursive: true, force: true });
    });
  });
}

describe('SSE-C and caSecret on a private TLS minio', () => {
  test('Argon2id key derivation is minio DefaultPBKDF (salt = bucket + key)', () => {
    const a = ssecKey(Buffer.from('pw'), 'bucket', 'k/x.tgz');
    assert.equal(a.length, 32);
    assert.deepEqual(a, ssecKey(Buffer.from('pw'), 'bucketk', '/x.tgz'), 'salt is the plain concatenation');
    assert.notDeepEqual(a, ssecKey(Buffer.from('pw'), 'bucket', 'k/y.tgz'));
    // Reference vector from golang.org/x/crypto/argon2.IDKey([]byte("pw"), []byte("bucketk/x.tgz"), 1, 64*1024, 4, 32),
    // the function minio-go's DefaultPBKDF calls.
    assert.equal(a.toString('hex'), 'd20072b136df3ed0d3377dbd7fb9e7eba8384eb33c19c8b580b2e74718d0e70d');
  });

  test('SSE-C round trip over TLS verified with caSecret; unreadable without the key; TLS fails without the CA', { timeout: 120_000 }, async () => {
    const m = await startTlsMinio();
    try {
      const password = Buffer.from(`sse-c password ${uniq()}\n`); // byte-exact, trailing newline included
      const secrets = secretsDir({ creds: { accesskey: m.access, secretkey: m.secret }, ssec: { key: password }, ca: { 'ca.crt': m.ca } });
      const key = `t/${uniq()}/enc.txt`;
      const loc = {
        endpoint: m.host, bucket: 'sse-bucket', key, insecure: false, region: 'us-east-1',
        accessKeySecret: { name: 'creds', key: 'accesskey' }, secretKeySecret: { name: 'creds', key: 'secretkey' },
        caSecret: { name: 'ca', key: 'ca.crt' }, createBucketIfNotPresent: {},
        encryptionOptions: { enableEncryption: true, serverSideCustomerKeySecret: { name: 'ssec', key: 'key' } },
      };
      const art = { name: 'enc', path: '/tmp/enc.txt', s3: loc };
      const d = tmp();
      writeFileSync(join(d, 'f.txt'), 'secret payload');
      const drv = driverFor(art, ctxFor(secrets));
      await drv.save(join(d, 'f.txt'), art);
      await drv.load(art, join(d, 'back.txt'));
      assert.equal(readFileSync(join(d, 'back.txt'), 'utf8'), 'secret payload');
      // A client trusting the CA but without SSE-C headers cannot read it; with the derived key it can.
      const { Agent } = await import('node:https');
      const { NodeHttpHandler } = await import('@smithy/node-http-handler');
      const c = new S3Client({ endpoint: `https://${m.host}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: m.access, secretAccessKey: m.secret }, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: m.ca }) }) });
      await assert.rejects(c.send(new HeadObjectCommand({ Bucket: 'sse-bucket', Key: key })));
      const k = ssecKey(password, 'sse-bucket', key).toString('base64');
      const head = await c.send(new HeadObjectCommand({ Bucket: 'sse-bucket', Key: key, SSECustomerAlgorithm: 'AES256', SSECustomerKey: k }));
      assert.equal(head.ContentLength, 'secret payload'.length);
      c.destroy();
      // Without caSecret the self-signed chain is not trusted (TLS is verified, "insecure" never skips it).
      const noCa = { ...art, s3: { ...loc, caSecret: undefined } };
      await assert.rejects(driverFor(noCa, ctxFor(secrets, { EXECUTOR_RETRY_BACKOFF_STEPS: '1' })).load(noCa, join(d, 'x')), /certificate|self.signed|issuer/i);
      // SSE-C over plain HTTP is refused up front, as Go does.
      assert.throws(() => driverFor({ ...art, s3: { ...loc, insecure: true } }, ctxFor(secrets)), /secure must be set/);
    } finally {
      await m.stop();
    }
  });
});

test('endpoint with a scheme is rejected; kmsKeyId with SSE-C is rejected', () => {
  const s = servers[0] as S3Server;
  const secrets = credsFor(s);
  assert.throws(() => driverFor(s3Artifact(s, 'k', { endpoint: `http://${s.host}` }), ctxFor(secrets)), /host\[:port\]/);
  const both = secretsDir({ creds: { accesskey: s.access, secretkey: s.secret }, ssec: { key: 'x' } });
  assert.throws(
    () => driverFor(s3Artifact(s, 'k', { insecure: false, encryptionOptions: { enableEncryption: true, kmsKeyId: 'kms', serverSideCustomerKeySecret: { name: 'ssec', key: 'key' } } }), ctxFor(both)),
    /cannot be set together/,
  );
});
