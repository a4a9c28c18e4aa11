/**
 * Azure Blob Storage artifact driver (artifacts spec §6.2, workflow/artifacts/azure/azure.go) on the official
 * `@azure/storage-blob` SDK; `useSDKCreds` loads `@azure/identity` (DefaultAzureCredential) only when asked.
 * Loaded lazily by the registry.
 *
 * Client as Go: container URL = endpoint + "/" + container. `useSDKCreds` → DefaultAzureCredential (account key
 * ignored); else the account key secret is required; a key holding `?name=value` / `&name=value` is a SAS token
 * (`<containerURL>?<sas>`, no credential); otherwise SharedKey with the account name taken from the first host
 * label, or the first path segment for 127.0.0.1/localhost (Azurite).
 *
 * Key layout as Go: file → blob `blob`; directory → one block blob per regular file at `path.Join(blob, rel)`
 * (directories and symlinks skipped). Load: the blob itself, else (missing, or a 0-byte ADLS directory placeholder
 * with children) every blob below `blob/` → `<path>/<rel>`; nothing → ArtifactNotFoundError.
 *
 * Differences from Go that only improve (spec §9): directory listings use `blob/` as prefix (Go: `blob`, so `a/b`
 * also took `a/bc…`); a genuinely empty blob loads as an empty file (Go: an empty directory); ADLS `hdi_isfolder`
 * placeholders are not downloaded as files; a SAS token's leading `?` is accepted; the account key / SAS is trimmed;
 * directory blobs move 4 at a time; a missing blob leaves no empty local file behind. Errors never contain the key or
 * the SAS token.
 */
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, posix, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { AnonymousCredential, ContainerClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/core-auth';
import type { Artifact } from '../../core/template.ts';
import { ArtifactNotFoundError, type ArtifactDriver, type DriverContext, type TransferProgress } from '../driver.ts';
import { hasSecret, readSecret, type SecretKeySelector } from '../secrets.ts';
import { pool, throttle } from '../transfer.ts';

export interface AzureLocation {
  endpoint?: string;
  container?: string;
  blob?: string;
  accountKeySecret?: SecretKeySelector;
  useSDKCreds?: boolean;
}

const CONCURRENCY = 4;
const MiB = 1024 * 1024;
const BLOCK_SIZE = 8 * MiB;
const SINGLE_SHOT_MAX = 32 * MiB;

/** azure.go isSASAccountKey. */
export function isSasToken(key: string): boolean {
  return /(\?|&)([^=]+)=([^&]+)/.test(key);
}

/** azure.go determineAccountName. */
export function accountNameFor(containerUrl: URL): string {
  const host = containerUrl.hostname;
  if (host.startsWith('127.0.0.1') || host.startsWith('localhost')) {
    const parts = containerUrl.pathname.split('/');
    if (parts.length <= 2 || !parts[1]) throw new Error(`unable to determine storage account name from ${containerUrl.toString()}`);
    return decodeURIComponent(parts[1]);
  }
  return host.split('.')[0] ?? host;
}

/** Go: url.Parse(endpoint), path + "/" (if missing) + container. */
export function containerUrlFor(endpoint: string, container: string): URL {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new Error(`unable to parse Azure Blob Storage endpoint url ${endpoint}`);
  }
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  u.pathname += container;
  return u;
}

interface RestErrorLike extends Error {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string };
}

function errCode(err: unknown): string {
  const e = err as RestErrorLike;
  return e?.details?.errorCode ?? e?.code ?? '';
}

function isNotFound(err: unknown): boolean {
  const c = errCode(err);
  return c === 'BlobNotFound' || ((err as RestErrorLike)?.statusCode === 404 && c !== 'ContainerNotFound');
}


interface LocalFile { path: string; rel: string; size: number }

/** azure.go generatePutTasks: regular files only (directories and symlinks skipped), names sorted. */
async function walk(root: string, rel: string, out: LocalFile[]): Promise<void> {
  const names = (await readdir(join(root, rel))).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const p = join(root, r);
    const st = await lstat(p);
    if (st.isDirectory()) await walk(root, r, out);
    else if (st.isFile()) out.push({ path: p, rel: r, size: st.size });
  }
}

