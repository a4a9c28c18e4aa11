/**
 * Single-request PutObject and GetObject of small objects without the SDK's middleware stack (docs/decisions.md
 * D31). A directory of 10,000 files × 10 KiB is 10,000 requests, and on this 2-core machine the SDK spent ~0.8 ms of
 * CPU on each (endpoint rules, schema serde, retry and checksum middlewares) against ~0.2 ms for the same signed
 * request on node:http — CPU the store (MinIO, on the same cores) needed. The requests are the SDK's own in every
 * byte that matters: signed by the SDK's SigV4 signer (@smithy/signature-v4) with the client's resolved credential
 * provider (static keys, roleARN, the default chain), over the client's keep-alive agents, with the same headers
 * (Content-Type, SSE, SSE-C and its key MD5) and the payload's SHA-256, path-style or virtual-hosted as the client
 * addresses the bucket. Errors carry the SDK's shape (`name`/`Code`, `$metadata.httpStatusCode`), so the driver
 * describes and classifies them the same way; transient ones are retried here as the SDK's standard retry does
 * (up to 10 attempts, full-jitter exponential backoff from 100 ms, capped at 20 s).
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual, type Hash, type Hmac, type KeyObject } from 'node:crypto';
import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import { finished } from 'node:stream/promises';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, SourceData } from '@smithy/types';
import { activeSpan } from '../../core/tracing/tracing.ts';
import { startHttpClientSpan } from '../../core/tracing/http-span.ts';
import type { SseParams } from './client.ts';
import { s3Attributes } from './traced-handler.ts';

/** Objects up to this size take these requests (larger ones: the SDK, whose per-request cost is then negligible). */
export const SMALL_OBJECT_MAX = 1024 * 1024;
const MAX_ATTEMPTS = 10;
const CONNECT_TIMEOUT_MS = 30_000;

export interface SmallObjectTarget {
  bucket: string;
  /** host[:port], as the artifact's endpoint. */
  host: string;
  secure: boolean;
  pathStyle: boolean;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
}

export interface SmallObjectRequests {
  put(key: string, body: Buffer, contentType: string, sse: SseParams, signal?: AbortSignal): Promise<void>;
  /** The body of a 2xx response; the caller reads it to the end (or destroys it). */
  get(key: string, sse: SseParams, signal?: AbortSignal): Promise<IncomingMessage>;
}

/** S3 errors as the SDK throws them: what the driver's errCode/httpStatus read. */
export class SmallObjectError extends Error {
  readonly Code: string;
  readonly $metadata: { httpStatusCode?: number };
  constructor(code: string, message: string, status: number | undefined) {
    super(message || code);
    this.name = code;
    this.Code = code;
    this.$metadata = { httpStatusCode: status };
  }
}

/** The SDK's standard retry: throttling, transient codes, 5xx, and connection errors. */
const RETRY_CODES = new Set([
  'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException',
  'ProvisionedThroughputExceededException', 'TransactionInProgressException', 'RequestLimitExceeded',
  'BandwidthLimitExceeded', 'LimitExceededException', 'RequestThrottled', 'SlowDown', 'PriorRequestNotComplete',
  'EC2ThrottledException', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalError',
]);
const RETRY_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

function retryable(err: unknown): boolean {
  if (err instanceof SmallObjectError) {
    const s = err.$metadata.httpStatusCode ?? 0;
    return RETRY_CODES.has(err.Code) || s === 429 || s >= 500;
  }
  return RETRY_NET.has((err as NodeJS.ErrnoException)?.code ?? '');
}

/**
 * HMAC keys given as bytes, as KeyObjects made once: node:crypto turns raw key bytes into a KeyObject on every
 * createHmac (~13 µs against ~2.5 µs for a KeyObject, measured), and the signer signs every request with the same
 * cached signing key. Keyed by the array itself, checked against a copy of its bytes (a reused buffer gets a new key).
 */
const hmacKeys = new WeakMap<object, { bytes: Uint8Array; key: KeyObject }>();
function hmacKey(owner: object, bytes: Uint8Array): KeyObject {
  const hit = hmacKeys.get(owner);
  if (hit && hit.bytes.length === bytes.length && timingSafeEqual(hit.bytes, bytes)) return hit.key;
  const key = createSecretKey(bytes);
  hmacKeys.set(owner, { bytes: Uint8Array.from(bytes), key });
  return key;
}

/**
 * HMAC keys given as strings (the signer keys one HMAC per request with the secret access key, to name its cached
 * signing key), as KeyObjects made once. A few credentials per process; the map is emptied past 16.
 */
const stringKeys = new Map<string, KeyObject>();
function stringHmacKey(secret: string): KeyObject {
  let key = stringKeys.get(secret);
  if (!key) {
    if (stringKeys.size >= 16) stringKeys.clear();
    key = createSecretKey(secret, 'utf8');
    stringKeys.set(secret, key);
  }
  return key;
}

