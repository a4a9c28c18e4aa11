/**
 * Row P8: the physical ceiling on this machine, measured inside the bench process (no executor):
 *   - MinIO on loopback at high concurrency: 10 KiB PUTs and GETs per second through the driver's cheapest signed
 *     requests (small-object-requests.ts, D31: the ceiling must not be the client's), and MB/s of one large object
 *     (16 MiB parts / ranges, 8 in flight, AWS SDK v3) from and to memory;
 *   - zlib per core: gzip level 6 (deflate) of the three kinds of data the rows move, and gunzip (inflate) of the
 *     half-compressible kind, with zlib and with ISA-L (the native inflater the executable ships, D35; the P3
 *     ceiling is the faster). A tar.gz output can use every core (parallel gzip); a single gzip stream can only be
 *     inflated on one core.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { constants, deflateRawSync, gunzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envNumber, log, MiB, minioHost, s3Artifact, BUCKET, stackSecretsDir, storeCpuS } from './lib.ts';

export interface Ceiling {
  putPerS: number;
  getPerS: number;
  putMBps: number;
  getMBps: number;
  concurrency: number;
  /** Uncompressed MB/s of one core: zlib level 6 (an explicit `compressionLevel: 6`, and Go's level). */
  gzip6MBps: { log: number; half: number; random: number };
  /** Uncompressed MB/s of one core at the default level: ISA-L igzip level 3 in 1 MiB blocks (D37); undefined without the helper. */
  defaultGzipMBps: { log: number; half: number; random: number } | undefined;
  /** One core's gunzip: the faster of zlib's and ISA-L's (what the executable uses, D35). */
  gunzipMBps: number;
  gunzipZlibMBps: number;
  gunzipIsalMBps: number | undefined;
  cores: number;
  /** CPU per 10 KiB request at the ceiling, µs: the store's (MinIO, /proc) and the client's (this process). */
  cpuPerRequestUs?: { storePut: number; storeGet: number; clientPut: number; clientGet: number };
  /** Files of 10 KiB created per second by one thread right after as many were deleted: on the P1 rows' disk and on the root file system. */
  fileCreates?: { nodeDiskPerS: number | undefined; rootPerS: number; nodeDisk: string | undefined };
}

/**
 * Files of `bytes` created per second (writeFileSync, one thread, 100 directories) in a fresh directory under `parent`,
 * right after creating and deleting as many there: what a download of many small files costs the kernel on that disk.
 */
function fileCreatesPerS(parent: string, files: number, bytes: number): number {
  const body = Buffer.alloc(bytes, 7);
  const create = (root: string): number => {
    const t0 = performance.now();
    for (let i = 0; i < files; i++) {
      const d = join(root, `d${i % 100}`);
      if (i < 100) mkdirSync(d, { recursive: true });
      writeFileSync(join(d, `f${i}`), body);
    }
    return files / ((performance.now() - t0) / 1000);
  };
  const dir = mkdtempSync(join(parent, 'argoexec-bench-creates-'));
  try {
    create(join(dir, 'first'));
    rmSync(join(dir, 'first'), { recursive: true });
    return create(join(dir, 'second'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** MB/s of the executable's native gunzip (dist/argoexec.d/inflate.node) on one stream, into a sink; undefined without it. */
async function isalGunzipMBps(gz: Buffer, bytes: number): Promise<number | undefined> {
  const { nativeGunzip } = await import('../src/core/archive/native-gunzip.ts');
  const { Writable } = await import('node:stream');
  const g = nativeGunzip(join(import.meta.dirname, '../dist/argoexec.d/inflate.node'));
  if (!g) return undefined;
  return perCore(async () => {
    let pos = 0;
    await g(async (buf) => {
      const k = gz.copy(buf, 0, pos);
      pos += k;
      return k;
    }, new Writable({ write: (_c, _e, cb) => cb() }));
  }, bytes);
}

/** The default level's compressor (native/deflate.c, ISA-L level 3, D37) on 1 MiB blocks, one at a time: MB/s of one core. */
async function defaultDeflateMBps(b: Buffer): Promise<number | undefined> {
  const { nativeDeflaters, outputBound } = await import('../src/core/archive/block-deflate.ts');
  const { compressorFor } = await import('../src/core/archive/gzip.ts');
  const f = nativeDeflaters(join(import.meta.dirname, '../dist/argoexec.d/deflate.node'));
  if (!f) return undefined;
  const c = compressorFor(-1);
  const d = f.create(c.level, c.strategy, c.isalLevel);
  const out = Buffer.allocUnsafe(outputBound(MiB));
  return perCore(async () => {
    for (let at = 0; at < b.length; at += MiB) await d.deflate(b.subarray(at, at + MiB), at ? b.subarray(at - 32 * 1024, at) : undefined, at + MiB >= b.length, out);
  }, b.length);
}

/** `b` gzipped as the executable writes a default-level tar.gz (what P3's input is). */
async function defaultGzip(b: Buffer): Promise<Buffer> {
  const { ParallelGzip } = await import('../src/core/archive/gzip.ts');
  let pos = 0;
  const gz = new ParallelGzip(async (buf) => {
    const k = b.copy(buf, 0, pos);
    pos += k;
    return k;
  });
  const parts: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(MiB);
    const k = await gz.fill(chunk);
    if (k === 0) break;
    parts.push(chunk.subarray(0, k));
  }
  return Buffer.concat(parts);
}

async function pool<T>(n: number, items: T[], fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++] as T);
  }));
}

