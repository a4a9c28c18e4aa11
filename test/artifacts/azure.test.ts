/**
 * Azure Blob driver against the stack's real Azurite (path-style account URL http://127.0.0.1:10000/azurite, so the
 * account name comes from the first path segment as in Go): file/directory round trips with Go's blob layout,
 * placeholders, not-found, delete, SAS tokens, wrong keys (message without the key).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerSASPermissions, ContainerClient, StorageSharedKeyCredential, generateBlobSASQueryParameters } from '@azure/storage-blob';
import { driverFor } from '../../src/artifacts/registry.ts';
import { ArtifactNotFoundError } from '../../src/artifacts/driver.ts';
import { accountNameFor, containerUrlFor, isSasToken } from '../../src/artifacts/azure/driver.ts';
import type { Artifact } from '../../src/core/template.ts';
import { ctxFor, secretsDir, stack, tmp, uniq } from './helpers.ts';

const endpoint = stack.AZURITE_BLOB_ENDPOINT ?? '';
const account = stack.AZURITE_ACCOUNT ?? '';
const accountKey = stack.AZURITE_ACCOUNT_KEY ?? '';
const container = stack.AZURITE_CONTAINER ?? '';
assert.ok(endpoint && account && accountKey && container, 'AZURITE_* must be set in .stack/env (make stack-up)');

const raw = new ContainerClient(`${endpoint}/${container}`, new StorageSharedKeyCredential(account, accountKey));

function az(blob: string, extra: Record<string, unknown> = {}): Artifact {
  return { name: 'a', path: '/tmp/x', azure: { endpoint, container, blob, accountKeySecret: { name: 'az', key: 'key' }, ...extra } };
}

async function names(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of raw.listBlobsFlat({ prefix })) out.push(b.name);
  return out.sort();
}

describe('Azure Blob on Azurite', () => {
  const ctx = ctxFor(secretsDir({ az: { key: `${accountKey}\n` } }));

  test('helpers: SAS detection, account name from host or (127.0.0.1/localhost) first path segment, container URL', () => {
    assert.equal(isSasToken('sv=2022-11-02&ss=b&srt=sco&sp=rl&sig=abc'), true);
    assert.equal(isSasToken('?sv=2022'), true);
    assert.equal(isSasToken(accountKey), false);
    assert.equal(accountNameFor(containerUrlFor('https://myacct.blob.core.windows.net', 'c')), 'myacct');
    assert.equal(accountNameFor(containerUrlFor('http://127.0.0.1:10000/devstoreaccount1', 'c')), 'devstoreaccount1');
    assert.throws(() => accountNameFor(containerUrlFor('http://localhost:10000', 'c')), /unable to determine storage account name/);
    assert.equal(containerUrlFor('http://127.0.0.1:10000/azurite/', 'c').toString(), 'http://127.0.0.1:10000/azurite/c');
  });

  test('file round trip: blob = key verbatim, exact bytes; empty blob loads as an empty file', async () => {
    const d = tmp();
    const data = randomBytes(200_000);
    writeFileSync(join(d, 'out.tgz'), data);
    const blob = `t/${uniq()}/out.tgz`;
    const drv = driverFor(az(blob), ctx);
    await drv.save(join(d, 'out.tgz'), az(blob));
    assert.deepEqual(await names(blob), [blob]);
    await drv.load(az(blob), join(d, 'sub/back.tgz'));
    assert.deepEqual(readFileSync(join(d, 'sub/back.tgz')), data);
    assert.equal(statSync(join(d, 'sub')).mode & 0o777, 0o755);
    assert.equal(await drv.isDirectory(az(blob)), false);
    assert.deepEqual(await drv.listObjects(az(blob)), [blob]);
    writeFileSync(join(d, 'empty'), '');
    await drv.save(join(d, 'empty'), az(`${blob}.empty`));
    await drv.load(az(`${blob}.empty`), join(d, 'empty-back'));
    assert.ok(statSync(join(d, 'empty-back')).isFile());
    assert.equal(statSync(join(d, 'empty-back')).size, 0);
    await drv.delete(az(blob));
    assert.deepEqual(await names(`${blob}`), [`${blob}.empty`]);
  });

  test('large file (staged blocks) round trip', async () => {
    const d = tmp();
    const data = randomBytes(40 * 1024 * 1024 + 7);
    writeFileSync(join(d, 'big'), data);
    const blob = `t/${uniq()}/big`;
    const drv = driverFor(az(blob), ctx);
    await drv.save(join(d, 'big'), az(blob));
    const props = await raw.getBlobClient(blob).getProperties();
    assert.equal(props.contentLength, data.length);
    await drv.load(az(blob), join(d, 'back'));
    assert.ok(readFileSync(join(d, 'back')).equals(data));
  });

  test('directory: blob/<rel> per regular file (no dirs, no symlinks); load, list, isDirectory, delete', async () => {
    const d = tmp();
    const src = join(d, 'out');
    mkdirSync(join(src, 'a/b'), { recursive: true });
    mkdirSync(join(src, 'empty'));
    writeFileSync(join(src, 'top.txt'), 'top');
    writeFileSync(join(src, 'a/b/deep.txt'), 'deep');
    symlinkSync('top.txt', join(src, 'link'));
    const blob = `t/${uniq()}/out`;
    const drv = driverFor(az(blob), ctx);
    await drv.save(src, az(blob));
    assert.deepEqual(await names(`${blob}/`), [`${blob}/a/b/deep.txt`, `${blob}/top.txt`]);
    assert.equal(await drv.isDirectory(az(blob)), true);
    assert.deepEqual((await drv.listObjects(az(blob))).sort(), [`${blob}/a/b/deep.txt`, `${blob}/top.txt`]);
    for (const k of [blob, `${blob}/`]) {
      const dest = join(d, `back-${k.length}`);
      await drv.load(az(k), dest);
      assert.deepEqual(readdirSync(dest).sort(), ['a', 'top.txt']);
      assert.equal(readFileSync(join(dest, 'a/b/deep.txt'), 'utf8'), 'deep');
    }
    await drv.delete(az(blob));
    assert.deepEqual(await names(`${blob}/`), []);
  });

  test('0-byte directory placeholder with children loads as a directory; sibling prefixes are not mixed in', async () => {
    const base = `t/${uniq()}`;
    await raw.getBlockBlobClient(`${base}/dir`).upload('', 0, { metadata: { hdi_isfolder: 'true' } });
    await raw.getBlockBlobClient(`${base}/dir/sub`).upload('', 0, { metadata: { hdi_isfolder: 'true' } });
    await raw.getBlockBlobClient(`${base}/dir/sub/x.txt`).upload('x', 1);
    await raw.getBlockBlobClient(`${base}/dirty.txt`).upload('y', 1);
    const d = tmp();
    const drv = driverFor(az(`${base}/dir`), ctx);
    await drv.load(az(`${base}/dir`), join(d, 'in'));
    assert.deepEqual(readdirSync(join(d, 'in')), ['sub']);
    assert.equal(readFileSync(join(d, 'in/sub/x.txt'), 'utf8'), 'x');
    await drv.delete(az(`${base}/dir`));
    assert.deepEqual(await names(`${base}/`), [`${base}/dirty.txt`]);
  });

  test('missing blob → ArtifactNotFoundError, no local file left; delete of a missing blob is fine', async () => {
    const blob = `t/${uniq()}/missing.tgz`;
    const d = tmp();
    const drv = driverFor(az(blob), ctx);
    await assert.rejects(drv.load(az(blob), join(d, 'x')), (err: Error) => {
      assert.ok(err instanceof ArtifactNotFoundError, err.message);
      assert.ok(err.message.includes(blob));
      return true;
    });
    assert.equal(existsSync(join(d, 'x')), false);
    await drv.delete(az(blob));
  });

  test('SAS token as account key (with or without a leading "?")', async () => {
    const d = tmp();
    writeFileSync(join(d, 'f'), 'via sas');
    const blob = `t/${uniq()}/sas.txt`;
    const sas = generateBlobSASQueryParameters(
      { containerName: container, permissions: ContainerSASPermissions.parse('racwdl'), expiresOn: new Date(Date.now() + 3600_000) },
      new StorageSharedKeyCredential(account, accountKey),
    ).toString();
    for (const key of [sas, `?${sas}`]) {
      const drv = driverFor(az(blob), ctxFor(secretsDir({ az: { key } })));
      await drv.save(join(d, 'f'), az(blob));
      await drv.load(az(blob), join(d, 'back'));
      assert.equal(readFileSync(join(d, 'back'), 'utf8'), 'via sas');
    }
    // A SAS signed with another key is refused; the message carries neither the token nor its signature.
    const bad = generateBlobSASQueryParameters(
      { containerName: container, permissions: ContainerSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3600_000) },
      new StorageSharedKeyCredential(account, randomBytes(64).toString('base64')),
    ).toString();
    const drv = driverFor(az(blob), ctxFor(secretsDir({ az: { key: bad } })));
    await assert.rejects(drv.load(az(blob), join(d, 'bad')), (err: Error) => {
      assert.ok(!(err instanceof ArtifactNotFoundError));
      assert.match(err.message, /HTTP 403/);
      const sig = new URLSearchParams(bad).get('sig') ?? '';
      assert.ok(!err.message.includes(bad) && !err.message.includes(sig) && !err.message.includes(encodeURIComponent(sig)), err.message);
      return true;
    });
  });

  test('wrong account key → clear 403 error naming the blob URL, without the key; missing key secret → Go message', async () => {
    const wrong = randomBytes(64).toString('base64');
    const blob = `t/${uniq()}/x`;
    const drv = driverFor(az(blob), ctxFor(secretsDir({ az: { key: wrong } })));
    await assert.rejects(drv.load(az(blob), join(tmp(), 'x')), (err: Error) => {
      assert.match(err.message, /HTTP 403/);
      assert.match(err.message, /check the credentials/);
      assert.ok(err.message.includes(`${endpoint}/${container}/${blob}`), err.message);
      assert.ok(!err.message.includes(wrong));
      return true;
    });
    const noKey: Artifact = { name: 'a', path: '/tmp/x', azure: { endpoint, container, blob } };
    await assert.rejects(driverFor(noKey, ctx).load(noKey, join(tmp(), 'x')), /accountKey secret is required for Azure Blob Storage if useSDKCreds is false/);
  });
});
