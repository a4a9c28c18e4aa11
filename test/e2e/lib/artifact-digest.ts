/**
 * The content of an output artifact as the deep comparison sees it: fetched from the store and reduced
 * to what must be identical between executors — tar entries (name, type, mode, owner, link target, size,
 * sha256 of the bytes; not the mtime), zip entries, or the raw bytes (sha256, and the text itself when
 * short, so that a difference reads well). A key that is not an object but a prefix (a directory saved
 * with `archive: none`) becomes the digest of every object under it, by relative name.
 */
import { createHash, createHmac } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import tarStream from 'tar-stream';
import yauzl from 'yauzl';
import { stackEnv } from './env.ts';

export interface Entry { name: string; type: string; mode?: number; uid?: number; gid?: number; uname?: string; gname?: string; linkname?: string; size: number; sha256?: string }
export type ArtifactDigest =
  | { kind: 'tgz' | 'tar'; entries: Entry[] }
  | { kind: 'zip'; entries: Entry[] }
  | { kind: 'raw'; size: number; sha256: string; text?: string }
  | { kind: 'dir'; objects: Record<string, ArtifactDigest> }
  | { kind: 'executor-log'; messages: string[] }
  /** main.log as the container's two streams (container-streams.ts) */
  | { kind: 'container-log'; stdout: string; stderr: string }
  | { kind: 'missing'; error: string }
  | { kind: 'not-fetched'; reason: string };

const MAX_BYTES = 512 * 1024 * 1024;
/** Text up to this size is kept (logs are compared by their messages or streams, which need the text). */
const MAX_TEXT = 256 * 1024;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Text (no NUL byte) is hashed after `norm` (the run's generated names replaced); other bytes as they are. */
export type Normalise = (text: string) => string;
const hashOf = (b: Buffer, norm?: Normalise) => sha256(norm && !b.includes(0) ? Buffer.from(norm(b.toString('utf8'))) : b);

async function tarEntries(buf: Buffer, norm?: Normalise): Promise<Entry[]> {
  const entries: Entry[] = [];
  const ex = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        entries.push({
          name: h.name, type: h.type ?? 'file', mode: h.mode, uid: h.uid, gid: h.gid, uname: h.uname, gname: h.gname,
          ...(h.linkname ? { linkname: h.linkname } : {}), size: body.length, ...(h.type === 'file' ? { sha256: hashOf(body, norm) } : {}),
        });
        next();
      });
      stream.on('error', reject);
    });
    ex.on('finish', () => resolve());
    ex.on('error', reject);
  });
  ex.end(buf);
  await done;
  return entries;
}

