/**
 * Parallel gzip (pigz-style) as a pull source: `fill(buf)` copies the next compressed bytes into the caller's
 * buffer while the following blocks are being compressed.
 *
 * The input (a `Filler`) is read in blocks into a fixed set of slots; each block is raw-deflated on the threadpool
 * by its slot's deflater (src/core/archive/block-deflate.ts), primed with the last 32 KiB of the input before it
 * as preset dictionary so the ratio stays close to a single-threaded deflate; every block but the last ends with
 * a sync flush (byte aligned, not final). The blocks in order are ONE valid deflate stream, framed as ONE gzip
 * member (header like Go's compress/gzip: no name, mtime 0, OS 255) with the CRC-32 computed in input order. Any
 * gzip reader accepts it.
 *
 * Memory is fixed: `concurrency` slots of (block + deflate bound + 32 KiB dictionary), allocated once and reused;
 * with the native deflater nothing is allocated per block. Reading stops while every slot holds a block that is
 * being compressed or waiting to be pulled (backpressure).
 */
import { availableParallelism } from 'node:os';
import { constants, crc32 } from 'node:zlib';
import type { Filler, PullSource } from '../io/fill.ts';
import { defaultDeflaters, outputBound, type BlockDeflater, type DeflaterFactory } from './block-deflate.ts';

export interface GzipOptions {
  /** Uncompressed bytes per block compressed concurrently (default 1 MiB). */
  chunkBytes?: number;
  /** Blocks compressed at the same time (default: min(threadpool size, CPUs) + 1, at least 2). */
  concurrency?: number;
  /** Called with the cumulative number of input bytes compressed and pulled. */
  progress?: (bytes: number) => void;
  /** Deflater implementation (default: the native helper when shipped, else Node's zlib). */
  deflaters?: DeflaterFactory;
}

const WINDOW = 32 * 1024;

/**
 * The compressor for one of Go's compress/gzip levels: −1 default, −2 Huffman only, 0 stored … 9 best.
 * An explicit level is zlib's level of the same number. The default (−1) is ISA-L's igzip at its level 3 where the
 * native deflater is shipped (decision D37: ~3× zlib level 6's speed; outputs 8–14 % larger than Go's compress/gzip
 * level 6, which zlib level 6 matches), else zlib level 6.
 */
export function compressorFor(level: number): { level: number; strategy: number; isalLevel?: number } {
  if (!Number.isInteger(level) || level < -2 || level > 9) throw new Error(`gzip: invalid compression level: ${level}`);
  if (level === -2) return { level: 6, strategy: constants.Z_HUFFMAN_ONLY };
  if (level === -1) return { level: 6, strategy: constants.Z_DEFAULT_STRATEGY, isalLevel: DEFAULT_ISAL_LEVEL };
  return { level, strategy: constants.Z_DEFAULT_STRATEGY };
}

const DEFAULT_ISAL_LEVEL = 3;

function defaultConcurrency(): number {
  const pool = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10) || 4;
  return Math.max(2, Math.min(pool, availableParallelism()) + 1);
}

interface Slot {
  readonly input: Buffer;
  readonly dict: Buffer;
  readonly output: Buffer;
  readonly deflater: BlockDeflater;
  inLen: number;
  job: Promise<{ bytes: number; crc?: number }> | undefined;
  outLen: number | undefined;
  outPos: number;
}

export class ParallelGzip implements PullSource {
  readonly #read: Filler;
  readonly #level: number;
  readonly #chunkBytes: number;
  readonly #crc32Combine: DeflaterFactory['crc32Combine'];
  readonly #progress: ((bytes: number) => void) | undefined;
  readonly #free: Slot[] = [];
  /** Submitted blocks in input order. */
  readonly #order: Slot[] = [];
  readonly #tail = Buffer.alloc(WINDOW);
  #tailLen = 0;
  #crc = 0;
  #size = 0;
  #done = 0;
  #eof = false;
  #pumping = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  /** Header, then trailer: small framing bytes waiting to be pulled. */
  #framing: Buffer | undefined;
  #framingPos = 0;
  #trailerQueued = false;

