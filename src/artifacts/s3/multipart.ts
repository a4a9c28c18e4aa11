/**
 * Bounded-memory S3 uploads (ours, not lib-storage): an object is cut into parts that are read into a small pool of
 * reused part-size buffers and sent with UploadPart, several at a time. Memory is `buffers × partSize` whatever the
 * object's size: no Buffer.concat chains, no per-part allocation, the source is only read when a buffer is free
 * (backpressure on streams). A source that fits in one part becomes a single PutObject.
 *
 * Each request (PutObject, Create/UploadPart/Complete) is retried on its own — the SDK's standard retry (throttling,
 * 503 SlowDown, 5xx, network) inside the executor's ExecutorRetry — because a stream cannot be replayed: the part
 * buffer is kept until its UploadPart has succeeded. Any failure aborts the multipart upload (no orphan parts, no
 * object).
 *
 * SSE: ServerSideEncryption/KMS on CreateMultipartUpload or PutObject; SSE-C headers on every request that touches
 * data (Create, each UploadPart, Complete, PutObject), as S3 requires.
 */
import type { Filler } from '../../core/io/fill.ts';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import type { S3Setup, SseParams } from './client.ts';
import { SMALL_OBJECT_MAX } from './small-object-requests.ts';

export const MiB = 1024 * 1024;
export const MAX_PARTS = 10_000;
export const MIN_PART = 5 * MiB;


/** A pool of at most `max` reused buffers of `size` bytes; `acquire` waits while all are lent out. */
export class BufferPool {
  readonly size: number;
  readonly #max: number;
  #allocated = 0;
  readonly #free: Buffer[] = [];
  readonly #waiters: ((b: Buffer) => void)[] = [];

  constructor(size: number, max: number) {
    this.size = size;
    this.#max = Math.max(1, max);
  }

  acquire(): Promise<Buffer> {
    const b = this.#free.pop();
    if (b) return Promise.resolve(b);
    if (this.#allocated < this.#max) {
      this.#allocated++;
      // Outside the pooled slab: these live for the whole upload and are reused.
      return Promise.resolve(Buffer.allocUnsafeSlow(this.size));
    }
    return new Promise((res) => this.#waiters.push(res));
  }

  release(b: Buffer): void {
    const w = this.#waiters.shift();
    if (w) w(b);
    else this.#free.push(b);
  }
}

/** SSE-C fields only (the ones UploadPart / CompleteMultipartUpload accept). */
function ssecOnly(p: SseParams): SseParams {
  return p.SSECustomerKey ? { SSECustomerAlgorithm: p.SSECustomerAlgorithm, SSECustomerKey: p.SSECustomerKey } : {};
}

export interface UploadOptions {
  s3: S3Setup;
  key: string;
  contentType: string;
  pool: BufferPool;
  fill: Filler;
  /** Known total size (files); undefined for streams. */
  size?: number;
  /** Wraps every request: the executor's retry of transient errors. */
  retry: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Cumulative bytes of this object acknowledged by the server. */
  onBytes?: (n: number) => void;
}

/** Upload one object from `fill`; returns the number of bytes stored. */
export async function uploadObject(o: UploadOptions): Promise<number> {
  const { s3, key, pool } = o;
  const partSize = pool.size;
  const put = async (buf: Buffer, n: number): Promise<number> => {
    const body = buf.subarray(0, n);
    const small = n <= SMALL_OBJECT_MAX ? s3.small : undefined;
    await o.retry(async () => {
      if (small) await small.put(key, body, o.contentType, s3.putSse(key));
      else await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body, ContentLength: n, ContentType: o.contentType, ...s3.putSse(key) }));
    });
    o.onBytes?.(n);
    return n;
  };

  const first = await pool.acquire();
  let second: Buffer | undefined;
  let n0 = 0;
  let n1 = 0;
  let handedOver = false;
  try {
    n0 = await o.fill(first);
    if (n0 < partSize || o.size === n0) return await put(first, n0);
    // Unknown length: look one part ahead to tell "exactly one part" from "more".
    if (o.size === undefined) {
      second = await pool.acquire();
      n1 = await o.fill(second);
      if (n1 === 0) return await put(first, n0);
    }
    handedOver = true;
  } finally {
    if (!handedOver) {
      pool.release(first);
      if (second) pool.release(second);
    }
  }
  return multipart(o, first, n0, second, n1);
}

async function multipart(o: UploadOptions, first: Buffer, n0: number, second: Buffer | undefined, n1: number): Promise<number> {
  const { s3, key, pool } = o;
  const partSize = pool.size;
  const ssec = ssecOnly(s3.putSse(key));
  let uploadId: string;
  try {
    const created = await o.retry(() =>
      s3.client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key, ContentType: o.contentType, ...s3.putSse(key) })),
    );
    if (!created.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
    uploadId = created.UploadId;
  } catch (err) {
    pool.release(first);
    if (second) pool.release(second);
    throw err;
  }
  const parts: CompletedPart[] = [];
  const inflight = new Set<Promise<void>>();
  let failed: unknown;
  let acked = 0;
  let total = 0;
  const dispatch = (buf: Buffer, n: number, partNumber: number): void => {
    total += n;
    const body = buf.subarray(0, n);
    const p = o
      .retry(() => s3.client.send(new UploadPartCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: n, ...ssec })))
      .then((out) => {
        parts.push({ ETag: out.ETag, PartNumber: partNumber });
        acked += n;
        o.onBytes?.(acked);
      })
      .catch((err: unknown) => {
        failed ??= err;
      })
      .finally(() => {
        pool.release(buf);
        inflight.delete(p);
      });
    inflight.add(p);
  };
  try {
    let partNumber = 1;
    dispatch(first, n0, partNumber);
    let last = n0 < partSize;
    if (second) {
      partNumber++;
      dispatch(second, n1, partNumber);
      last = n1 < partSize;
    }
    while (!last) {
      if (failed !== undefined) break;
      const buf = await pool.acquire();
      if (failed !== undefined) {
        pool.release(buf);
        break;
      }
      let n: number;
      try {
        n = await o.fill(buf);
      } catch (err) {
        pool.release(buf);
        throw err;
      }
      if (n === 0) {
        pool.release(buf);
        break;
      }
      partNumber++;
      if (partNumber > MAX_PARTS) {
        pool.release(buf);
        throw new Error(`object larger than ${MAX_PARTS} parts of ${partSize / MiB} MiB (set ARTIFACT_S3_UPLOAD_PART_SIZE_MIB)`);
      }
      dispatch(buf, n, partNumber);
      last = n < partSize;
    }
    while (inflight.size > 0) await Promise.all([...inflight]);
    if (failed !== undefined) throw failed;
    if (o.size !== undefined && total !== o.size) throw new Error(`file changed during upload: read ${total} of ${o.size} bytes`);
    parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await o.retry(() =>
      s3.client.send(new CompleteMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...ssec })),
    );
    return total;
  } catch (err) {
    while (inflight.size > 0) await Promise.all([...inflight]);
    await o
      .retry(() => s3.client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key: key, UploadId: uploadId })))
      .catch(() => undefined);
    throw err;
  }
}
