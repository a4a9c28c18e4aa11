/**
 * Alibaba Cloud OSS artifact driver (artifacts spec §6.6, workflow/artifacts/oss/oss.go of argoexec v4.1.2) on our
 * own small signed-request client (client.ts; decision D21 says why not `ali-oss`). Loaded lazily by the registry.
 *
 * As Go, operation by operation (the requests are the Go SDK's: test/artifacts/oss-differential.test.ts):
 * - Load: GET the object into `<path>.temp`, renamed to `<path>` when complete (parents 0700). `NoSuchKey` → the key
 *   is a directory when a ListObjects of `key/` (max-keys 1) finds anything; then every object below `key/` (paged
 *   ListObjects) → `<path>/<rel>`: names ending `/` become directories (0700), others files. Not found either way →
 *   the NoSuchKey error. Other GET errors: `failed to get file: <err>`.
 * - Save: optionally `createBucketIfNotPresent` (ListBuckets prefix=bucket max-keys=1, then PutBucket) and
 *   `lifecycleRule` (PutBucketLifecycle: rule id sha256(key), prefix key, expiration/abort-multipart after
 *   markDeletionAfterDays, transition to IA after markInfrequentAccessAfterDays). A file ≤ 5 GiB → one PutObject
 *   streamed from the file; larger → multipart in ceil(size / 5 GiB) + 1 sequential parts, each streamed from its
 *   range of the file. A directory → a `<dir>/` marker object for every directory (the root and empty ones
 *   included) and one object per regular file, in filepath.Walk order (symlinks skipped).
 * - Delete: DeleteObject of the key (a single object, as Go). ListObjects: ListObjectsV2 of the key as prefix,
 *   paged. IsDirectory: as Load's check (an empty key is a directory).
 * - Retry: 5 attempts, 2 s × 2, jitter 0.1 for network errors and OSS's transient codes; exhausted →
 *   `timed out waiting for the condition: <last error>`.
 * - `useSDKCreds`: Alibaba's default credential chain, the providers that need no cloud (credentials.ts: environment,
 *   profile file, credentials URI; not OIDC, the CLI's config, ECS RAM roles).
 *   `securityToken` is a literal string sent as `x-oss-security-token`.
 * - `ARGO_TRACE=1` sets bucket logging on the bucket itself before each operation, as Go does.
 *
 * Differences from Go that only improve (spec §9): a missing object is not retried five times (~30 s): it fails at
 * once with Go's final text, marked not-found so an `optional` input is skipped (Go fails such inputs); the client is
 * built once per driver, not per attempt; a listed key that would land outside the destination directory (`..`) is
 * refused (Go writes it there); a final failure is logged once with endpoint, bucket and key. `https_proxy` (lower case
 * only, as oss.go reads it) sends every request through that http:// proxy. Not done: the download's CRC-64 is not
 * compared (Go compares it when the server sends one). Error texts never contain the secret key (Go's never do either).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, posix, relative } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Artifact } from '../../core/template.ts';
import { versionInfo } from '../../core/version-info.ts';
import { ArtifactNotFoundError, type ArtifactDriver, type DriverContext, type TransferProgress } from '../driver.ts';
import { isTransientNetworkError } from '../retry.ts';
import { hasSecret, readSecret, type SecretKeySelector } from '../secrets.ts';
import { throttle } from '../transfer.ts';
import { OssClient, isOssCode, readText, type CredentialSource, type OssServiceError } from './client.ts';
import { ossContentType } from './content-type.ts';
import { defaultChain } from './credentials.ts';
import { elements, escapeXml, text } from './xml.ts';

export interface OssLocation {
  endpoint?: string;
  bucket?: string;
  key?: string;
  accessKeySecret?: SecretKeySelector;
  secretKeySecret?: SecretKeySelector;
  securityToken?: string;
  createBucketIfNotPresent?: boolean;
  lifecycleRule?: { markInfrequentAccessAfterDays?: number; markDeletionAfterDays?: number };
  useSDKCreds?: boolean;
}

/** oss.go maxObjectSize: the largest single PutObject; above it, multipart. */
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * 1024;

