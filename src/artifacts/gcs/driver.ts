/**
 * Google Cloud Storage artifact driver (artifacts spec §6.1, workflow/artifacts/gcs/gcs.go), on the official
 * `@google-cloud/storage` client (JSON API; resumable uploads; Application Default Credentials / Workload Identity
 * through google-auth-library when no key is given). Loaded lazily by the registry: nothing here runs unless a
 * workflow uses GCS.
 *
 * Key layout as Go: a file is the object `clean(key)`; a directory is one object per file at `clean(key)/<rel>`.
 * Load: the object named exactly `clean(key)` → that file; otherwise every object below `clean(key)/` (names ending
 * in `/` skipped) → `<path>/<rel>`; nothing → ArtifactNotFoundError "no results for key: <key>".
 *
 * Differences from Go that only improve (spec §9, §9.1):
 * - the directory prefix is slash-terminated, so key `a/b` never picks up `a/bc/…` (Go's prefix collision);
 * - directory objects move 4 at a time; one client per driver instead of one per attempt;
 * - `delete` of a key without an object named exactly so removes every object below `key/` (Go: single object only,
 *   a directory artifact could not be garbage-collected); deleting something already gone is not an error;
 * - `isDirectory` answers (Go: not implemented); Content-Type from the file extension (Go sniffs the bytes).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, posix, resolve, sep } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { Storage, type Bucket } from '@google-cloud/storage';
import { JWT } from 'google-auth-library';
import type { Artifact } from '../../core/template.ts';
import { ArtifactNotFoundError, type ArtifactDriver, type DriverContext, type TransferProgress } from '../driver.ts';
import { contentTypeFor } from '../content-type.ts';
import { isTransientNetworkError, withRetry, type Backoff } from '../retry.ts';
import { hasSecret, readSecret, type SecretKeySelector } from '../secrets.ts';
import { pool, throttle } from '../transfer.ts';

export interface GcsLocation {
  bucket?: string;
  key?: string;
  serviceAccountKeySecret?: SecretKeySelector;
}

const CONCURRENCY = 4;
/** storage.ScopeReadWrite, as gcs.go asks for. */
const SCOPE_READ_WRITE = 'https://www.googleapis.com/auth/devstorage.read_write';
/** Above this size uploads use a resumable session (Go's Writer: chunked above its 16 MiB ChunkSize). */
const RESUMABLE_THRESHOLD = 16 * 1024 * 1024;
/** gcs.go defaultRetry: 2 s × 2, 5 steps, jitter 0.1 (cap 10 min never reached). */
const GCS_BACKOFF: Backoff = { steps: 5, durationMs: 2000, factor: 2, jitter: 0.1 };

interface ApiError extends Error {
  code?: number | string;
  errors?: { reason?: string; message?: string }[];
}

function status(err: unknown): number | undefined {
  const c = (err as ApiError)?.code;
  return typeof c === 'number' ? c : undefined;
}

/** isTransientGCSErr: 429/5xx, network failures, "Received 50x", TLS handshake timeouts. */
export function isTransientGcsError(err: unknown, env: NodeJS.ProcessEnv = process.env): boolean {
  if (err instanceof ArtifactNotFoundError) return false;
  const s = status(err);
  if (s !== undefined && (s === 429 || (s >= 500 && s <= 599))) return true;
  const msg = String((err as Error)?.message ?? err);
  if (/connection refused|connection reset|Received 50[04]|TLS handshake timeout/i.test(msg)) return true;
  return isTransientNetworkError(err, env);
}