export class AzureArtifactDriver implements ArtifactDriver {
  readonly #ctx: DriverContext;
  readonly #loc: AzureLocation;
  readonly #containerUrl: URL;
  /** Strings that must never appear in an error message. */
  readonly #secrets: string[] = [];
  #client: Promise<ContainerClient> | undefined;

  constructor(artifact: Artifact, ctx: DriverContext) {
    this.#ctx = ctx;
    this.#loc = (artifact.azure ?? {}) as AzureLocation;
    if (!this.#loc.endpoint) throw new Error('Azure artifact has no endpoint');
    if (!this.#loc.container) throw new Error('Azure artifact has no container');
    this.#containerUrl = containerUrlFor(this.#loc.endpoint, this.#loc.container);
    if (!this.#loc.useSDKCreds) {
      if (!hasSecret(this.#loc.accountKeySecret)) throw new Error('accountKey secret is required for Azure Blob Storage if useSDKCreds is false');
      const key = readSecret(ctx, this.#loc.accountKeySecret).trim();
      if (key === '') throw new Error(`accountKey secret ${this.#loc.accountKeySecret.name}/${this.#loc.accountKeySecret.key} is empty`);
      this.#secrets.push(key);
      if (isSasToken(key)) {
        const sas = key.replace(/^\?/, '');
        this.#secrets.push(sas);
        for (const m of sas.matchAll(/sig=([^&]+)/g)) if (m[1]) this.#secrets.push(m[1], decodeURIComponent(m[1]));
        ctx.log.info('Provided account key is a SAS token. Using no-credential client.');
        this.#client = Promise.resolve(new ContainerClient(`${this.#containerUrl.toString()}?${sas}`, new AnonymousCredential(), this.#pipelineOptions()));
      } else {
        const account = accountNameFor(this.#containerUrl);
        this.#client = Promise.resolve(new ContainerClient(this.#containerUrl.toString(), new StorageSharedKeyCredential(account, key), this.#pipelineOptions()));
      }
    }
  }

  #pipelineOptions(): StoragePipelineOptions {
    // The SDK's own retry policy only (Go: azcore's pipeline retry, no Argo-level retry).
    return { retryOptions: { maxTries: 4 }, userAgentOptions: { userAgentPrefix: 'argoexec' } };
  }

  async #container(): Promise<ContainerClient> {
    this.#client ??= (async () => {
      const { DefaultAzureCredential } = await import('@azure/identity');
      let cred: TokenCredential;
      try {
        cred = new DefaultAzureCredential();
      } catch (err) {
        throw new Error(`unable to create default Azure credential: ${(err as Error).message}`);
      }
      return new ContainerClient(this.#containerUrl.toString(), cred, this.#pipelineOptions());
    })();
    return this.#client;
  }

  #scrub(s: string): string {
    let out = s;
    for (const secret of this.#secrets) if (secret.length >= 4) out = out.split(secret).join('***');
    return out.replace(/([?&]sig=)[^&\s"']+/g, '$1***');
  }

  #describe(op: string, blob: string, err: unknown): Error {
    if (err instanceof ArtifactNotFoundError) return err;
    const e = err as RestErrorLike;
    const code = errCode(err);
    const status = e?.statusCode;
    let msg = (e?.message ?? String(err)).split('\n')[0] ?? '';
    if (msg === code) msg = '';
    let hint = '';
    if (status === 403 || /AuthenticationFailed|AuthorizationFailure|AuthorizationPermissionMismatch|InvalidAuthenticationInfo|CredentialUnavailable/.test(code + msg)) {
      hint = ` (check the credentials: ${this.#loc.useSDKCreds ? 'useSDKCreds (DefaultAzureCredential)' : 'accountKeySecret (account key or SAS token)'})`;
    }
    const where = `${this.#containerUrl.origin}${this.#containerUrl.pathname}/${blob}`;
    const out = new Error(this.#scrub(`${op} ${where}: ${code || 'error'}${status ? ` (HTTP ${status})` : ''}${msg ? `: ${msg}` : ''}${hint}`));
    Object.assign(out, { statusCode: status, code });
    return out;
  }

  #blob(artifact: Artifact): string {
    const loc = (artifact.azure ?? {}) as AzureLocation;
    if (loc.container && loc.container !== this.#loc.container) throw new Error(`azure driver for container ${this.#loc.container} cannot serve container ${loc.container}`);
    return loc.blob ?? '';
  }

  // ---------------------------------------------------------------- load

  async load(artifact: Artifact, path: string, progress?: TransferProgress): Promise<void> {
    const blob = this.#blob(artifact);
    this.#ctx.log.info('Downloading from Azure Blob Storage', { endpoint: this.#loc.endpoint, container: this.#loc.container, blob });
    const c = await this.#container();
    let size: number | undefined;
    try {
      size = await this.#downloadFile(c, blob, path, throttle(progress), { n: 0 }, true);
    } catch (err) {
      throw this.#describe('unable to download blob', blob, err);
    }
    if (size !== undefined && size > 0) return;
    let objects: { name: string; size: number }[];
    try {
      objects = await this.#listDir(c, blob);
    } catch (err) {
      throw this.#describe('unable to list blobs below', blob, err);
    }
    if (objects.length === 0) {
      if (size === 0) return; // a genuinely empty blob
      throw new ArtifactNotFoundError(`The specified blob does not exist: ${this.#containerUrl.origin}${this.#containerUrl.pathname}/${blob}`);
    }
    // A directory (or its 0-byte ADLS placeholder): replace the placeholder file by the directory.
    if (size === 0) await rm(path, { force: true });
    const root = resolve(path);
    await mkdir(root, { recursive: true, mode: 0o755 });
    const prefix = dirPrefix(blob);
    const total = objects.reduce((a, o) => a + o.size, 0);
    const report = throttle(progress, total);
    const done = { n: 0 };
    try {
      await pool(objects, CONCURRENCY, async (o) => {
        const local = resolve(join(root, o.name.slice(prefix.length)));
        if (local === root || !local.startsWith(root + sep)) throw new Error(`refusing to download blob ${o.name}: it would be written outside ${root}`);
        await this.#downloadFile(c, o.name, local, report, done, false);
      });
    } catch (err) {
      throw this.#describe('unable to download directory', blob, err);
    }
    report(done.n, true);
  }

  /** Streams one blob to `local`; returns its size, or undefined when it does not exist and `missingOk`. */
  async #downloadFile(c: ContainerClient, name: string, local: string, report: (n: number, force?: boolean) => void, done: { n: number }, missingOk: boolean): Promise<number | undefined> {
    let res;
    try {
      res = await c.getBlobClient(name).download(0, undefined, { maxRetryRequests: 5 });
    } catch (err) {
      if (missingOk && isNotFound(err)) return undefined;
      throw err;
    }
    const st = await stat(local).catch(() => undefined);
    if (st?.isDirectory()) throw new Error(`${local} is a directory`);
    await mkdir(dirname(local), { recursive: true, mode: 0o755 });
    const body = res.readableStreamBody as Readable | undefined;
    try {
      if (!body) throw new Error(`no body in the response for blob ${name}`);
      await pipeline(
        body,
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            report((done.n += chunk.length));
            cb(null, chunk);
          },
        }),
        createWriteStream(local, { mode: 0o666 }),
      );
    } catch (err) {
      await rm(local, { force: true }).catch(() => undefined);
      throw err;
    }
    report(done.n, true);
    return res.contentLength ?? 0;
  }

  /** Blobs below `blob/`, without ADLS directory placeholders (`hdi_isfolder`) and `…/` marker blobs. */
  async #listDir(c: ContainerClient, blob: string): Promise<{ name: string; size: number }[]> {
    const prefix = dirPrefix(blob);
    const out: { name: string; size: number }[] = [];
    for await (const item of c.listBlobsFlat({ prefix, includeMetadata: true })) {
      if (item.name.endsWith('/')) continue;
      if (item.metadata?.hdi_isfolder === 'true') continue;
      out.push({ name: item.name, size: item.properties.contentLength ?? 0 });
    }
    return out;
  }