/** oss.go ossTransientErrorCodes. */
const TRANSIENT_CODES = new Set(['RequestTimeout', 'QuotaExceeded.Refresh', 'Default', 'ServiceUnavailable', 'Throttling', 'RequestTimeTooSkewed', 'SocketException', 'SocketTimeout', 'ServiceBusy', 'DomainNetWorkVisitedException', 'ConnectionTimeout', 'CachedTimeTooLarge', 'InternalError']);

/** oss.go defaultRetry. */
export interface OssBackoff { durationMs: number; factor: number; steps: number; jitter: number }
export const DEFAULT_BACKOFF: OssBackoff = { durationMs: 2000, factor: 2, steps: 5, jitter: 0.1 };

export function isTransientOssError(err: unknown, env: NodeJS.ProcessEnv): boolean {
  const code = (err as OssServiceError)?.oss ? (err as OssServiceError).code : undefined;
  if (code !== undefined) return TRANSIENT_CODES.has(code) || matchesPattern(err, env);
  return isTransientNetworkError(err, env);
}

/** TRANSIENT_ERROR_PATTERN applies to service errors too (util/errors matchTransientErrPattern). */
function matchesPattern(err: unknown, env: NodeJS.ProcessEnv): boolean {
  const pattern = env.TRANSIENT_ERROR_PATTERN;
  if (!pattern) return false;
  try { return new RegExp(pattern).test((err as Error).message); } catch { return false; }
}

/** An attempt's verdict, as oss.go's `return done, err`: `done` ends the retries with `err`. */
class Verdict extends Error {
  readonly done: boolean;
  readonly err: unknown;
  constructor(done: boolean, err: unknown) { super('verdict'); this.done = done; this.err = err; }
}

/**
 * util/wait.Backoff over apimachinery's ExponentialBackoff: up to `steps` attempts with growing, jittered sleeps;
 * an attempt that throws a Verdict with `done` (or a non-transient error) ends it with that error; after the last
 * attempt: `timed out waiting for the condition: <last error>`.
 */
export async function backoff<T>(b: OssBackoff, transient: (err: unknown) => boolean, fn: () => Promise<T>): Promise<T> {
  let duration = b.durationMs;
  let last: unknown;
  for (let step = 0; step < b.steps; step++) {
    try {
      return await fn();
    } catch (err) {
      const v = err instanceof Verdict ? err : new Verdict(!transient(err), err);
      if (v.done) throw v.err;
      last = v.err;
    }
    if (step === b.steps - 1) break;
    await sleep(duration + (b.jitter > 0 ? Math.random() * b.jitter * duration : 0));
    duration *= b.factor;
  }
  const out = new Error(`timed out waiting for the condition: ${last instanceof Error ? last.message : String(last)}`, { cause: last });
  throw out;
}

/** The SDK's CheckBucketName (client.Bucket): checked before any request on the bucket's objects. */
export function checkBucketName(name: string): void {
  const n = Buffer.byteLength(name);
  if (n < 3 || n > 63) throw new Error(`bucket name ${name} len is between [3-63],now is ${n}`);
  if (!/^[a-z0-9-]*$/.test(name)) throw new Error(`bucket name ${name} can only include lowercase letters, numbers, and -`);
  if (name.startsWith('-') || name.endsWith('-')) throw new Error(`bucket name ${name} must start and end with a lowercase letter or number`);
}

/** The SDK's CheckObjectName (bucket.do): object requests need a key. */
function checkObjectName(key: string): void {
  if (key === '') throw new Error('object name is empty');
}

/** filepath.Join for object names (cleans, drops a trailing slash). */
function joinKey(...parts: string[]): string {
  const j = posix.join(...parts.filter((p) => p !== ''));
  return j === '.' ? '' : j.replace(/\/$/, '');
}

export class OssArtifactDriver implements ArtifactDriver {
  readonly #ctx: DriverContext;
  readonly #loc: OssLocation;
  readonly #client: OssClient;
  /** Tests shorten the waits; the wording and steps stay Go's. */
  backoff: OssBackoff = DEFAULT_BACKOFF;
  /** Tests lower it to exercise multipart without 5 GiB files. */
  maxObjectSize = MAX_OBJECT_SIZE;