/** Go's path.Clean (GCS keys are slash-separated). */
export function cleanKey(key: string): string {
  if (key === '') return '.';
  const rooted = key.startsWith('/');
  const out: string[] = [];
  for (const part of key.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const s = out.join('/');
  return rooted ? `/${s}` : s === '' ? '.' : s;
}

interface ServiceAccountKey { type: string; client_email: string; private_key: string; [k: string]: unknown }

/** Validates a service-account JSON key like google.CredentialsFromJSONWithType(…, ServiceAccount). Never echoes it. */
export function parseServiceAccountKey(text: string, where: string): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`GCS client CredentialsFromJSONWithType: the service account key in ${where} is not valid JSON`);
  }
  const o = json as Partial<ServiceAccountKey> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error(`GCS client CredentialsFromJSONWithType: the service account key in ${where} is not a JSON object`);
  if (o.type !== 'service_account') {
    throw new Error(`GCS client CredentialsFromJSONWithType: the key in ${where} has type ${JSON.stringify(typeof o.type === 'string' ? o.type : '')}, expected "service_account"`);
  }
  if (typeof o.client_email !== 'string' || o.client_email === '') throw new Error(`GCS client CredentialsFromJSONWithType: the service account key in ${where} has no client_email`);
  if (typeof o.private_key !== 'string' || o.private_key === '') throw new Error(`GCS client CredentialsFromJSONWithType: the service account key in ${where} has no private_key`);
  try {
    createPrivateKey(o.private_key);
  } catch {
    throw new Error(`GCS client CredentialsFromJSONWithType: the private_key of the service account key in ${where} is not a valid PEM private key`);
  }
  return o as ServiceAccountKey;
}


function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

interface LocalFile { path: string; rel: string; size: number }

/**
 * gcs.go listFileRelPaths: every non-directory entry, recursively, names sorted; a symlink to a file is uploaded
 * with the target's content (Go opens it), a symlink to a directory or a dangling one fails like Go's upload.
 */
async function walk(root: string, rel: string, out: LocalFile[]): Promise<void> {
  const names = (await readdir(join(root, rel))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const p = join(root, r);
    const st = await lstat(p);
    if (st.isDirectory()) {
      await walk(root, r, out);
      continue;
    }
    if (st.isSymbolicLink()) {
      const target = await stat(p).catch(() => undefined);
      if (!target) throw new Error(`upload ${p}: the symbolic link is dangling`);
      if (!target.isFile()) throw new Error(`upload ${p}: the symbolic link does not point to a regular file`);
      out.push({ path: p, rel: r, size: target.size });
      continue;
    }
    if (!st.isFile()) throw new Error(`upload ${p}: not a regular file`);
    out.push({ path: p, rel: r, size: st.size });
  }
}


/**
 * Run `fn` with `name` removed from process.env. The Node library reads STORAGE_EMULATOR_HOST itself, as a base URL
 * that must include `/storage/v1` (Go's client takes a host); we already pass the endpoint derived from it
 * explicitly, and the library's own reading would break every JSON API call (404).
 */
function withoutProcessEnv<T>(name: string, fn: () => T): T {
  const saved = process.env[name];
  if (saved === undefined) return fn();
  delete process.env[name];
  try {
    return fn();
  } finally {
    process.env[name] = saved;
  }
}

export class GcsArtifactDriver implements ArtifactDriver {
  readonly #ctx: DriverContext;
  readonly #storage: Storage;
  readonly #endpoint: string;

