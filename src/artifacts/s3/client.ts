/**
 * S3 client construction from an artifact's `s3` location (artifacts spec §5.1–§5.4): endpoint/scheme, region,
 * addressing style, credentials (static secrets > roleARN > SDK default chain), custom CA, SSE options.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { argon2Sync, createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { TracedHttpHandler } from './traced-handler.ts';
import { smallObjectRequests, type SmallObjectRequests } from './small-object-requests.ts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { DriverContext } from '../driver.ts';
import { hasSecret, readSecret, readSecretBytes, type SecretKeySelector } from '../secrets.ts';

export interface S3Location {
  endpoint?: string;
  bucket?: string;
  key?: string;
  region?: string;
  insecure?: boolean;
  accessKeySecret?: SecretKeySelector;
  secretKeySecret?: SecretKeySelector;
  sessionTokenSecret?: SecretKeySelector;
  roleARN?: string;
  useSDKCreds?: boolean;
  createBucketIfNotPresent?: { objectLocking?: boolean } | null;
  encryptionOptions?: {
    enableEncryption?: boolean;
    kmsKeyId?: string;
    kmsEncryptionContext?: string;
    serverSideCustomerKeySecret?: SecretKeySelector;
  };
  caSecret?: SecretKeySelector;
  addressingStyle?: string;
  [k: string]: unknown;
}

/** Headers-as-SDK-params for server-side encryption of one object. */
export interface SseParams {
  ServerSideEncryption?: 'AES256' | 'aws:kms';
  SSEKMSKeyId?: string;
  SSEKMSEncryptionContext?: string;
  SSECustomerAlgorithm?: string;
  SSECustomerKey?: string;
}

export interface S3Setup {
  client: S3Client;
  bucket: string;
  /** `http(s)://host:port`, for messages. */
  endpointUrl: string;
  region: string;
  /** SSE params for PUT (and multipart) of `key`. */
  putSse(key: string): SseParams;
  /** SSE params for GET/HEAD of `key` (SSE-C only). */
  getSse(key: string): SseParams;
  sseEnabled: boolean;
  kmsKeyId: string | undefined;
  /** PutObject/GetObject of small objects without the SDK's middlewares (D31); undefined with ARTIFACT_S3_LEAN_REQUESTS=false. */
  small: SmallObjectRequests | undefined;
  destroy(): void;
}

const AWS_HOST = /^s3[.-](?:dualstack\.)?([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

function validateEndpoint(endpoint: string): string {
  if (endpoint === '') throw new Error('s3 endpoint is not set');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) || endpoint.includes('/')) {
    throw new Error(`s3 endpoint ${JSON.stringify(endpoint)} must be host[:port] (no scheme or path; use "insecure: true" for plain HTTP)`);
  }
  return endpoint;
}

function regionFor(loc: S3Location, host: string): string {
  if (loc.region) return loc.region;
  const m = AWS_HOST.exec(host.replace(/:\d+$/, ''));
  if (m && m[1] !== 'external-1') return m[1] as string;
  return 'us-east-1';
}

function isDnsCompatible(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket) && !bucket.includes('..');
}

function pathStyle(style: string | undefined, host: string, bucket: string): boolean {
  if (style === 'path') return true;
  if (style === 'virtual-hosted') return false;
  // minio auto: virtual-host for AWS / Aliyun / Google endpoints with DNS-compatible buckets.
  const h = host.replace(/:\d+$/, '');
  const cloud = /(^|\.)amazonaws\.com(\.cn)?$/.test(h) || /(^|\.)aliyuncs\.com$/.test(h) || h === 'storage.googleapis.com';
  return !(cloud && isDnsCompatible(bucket));
}

/** minio DefaultPBKDF: Argon2id(password, salt = bucket + object, t=1, m=64 MiB, p=4, 32 bytes). */
export function ssecKey(password: Buffer, bucket: string, key: string): Buffer {
  const salt = Buffer.from(bucket + key);
  if (salt.length < 8) {
    throw new Error(`SSE-C: bucket name + object key (${salt.length} bytes) is too short: Node's Argon2id needs a salt of at least 8 bytes`);
  }
  return argon2Sync('argon2id', { message: password, nonce: salt, parallelism: 4, tagLength: 32, memory: 64 * 1024, passes: 1 });
}

