/**
 * Single-request PutObject and GetObject of small objects without the SDK's middleware stack (docs/decisions.md
 * D31). A directory of 10,000 files × 10 KiB is 10,000 requests, and on this 2-core machine the SDK spent ~0.8 ms of
 * CPU on each (endpoint rules, schema serde, retry and checksum middlewares) — CPU the store (MinIO, on the same
 * cores) needed. The requests are the SDK's own in every byte that matters: signed as the SDK's SigV4 signer signs
 * them (sigv4.ts, D44, tested against @smithy/signature-v4) with the client's resolved credential provider (static
 * keys, roleARN, the default chain), sent over a keep-alive pool of their own (core/io/small-http.ts, D44; TLS
 * verified, with the artifact's caSecret), with the same headers (Content-Type, SSE, SSE-C and its key MD5) and the
 * payload's SHA-256, path-style or virtual-hosted as the client addresses the bucket. Errors carry the SDK's shape
 * (`name`/`Code`, `$metadata.httpStatusCode`), so the driver describes and classifies them the same way; transient
 * ones are retried here as the SDK's standard retry does (up to 10 attempts, full-jitter exponential backoff from
 * 100 ms, capped at 20 s).
 */
import { createHash } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { activeSpan } from '../../core/tracing/tracing.ts';
import { startHttpClientSpan } from '../../core/tracing/http-span.ts';
import { smallHttpClient, type SmallHttpResponse } from '../../core/io/small-http.ts';
import type { SseParams } from './client.ts';
import { sigV4Signer } from './sigv4.ts';
import { s3Attributes } from './traced-handler.ts';

/** Objects up to this size take these requests (larger ones: the SDK, whose per-request cost is then negligible). */
export const SMALL_OBJECT_MAX = 1024 * 1024;
const MAX_ATTEMPTS = 10;
const CONNECT_TIMEOUT_MS = 30_000;
/** Connections to the store at once (the SDK client's agents allow as many). */
const MAX_SOCKETS = 64;
/** A body larger than this is not what the listing promised (at most SMALL_OBJECT_MAX): refused, not buffered. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface SmallObjectTarget {
  bucket: string;
  /** host[:port], as the artifact's endpoint. */
  host: string;
  secure: boolean;
  pathStyle: boolean;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** TLS: the certificates to trust instead of the defaults (the artifact's caSecret). */
  ca?: string;
  /** Name resolution instead of the system's (tests: a virtual-hosted bucket's name). */
  lookup?: LookupFunction;
}

export interface SmallObjectRequests {
  put(key: string, body: Buffer, contentType: string, sse: SseParams, signal?: AbortSignal): Promise<void>;
  /** The object's bytes. */
  get(key: string, sse: SseParams, signal?: AbortSignal): Promise<Buffer>;
  /** Closes the connections. */
  destroy(): void;
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

/** An S3 error answer as the SDK reads it: Code and Message of its XML body, or named after the status. */
function errorOf(res: SmallHttpResponse): SmallObjectError {
  const xml = res.body.toString('utf8', 0, Math.min(res.body.length, 64 * 1024));
  const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(xml)?.[1] ?? '';
  const status = res.status;
  // No XML body (HEAD-like answers, proxies): named after the status as the SDK does.
  const code = tag('Code') || (status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : status === 400 ? 'BadRequest' : 'UnknownError');
  return new SmallObjectError(code, tag('Message'), status);
}

export function smallObjectRequests(t: SmallObjectTarget): SmallObjectRequests {
  const signer = sigV4Signer({ credentials: t.credentials, region: t.region });
  const [hostname, portText] = t.host.split(/:(?=\d+$)/) as [string, string | undefined];
  const port = portText ? Number(portText) : undefined;
  const reqHost = t.pathStyle ? hostname : `${t.bucket}.${hostname}`;
  const hostHeader = port ? `${reqHost}:${port}` : reqHost;
  const pathOf = (key: string) => (t.pathStyle ? `/${t.bucket}/${keyPath(key)}` : `/${keyPath(key)}`);
  // As the SDK: to the bucket's own host when virtual-hosted (DNS, TLS name), the endpoint's otherwise.
  const http = smallHttpClient({
    host: reqHost.replace(/^\[(.*)\]$/, '$1'), // an IPv6 literal: brackets in Host only
    port: port ?? (t.secure ? 443 : 80),
    secure: t.secure,
    ...(t.ca ? { ca: t.ca } : {}),
    ...(t.lookup ? { lookup: t.lookup } : {}),
    maxSockets: MAX_SOCKETS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    maxBodyBytes: MAX_BODY_BYTES,
  });

  /** One attempt: sign, send, the answer (2xx) or its error. */
  async function attempt(method: 'GET' | 'PUT', key: string, headers: Record<string, string>, body: Buffer | undefined, signal?: AbortSignal): Promise<SmallHttpResponse> {
    const path = pathOf(key);
    const signed = await signer.sign({ method, path, headers: { host: hostHeader, ...headers } });
    const span = activeSpan()?.recording ? startHttpClientSpan(method, new URL(`${t.secure ? 'https' : 'http'}://${hostHeader}${path}`), s3Attributes(method, decodeURIComponent(path), '')) : undefined;
    try {
      const res = await http.request({ method, path, headers: signed, ...(body ? { body } : {}), ...(signal ? { signal } : {}) });
      span?.response(res.status);
      if (res.status >= 200 && res.status < 300) return res;
      throw errorOf(res);
    } catch (err) {
      span?.failed(err);
      throw err;
    }
  }

  async function withRetries(fn: () => Promise<SmallHttpResponse>, signal?: AbortSignal): Promise<SmallHttpResponse> {
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
      await withRetries(() => attempt('PUT', key, headers, body, signal), signal);
    },
    async get(key, sse, signal) {
      const headers = { 'x-amz-content-sha256': EMPTY_SHA256, ...sseHeaders(sse) };
      return (await withRetries(() => attempt('GET', key, headers, undefined, signal), signal)).body;
    },
    destroy() {
      http.destroy();
    },
  };
}