function sample(kind: 'log' | 'half' | 'random', bytes: number): Buffer {
  if (kind === 'random') return randomBytes(bytes);
  if (kind === 'half') return Buffer.from(randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64')).subarray(0, bytes);
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const l = `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z INFO [worker-${i % 16}] request completed method=GET path=/api/v1/items status=200 duration_ms=${(i * 7919) % 2000} request_id=${((i * 2654435761) >>> 0).toString(16)}\n`;
    lines.push(l);
    n += l.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/** MB/s of `fn` over `bytes`, repeated for 2 s after one warm-up round (awaited when it is asynchronous). */
async function perCore(fn: () => unknown, bytes: number): Promise<number> {
  await fn(); // warm
  const t0 = performance.now();
  let rounds = 0;
  while (performance.now() - t0 < 2000) {
    await fn();
    rounds++;
  }
  return (bytes * rounds) / 1e6 / ((performance.now() - t0) / 1000);
}

export async function p8(nodeDisk?: { path: string; description: string }): Promise<Ceiling> {
  const concurrency = envNumber('BENCH_P8_CONCURRENCY', 64);
  const small = envNumber('BENCH_P8_OBJECTS', 5000);
  const largeBytes = envNumber('BENCH_P8_LARGE_BYTES', 1024 * MiB);
  const { createS3 } = await import('../src/artifacts/s3/client.ts');
  const { createLogger } = await import('../src/core/log.ts');
  const { GetObjectCommand, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand } = await import('@aws-sdk/client-s3');
  const secrets = stackSecretsDir();
  const loc = s3Artifact('x', '/x', 'x', minioHost()).s3 as never;
  const s3 = createS3(loc, { log: createLogger('warn', 'text'), secretsDir: secrets, env: {} } as never);
  try {
    const prefix = `bench/p8/${Date.now()}`;
    const body = randomBytes(10 * 1024);
    const keys = Array.from({ length: small }, (_, i) => `${prefix}/small/${i}`);
    const lean = s3.small;
    if (!lean) throw new Error('P8 needs the small-object requests (ARTIFACT_S3_LEAN_REQUESTS is not false here)');
    const cpuUs = (c: NodeJS.CpuUsage): number => ((c.user + c.system) / small);
    let store0 = storeCpuS();
    let client0 = process.cpuUsage();
    let t0 = performance.now();
    await pool(concurrency, keys, async (k) => { await lean.put(k, body, 'application/octet-stream', {}); });
    const putPerS = small / ((performance.now() - t0) / 1000);
    const storePut = ((storeCpuS() - store0) * 1e6) / small;
    const clientPut = cpuUs(process.cpuUsage(client0));
    store0 = storeCpuS();
    client0 = process.cpuUsage();
    t0 = performance.now();
    await pool(concurrency, keys, async (k) => {
      if ((await lean.get(k, {})).length !== body.length) throw new Error(`P8: ${k} came back short`);
    });
    const getPerS = small / ((performance.now() - t0) / 1000);
    const cpuPerRequestUs = { storePut, storeGet: ((storeCpuS() - store0) * 1e6) / small, clientPut, clientGet: cpuUs(process.cpuUsage(client0)) };
    log(`P8 10 KiB objects at ${concurrency} in flight: ${putPerS.toFixed(0)} PUT/s, ${getPerS.toFixed(0)} GET/s; CPU per request (µs) ${JSON.stringify(Object.fromEntries(Object.entries(cpuPerRequestUs).map(([k, v]) => [k, Math.round(v)])))}`);

    const part = 16 * MiB;
    const partBody = randomBytes(part);
    const parts = Math.max(1, Math.round(largeBytes / part));
    const key = `${prefix}/large`;
    t0 = performance.now();
    const up = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const done: { ETag?: string; PartNumber: number }[] = [];
    await pool(8, Array.from({ length: parts }, (_, i) => i + 1), async (n) => {
      const out = await s3.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: up.UploadId, PartNumber: n, Body: partBody, ContentLength: part }));
      done.push({ ETag: out.ETag, PartNumber: n });
    });
    done.sort((a, b) => a.PartNumber - b.PartNumber);
    await s3.client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: done } }));
    const putMBps = (parts * part) / 1e6 / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    await pool(8, Array.from({ length: parts }, (_, i) => i), async (i) => {
      const out = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: `bytes=${i * part}-${(i + 1) * part - 1}` }));
      for await (const _ of out.Body as AsyncIterable<Buffer>) { /* drain */ }
    });
    const getMBps = (parts * part) / 1e6 / ((performance.now() - t0) / 1000);
    log(`P8 large object: PUT ${putMBps.toFixed(0)} MB/s, GET ${getMBps.toFixed(0)} MB/s`);

    const n = 16 * MiB;
    const gz = (kind: 'log' | 'half' | 'random'): Promise<number> => {
      const b = sample(kind, n);
      return perCore(() => deflateRawSync(b, { level: 6 }), n);
    };
    const gzip6MBps = { log: await gz('log'), half: await gz('half'), random: await gz('random') };
    const dl = await defaultDeflateMBps(sample('log', n));
    const defaultGzipMBps = dl === undefined ? undefined
      : { log: dl, half: await defaultDeflateMBps(sample('half', n)) as number, random: await defaultDeflateMBps(sample('random', n)) as number };
    // What P3 downloads: the half-compressible sample as our tar writer gzips it at the default level.
    const halfGz = await defaultGzip(sample('half', n));
    const gunzipZlibMBps = await perCore(() => gunzipSync(halfGz, { finishFlush: constants.Z_SYNC_FLUSH }), n);
    const gunzipIsalMBps = await isalGunzipMBps(halfGz, n);
    const gunzipMBps = Math.max(gunzipZlibMBps, gunzipIsalMBps ?? 0);
    const round = (o: Record<string, number> | undefined): string => (o ? JSON.stringify(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]))) : '(no helper)');
    log(`P8 per core: gzip -6 ${round(gzip6MBps)} MB/s, default level (ISA-L 3) ${round(defaultGzipMBps)} MB/s, gunzip zlib ${gunzipZlibMBps.toFixed(0)} MB/s, ISA-L ${gunzipIsalMBps?.toFixed(0) ?? '(no helper)'} MB/s`);
    const createFiles = envNumber('BENCH_P1_FILES', 10_000);
    const fileCreates = {
      nodeDiskPerS: nodeDisk ? fileCreatesPerS(nodeDisk.path, createFiles, 10 * 1024) : undefined,
      rootPerS: fileCreatesPerS(tmpdir(), createFiles, 10 * 1024),
      nodeDisk: nodeDisk?.description,
    };
    log(`P8 creating ${createFiles} files of 10 KiB after deleting as many: ${fileCreates.nodeDiskPerS?.toFixed(0) ?? '(no node disk)'}/s on the node disk, ${fileCreates.rootPerS.toFixed(0)}/s on the root file system`);
    return { putPerS, getPerS, putMBps, getMBps, concurrency, gzip6MBps, defaultGzipMBps, gunzipMBps, gunzipZlibMBps, gunzipIsalMBps, cores: cpus().length, fileCreates, cpuPerRequestUs };
  } finally {
    s3.destroy();
    rmSync(secrets, { recursive: true, force: true });
    const { deleteLater } = await import('./rows-artifacts.ts');
    deleteLater('bench/p8');
  }
}