  /** The client's socket inactivity limit (Go's ReadWriteTimeout, 60 s); tests shorten it. */
  set timeoutMs(ms: number) { this.#client.timeoutMs = ms; }

  constructor(artifact: Artifact, ctx: DriverContext) {
    this.#ctx = ctx;
    this.#loc = (artifact.oss ?? {}) as OssLocation;
    const loc = this.#loc;
    let creds: CredentialSource;
    if (loc.useSDKCreds) {
      ctx.log.info('Using default sdk provider chains for OSS driver');
      const chain = defaultChain(ctx.env);
      creds = async () => {
        try {
          return await chain();
        } catch (err) {
          // Go's wrapper logs and signs with empty keys; the server then refuses the request.
          ctx.log.info('get access key id failed', { err: (err as Error).message });
          return { accessKeyId: '', accessKeySecret: '' };
        }
      };
    } else {
      let id = '';
      let secret = '';
      // artifacts.go: both secrets are read when the access key secret is named; otherwise empty keys.
      if (loc.accessKeySecret?.name) {
        id = readSecret(ctx, loc.accessKeySecret as SecretKeySelector);
        if (!hasSecret(loc.secretKeySecret)) throw new Error('secret key secret is required when accessKeySecret is set');
        secret = readSecret(ctx, loc.secretKeySecret);
      }
      ctx.log.info('Using AK provider');
      const fixed = { accessKeyId: id, accessKeySecret: secret, ...(loc.securityToken ? { securityToken: loc.securityToken } : {}) };
      creds = async () => fixed;
    }
    // oss.go newOSSClient: only the lower-case https_proxy, for every request (the OSS client ignores the others).
    const proxy = ctx.env.https_proxy;
    this.#client = new OssClient(loc.endpoint ?? '', creds, { userAgent: `argoexec-ts/${versionInfo().version}`, ...(proxy !== undefined ? { proxy } : {}) });
  }

  /** Release the client's keep-alive sockets. */
  close(): void {
    this.#client.close();
  }

  #where(artifact: Artifact): { bucket: string; key: string } {
    const loc = (artifact.oss ?? {}) as OssLocation;
    return { bucket: loc.bucket ?? this.#loc.bucket ?? '', key: loc.key ?? '' };
  }

  /** Go's retry around one operation; a final failure is also logged with where it happened (never a key). */
  async #retry<T>(op: string, bucket: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await backoff(this.backoff, (err) => isTransientOssError(err, this.#ctx.env), fn);
    } catch (err) {
      this.#ctx.log.warn(`OSS ${op} failed`, { endpoint: this.#loc.endpoint, bucket, key, error: (err as Error).message });
      throw err;
    }
  }

  /** `return !isTransientOSSErr(err), wrapped` */
  #verdict(err: unknown, wrapped: unknown = err): Verdict {
    return new Verdict(!isTransientOssError(err, this.#ctx.env), wrapped);
  }

  /** setBucketLogging: only with ARGO_TRACE=1 (a side effect on the bucket, as in Go). */
  async #traceLogging(bucket: string): Promise<void> {
    if (this.#ctx.env.ARGO_TRACE !== '1') return;
    const body = Buffer.from(`<BucketLoggingStatus><LoggingEnabled><TargetBucket>${escapeXml(bucket)}</TargetBucket><TargetPrefix>bucket-log-</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`);
    try {
      await this.#client.requestText({ method: 'PUT', bucket, params: { logging: null }, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: { data: body, length: body.length }, expect: [200] });
    } catch (err) {
      throw this.#verdict(err, wrap('failed to configure bucket logging', err));
    }
  }

  // ---------------------------------------------------------------- load

  async load(artifact: Artifact, path: string, progress?: TransferProgress): Promise<void> {
    const { bucket, key } = this.#where(artifact);
    const report = throttle(progress);
    const done = { n: 0 };
    await this.#retry('load', bucket, key, async () => {
      done.n = 0;
      this.#ctx.log.info('OSS Load', { path, key });
      await this.#traceLogging(bucket);
      checkBucketName(bucket);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      let origErr: unknown;
      try {
        await this.#getObjectToFile(bucket, key, path, report, done);
        return;
      } catch (err) {
        if (!isOssCode(err, 'NoSuchKey')) throw this.#verdict(err, wrap('failed to get file', err));
        origErr = err;
      }
      let isDir: boolean;
      try {
        isDir = await this.#isDir(bucket, key);
      } catch (err) {
        throw this.#verdict(err, wrap(`failed to test if ${bucket}/${key} is a directory`, err));
      }
      if (!isDir) {
        // Go retries this five times and fails with the last attempt's error; the object will not appear.
        throw new Verdict(true, Object.assign(new ArtifactNotFoundError(`timed out waiting for the condition: ${(origErr as Error).message}`), { cause: origErr }));
      }
      try {
        await this.#getDirectory(bucket, key, path, report, done);
      } catch (err) {
        throw this.#verdict(err, wrap('failed get directory', err));
      }
    });
    report(done.n, true);
  }

  /** GetObjectToFile: stream into `<path>.temp`, rename when complete. */
  async #getObjectToFile(bucket: string, key: string, path: string, report: (n: number, force?: boolean) => void, done: { n: number }): Promise<void> {
    checkObjectName(key);
    const res = await this.#client.request({ method: 'GET', bucket, key });
    const temp = `${path}.temp`;
    try {
      await pipeline(res.body, new Transform({
        transform(chunk: Buffer, _enc, cb) { report((done.n += chunk.length)); cb(null, chunk); },
      }), createWriteStream(temp, { mode: 0o664 }));
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** IsOssDirectory: `""` → true; else ListObjects prefix `key/` max-keys 1 finds anything. */
  async #isDir(bucket: string, key: string): Promise<boolean> {
    if (key === '') return true;
    const prefix = key.endsWith('/') ? key : `${key}/`;
    const r = await this.#client.requestText({ method: 'GET', bucket, params: { 'encoding-type': 'url', 'max-keys': '1', prefix } });
    return elements(r.text, 'Contents').length + elements(r.text, 'CommonPrefixes').length > 0;
  }

  /** ListOssDirectory: every key below `key/`, ListObjects (v1) paged by marker. */
  async #listDir(bucket: string, key: string): Promise<string[]> {
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    const out: string[] = [];
    let marker = '';
    for (;;) {
      const r = await this.#client.requestText({ method: 'GET', bucket, params: { 'encoding-type': 'url', marker, prefix } });
      const urlEncoded = text(r.text, 'EncodingType') === 'url';
      const dec = (s: string): string => (urlEncoded ? decodeURIComponent(s.replace(/\+/g, '%20')) : s);
      for (const c of elements(r.text, 'Contents')) out.push(dec(text(c, 'Key') ?? ''));
      marker = dec(text(r.text, 'NextMarker') ?? '');
      if (text(r.text, 'IsTruncated') !== 'true') break;
    }
    return out;
  }

  async #getDirectory(bucket: string, key: string, path: string, report: (n: number, force?: boolean) => void, done: { n: number }): Promise<void> {
    const root = join(path);
    for (const f of await this.#listDir(bucket, key)) {
      const rel = relative(key === '' ? '.' : key, f);
      const local = join(path, rel);
      if (rel.startsWith('..') || (local !== root && !local.startsWith(`${root}/`))) throw new Error(`refusing to download object ${f}: it would be written outside ${root}`);
      if (f.endsWith('/')) {
        await mkdir(local, { recursive: true, mode: 0o700 });
        continue;
      }
      await mkdir(dirname(local), { recursive: true, mode: 0o700 });
      await this.#getObjectToFile(bucket, f, local, report, done);
    }
  }

  // ---------------------------------------------------------------- save

  async save(path: string, artifact: Artifact, progress?: TransferProgress): Promise<void> {
    const { bucket, key } = this.#where(artifact);
    const loc = (artifact.oss ?? {}) as OssLocation;
    await this.#retry('save', bucket, key, async () => {
      this.#ctx.log.info('OSS Save', { path, key });
      const isDir = (await stat(path)).isDirectory();
      await this.#traceLogging(bucket);
      if (loc.createBucketIfNotPresent) await this.#ensureBucket(bucket);
      checkBucketName(bucket);
      if (loc.lifecycleRule) await this.#setLifecycle(bucket, key, loc.lifecycleRule);
      const report = throttle(progress);
      const done = { n: 0 };
      try {
        if (isDir) await this.#putDirectory(bucket, key, path, report, done);
        else await this.#putFile(bucket, key, path, report, done);
      } catch (err) {
        this.#ctx.log.warn(isDir ? 'failed to put directory' : 'failed to put file', { error: (err as Error).message });
        throw err;
      }
      report(done.n, true);
    });
  }

  async #ensureBucket(bucket: string): Promise<void> {
    let exists: boolean;
    try {
      const r = await this.#client.requestText({ method: 'GET', bucket: '', params: { 'max-keys': '1', prefix: bucket } });
      const names = elements(r.text, 'Bucket').map((b) => text(b, 'Name'));
      exists = names.length === 1 && names[0] === bucket;
    } catch (err) {
      throw this.#verdict(err, wrap(`failed to check if bucket ${bucket} exists`, err));
    }
    if (exists) return;
    const body = Buffer.from('<CreateBucketConfiguration><StorageClass>Standard</StorageClass></CreateBucketConfiguration>');
    try {
      await this.#client.requestText({ method: 'PUT', bucket, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: { data: body, length: body.length }, expect: [200] });
    } catch (err) {
      throw this.#verdict(err, wrap(`failed to automatically create bucket ${bucket} when it's not present`, err));
    }
  }

  /** setBucketLifecycleRule, including the SDK's verifyLifecycleRules texts. */
  async #setLifecycle(bucket: string, key: string, rule: NonNullable<OssLocation['lifecycleRule']>): Promise<void> {
    const ia = Math.trunc(rule.markInfrequentAccessAfterDays ?? 0);
    const del = Math.trunc(rule.markDeletionAfterDays ?? 0);
    if (ia === 0 && del === 0) return;
    if (ia > del) throw new Verdict(true, new Error('markInfrequentAccessAfterDays cannot be large than markDeletionAfterDays'));
    if (ia === 0) throw new Verdict(true, new Error('invalid transition lifecycle, must be set one of CreatedBeforeDate and Days'));
    const id = createHash('sha256').update(key).digest('hex');
    const body = Buffer.from(
      `<LifecycleConfiguration><Rule><ID>${id}</ID><Prefix>${escapeXml(key)}</Prefix><Status>Enabled</Status>` +
      `<Expiration><Days>${del}</Days></Expiration><Transition><Days>${ia}</Days><StorageClass>IA</StorageClass></Transition>` +
      `<AbortMultipartUpload><Days>${del}</Days></AbortMultipartUpload></Rule></LifecycleConfiguration>`,
    );
    try {
      await this.#client.requestText({ method: 'PUT', bucket, params: { lifecycle: null }, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: { data: body, length: body.length }, expect: [200] });
    } catch (err) {
      throw this.#verdict(err);
    }
  }

  async #putFile(bucket: string, key: string, path: string, report: (n: number, force?: boolean) => void, done: { n: number }): Promise<void> {
    checkObjectName(key);
    const size = (await stat(path)).size;
    const contentType = ossContentType(path, key);
    if (size <= this.maxObjectSize) {
      this.#ctx.log.info('OSS Simple Uploading');
      await this.#client.requestText({
        method: 'PUT', bucket, key, headers: { 'Content-Type': contentType },
        body: { length: size, stream: () => counted(createReadStream(path), report, done) }, expect: [200],
      });
      return;
    }
    await this.#multipart(bucket, key, path, size, contentType, report, done);
  }

  /** multipartUpload: ceil(size / maxObjectSize) + 1 parts of size/n bytes (the last takes the rest), in order. */
  async #multipart(bucket: string, key: string, path: string, size: number, contentType: string, report: (n: number, force?: boolean) => void, done: { n: number }): Promise<void> {
    this.#ctx.log.info('OSS Multipart Uploading');
    const n = Math.ceil(size / this.maxObjectSize) + 1;
    const part = Math.floor(size / n);
    const init = await this.#client.requestText({ method: 'POST', bucket, key, params: { uploads: null }, headers: { 'Content-Type': contentType } });
    const uploadId = text(init.text, 'UploadId') ?? '';
    const parts: { number: number; etag: string }[] = [];
    for (let i = 0; i < n; i++) {
      const start = i * part;
      const length = i === n - 1 ? part + (size % n) : part;
      const res = await this.#client.request({
        method: 'PUT', bucket, key, params: { partNumber: String(i + 1), uploadId },
        body: { length, stream: () => counted(createReadStream(path, { start, end: start + length - 1 }), report, done) },
      });
      await readText(res.body);
      const etag = String(res.headers.etag ?? '');
      this.#ctx.log.info('Upload part', { partNumber: i + 1, etag });
      parts.push({ number: i + 1, etag });
    }
    const body = Buffer.from(`<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.number}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`).join('')}</CompleteMultipartUpload>`);
    await this.#client.requestText({ method: 'POST', bucket, key, params: { uploadId }, body: { data: body, length: body.length }, expect: [200] });
  }

  /** putDirectory: filepath.Walk (lexical, root first), a `<dir>/` marker per directory, regular files uploaded. */
  async #putDirectory(bucket: string, key: string, root: string, report: (n: number, force?: boolean) => void, done: { n: number }): Promise<void> {
    const walk = async (rel: string): Promise<void> => {
      const local = rel === '' ? root : join(root, rel);
      const st = await lstat(local);
      const name = joinKey(key, rel);
      if (st.isDirectory()) {
        const marker = name.endsWith('/') ? name : `${name}/`;
        await this.#client.requestText({ method: 'PUT', bucket, key: marker, headers: { 'Content-Type': ossContentType(marker) }, body: { data: Buffer.alloc(0), length: 0 }, expect: [200] });
        const names = (await readdir(local)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        for (const n of names) await walk(rel === '' ? n : `${rel}/${n}`);
        return;
      }
      if (!st.isFile()) return;
      await this.#putFile(bucket, name, local, report, done);
    };
    await walk('');
  }

  // ---------------------------------------------------------------- other operations

  async delete(artifact: Artifact): Promise<void> {
    const { bucket, key } = this.#where(artifact);
    await this.#retry('delete', bucket, key, async () => {
      this.#ctx.log.info('OSS Delete', { key });
      await this.#traceLogging(bucket);
      checkBucketName(bucket);
      checkObjectName(key);
      await this.#client.requestText({ method: 'DELETE', bucket, key, expect: [204] });
    });
  }

  async listObjects(artifact: Artifact): Promise<string[]> {
    const { bucket, key } = this.#where(artifact);
    return this.#retry('list', bucket, key, async () => {
      await this.#traceLogging(bucket);
      checkBucketName(bucket);
      const files: string[] = [];
      let token = '';
      for (;;) {
        const r = await this.#client.requestText({ method: 'GET', bucket, params: { 'continuation-token': token, 'encoding-type': 'url', 'list-type': '2', prefix: key } });
        const urlEncoded = text(r.text, 'EncodingType') === 'url';
        const dec = (s: string): string => (urlEncoded ? decodeURIComponent(s.replace(/\+/g, '%20')) : s);
        for (const c of elements(r.text, 'Contents')) files.push(dec(text(c, 'Key') ?? ''));
        if (text(r.text, 'IsTruncated') !== 'true') break;
        token = text(r.text, 'NextContinuationToken') ?? '';
      }
      return files;
    });
  }

  async isDirectory(artifact: Artifact): Promise<boolean> {
    const { bucket, key } = this.#where(artifact);
    checkBucketName(bucket);
    try {
      return await this.#isDir(bucket, key);
    } catch (err) {
      throw wrap(`failed to test if ${bucket}/${key} is a directory`, err);
    }
  }
}

function wrap(prefix: string, err: unknown): Error {
  const out = new Error(`${prefix}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  const e = err as { code?: unknown; oss?: unknown; statusCode?: unknown };
  Object.assign(out, { code: e?.code, ossCode: e?.oss ? e.code : undefined, statusCode: e?.statusCode });
  return out;
}

/** `src` with every chunk counted into `done` and reported. */
function counted(src: Readable, report: (n: number) => void, done: { n: number }): Readable {
  return src.pipe(new Transform({ transform(chunk: Buffer, _enc, cb) { report((done.n += chunk.length)); cb(null, chunk); } }));
}

export function newOssDriver(artifact: Artifact, ctx: DriverContext): ArtifactDriver {
  return new OssArtifactDriver(artifact, ctx);
}

