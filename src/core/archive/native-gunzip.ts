/**
 * Gunzip through the native ISA-L inflater (native/inflate.c, decision D35): the compressed bytes are pulled from a
 * `Filler` into two reused input buffers (the next one fills while the current one inflates), each inflate runs on
 * the threadpool into a fresh output chunk, and the chunk is written to `out` while the next one inflates.
 *
 * The same bytes and errors as Node's Gunzip, which stays the fallback when the helper is absent (running from
 * source): members one after another, trailing zero bytes ignored, zlib's messages and codes; a stream that stops
 * before its member's trailer is "unexpected end of file" (Z_BUF_ERROR), as zlib says it.
 */
import type { Writable } from 'node:stream';
import { watchDestination, type Filler } from '../io/fill.ts';
import { loadNativeAddon } from '../runtime/native.ts';

interface InflateAddon {
  createInflater(): object;
  inflate(h: object, input: Buffer, output: Buffer, cb: (err: Error | null, consumed: number, produced: number, ended: boolean) => void): void;
}

/** The gunzip of a pulled source into a Writable; resolves once `out` has finished. */
export type GunzipInto = (fill: Filler, out: Writable) => Promise<void>;

/**
 * The native gunzip when the helper ships with the executable (or is at `path`), else undefined (callers use Node's
 * Gunzip). loadNativeAddon loads each path once.
 */
export function nativeGunzip(path?: string): GunzipInto | undefined {
  const a = loadNativeAddon<InflateAddon>('inflate', path);
  return a ? (fill, out) => gunzipInto(a, fill, out) : undefined;
}

function unexpectedEof(): Error {
  return Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR', errno: -5 });
}

/** Compressed bytes per read (two reused buffers). */
const CHUNK = 1 << 20;
/**
 * Inflated bytes per output chunk: fresh for each (the tar reader keeps slices of it until they are written), small
 * enough that a chunk rarely outlives a young-generation collection (D12) — 1 MiB chunks raised init's peak RSS on
 * P3 from ~104 to ~120 MiB.
 */
const OUT_CHUNK = 512 * 1024;

async function gunzipInto(a: InflateAddon, fill: Filler, out: Writable): Promise<void> {
  const h = a.createInflater();
  const inflate = (input: Buffer, output: Buffer): Promise<{ consumed: number; produced: number; ended: boolean }> =>
    new Promise((res, rej) => a.inflate(h, input, output, (err, consumed, produced, ended) => (err ? rej(err) : res({ consumed, produced, ended }))));

  const { done, failedOrEarly } = watchDestination(out);
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failedOrEarly]);

  // Two input buffers: the next one fills while the current one inflates. A filler may return fewer bytes than asked
  // before the end (a growing file at its written prefix); 0 is the end.
  const bufs: [Buffer, Buffer] = [Buffer.allocUnsafeSlow(CHUNK), Buffer.allocUnsafeSlow(CHUNK)];
  let cur: 0 | 1 = 0;
  let input = bufs[cur].subarray(0, await guard(fill(bufs[cur])));
  let eof = input.length === 0;
  let next: Promise<number> | undefined;
  const readNext = (): void => {
    next = eof ? undefined : fill(bufs[cur === 0 ? 1 : 0]);
    next?.catch(() => undefined);
  };
  readNext();
  let drained: Promise<void> | undefined;
  let ended = false;
  let flush = false; // the last inflate filled its output: more may be pending without new input
  for (;;) {
    if (input.length > 0 || flush) {
      const output = Buffer.allocUnsafeSlow(OUT_CHUNK);
      const r = await guard(inflate(input, output));
      if (r.consumed === 0 && r.produced === 0 && input.length > 0) throw new Error('inflate: no progress on the input');
      input = input.subarray(r.consumed);
      ended = r.ended;
      if (drained) {
        await guard(drained);
        drained = undefined;
      }
      if (r.produced > 0 && !out.write(output.subarray(0, r.produced))) {
        drained = new Promise<void>((res) => out.once('drain', res));
      }
      flush = r.produced === OUT_CHUNK;
      if (input.length > 0 || flush) continue; // more to inflate from what is here
    }
    if (eof) break;
    const n = await guard(next as Promise<number>);
    cur = cur === 0 ? 1 : 0;
    input = bufs[cur].subarray(0, n);
    eof = n === 0;
    readNext();
  }
  if (drained) await guard(drained);
  if (!ended) throw unexpectedEof();
  out.end();
  await done;
}
