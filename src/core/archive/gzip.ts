/**
 * Parallel gzip (pigz-style) as a Transform stream.
 *
 * Input is cut into blocks that are raw-deflated concurrently on the libuv threadpool (zlib's async API). Each
 * block is primed with the last 32 KiB of the previous block as preset dictionary, so the ratio stays close to a
 * single-threaded deflate, and every block but the last ends with a sync flush (byte aligned, not final). The
 * concatenation is ONE valid deflate stream, framed as ONE gzip member (header like Go's compress/gzip: no name,
 * mtime 0, OS 255) with the CRC-32 computed incrementally in input order. Any gzip reader accepts it.
 *
 * Memory is bounded: at most `concurrency` blocks are in flight and the Transform's backpressure stops intake
 * while the consumer is slow.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';
import { availableParallelism } from 'node:os';

export interface GzipOptions {
  /** Uncompressed bytes per block compressed concurrently (default 1 MiB). */
  chunkBytes?: number;
  /** Blocks compressed at the same time (default: min(threadpool size, CPUs) + 1, at least 2). */
  concurrency?: number;
  /** Called with the cumulative number of input bytes compressed. */
  progress?: (bytes: number) => void;
}

const WINDOW = 32 * 1024;

/** Go's compress/gzip levels: −1 default (6), −2 Huffman only, 0 stored … 9 best. */
export function zlibLevel(level: number): { level: number; strategy: number } {
  if (!Number.isInteger(level) || level < -2 || level > 9) throw new Error(`gzip: invalid compression level: ${level}`);
  if (level === -2) return { level: 6, strategy: constants.Z_HUFFMAN_ONLY };
  return { level: level === -1 ? 6 : level, strategy: constants.Z_DEFAULT_STRATEGY };
}

function deflateAsync(buf: Buffer, opts: ZlibOptions): Promise<Buffer> {
  return new Promise((res, rej) => deflateRaw(buf, opts, (err, out) => (err ? rej(err) : res(out))));
}

function defaultConcurrency(): number {
  const pool = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10) || 4;
  return Math.max(2, Math.min(pool, availableParallelism()) + 1);
}

export class ParallelGzip extends Transform {
  readonly #level: number;
  readonly #strategy: number;
  readonly #chunkBytes: number;
  readonly #concurrency: number;
  readonly #progress: ((bytes: number) => void) | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #prevTail: Buffer | undefined;
  #crc = 0;
  #size = 0;
  #done = 0;
  #inflight: Promise<{ out: Buffer; inBytes: number }>[] = [];
  #headerSent = false;

  constructor(level = -1, opts: GzipOptions = {}) {
    super({ highWaterMark: 1 << 20 });
    const z = zlibLevel(level);
    this.#level = z.level;
    this.#strategy = z.strategy;
    this.#chunkBytes = Math.max(64 * 1024, opts.chunkBytes ?? 1 << 20);
    this.#concurrency = Math.max(1, opts.concurrency ?? defaultConcurrency());
    this.#progress = opts.progress;
  }

  #header(): Buffer {
    // XFL as Go: 2 for best compression, 4 for best speed, else 0. OS = 255 (unknown).
    const xfl = this.#level === 9 ? 2 : this.#level === 1 ? 4 : 0;
    return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
  }

  #submit(block: Buffer, last: boolean): void {
    this.#crc = crc32(block, this.#crc);
    this.#size += block.length;
    const opts: ZlibOptions = {
      level: this.#level,
      strategy: this.#strategy,
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    };
    if (this.#prevTail && this.#level !== 0) opts.dictionary = this.#prevTail;
    this.#prevTail = block.length >= WINDOW ? block.subarray(block.length - WINDOW) : Buffer.concat([this.#prevTail ?? Buffer.alloc(0), block]).subarray(-WINDOW);
    const inBytes = block.length;
    const p = deflateAsync(block, opts).then((out) => ({ out, inBytes }));
    p.catch(() => undefined); // surfaced when awaited in order
    this.#inflight.push(p);
  }

  async #drain(keep: number): Promise<void> {
    if (!this.#headerSent) {
      this.push(this.#header());
      this.#headerSent = true;
    }
    while (this.#inflight.length > keep) {
      const { out, inBytes } = await (this.#inflight.shift() as Promise<{ out: Buffer; inBytes: number }>);
      this.push(out);
      this.#done += inBytes;
      this.#progress?.(this.#done);
    }
  }

  #takeBlock(): Buffer {
    const all = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending, this.#pendingBytes);
    const block = all.subarray(0, this.#chunkBytes);
    const rest = all.subarray(this.#chunkBytes);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes = rest.length;
    return block;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    const work = async (): Promise<void> => {
      // Keep at least one byte pending so the final block (Z_FINISH) is always emitted by _flush.
      while (this.#pendingBytes > this.#chunkBytes) {
        this.#submit(this.#takeBlock(), false);
        if (this.#inflight.length >= this.#concurrency) await this.#drain(this.#concurrency - 1);
      }
    };
    work().then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.#pendingBytes > 0 ? this.#takeBlock() : Buffer.alloc(0);
    this.#submit(rest, true);
    this.#drain(0)
      .then(() => {
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(this.#crc >>> 0, 0);
        trailer.writeUInt32LE(this.#size % 2 ** 32, 4);
        this.push(trailer);
        cb();
      })
      .catch(cb);
  }
}

export function createParallelGzip(level = -1, opts: GzipOptions = {}): ParallelGzip {
  return new ParallelGzip(level, opts);
}