/** A SHA-256 (or HMAC-SHA-256 with a secret) for the signer: @smithy/types' Checksum over node:crypto. */
export class Sha256 {
  readonly #secret: KeyObject | undefined;
  #h: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? secret : typeof secret === 'string' ? stringHmacKey(secret)
      : hmacKey(secret, secret instanceof ArrayBuffer ? new Uint8Array(secret) : new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength));
    this.#h = this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: Uint8Array | string): void { this.#h.update(data); }
  async digest(): Promise<Uint8Array> { return this.#h.digest(); }
  reset(): void { this.#h = this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret); }
}

/** A key in a URL path as the SDK writes it: each segment percent-encoded (RFC 3986, `!'()*` too), `/` kept. */
export function keyPath(key: string): string {
  return key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

/** SSE params as the SDK's headers (it adds the SSE-C key's MD5 itself). */
export function sseHeaders(p: SseParams): Record<string, string> {
  const h: Record<string, string> = {};
  if (p.ServerSideEncryption) h['x-amz-server-side-encryption'] = p.ServerSideEncryption;
  if (p.SSEKMSKeyId) h['x-amz-server-side-encryption-aws-kms-key-id'] = p.SSEKMSKeyId;
  if (p.SSEKMSEncryptionContext) h['x-amz-server-side-encryption-context'] = p.SSEKMSEncryptionContext;
  if (p.SSECustomerAlgorithm) h['x-amz-server-side-encryption-customer-algorithm'] = p.SSECustomerAlgorithm;
  if (p.SSECustomerKey) {
    h['x-amz-server-side-encryption-customer-key'] = p.SSECustomerKey;
    h['x-amz-server-side-encryption-customer-key-md5'] = createHash('md5').update(Buffer.from(p.SSECustomerKey, 'base64')).digest('base64');
  }
  return h;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

async function errorOf(res: IncomingMessage): Promise<SmallObjectError> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) if ((n += c.length) <= 64 * 1024) chunks.push(c);
  const xml = Buffer.concat(chunks).toString('utf8');
  const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(xml)?.[1] ?? '';
  const status = res.statusCode;
  // No XML body (HEAD-like answers, proxies): named after the status as the SDK does.
  const code = tag('Code') || (status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : status === 400 ? 'BadRequest' : 'UnknownError');
  return new SmallObjectError(code, tag('Message'), status);
}

/**
 * A response body gathered into one buffer (`expected` bytes allocated at once; a longer body still arrives whole, for
 * the caller to compare). Fails as reading the stream would: its error, or ERR_STREAM_PREMATURE_CLOSE.
 */
export async function readBody(res: IncomingMessage, expected: number): Promise<Buffer> {
  let buf = Buffer.allocUnsafe(expected);
  let n = 0;
  res.on('data', (c: Buffer) => {
    if (n + c.length > buf.length) buf = Buffer.concat([buf.subarray(0, n), c]);
    else c.copy(buf, n);
    n += c.length;
  });
  await finished(res);
  return n === buf.length ? buf : buf.subarray(0, n);
}

export function smallObjectRequests(t: SmallObjectTarget): SmallObjectRequests {
  const signer = new SignatureV4({ credentials: t.credentials, region: t.region, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const [hostname, portText] = t.host.split(/:(?=\d+$)/) as [string, string | undefined];
  const port = portText ? Number(portText) : undefined;
  const reqHost = t.pathStyle ? hostname : `${t.bucket}.${hostname}`;
  const hostHeader = port ? `${reqHost}:${port}` : reqHost;
  const connectHost = reqHost.replace(/^\[(.*)\]$/, '$1'); // an IPv6 literal: brackets in Host only
  const pathOf = (key: string) => (t.pathStyle ? `/${t.bucket}/${keyPath(key)}` : `/${keyPath(key)}`);
  const send = t.secure ? httpsRequest : httpRequest;
  const agent = t.secure ? t.httpsAgent : t.httpAgent;

  /** One attempt: sign, send, the response (2xx) or its error. */
  async function attempt(method: 'GET' | 'PUT', key: string, headers: Record<string, string>, body: Buffer | undefined, signal?: AbortSignal): Promise<IncomingMessage> {
    const path = pathOf(key);
    const signed = await signer.sign({ method, protocol: t.secure ? 'https:' : 'http:', hostname: reqHost, ...(port ? { port } : {}), path, query: {}, headers: { host: hostHeader, ...headers } });
    const span = activeSpan()?.recording ? startHttpClientSpan(method, new URL(`${t.secure ? 'https' : 'http'}://${hostHeader}${path}`), s3Attributes(method, decodeURIComponent(path), '')) : undefined;
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        // As the SDK: to the bucket's own host when virtual-hosted (DNS, TLS name), the endpoint's otherwise.
        const req = send({ method, hostname: connectHost, port, path, agent, headers: signed.headers as OutgoingHttpHeaders, ...(signal ? { signal } : {}) }, resolve);
        req.on('error', reject);
        req.on('socket', (s) => {
          if (!s.connecting) return;
          const timer = setTimeout(() => req.destroy(Object.assign(new Error(`connect ETIMEDOUT ${hostHeader}`), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
          s.once('connect', () => clearTimeout(timer));
          s.once('secureConnect', () => clearTimeout(timer));
          s.once('close', () => clearTimeout(timer));
        });
        req.end(body);
      });
      span?.response(res.statusCode ?? 0);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return res;
      throw await errorOf(res);
    } catch (err) {
      span?.failed(err);
      throw err;
    }
  }

  async function withRetries(fn: () => Promise<IncomingMessage>, signal?: AbortSignal): Promise<IncomingMessage> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (err) {
        if (i >= MAX_ATTEMPTS || signal?.aborted || !retryable(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(20_000, 100 * 2 ** i)));
      }
    }
  }

  return {
    async put(key, body, contentType, sse, signal) {
      const headers = {
        'content-type': contentType,
        'content-length': String(body.length),
        'x-amz-content-sha256': body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(body).digest('hex'),
        ...sseHeaders(sse),
      };
      const res = await withRetries(() => attempt('PUT', key, headers, body, signal), signal);
      res.resume();
      await new Promise<void>((resolve, reject) => { res.once('end', resolve); res.once('error', reject); });
    },
    get(key, sse, signal) {
      const headers = { 'x-amz-content-sha256': EMPTY_SHA256, ...sseHeaders(sse) };
      return withRetries(() => attempt('GET', key, headers, undefined, signal), signal);
    },
  };
}