  // ---------------------------------------------------------------- save

  async save(path: string, artifact: Artifact, progress?: TransferProgress): Promise<void> {
    const blob = this.#blob(artifact);
    this.#ctx.log.info('Saving to Azure Blob Storage', { endpoint: this.#loc.endpoint, container: this.#loc.container, blob });
    const st = await stat(path);
    const c = await this.#container();
    if (!st.isDirectory()) {
      try {
        await this.#putFile(c, blob, path, st.size, throttle(progress, st.size), { n: 0 });
      } catch (err) {
        throw this.#describe(`unable to upload file ${path} to`, blob, err);
      }
      return;
    }
    const files: LocalFile[] = [];
    await walk(resolve(path), '', files);
    const total = files.reduce((a, f) => a + f.size, 0);
    const report = throttle(progress, total);
    const done = { n: 0 };
    try {
      await pool(files, CONCURRENCY, (f) => this.#putFile(c, posix.join(blob, f.rel), f.path, f.size, report, done));
    } catch (err) {
      throw this.#describe(`unable to upload directory ${path} to`, blob, err);
    }
    report(done.n, true);
  }

  async #putFile(c: ContainerClient, name: string, local: string, size: number, report: (n: number, force?: boolean) => void, done: { n: number }): Promise<void> {
    const base = done.n;
    await c.getBlockBlobClient(name).uploadFile(local, {
      blockSize: BLOCK_SIZE,
      maxSingleShotSize: SINGLE_SHOT_MAX,
      concurrency: CONCURRENCY,
      onProgress: (p) => report(base + p.loadedBytes),
    });
    done.n += size;
    report(done.n, true);
  }

