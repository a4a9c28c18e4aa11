/**
 * A fake Alibaba Cloud OSS for tests — the smallest server that checks what matters: it VERIFIES the V1 request
 * signature every client sends (aliyun-oss-go-sdk v3.0.2 in the Go reference, our src/artifacts/oss/client.ts), for
 * exactly the operations both executors call, keeps objects in a temporary directory, and records every request.
 * No OSS-compatible server can be installed on this machine (docs/compatibility.md); this is the peer both executors
 * are measured against. Its signature check is written here independently of the product's signer.
 *
 * Operations (path style: http://127.0.0.1:<port>/<bucket>/<key>):
 *   GET /                      ListBuckets (prefix, marker, max-keys)
 *   PUT /<b>/                  PutBucket (CreateBucket)           PUT /<b>/?lifecycle   PutBucketLifecycle
 *   PUT /<b>/?logging          PutBucketLogging                   GET /<b>/?bucketInfo  GetBucketInfo
 *   GET /<b>/                  ListObjects (prefix, marker, max-keys, delimiter, encoding-type=url)
 *   GET /<b>/?list-type=2      ListObjectsV2 (prefix, continuation-token, max-keys, encoding-type=url)
 *   PUT /<b>/<k>               PutObject       GET / HEAD /<b>/<k>   GetObject / HeadObject    DELETE /<b>/<k>  DeleteObject
 *   POST /<b>/<k>?uploads      InitiateMultipartUpload    PUT …?partNumber=n&uploadId=u   UploadPart
 *   POST /<b>/<k>?uploadId=u   CompleteMultipartUpload
 * Errors are OSS's XML (`<Error><Code>…<Message>…<RequestId>…<HostId>…<EC>…</Error>`, `x-oss-ec`; HEAD: `x-oss-err`):
 * InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied (no signature), NoSuchBucket, NoSuchKey, NoSuchUpload,
 * BucketAlreadyExists, InvalidDigest, MethodNotAllowed. Request ids are derived from the request (method, bucket, key,
 * parameter names), so two clients sending the same operation get the same id — and the same error text.
 * Responses carry `x-oss-hash-crc64ecma` (the Go SDK checks it on every upload and download).
 *
 * Run alone: `[OSS_BUCKETS='b1 b2'] [OSS_ACCESS_KEY=…] [OSS_SECRET_KEY=…] node test/support/oss-server.ts [port]` listens on
 * 127.0.0.1:<port> and prints `OSS_ENDPOINT=…`, `OSS_ACCESS_KEY=…`, `OSS_SECRET_KEY=…` (the secret only when it was not
 * given in the environment);
 * SIGTERM stops it and removes its objects. An unsigned `GET /` answers 403 AccessDenied (a liveness check).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export interface RecordedRequest {
  method: string;
  /** Raw request target (path and query as sent). */
  url: string;
  bucket: string;
  key: string;
  /** Decoded query parameters (a valueless parameter is ''). */
  query: Record<string, string>;
  /** Headers that matter for OSS semantics (lower-case names). */
  headers: Record<string, string>;
  /** The access key id of the signature, if any. */
  accessKeyId: string;
  status: number;
  code?: string;
  /** Request body for bucket configuration / multipart completion (small XML). */
  body?: string;
}

export interface StoredObject { size: number; etag: string; contentType: string; crc64: string; file: string; lastModified: string }

export interface OssFakeOptions {
  accessKeyId?: string;
  accessKeySecret?: string;
  /** Buckets that exist at start. */
  buckets?: string[];
  port?: number;
}

const SIGNED = new Set(['acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append',
  'tagging', 'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName', 'replication',
  'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live', 'status', 'vod', 'startTime',
  'endTime', 'symlink', 'x-oss-process', 'response-content-type', 'x-oss-traffic-limit', 'response-content-language',
  'response-expires', 'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'restore',
  'callback', 'callback-var', 'policy', 'stat', 'encryption', 'versions', 'versioning', 'versionId', 'requestPayment',
  'x-oss-request-payer', 'sequential', 'inventory', 'inventoryId', 'continuation-token', 'asyncFetch', 'worm', 'wormId',
  'wormExtend', 'withHashContext', 'x-oss-enable-md5', 'x-oss-enable-sha1', 'x-oss-enable-sha256', 'x-oss-hash-ctx',
  'x-oss-md5-ctx', 'transferAcceleration', 'regionList', 'cloudboxes', 'metaQuery', 'resourceGroup', 'rtc', 'responseHeader']);

