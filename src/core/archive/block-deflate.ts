/**
 * Block deflaters: the port the parallel gzip compresses through. One deflater compresses one block at a time,
 * raw deflate (no zlib/gzip framing), primed with a preset dictionary, ending with a sync flush (or the final
 * block), into an output buffer the caller owns.
 *
 * Two adapters:
 * - native (native/deflate.c, shipped next to the executable): zlib on the libuv threadpool writing straight into
 *   the caller's buffer, deflate state reused — nothing allocated per block;
 * - zlib (Node's `deflateRaw`): portable fallback when the helper is absent (running from source); allocates the
 *   compressed block, which is then copied into the caller's buffer.
 * Both produce valid, interchangeable deflate blocks (not necessarily the same bytes).
 */
import { constants, deflateRaw, type ZlibOptions } from 'node:zlib';
import { loadNativeAddon, type NativeAddonName } from '../runtime/native.ts';

export interface BlockDeflater {
  /**
   * Compress `input` into `out` (which must hold `outputBound(input.length)` bytes); `dictionary` primes the
   * window; `last` ends the deflate stream. Resolves with the number of bytes written to `out`. The buffers must
   * not change until it resolves. With `crc`, the CRC-32 of `input` (the native deflater computes it on the
   * threadpool; the caller combines them in order with the factory's `crc32Combine`). `stored`: the native deflater
   * found the block incompressible and stored it (decision D36).
   */
  deflate(input: Buffer, dictionary: Buffer | undefined, last: boolean, out: Buffer): Promise<{ bytes: number; crc?: number; stored?: boolean }>;
}

export interface DeflaterFactory {
  readonly kind: 'native' | 'zlib';
  /** `isalLevel` 1..3: compress with ISA-L's igzip at that level instead (native only; the zlib adapter ignores it). */
  create(level: number, strategy: number, isalLevel?: number): BlockDeflater;
  /** The CRC-32 of two blocks one after the other, from theirs (present when the deflaters return `crc`). */
  crc32Combine?(crc1: number, crc2: number, len2: number): number;
}

/** Room an output buffer needs for `n` input bytes: zlib's deflateBound for any settings, plus the sync marker. */
export function outputBound(n: number): number {
  // zlib's conservative bound (deflateBound without a stream): n + n/8 + n/64 + 5 per stored block + headers.
  return n + (n >> 3) + (n >> 6) + ((n + 16383) >> 14) * 5 + 64;
}

interface DeflateAddon {
  createDeflater(level: number, strategy: number, isalLevel: number): object;
  deflateBlock(d: object, input: Buffer, dict: Buffer | null, last: boolean, out: Buffer, cb: (err: Error | null, n: number, crc: number, stored: boolean) => void): void;
  crc32Combine(crc1: number, crc2: number, len2: number): number;
}

export const zlibDeflaters: DeflaterFactory = {
  kind: 'zlib',
  create(level, strategy) {
    return {
      deflate: (input, dictionary, last, out) =>
        new Promise((res, rej) => {
          const opts: ZlibOptions = { level, strategy, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH };
          if (dictionary) opts.dictionary = dictionary;
          deflateRaw(input, opts, (err, block) => {
            if (err) return rej(err);
            if (block.length > out.length) return rej(new Error(`deflate: block of ${block.length} bytes exceeds the output bound ${out.length}`));
            res({ bytes: block.copy(out) });
          });
        }),
    };
  },
};

function nativeFactory(addon: DeflateAddon): DeflaterFactory {
  return {
    kind: 'native',
    create(level, strategy, isalLevel) {
      const handle = addon.createDeflater(level, strategy, isalLevel ?? -1);
      return {
        deflate: (input, dictionary, last, out) =>
          new Promise((res, rej) => addon.deflateBlock(handle, input, dictionary ?? null, last, out, (err, bytes, crc, stored) => (err ? rej(err) : res({ bytes, crc, stored })))),
      };
    },
    crc32Combine: (a, b, len) => addon.crc32Combine(a, b, len),
  };
}

/** The native deflaters from the addon at `path` (default: next to the running executable), if present. */
export function nativeDeflaters(path?: string): DeflaterFactory | undefined {
  const name: NativeAddonName = 'deflate';
  const addon = loadNativeAddon<DeflateAddon>(name, path);
  return addon ? nativeFactory(addon) : undefined;
}

let chosen: DeflaterFactory | undefined;

/** Native when shipped with the executable, else Node's zlib. */
export function defaultDeflaters(): DeflaterFactory {
  return (chosen ??= nativeDeflaters() ?? zlibDeflaters);
}
