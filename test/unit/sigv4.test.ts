/**
 * The small-object requests' SigV4 signer (src/artifacts/s3/sigv4.ts, D44) against the SDK's own signer
 * (@smithy/signature-v4, as the small-object requests configured it before: `uriEscapePath: false`,
 * `applyChecksum: false`), the reference: for the same request, credentials and date, the same headers — x-amz-date,
 * x-amz-security-token, and an Authorization with the same credential scope, signed-header list and signature.
 * That the signatures are accepted is the driver's test against MinIO and versitygw (test/artifacts/s3-small-objects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, type BinaryLike } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, SourceData } from '@smithy/types';
import { sigV4Signer } from '../../src/artifacts/s3/sigv4.ts';

/** A plain node:crypto checksum for the SDK's signer (not the project's cached-key one). */
class PlainSha256 {
  readonly #secret: SourceData | undefined;
  #chunks: (Uint8Array | string)[] = [];
  constructor(secret?: SourceData) { this.#secret = secret; }
  update(d: Uint8Array | string): void { this.#chunks.push(d); }
  async digest(): Promise<Uint8Array> {
    const h = this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret as BinaryLike);
    for (const c of this.#chunks) h.update(c);
    return h.digest();
  }
  reset(): void { this.#chunks = []; }
}

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const KEYS: AwsCredentialIdentity = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

async function sdkSign(credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider, region: string, method: string, host: string, path: string, headers: Record<string, string>, date: Date): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials, region, service: 's3', sha256: PlainSha256, uriEscapePath: false, applyChecksum: false });
  const [hostname, port] = host.split(':');
  const signed = await signer.sign({ method, protocol: 'http:', hostname: hostname as string, ...(port ? { port: Number(port) } : {}), path, query: {}, headers: { host, ...headers } }, { signingDate: date });
  return signed.headers as Record<string, string>;
}

const CASES: { name: string; region: string; method: string; host: string; path: string; headers: Record<string, string>; creds?: AwsCredentialIdentity }[] = [
  { name: 'GET, path-style, plain key', region: 'us-east-1', method: 'GET', host: '127.0.0.1:9000', path: '/my-bucket/dir/file.txt', headers: { 'x-amz-content-sha256': EMPTY } },
  { name: 'GET, virtual-hosted, encoded key', region: 'eu-west-3', method: 'GET', host: 'my-bucket.s3.eu-west-3.amazonaws.com', path: '/a%20b/%C3%A9t%C3%A9/%21%27%28%29%2A~', headers: { 'x-amz-content-sha256': EMPTY } },
  {
    name: 'PUT with content headers, SSE-KMS and a session token', region: 'ap-southeast-2', method: 'PUT', host: 'minio.example:443', path: '/b/k',
    headers: { 'content-type': 'application/octet-stream', 'content-length': '10240', 'x-amz-content-sha256': createHash('sha256').update('x').digest('hex'), 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:ap-southeast-2:111122223333:key/k', 'x-amz-server-side-encryption-context': 'eyJhIjoiYiJ9' },
    creds: { ...KEYS, sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKEN' },
  },
  {
    name: 'GET with SSE-C headers', region: 'us-west-2', method: 'GET', host: 'store:9000', path: '/b/secret/obj',
    headers: { 'x-amz-content-sha256': EMPTY, 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', 'x-amz-server-side-encryption-customer-key-md5': 'zZ5FnqcIqUjVwvWmyog4zw==' },
  },
  { name: 'a value with spaces to fold, and headers the SDK never signs', region: 'us-east-1', method: 'PUT', host: 'h:1', path: '/b/k', headers: { 'content-type': '  text/plain;   charset=utf-8 ', 'x-amz-content-sha256': EMPTY, 'user-agent': 'argoexec', 'expect': '100-continue', 'x-amzn-trace-id': 'Root=1' } },
];

for (const c of CASES) {
  test(`signed as the SDK signs: ${c.name}`, async () => {
    const date = new Date('2026-12-05T09:41:07.123Z');
    const creds = c.creds ?? KEYS;
    const ours = await sigV4Signer({ credentials: creds, region: c.region }).sign({ method: c.method, path: c.path, headers: { host: c.host, ...c.headers } }, date);
    const sdk = await sdkSign(creds, c.region, c.method, c.host, c.path, c.headers, date);
    assert.deepEqual(ours, sdk);
    assert.match(ours.authorization as string, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261205\/[a-z0-9-]+\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/);
    assert.equal(ours['x-amz-date'], '20261205T094107Z');
  });
}

test('a credential provider is asked on every request, and a new secret or a new day gets a new signing key', async () => {
  const secrets = [KEYS.secretAccessKey, 'another/secret+key', 'another/secret+key'];
  const dates = [new Date('2026-12-05T23:59:59.999Z'), new Date('2026-12-05T23:59:59.999Z'), new Date('2026-12-06T00:00:00.000Z')];
  let asked = 0;
  const provider: AwsCredentialIdentityProvider = async () => ({ accessKeyId: 'AKID2', secretAccessKey: secrets[asked++] as string });
  const signer = sigV4Signer({ credentials: provider, region: 'us-east-1' });
  for (let i = 0; i < secrets.length; i++) {
    const headers = { 'x-amz-content-sha256': EMPTY };
    const ours = await signer.sign({ method: 'GET', path: '/b/k', headers: { host: 'h:9000', ...headers } }, dates[i]);
    const sdk = await sdkSign({ accessKeyId: 'AKID2', secretAccessKey: secrets[i] as string }, 'us-east-1', 'GET', 'h:9000', '/b/k', headers, dates[i] as Date);
    assert.deepEqual(ours, sdk, `request ${i + 1}`);
  }
  assert.equal(asked, 3);
});

test('a failing credential provider fails the signing with its error', async () => {
  const signer = sigV4Signer({ credentials: async () => { throw new Error('no credentials in the chain'); }, region: 'us-east-1' });
  await assert.rejects(signer.sign({ method: 'GET', path: '/b/k', headers: { host: 'h', 'x-amz-content-sha256': EMPTY } }), /no credentials in the chain/);
});