  constructor(artifact: Artifact, ctx: DriverContext) {
    this.#ctx = ctx;
    const loc = (artifact.gcs ?? {}) as GcsLocation;
    const emulator = ctx.env.STORAGE_EMULATOR_HOST;
    let credentials: ServiceAccountKey | undefined;
    if (hasSecret(loc.serviceAccountKeySecret)) {
      const sel = loc.serviceAccountKeySecret;
      credentials = parseServiceAccountKey(readSecret(ctx, sel), `secret ${sel.name}/${sel.key}`);
    }
    // Like cloud.google.com/go/storage: STORAGE_EMULATOR_HOST → that endpoint without authentication.
    this.#endpoint = emulator ? (/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`).replace(/\/+$/, '') : 'https://storage.googleapis.com';
    this.#storage = withoutProcessEnv('STORAGE_EMULATOR_HOST', () => new Storage({
      apiEndpoint: this.#endpoint,
      ...(credentials
        ? {
            authClient: new JWT({
              email: credentials.client_email,
              key: credentials.private_key,
              ...(typeof credentials.private_key_id === 'string' ? { keyId: credentials.private_key_id } : {}),
              scopes: [SCOPE_READ_WRITE],
            }),
            ...(typeof credentials.project_id === 'string' ? { projectId: credentials.project_id } : {}),
          }
        : {}),
      ...(emulator ? { useAuthWithCustomEndpoint: false } : {}),
      retryOptions: { autoRetry: true, maxRetries: 3 },
    }));
  }

  #bucket(artifact: Artifact): { bucket: Bucket; name: string; key: string } {
    const loc = (artifact.gcs ?? {}) as GcsLocation;
    if (!loc.bucket) throw new Error('GCS artifact has no bucket');
    return { bucket: this.#storage.bucket(loc.bucket), name: loc.bucket, key: loc.key ?? '' };
  }

  #describe(op: string, bucket: string, key: string, err: unknown): Error {
    if (err instanceof ArtifactNotFoundError) return err;
    const e = err as ApiError;
    const s = status(err);
    let msg = e?.message ?? String(err);
    // google-auth-library messages may quote request bodies; keep the first line only.
    msg = msg.split('\n')[0] ?? msg;
    let hint = '';
    if (s === 401 || s === 403 || /invalid_grant|unauthorized_client|Could not load the default credentials|invalid_client/i.test(msg)) {
      hint = ' (check the credentials: serviceAccountKeySecret or the workload identity / default credentials)';
    }
    const out = new Error(`${op} gs://${bucket}/${key} at ${this.#endpoint}: ${msg}${s ? ` (HTTP ${s})` : ''}${hint}`);
    Object.assign(out, { code: e?.code, cause: err });
    return out;
  }

  #retry<T>(fn: () => Promise<T>): Promise<T> {
    const env = this.#ctx.env;
    return withRetry(GCS_BACKOFF, (err) => isTransientGcsError(err, env), fn, (err, attempt, delay) =>
      this.#ctx.log.warn(`transient GCS error, retrying (attempt ${attempt}) in ${Math.round(delay)}ms: ${(err as Error).message}`),
    );
  }

  // ---------------------------------------------------------------- load

  async load(artifact: Artifact, path: string, progress?: TransferProgress): Promise<void> {
    const { bucket, name, key: rawKey } = this.#bucket(artifact);
    const key = cleanKey(rawKey);
    this.#ctx.log.info('GCS Load', { path, key });
    await this.#retry(async () => {
      try {
        const exact = await this.#size(bucket, key);
        if (exact !== undefined) {
          await this.#download(bucket, key, path, throttle(progress, exact), { n: 0 });
          return;
        }
        const objects = await this.#list(bucket, key);
        if (objects.length === 0) throw new ArtifactNotFoundError(`no results for key: ${key} (gs://${name} at ${this.#endpoint})`);
        const root = resolve(path);
        await mkdir(root, { recursive: true, mode: 0o700 });
        const total = objects.reduce((a, o) => a + o.size, 0);
        const report = throttle(progress, total);
        const done = { n: 0 };
        await pool(objects, CONCURRENCY, async (o) => {
          const local = resolve(join(root, o.name.slice(key.length + 1)));
          if (local === root || !local.startsWith(root + sep)) throw new Error(`refusing to download gs://${name}/${o.name}: it would be written outside ${root}`);
          await this.#download(bucket, o.name, local, report, done);
        });
        report(done.n, true);
      } catch (err) {
        throw this.#describe('failed to load', name, key, err);
      }
    });
  }

  /** Size of the object named exactly `key`, or undefined when there is none. */
  async #size(bucket: Bucket, key: string): Promise<number | undefined> {
    try {
      const [md] = await bucket.file(key).getMetadata();
      return Number(md.size ?? 0);
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw err;
    }
  }

  async #list(bucket: Bucket, key: string): Promise<{ name: string; size: number }[]> {
    const prefix = key === '.' ? '' : `${key}/`;
    const out: { name: string; size: number }[] = [];
    let pageToken: string | undefined;
    do {
      const [files, next] = await bucket.getFiles({ prefix, autoPaginate: false, maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
      for (const f of files) if (!f.name.endsWith('/')) out.push({ name: f.name, size: Number(f.metadata.size ?? 0) });
      pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken;
    } while (pageToken);
    return out;
  }

  async #download(bucket: Bucket, name: string, local: string, report: (n: number, force?: boolean) => void, done: { n: number }): Promise<void> {
    const st = await stat(local).catch(() => undefined);
    if (st?.isDirectory()) throw new Error(`${local} is a directory`);
    await mkdir(dirname(local), { recursive: true, mode: 0o700 });
    try {
      await pipeline(
        bucket.file(name).createReadStream(),
        counter((n) => report((done.n += n))),
        createWriteStream(local, { mode: 0o666 }),
      );
    } catch (err) {
      await rm(local, { force: true }).catch(() => undefined);
      if (status(err) === 404) throw new ArtifactNotFoundError(`no results for key: ${name}`);
      throw err;
    }
    report(done.n, true);
  }

  // ---------------------------------------------------------------- save

  async save(path: string, artifact: Artifact, progress?: TransferProgress): Promise<void> {
    const { bucket, name, key: rawKey } = this.#bucket(artifact);
    const key = cleanKey(rawKey);
    this.#ctx.log.info('GCS Save', { path, key });
    await this.#retry(async () => {
      const st = await stat(path);
      try {
        if (!st.isDirectory()) {
          await this.#upload(bucket, key, path, st.size, throttle(progress, st.size), { n: 0 });
          return;
        }
        const files: LocalFile[] = [];
        await walk(resolve(path), '', files);
        const total = files.reduce((a, f) => a + f.size, 0);
        const report = throttle(progress, total);
        const done = { n: 0 };
        await pool(files, CONCURRENCY, (f) => this.#upload(bucket, `${key}/${f.rel}`, f.path, f.size, report, done));
        report(done.n, true);
      } catch (err) {
        throw this.#describe('failed to save', name, key, err);
      }
    });
  }

  async #upload(bucket: Bucket, name: string, local: string, size: number, report: (n: number, force?: boolean) => void, done: { n: number }): Promise<void> {
    const base = done.n;
    let sent = 0;
    try {
      await pipeline(
        createReadStream(local, { highWaterMark: 1 << 20 }),
        counter((n) => report(base + (sent += n))),
        bucket.file(name).createWriteStream({ resumable: size > RESUMABLE_THRESHOLD, contentType: contentTypeFor(local), validation: 'crc32c' }),
      );
    } catch (err) {
      throw Object.assign(new Error(`upload ${local}: ${(err as Error).message}`), { code: (err as ApiError).code, cause: err });
    }
    done.n += size;
    report(done.n, true);
  }

  // ---------------------------------------------------------------- other operations

  async listObjects(artifact: Artifact): Promise<string[]> {
    const { bucket, name, key: rawKey } = this.#bucket(artifact);
    const key = cleanKey(rawKey);
    this.#ctx.log.info('GCS List', { bucket: name, key });
    return this.#retry(async () => {
      try {
        if ((await this.#size(bucket, key)) !== undefined) return [key];
        return (await this.#list(bucket, key)).map((o) => o.name);
      } catch (err) {
        throw this.#describe('failed to list', name, key, err);
      }
    });
  }

  async isDirectory(artifact: Artifact): Promise<boolean> {
    const { bucket, name, key: rawKey } = this.#bucket(artifact);
    const key = cleanKey(rawKey);
    try {
      const prefix = key === '.' ? '' : `${key}/`;
      const [files] = await bucket.getFiles({ prefix, autoPaginate: false, maxResults: 1 });
      return files.length > 0;
    } catch (err) {
      throw this.#describe('failed to test for directory', name, key, err);
    }
  }

  async delete(artifact: Artifact): Promise<void> {
    const { bucket, name, key: rawKey } = this.#bucket(artifact);
    const key = cleanKey(rawKey);
    this.#ctx.log.info('GCS Delete', { bucket: name, key });
    await this.#retry(async () => {
      try {
        const gone = async (n: string): Promise<void> => {
          try {
            await bucket.file(n).delete();
          } catch (err) {
            if (status(err) !== 404) throw err;
          }
        };
        if (!rawKey.endsWith('/') && (await this.#size(bucket, key)) !== undefined) {
          await gone(key);
          return;
        }
        await pool(await this.#list(bucket, key), CONCURRENCY, (o) => gone(o.name));
      } catch (err) {
        throw this.#describe('failed to delete', name, key, err);
      }
    });
  }
}

export function newGcsDriver(artifact: Artifact, ctx: DriverContext): ArtifactDriver {
  return new GcsArtifactDriver(artifact, ctx);
}
