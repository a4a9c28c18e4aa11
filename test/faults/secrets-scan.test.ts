/**
 * The secrets scan of issue 13 (bench/faults/secrets-scan.ts): it must find each kind of secret the stack uses
 * when planted in a log, and must not flag ordinary text that merely contains the same words.
 * Expected values come from the stack (.stack/env, its key files), never from the scanner itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectSecrets, scan } from '../../bench/faults/secrets-scan.ts';
import { readStackEnv } from '../../bench/stack-env.ts';

const env = readStackEnv();

function scanText(text: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-scan-'));
  try {
    writeFileSync(join(dir, 'a.log'), text);
    return scan([dir], collectSecrets(env)).hits.map((h) => h.secret);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('each secret of the stack is found in a log', () => {
  const sshLine = readFileSync(env.GIT_SSH_KEY_FILE as string, 'utf8').split('\n').find((l) => l.length >= 20 && !l.startsWith('-----')) as string;
  const token = readFileSync(env.EXECUTOR_TOKEN_FILE as string, 'utf8').trim();
  const cases: [string, RegExp][] = [
    [`time=x level=info msg="load" key=${env.AZURITE_ACCOUNT_KEY}`, /AZURITE_ACCOUNT_KEY/],
    [`Authorization: Bearer ${token}\n`, /executor token/],
    [`some text\n  ${sshLine}\n`, /private key user_ed25519/],
    [`{"secretKey":"${env.S3_MINIO_SECRET_KEY}"}`, /after a credential name/],
    [`AWS_SECRET_ACCESS_KEY=${env.S3_MINIO_SECRET_KEY}`, /after a credential name/],
    [`fetching http://${env.GIT_HTTP_USER}:${env.GIT_HTTP_PASSWORD}@127.0.0.1:9419/x.git`, /as user:password/],
    [`Authorization: Basic ${Buffer.from(`${env.GIT_HTTP_USER}:${env.GIT_HTTP_PASSWORD}`).toString('base64')}`, /as Basic credentials/],
    [`Authorization: AWS4-HMAC-SHA256 Credential=${env.S3_MINIO_ACCESS_KEY}/20261202/us-east-1/s3/aws4_request`, /in a logged SigV4 header/],
    ['-----BEGIN OPENSSH PRIVATE KEY-----', /private key marker/],
  ];
  for (const [text, want] of cases) {
    const hits = scanText(`line one\n${text}\nline three\n`);
    assert.ok(hits.some((h) => want.test(h)), `${want} not found (hits: ${hits.join('; ')})`);
  }
});

test('ordinary text with the same words is not a hit', () => {
  const text = [
    'export KUBECONFIG=/work/.stack/kube/admin.kubeconfig',
    'level=error msg="failed to read password file: open /argo/secret/x/password: no such file or directory"',
    'secretKeySecret: {name: my-minio-cred, key: secretkey}',
    'the password must be set; admin users only',
    `S3_MINIO_SECRET_KEY=…`,
  ].join('\n');
  assert.deepEqual(scanText(text), []);
});

test('a hit says the file and line, never the value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-scan-'));
  try {
    writeFileSync(join(dir, 'b.log'), `1\n2\n3 ${env.AZURITE_ACCOUNT_KEY}\n`);
    const { hits } = scan([dir], collectSecrets(env));
    assert.deepEqual(hits, [{ file: join(dir, 'b.log'), line: 3, secret: 'AZURITE_ACCOUNT_KEY' }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