  // ---------------------------------------------------------------- other operations

  /** Go: every blob whose name starts with `blob`; here the blob itself (if any) and the blobs below `blob/`. */
  async listObjects(artifact: Artifact): Promise<string[]> {
    const blob = this.#blob(artifact);
    const c = await this.#container();
    const prefix = dirPrefix(blob);
    const out: string[] = [];
    try {
      for await (const item of c.listBlobsFlat({ prefix: blob })) {
        if (item.name === blob || item.name.startsWith(prefix)) out.push(item.name);
      }
    } catch (err) {
      throw this.#describe('error listing blobs', blob, err);
    }
    return out;
  }

  /** azure.go IsDirectory: empty name → true; otherwise any blob below `blob/`. */
  async isDirectory(artifact: Artifact): Promise<boolean> {
    const blob = this.#blob(artifact);
    if (blob === '') return true;
    const c = await this.#container();
    try {
      const page = await c.listBlobsFlat({ prefix: dirPrefix(blob) }).byPage({ maxPageSize: 1 }).next();
      return !page.done && page.value.segment.blobItems.length > 0;
    } catch (err) {
      throw this.#describe('unable to test for directory', blob, err);
    }
  }

  /** Directory → every blob below it, then the blob itself; else the blob. Missing blobs are not an error. */
  async delete(artifact: Artifact): Promise<void> {
    const blob = this.#blob(artifact);
    this.#ctx.log.info('Deleting object from Azure Blob Storage', { endpoint: this.#loc.endpoint, container: this.#loc.container, blob });
    const c = await this.#container();
    const del = async (name: string): Promise<void> => {
      try {
        await c.getBlobClient(name).delete();
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    };
    try {
      if (await this.isDirectory(artifact)) {
        const names: string[] = [];
        for await (const item of c.listBlobsFlat({ prefix: dirPrefix(blob) })) names.push(item.name);
        await pool(names, CONCURRENCY, del);
      }
      if (blob !== '') await del(blob);
    } catch (err) {
      throw this.#describe('unable to delete', blob, err);
    }
  }
}

function dirPrefix(blob: string): string {
  if (blob === '') return '';
  return blob.endsWith('/') ? blob : `${blob}/`;
}

export function newAzureDriver(artifact: Artifact, ctx: DriverContext): ArtifactDriver {
  return new AzureArtifactDriver(artifact, ctx);
}