/** CRC-64/XZ (ECMA-182 reflected), OSS's x-oss-hash-crc64ecma, as an unsigned decimal string (32-bit halves). */
const [CRC_LO, CRC_HI] = ((): [Uint32Array, Uint32Array] => {
  const lo = new Uint32Array(256);
  const hi = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ 0xC96C5795D7870F42n : c >> 1n;
    lo[i] = Number(c & 0xFFFFFFFFn);
    hi[i] = Number(c >> 32n);
  }
  return [lo, hi];
})();
class Crc64 {
  #lo = 0xFFFFFFFF;
  #hi = 0xFFFFFFFF;
  update(b: Buffer): void {
    let lo = this.#lo;
    let hi = this.#hi;
    for (let i = 0; i < b.length; i++) {
      const idx = (lo ^ (b[i] as number)) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ (CRC_LO[idx] as number)) >>> 0;
      hi = ((hi >>> 8) ^ (CRC_HI[idx] as number)) >>> 0;
    }
    this.#lo = lo;
    this.#hi = hi;
  }
  digest(): string { return ((BigInt((this.#hi ^ 0xFFFFFFFF) >>> 0) << 32n) | BigInt((this.#lo ^ 0xFFFFFFFF) >>> 0)).toString(); }
}

const ERRORS: Record<string, [number, string, string]> = {
  InvalidAccessKeyId: [403, 'The OSS Access Key Id you provided does not exist in our records.', '0002-00000902'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', '0002-00000040'],
  AccessDenied: [403, 'AccessDenied', '0003-00000001'],
  NoSuchBucket: [404, 'The specified bucket does not exist.', '0015-00000101'],
  NoSuchKey: [404, 'The specified key does not exist.', '0026-00000001'],
  NoSuchUpload: [404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', '0042-00000002'],
  BucketAlreadyExists: [409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', '0015-00000104'],
  InvalidDigest: [400, 'The Content-MD5 you specified was invalid.', '0016-00000104'],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.', '0016-00000000'],
  InvalidArgument: [400, 'Invalid Argument', '0016-00000001'],
  ServiceUnavailable: [503, 'Please reduce your request rate.', '0017-00000801'],
  InternalError: [500, 'We encountered an internal error. Please try again.', '0007-00000001'],
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const urlEnc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export class OssFake {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly requests: RecordedRequest[] = [];
  /** bucket → key → object */
  readonly buckets = new Map<string, Map<string, StoredObject>>();
  readonly lifecycle = new Map<string, string>();
  readonly logging = new Map<string, string>();
  readonly dir: string;
  /** Injected failures: the next `times` requests matching `method` (and `key`, when given) fail with `code`. */
  readonly faults: { method: string; key?: string; code: string; times: number }[] = [];
  #server: Server;
  #port = 0;
  #seq = 0;
  #uploads = new Map<string, { bucket: string; key: string; contentType: string; parts: Map<number, { file: string; etag: string; size: number }> }>();

  constructor(opts: OssFakeOptions = {}) {
    this.accessKeyId = opts.accessKeyId ?? 'oss-test-access-key';
    this.accessKeySecret = opts.accessKeySecret ?? 'oss-test-secret-key';
    for (const b of opts.buckets ?? ['my-bucket']) this.buckets.set(b, new Map());
    this.dir = mkdtempSync(join(tmpdir(), 'oss-fake-'));
    this.#server = createServer((req, res) => { this.#handle(req, res).catch((err: unknown) => { res.statusCode = 500; res.end(String(err)); }); });
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as { port: number }).port;
    return this;
  }

  get endpoint(): string { return `http://127.0.0.1:${this.#port}`; }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The stored bytes of an object (undefined when missing). */
  object(bucket: string, key: string): Buffer | undefined {
    const o = this.buckets.get(bucket)?.get(key);
    return o ? readFileSync(o.file) : undefined;
  }

  keys(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort();
  }

  put(bucket: string, key: string, data: Buffer | string, contentType = 'application/octet-stream'): void {
    const b = this.buckets.get(bucket);
    if (!b) throw new Error(`no bucket ${bucket}`);
    const file = join(this.dir, `o${++this.#seq}`);
    const buf = Buffer.from(data);
    const crc = new Crc64();
    crc.update(buf);
    writeFileSync(file, buf);
    b.set(key, { size: buf.length, etag: `"${createHash('md5').update(buf).digest('hex').toUpperCase()}"`, contentType, crc64: crc.digest(), file, lastModified: new Date().toUTCString() });
  }

  // ------------------------------------------------------------------ request handling

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const [rawPath = '/', rawQuery = ''] = rawUrl.split('?', 2) as [string, string?];
    const query: Record<string, string> = {};
    for (const part of rawQuery.split('&').filter(Boolean)) {
      const i = part.indexOf('=');
      const k = decodeURIComponent(i < 0 ? part : part.slice(0, i));
      query[k] = i < 0 ? '' : decodeURIComponent(part.slice(i + 1).replace(/\+/g, '%20'));
    }
    const segs = rawPath.slice(1);
    const slash = segs.indexOf('/');
    const bucket = decodeURIComponent(slash < 0 ? segs : segs.slice(0, slash));
    const key = slash < 0 ? '' : decodeURIComponent(segs.slice(slash + 1));
    const h = (n: string): string => String(req.headers[n] ?? '');
    const headers: Record<string, string> = {};
    for (const n of ['content-type', 'content-length', 'content-md5', 'transfer-encoding']) if (req.headers[n] !== undefined) headers[n] = h(n);
    for (const n of Object.keys(req.headers)) if (n.startsWith('x-oss-')) headers[n] = h(n);
    const rec: RecordedRequest = { method: req.method ?? '', url: rawUrl, bucket, key, query, headers, accessKeyId: '', status: 0 };
    this.requests.push(rec);
    const requestId = createHash('sha1').update(`${rec.method} ${bucket}/${key}?${Object.keys(query).sort().join('&')}`).digest('hex').slice(0, 24).toUpperCase();
    res.setHeader('x-oss-request-id', requestId);
    res.setHeader('Server', 'AliyunOSS');
    res.setHeader('Date', new Date().toUTCString());

    const fail = (code: string, extra: Record<string, string> = {}): void => {
      const [status, message, ec] = ERRORS[code] ?? [400, code, ''];
      rec.status = status;
      rec.code = code;
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${esc(message)}</Message>\n  <RequestId>${requestId}</RequestId>\n  <HostId>127.0.0.1</HostId>\n${Object.entries(extra).map(([k, v]) => `  <${k}>${esc(v)}</${k}>\n`).join('')}  <EC>${ec}</EC>\n  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=${ec}</RecommendDoc>\n</Error>\n`;
      res.statusCode = status;
      res.setHeader('x-oss-ec', ec);
      res.setHeader('Content-Type', 'application/xml');
      if (req.method === 'HEAD') { res.setHeader('x-oss-err', Buffer.from(xml).toString('base64')); res.end(); return; }
      res.setHeader('Content-Length', Buffer.byteLength(xml));
      res.end(xml);
    };
    const drain = async (): Promise<void> => { for await (const _ of req) { /* discard */ } };

    const fault = this.faults.find((f) => f.times > 0 && f.method === rec.method && (f.key === undefined || f.key === key));
    if (fault) { fault.times--; await drain(); return fail(fault.code); }

    // ---- signature (V1)
    const auth = h('authorization');
    const m = /^OSS ([^:]*):(.+)$/.exec(auth);
    if (!m) { await drain(); return fail('AccessDenied'); }
    rec.accessKeyId = m[1] ?? '';
    if (rec.accessKeyId !== this.accessKeyId) { await drain(); return fail('InvalidAccessKeyId', { OSSAccessKeyId: rec.accessKeyId }); }
    const sub = Object.keys(query).filter((k) => SIGNED.has(k)).sort().map((k) => (query[k] === '' ? k : `${k}=${query[k]}`)).join('&');
    const resource = (bucket === '' ? '/' : `/${bucket}/${key}`) + (sub ? `?${sub}` : '');
    const ossHeaders = Object.keys(req.headers).filter((k) => k.startsWith('x-oss-')).sort().map((k) => `${k}:${h(k)}\n`).join('');
    const toSign = `${req.method}\n${h('content-md5')}\n${h('content-type')}\n${h('date')}\n${ossHeaders}${resource}`;
    const want = createHmac('sha1', this.accessKeySecret).update(toSign, 'utf8').digest();
    const got = Buffer.from(m[2] ?? '', 'base64');
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      await drain();
      return fail('SignatureDoesNotMatch', { StringToSign: toSign, SignatureProvided: m[2] ?? '', OSSAccessKeyId: rec.accessKeyId });
    }

    const ok = (status: number, body = '', type = 'application/xml'): void => {
      rec.status = status;
      res.statusCode = status;
      if (body) { res.setHeader('Content-Type', type); res.setHeader('Content-Length', Buffer.byteLength(body)); }
      else if (status !== 204) res.setHeader('Content-Length', 0);
      res.end(body);
    };
    const xmlHead = '<?xml version="1.0" encoding="UTF-8"?>\n';

    // ---- service
    if (bucket === '') {
      if (req.method !== 'GET') return fail('MethodNotAllowed');
      const prefix = query.prefix ?? '';
      const marker = query.marker ?? '';
      const max = Number(query['max-keys'] ?? 100);
      const names = [...this.buckets.keys()].filter((b) => b.startsWith(prefix) && b > marker).sort();
      const page = names.slice(0, max);
      const trunc = names.length > max;
      return ok(200, `${xmlHead}<ListAllMyBucketsResult><Prefix>${esc(prefix)}</Prefix><Marker>${esc(marker)}</Marker><MaxKeys>${max}</MaxKeys><IsTruncated>${trunc}</IsTruncated>${trunc ? `<NextMarker>${esc(page.at(-1) ?? '')}</NextMarker>` : ''}<Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><Buckets>${page.map((b) => `<Bucket><CreationDate>2026-01-01T00:00:00.000Z</CreationDate><ExtranetEndpoint>127.0.0.1</ExtranetEndpoint><IntranetEndpoint>127.0.0.1</IntranetEndpoint><Location>oss-test</Location><Name>${esc(b)}</Name><Region>test</Region><StorageClass>Standard</StorageClass></Bucket>`).join('')}</Buckets></ListAllMyBucketsResult>`);
    }

    const objects = this.buckets.get(bucket);
    // ---- bucket
    if (key === '') {
      if (req.method === 'PUT' && Object.keys(query).length === 0) {
        rec.body = await readBody(req);
        if (objects) return fail('BucketAlreadyExists', { BucketName: bucket });
        this.buckets.set(bucket, new Map());
        return ok(200);
      }
      if (!objects) { await drain(); return fail('NoSuchBucket', { BucketName: bucket }); }
      if (req.method === 'PUT' && 'lifecycle' in query) { rec.body = await readBody(req); this.lifecycle.set(bucket, rec.body); return ok(200); }
      if (req.method === 'PUT' && 'logging' in query) { rec.body = await readBody(req); this.logging.set(bucket, rec.body); return ok(200); }
      if (req.method === 'GET' && 'bucketInfo' in query) return ok(200, `${xmlHead}<BucketInfo><Bucket><Name>${esc(bucket)}</Name><StorageClass>Standard</StorageClass></Bucket></BucketInfo>`);
      if (req.method !== 'GET') return fail('MethodNotAllowed');
      return ok(200, this.#list(bucket, objects, query));
    }

    if (!objects) { await drain(); return fail('NoSuchBucket', { BucketName: bucket }); }
    // ---- object
    if (req.method === 'PUT' && query.partNumber !== undefined) {
      const up = this.#uploads.get(query.uploadId ?? '');
      if (!up) { await drain(); return fail('NoSuchUpload', { UploadId: query.uploadId ?? '' }); }
      const stored = await this.#receive(req);
      if (typeof stored === 'string') return fail(stored);
      up.parts.set(Number(query.partNumber), { file: stored.file, etag: stored.etag, size: stored.size });
      res.setHeader('ETag', stored.etag);
      res.setHeader('x-oss-hash-crc64ecma', stored.crc64);
      return ok(200);
    }
    if (req.method === 'PUT') {
      const stored = await this.#receive(req);
      if (typeof stored === 'string') return fail(stored);
      objects.set(key, { ...stored, contentType: h('content-type') || 'application/octet-stream' });
      res.setHeader('ETag', stored.etag);
      res.setHeader('x-oss-hash-crc64ecma', stored.crc64);
      return ok(200);
    }
    if (req.method === 'POST' && 'uploads' in query) {
      await drain();
      const id = createHash('md5').update(`${bucket}/${key}/${++this.#seq}`).digest('hex').toUpperCase();
      this.#uploads.set(id, { bucket, key, contentType: h('content-type'), parts: new Map() });
      return ok(200, `${xmlHead}<InitiateMultipartUploadResult><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
    }
    if (req.method === 'POST' && query.uploadId !== undefined) {
      rec.body = await readBody(req);
      const up = this.#uploads.get(query.uploadId);
      if (!up) return fail('NoSuchUpload', { UploadId: query.uploadId });
      const listed = [...rec.body.matchAll(/<PartNumber>(\d+)<\/PartNumber>\s*<ETag>([^<]*)<\/ETag>/g)].map((x) => [Number(x[1]), x[2]?.replace(/&#34;|&quot;/g, '"')] as const);
      const file = join(this.dir, `o${++this.#seq}`);
      const out = createWriteStream(file);
      const crc = new Crc64();
      const md5s: Buffer[] = [];
      let size = 0;
      for (const [n, etag] of listed) {
        const p = up.parts.get(n);
        if (!p || p.etag !== etag) { out.destroy(); return fail('InvalidArgument'); }
        md5s.push(Buffer.from(p.etag.replace(/"/g, ''), 'hex'));
        size += p.size;
        await pipeline(createReadStream(p.file), new Transform({ transform(c: Buffer, _e, cb) { crc.update(c); cb(null, c); } }), out, { end: false });
      }
      await new Promise<void>((r) => out.end(r));
      const etag = `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex').toUpperCase()}-${listed.length}"`;
      objects.set(key, { size, etag, contentType: up.contentType || 'application/octet-stream', crc64: crc.digest(), file, lastModified: new Date().toUTCString() });
      this.#uploads.delete(query.uploadId);
      res.setHeader('x-oss-hash-crc64ecma', crc.digest());
      return ok(200, `${xmlHead}<CompleteMultipartUploadResult><Location>${this.endpoint}/${esc(bucket)}/${esc(key)}</Location><Bucket>${esc(bucket)}</Bucket><Key>${esc(key)}</Key><ETag>${esc(etag)}</ETag></CompleteMultipartUploadResult>`);
    }
    if (req.method === 'DELETE') {
      await drain();
      objects.delete(key);
      return ok(204);
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      await drain();
      const o = objects.get(key);
      if (!o) return fail('NoSuchKey', { Key: key });
      rec.status = 200;
      res.statusCode = 200;
      res.setHeader('Content-Type', o.contentType);
      res.setHeader('Content-Length', o.size);
      res.setHeader('ETag', o.etag);
      res.setHeader('Last-Modified', o.lastModified);
      res.setHeader('x-oss-object-type', o.etag.includes('-') ? 'Multipart' : 'Normal');
      res.setHeader('x-oss-hash-crc64ecma', o.crc64);
      if (req.method === 'HEAD') { res.end(); return; }
      await pipeline(createReadStream(o.file), res);
      return;
    }
    await drain();
    return fail('MethodNotAllowed');
  }

  /** Store a request body in a new file, computing MD5, CRC-64 and length; checks Content-MD5 when sent. */
  async #receive(req: IncomingMessage): Promise<Omit<StoredObject, 'contentType'> | string> {
    const file = join(this.dir, `o${++this.#seq}`);
    const md5 = createHash('md5');
    const crc = new Crc64();
    let size = 0;
    await pipeline(req, new Transform({ transform(c: Buffer, _e, cb) { md5.update(c); crc.update(c); size += c.length; cb(null, c); } }), createWriteStream(file));
    const digest = md5.digest();
    const sent = req.headers['content-md5'];
    if (sent !== undefined && sent !== digest.toString('base64')) return 'InvalidDigest';
    return { size, etag: `"${digest.toString('hex').toUpperCase()}"`, crc64: crc.digest(), file, lastModified: new Date().toUTCString() };
  }

  #list(bucket: string, objects: Map<string, StoredObject>, q: Record<string, string>): string {
    const v2 = q['list-type'] === '2';
    const prefix = q.prefix ?? '';
    const delimiter = q.delimiter ?? '';
    const max = Number(q['max-keys'] || 100);
    const start = v2 ? (q['continuation-token'] ? Buffer.from(q['continuation-token'], 'base64').toString() : (q['start-after'] ?? '')) : (q.marker ?? '');
    const enc = q['encoding-type'] === 'url';
    const e = (s: string): string => esc(enc ? urlEnc(s) : s);
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > start).sort();
    const contents: string[] = [];
    const prefixes = new Set<string>();
    let last = '';
    let truncated = false;
    for (const k of keys) {
      if (contents.length + prefixes.size >= max) { truncated = true; break; }
      const rest = k.slice(prefix.length);
      const d = delimiter ? rest.indexOf(delimiter) : -1;
      if (d >= 0) prefixes.add(prefix + rest.slice(0, d + delimiter.length));
      else contents.push(k);
      last = k;
    }
    const o = (k: string): string => { const x = objects.get(k) as StoredObject; return `<Contents><Key>${e(k)}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>${esc(x.etag)}</ETag><Type>${x.etag.includes('-') ? 'Multipart' : 'Normal'}</Type><Size>${x.size}</Size><StorageClass>Standard</StorageClass>${v2 ? '' : '<Owner><ID>1</ID><DisplayName>1</DisplayName></Owner>'}</Contents>`; };
    const common = [...prefixes].map((p) => `<CommonPrefixes><Prefix>${e(p)}</Prefix></CommonPrefixes>`).join('');
    const head = `<?xml version="1.0" encoding="UTF-8"?>\n<${v2 ? 'ListBucketResult' : 'ListBucketResult'}><Name>${esc(bucket)}</Name><Prefix>${e(prefix)}</Prefix>`;
    if (v2) {
      const next = truncated ? `<NextContinuationToken>${Buffer.from(last).toString('base64')}</NextContinuationToken>` : '';
      return `${head}${q['continuation-token'] ? `<ContinuationToken>${esc(q['continuation-token'])}</ContinuationToken>` : ''}<MaxKeys>${max}</MaxKeys><Delimiter>${e(delimiter)}</Delimiter>${enc ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>${next}<KeyCount>${contents.length + prefixes.size}</KeyCount>${contents.map(o).join('')}${common}</ListBucketResult>`;
    }
    return `${head}<Marker>${e(q.marker ?? '')}</Marker><MaxKeys>${max}</MaxKeys><Delimiter>${e(delimiter)}</Delimiter>${enc ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextMarker>${e(last)}</NextMarker>` : ''}${contents.map(o).join('')}${common}</ListBucketResult>`;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startOssFake(opts: OssFakeOptions = {}): Promise<OssFake> {
  return new OssFake(opts).start(opts.port ?? 0);
}

// `node test/support/oss-server.ts [port]`: a standalone fake for the stack or manual runs.
if (import.meta.main) {
  const port = Number(process.argv[2] ?? 0);
  const fake = await startOssFake({
    port, buckets: (process.env.OSS_BUCKETS ?? 'my-bucket').split(/\s+/).filter(Boolean),
    ...(process.env.OSS_ACCESS_KEY ? { accessKeyId: process.env.OSS_ACCESS_KEY } : {}),
    ...(process.env.OSS_SECRET_KEY ? { accessKeySecret: process.env.OSS_SECRET_KEY } : {}),
  });
  // A secret given through the environment is never printed (its log is scanned for secrets, make faults); one the
  // fake made up is, so that a user running it alone can sign requests.
  const secret = process.env.OSS_SECRET_KEY ? '(from the environment)' : fake.accessKeySecret;
  process.stdout.write(`OSS_ENDPOINT=${fake.endpoint}\nOSS_ACCESS_KEY=${fake.accessKeyId}\nOSS_SECRET_KEY=${secret}\n`);
  const stop = (): void => { void fake.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
