/**
 * Young-generation collections while bytes are being moved.
 *
 * Node allocates a fresh Buffer for every socket read and every zlib output chunk. Those die young, but V8 only
 * scavenges when its 1 MiB new space fills with JS objects, not when the (off-heap) buffers pile up: moving a few
 * GiB then holds ~60–80 MiB of dead buffers at a time. While a transfer runs we ask for a scavenge every
 * `intervalMs` (a fraction of a millisecond each with the small new space), which frees them. The executable is
 * started with --expose-gc for this (scripts/build.ts); without it (running from source) this does nothing.
 */
type GcFn = (opts?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let active = 0;
let timer: NodeJS.Timeout | undefined;

/** Start collecting for one transfer; call the returned function when it ends (nested transfers share one timer). */
export function collectWhileTransferring(intervalMs = 50): () => void {
  const gc = (globalThis as { gc?: GcFn }).gc;
  if (typeof gc !== 'function') return () => undefined;
  active++;
  if (!timer) {
    timer = setInterval(() => gc({ type: 'minor' }), intervalMs);
    timer.unref();
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (--active === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