function credentialsFor(loc: S3Location, ctx: DriverContext, region: string): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  if (hasSecret(loc.accessKeySecret)) {
    if (!loc.secretKeySecret) throw new Error('secretKeySecret must be set when accessKeySecret is set');
    // Trimmed (the spec allows it): a trailing newline in a secret file would otherwise break signing.
    const accessKeyId = readSecret(ctx, loc.accessKeySecret).trim();
    const secretAccessKey = readSecret(ctx, loc.secretKeySecret).trim();
    const sessionToken = hasSecret(loc.sessionTokenSecret) ? readSecret(ctx, loc.sessionTokenSecret).trim() : '';
    if (accessKeyId !== '' && secretAccessKey !== '') {
      return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
    }
  }
  if (loc.roleARN) {
    const roleArn = loc.roleARN;
    let cached: Promise<AwsCredentialIdentity> | undefined;
    return () => {
      cached ??= (async () => {
        const sts = new STSClient({ region, credentials: defaultProvider() });
        try {
          const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `argo-${Date.now()}` }));
          const c = out.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
          return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
        } finally {
          sts.destroy();
        }
      })();
      return cached;
    };
  }
  // useSDKCreds, or nothing configured: the SDK default chain (env, shared files, web identity, container, IMDS).
  return defaultProvider();
}

export function createS3(loc: S3Location, ctx: DriverContext): S3Setup {
  const host = validateEndpoint(loc.endpoint ?? '');
  const bucket = loc.bucket ?? '';
  const secure = loc.insecure !== true;
  const endpointUrl = `${secure ? 'https' : 'http'}://${host}`;
  const region = regionFor(loc, host);
  const enc = loc.encryptionOptions ?? {};
  let ssecPassword: Buffer | undefined;
  if (hasSecret(enc.serverSideCustomerKeySecret)) {
    if (enc.kmsKeyId) throw new Error('serverSideCustomerKeySecret and kmsKeyId cannot be set together');
    ssecPassword = readSecretBytes(ctx, enc.serverSideCustomerKeySecret);
    if (!secure) throw new Error('secure must be set if EncryptOpts.SSECPassword is set');
  }
  let ca: string | undefined;
  if (secure && hasSecret(loc.caSecret)) ca = readSecret(ctx, loc.caSecret);

  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64, ...(ca ? { ca } : {}) });
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const forcePathStyle = pathStyle(loc.addressingStyle, host, bucket);
  const credentials = credentialsFor(loc, ctx, region);
  const client = new S3Client({
    endpoint: endpointUrl,
    region,
    forcePathStyle,
    credentials,
    // S3-compatible servers (minio, versitygw, ...) reject the SDK's default CRC32 trailers on some requests.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // The SDK's standard retry (throttling, 5xx incl. 503 SlowDown, network errors) plays minio's inner retry.
    maxAttempts: 10,
    requestHandler: new TracedHttpHandler({ httpAgent, httpsAgent, connectionTimeout: 30_000 }),
  });

  const ssecCache = new Map<string, SseParams>();
  const ssec = (key: string): SseParams => {
    let p = ssecCache.get(key);
    if (!p) {
      p = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: ssecKey(ssecPassword as Buffer, bucket, key).toString('base64') };
      ssecCache.set(key, p);
    }
    return p;
  };
  const enabled = enc.enableEncryption === true;
  const lean = ctx.env.ARTIFACT_S3_LEAN_REQUESTS !== 'false';
  const small = lean ? smallObjectRequests({ bucket, host, secure, pathStyle: forcePathStyle, region, credentials, ...(ca ? { ca } : {}) }) : undefined;
  return {
    small,
    client,
    bucket,
    endpointUrl,
    region,
    sseEnabled: enabled,
    kmsKeyId: enc.kmsKeyId || undefined,
    putSse(key) {
      if (!enabled) return {};
      if (ssecPassword) return ssec(key);
      if (enc.kmsKeyId) {
        const p: SseParams = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: enc.kmsKeyId };
        if (enc.kmsEncryptionContext) {
          let parsed: unknown;
          try { parsed = JSON.parse(enc.kmsEncryptionContext); } catch { throw new Error('failed to parse KMS encryption context: invalid JSON'); }
          // AWS expects base64(JSON); Go double-encodes it (spec §5.4 QUIRK), which AWS rejects.
          p.SSEKMSEncryptionContext = Buffer.from(JSON.stringify(parsed)).toString('base64');
        }
        return p;
      }
      return { ServerSideEncryption: 'AES256' };
    },
    getSse(key) {
      return enabled && ssecPassword ? ssec(key) : {};
    },
    destroy() {
      client.destroy();
      small?.destroy();
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}

/** Base64 MD5, for callers that want Content-MD5. */
export function md5b64(buf: Buffer): string {
  return createHash('md5').update(buf).digest('base64');
}
