/**
 * Pull-style byte sources: a `Filler` copies the next bytes of a source into a buffer the caller owns and reuses.
 *
 * Moving gigabytes through Node streams allocates a fresh Buffer per chunk; chunks that stay alive across a few
 * asynchronous steps are promoted to V8's old generation and only freed by a full GC, which V8 starts after tens
 * of MiB of such garbage. Filling reused buffers keeps the hot paths (the wait's tar → gzip → S3 upload) free of
 * per-chunk allocations, so memory stays flat whatever the size.
 */
import type { FileHandle } from 'node:fs/promises';
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Fills `buf` from the source; returns the bytes written (< buf.length only at end of data, 0 at the end). */
export type Filler = (buf: Buffer) => Promise<number>;

/** A source that can be pulled into caller buffers (e.g. the parallel gzip); see `fillerOf`. */
export interface PullSource {
  readonly fill: Filler;
  /** Stop producing and release resources (the source's own source is not closed). */
  destroy(err?: Error): void;
}

export function isPullSource(s: unknown): s is PullSource {
  return typeof (s as PullSource | undefined)?.fill === 'function' && typeof (s as PullSource).destroy === 'function';
}

/** A filler over a Readable: copies its chunks (any size) into the caller's buffers. */
export function streamFiller(source: Readable): Filler {
  const it = (source as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let pending: Buffer | undefined;
  let eof = false;
  return async (buf) => {
    let n = 0;
    while (n < buf.length) {
      if (!pending || pending.length === 0) {
        if (eof) break;
        const r = await it.next();
        if (r.done) {
          eof = true;
          break;
        }
        pending = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      }
      const k = pending.copy(buf, n);
      n += k;
      pending = pending.subarray(k);
    }
    return n;
  };
}

/**
 * A filler that reads a file from `start` with positional reads straight into the caller's buffers; with `length`,
 * that many bytes at most (a range of the file, e.g. one member of a tar).
 */
export function fileFiller(fh: FileHandle, start = 0, length = Infinity): Filler {
  let pos = start;
  const end = start + length;
  return async (buf) => {
    let n = 0;
    while (n < buf.length && pos < end) {
      const { bytesRead } = await fh.read(buf, n, Math.min(buf.length - n, end - pos), pos);
      if (bytesRead === 0) break;
      n += bytesRead;
      pos += bytesRead;
    }
    return n;
  };
}

/** The filler of a Readable or a PullSource. */
export function fillerOf(source: Readable | PullSource): Filler {
  return isPullSource(source) ? source.fill : streamFiller(source);
}

/**
 * A destination being written: `done` settles when it has finished (or failed); `failedOrEarly` rejects when it
 * failed or finished before the writer was done with it — race each write or pull against it, so that a broken
 * destination ends the writer instead of leaving it waiting.
 */
export function watchDestination(out: Writable): { done: Promise<void>; failedOrEarly: Promise<never> } {
  const done = finished(out);
  done.catch(() => undefined);
  const failedOrEarly = done.then((): never => {
    throw new Error('the destination closed before all data was written');
  });
  failedOrEarly.catch(() => undefined);
  return { done, failedOrEarly };
}

/**
 * Copy everything `fill` yields into `out` through ONE reused buffer (each write is awaited before the buffer is
 * refilled), then end `out` and wait until it has finished. Returns the byte count.
 */
export async function pumpTo(fill: Filler, out: Writable, bufferBytes = 1 << 20): Promise<number> {
  const buf = Buffer.allocUnsafeSlow(bufferBytes);
  let total = 0;
  const { done, failedOrEarly } = watchDestination(out);
  for (;;) {
    const n = await Promise.race([fill(buf), failedOrEarly]);
    if (n === 0) break;
    total += n;
    await Promise.race([new Promise<void>((res, rej) => out.write(buf.subarray(0, n), (err) => (err ? rej(err) : res()))), failedOrEarly]);
  }
  out.end();
  await done;
  return total;
}

/**
 * A Writable whose data is pulled with `fill` (push producers, such as the tar writer, feeding a pull consumer).
 * Each written chunk is acknowledged once it has been copied out, so the producer is held back by the consumer.
 */
export class FillerSink extends Writable {
  #chunk: Buffer | undefined;
  #ack: ((err?: Error | null) => void) | undefined;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor() {
    super({ highWaterMark: 0 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#chunk = chunk;
    this.#ack = cb;
    this.#notify();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#ended = true;
    this.#notify();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#error = err ?? new Error('the writer was destroyed before it ended');
    this.#notify();
    cb(err);
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  readonly fill: Filler = async (buf) => {
    let n = 0;
    while (n < buf.length) {
      if (this.#chunk) {
        const k = this.#chunk.copy(buf, n);
        n += k;
        this.#chunk = this.#chunk.subarray(k);
        if (this.#chunk.length === 0) {
          const ack = this.#ack;
          this.#chunk = undefined;
          this.#ack = undefined;
          ack?.();
        }
        continue;
      }
      if (this.#ended) break;
      if (this.#error) throw this.#error;
      await new Promise<void>((res) => (this.#wake = res));
    }
    return n;
  };
}