  constructor(read: Filler, level = -1, opts: GzipOptions = {}) {
    const z = compressorFor(level);
    this.#read = read;
    this.#level = z.level;
    this.#chunkBytes = Math.max(64 * 1024, opts.chunkBytes ?? 1 << 20);
    this.#progress = opts.progress;
    const deflaters = opts.deflaters ?? defaultDeflaters();
    this.#crc32Combine = deflaters.crc32Combine;
    const slots = Math.max(1, opts.concurrency ?? defaultConcurrency());
    for (let i = 0; i < slots; i++) {
      this.#free.push({
        input: Buffer.allocUnsafeSlow(this.#chunkBytes),
        dict: Buffer.allocUnsafeSlow(WINDOW),
        output: Buffer.allocUnsafeSlow(outputBound(this.#chunkBytes)),
        deflater: deflaters.create(z.level, z.strategy, z.isalLevel),
        inLen: 0, job: undefined, outLen: undefined, outPos: 0,
      });
    }
    // XFL as Go: 2 for best compression, 4 for best speed, else 0. OS = 255 (unknown).
    const xfl = z.level === 9 ? 2 : z.level === 1 ? 4 : 0;
    this.#framing = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
  }

  destroy(err?: Error): void {
    this.#error ??= err ?? new Error('gzip: destroyed');
    this.#signal();
  }

  #signal(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** Read blocks into free slots and start compressing them, until the slots are full or the input ends. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#eof && !this.#error && this.#free.length > 0) {
        const slot = this.#free.pop() as Slot;
        const n = await this.#read(slot.input);
        if (this.#error) return;
        const last = n < this.#chunkBytes;
        this.#submit(slot, n, last);
        if (last) this.#eof = true;
        this.#signal();
      }
    } catch (err) {
      this.#error ??= err as Error;
      this.#signal();
    } finally {
      this.#pumping = false;
    }
  }

  #submit(slot: Slot, n: number, last: boolean): void {
    const block = slot.input.subarray(0, n);
    this.#size += n;
    // Dictionary: the last 32 KiB of everything before this block (a copy, so slots never alias).
    const dictLen = this.#tailLen;
    this.#tail.copy(slot.dict, 0, WINDOW - dictLen, WINDOW);
    if (n >= WINDOW) {
      block.copy(this.#tail, 0, n - WINDOW, n);
      this.#tailLen = WINDOW;
    } else if (n > 0) {
      this.#tail.copyWithin(0, n, WINDOW);
      block.copy(this.#tail, WINDOW - n);
      this.#tailLen = Math.min(WINDOW, this.#tailLen + n);
    }
    const dict = this.#level !== 0 && dictLen > 0 ? slot.dict.subarray(0, dictLen) : undefined;
    slot.inLen = n;
    slot.outLen = undefined;
    slot.outPos = 0;
    slot.job = slot.deflater.deflate(block, dict, last, slot.output);
    slot.job.catch(() => undefined); // surfaced when pulled, in order
    this.#order.push(slot);
  }

  readonly fill: Filler = async (buf) => {
    void this.#pump();
    let w = 0;
    while (w < buf.length) {
      if (this.#error) throw this.#error;
      if (this.#framing) {
        const k = this.#framing.copy(buf, w, this.#framingPos);
        w += k;
        this.#framingPos += k;
        if (this.#framingPos >= this.#framing.length) {
          this.#framing = undefined;
          this.#framingPos = 0;
        }
        continue;
      }
      const slot = this.#order[0];
      if (!slot) {
        if (!this.#eof) {
          // The reader has not submitted the next block yet.
          await new Promise<void>((res) => {
            this.#wake = res;
            void this.#pump();
          });
          continue;
        }
        if (this.#trailerQueued) break;
        this.#trailerQueued = true;
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(this.#crc >>> 0, 0);
        trailer.writeUInt32LE(this.#size % 2 ** 32, 4);
        this.#framing = trailer;
        continue;
      }
      if (slot.outLen === undefined) {
        const r = await (slot.job as Promise<{ bytes: number; crc?: number }>);
        slot.outLen = r.bytes;
        // The CRC-32 in input order: the block's own (computed with it) combined, or computed here.
        this.#crc = r.crc !== undefined && this.#crc32Combine
          ? this.#crc32Combine(this.#crc, r.crc, slot.inLen)
          : crc32(slot.input.subarray(0, slot.inLen), this.#crc);
      }
      if (this.#error) throw this.#error;
      const k = slot.output.copy(buf, w, slot.outPos, slot.outLen);
      w += k;
      slot.outPos += k;
      if (slot.outPos >= slot.outLen) {
        this.#order.shift();
        slot.job = undefined;
        this.#done += slot.inLen;
        this.#progress?.(this.#done);
        this.#free.push(slot);
        void this.#pump();
      }
    }
    return w;
  };
}