function zipEntries(buf: Buffer, norm?: Normalise): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('not a zip'));
      const entries: Entry[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        const dir = e.fileName.endsWith('/');
        if (dir) {
          entries.push({ name: e.fileName, type: 'directory', mode: e.externalFileAttributes >>> 16, size: 0 });
          zip.readEntry();
          return;
        }
        zip.openReadStream(e, (err2, rs) => {
          if (err2 || !rs) return reject(err2);
          const chunks: Buffer[] = [];
          rs.on('data', (c: Buffer) => chunks.push(c));
          rs.on('end', () => {
            const body = Buffer.concat(chunks);
            entries.push({ name: e.fileName, type: 'file', mode: e.externalFileAttributes >>> 16, size: body.length, sha256: hashOf(body, norm) });
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const isTar = (b: Buffer) => b.length >= 512 && b.subarray(257, 262).toString('latin1') === 'ustar';

/** The digest of one object's bytes. */
export async function digestBytes(buf: Buffer, norm?: Normalise): Promise<ArtifactDigest> {
  if (buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    let plain: Buffer | null = null;
    try { plain = gunzipSync(buf); } catch { /* not gzip after all */ }
    if (plain && isTar(plain)) return { kind: 'tgz', entries: await tarEntries(plain, norm) };
  }
  if (isTar(buf)) return { kind: 'tar', entries: await tarEntries(buf, norm) };
  if (buf.length > 4 && buf.readUInt32LE(0) === 0x04034b50) {
    try { return { kind: 'zip', entries: await zipEntries(buf, norm) }; } catch { /* raw */ }
  }
  // Short text is kept, normalised (its size then is the normalised text's).
  const text = buf.length <= MAX_TEXT && !buf.includes(0) ? buf.toString('utf8') : undefined;
  if (text !== undefined && norm) {
    const t = norm(text);
    return { kind: 'raw', size: Buffer.byteLength(t), sha256: hashOf(buf, norm), text: t };
  }
  return { kind: 'raw', size: buf.length, sha256: hashOf(buf, norm), ...(text !== undefined ? { text } : {}) };
}

/** One bucket (or container) of a store: read an object, list the keys under a prefix. */
export interface Bucket {
  /** The object's bytes, or null when there is no such object. */
  get(key: string): Promise<Buffer | null>;
  list(prefix: string): Promise<string[]>;
}

/** The digest of the object at key, or of every object under key/ when key names a directory. */
export async function digestAt(bucket: Bucket, key: string, where: string, norm?: Normalise): Promise<ArtifactDigest> {
  try {
    const body = await bucket.get(key);
    if (body) {
      if (body.length > MAX_BYTES) return { kind: 'missing', error: `object of ${body.length} bytes is too large to compare` };
      return await digestBytes(body, norm);
    }
    // Not an object: a directory saved as a prefix (archive: none), or nothing at all.
    const prefix = key.endsWith('/') ? key : `${key}/`;
    const objects: Record<string, ArtifactDigest> = {};
    for (const k of (await bucket.list(prefix)).sort()) {
      const b = await bucket.get(k);
      if (b) objects[k.slice(prefix.length)] = await digestBytes(b, norm);
    }
    if (Object.keys(objects).length === 0) return { kind: 'missing', error: `no object ${key} and nothing under ${prefix} in ${where}` };
    return { kind: 'dir', objects };
  } catch (e) {
    return { kind: 'missing', error: `${where}: ${String((e as Error).message ?? e)}` };
  }
}

export function s3Bucket(s3: S3Client, bucket: string): Bucket {
  return {
    async get(key) {
      try {
        const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await r.Body!.transformToByteArray());
      } catch (e) {
        const name = (e as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return null;
        throw e;
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) keys.push(o.Key!);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
  };
}

export function s3Client(endpoint: string, accessKey: string, secretKey: string, region: string): S3Client {
  return new S3Client({
    endpoint, region, forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A client of the stack's MinIO (Argo's `minio:9000`); the caller destroys it. */
export function stackMinio(): S3Client {
  const env = stackEnv();
  return s3Client(env.S3_MINIO_ENDPOINT!, env.S3_MINIO_ACCESS_KEY!, env.S3_MINIO_SECRET_KEY!, env.S3_MINIO_REGION ?? 'us-east-1');
}

/** A fake-gcs-server bucket, through the JSON API (no auth). */
export function gcsBucket(endpoint: string, bucket: string): Bucket {
  const base = `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o`;
  return {
    async get(key) {
      const r = await fetch(`${base}/${encodeURIComponent(key)}?alt=media`);
      if (r.status === 404) return null;
      if (!r.ok) throw new Error(`GET ${key}: HTTP ${r.status}`);
      return Buffer.from(await r.arrayBuffer());
    },
    async list(prefix) {
      const keys: string[] = [];
      let token = '';
      do {
        const r = await fetch(`${base}?prefix=${encodeURIComponent(prefix)}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`);
        if (!r.ok) throw new Error(`list ${prefix}: HTTP ${r.status}`);
        const page = (await r.json()) as { items?: { name: string }[]; nextPageToken?: string };
        for (const o of page.items ?? []) keys.push(o.name);
        token = page.nextPageToken ?? '';
      } while (token);
      return keys;
    },
  };
}

/** An Azurite container, with the account's shared key. */
export async function azureBucket(endpoint: string, account: string, key: string, container: string): Promise<Bucket> {
  const { ContainerClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const c = new ContainerClient(`${endpoint}/${container}`, new StorageSharedKeyCredential(account, key));
  return {
    async get(name) {
      try {
        return await c.getBlobClient(name).downloadToBuffer();
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return null;
        throw e;
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      for await (const b of c.listBlobsFlat({ prefix })) keys.push(b.name);
      return keys;
    },
  };
}

/**
 * A bucket of the stack's OSS fake (test/support/oss-server.ts), read with OSS's V1 signature
 * (`Authorization: OSS <id>:base64(HMAC-SHA1(secret, VERB\n\n\nDATE\n/bucket/key))`), written here for the reader.
 */
export function ossBucket(endpoint: string, accessKey: string, secretKey: string, bucket: string): Bucket {
  const signed = async (path: string, resource: string): Promise<Response> => {
    const date = new Date().toUTCString();
    const sig = createHmac('sha1', secretKey).update(`GET\n\n\n${date}\n${resource}`).digest('base64');
    return fetch(`${endpoint}${path}`, { headers: { date, authorization: `OSS ${accessKey}:${sig}` } });
  };
  return {
    async get(key) {
      const enc = key.split('/').map(encodeURIComponent).join('/');
      const r = await signed(`/${bucket}/${enc}`, `/${bucket}/${key}`);
      if (r.status === 404) return null;
      if (!r.ok) throw new Error(`GET oss://${bucket}/${key}: HTTP ${r.status}`);
      return Buffer.from(await r.arrayBuffer());
    },
    async list(prefix) {
      const keys: string[] = [];
      let marker = '';
      for (;;) {
        const r = await signed(`/${bucket}/?prefix=${encodeURIComponent(prefix)}&marker=${encodeURIComponent(marker)}&max-keys=1000`, `/${bucket}/`);
        if (!r.ok) throw new Error(`list oss://${bucket}/${prefix}: HTTP ${r.status}`);
        const xml = await r.text();
        const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
        for (const m of xml.matchAll(/<Contents>[\s\S]*?<Key>([\s\S]*?)<\/Key>/g)) keys.push(unescape(m[1] as string));
        if (!/<IsTruncated>true<\/IsTruncated>/.test(xml)) return keys;
        marker = unescape(/<NextMarker>([\s\S]*?)<\/NextMarker>/.exec(xml)?.[1] ?? keys.at(-1) ?? '');
      }
    },
  };
}

/** The stack's Artifactory stand-in (test/support/artifactory-server.ts): key = <repo>/<path> under base; GET with Basic auth. */
export function artifactoryRepository(base: string, user: string, password: string): Bucket {
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return {
    async get(key) {
      const r = await fetch(`${base}${key.split('/').map(encodeURIComponent).join('/')}`, { headers: { authorization } });
      if (r.status === 404) return null;
      if (!r.ok) throw new Error(`GET artifactory ${key}: HTTP ${r.status}`);
      return Buffer.from(await r.arrayBuffer());
    },
    async list() {
      return []; // an Argo artifactory artifact is one object (no directories)
    },
  };
}
