/**
 * Young-generation collections while bytes are being moved.
 *
 * Node allocates a fresh Buffer for every socket read and every zlib output chunk. Those die young, but V8 scavenges
 * only when its 1 MiB new space (--max-semi-space-size=1) fills with JS objects, not when the (off-heap) buffers pile
 * up: moving a few GiB then holds ~40–80 MiB of dead buffers at a time. While a transfer runs we ask V8 for a minor
 * GC every `intervalMs` (a fraction of a millisecond each), which frees them young.
 *
 * `gc` is exposed on demand (`exposeGc`), not by an executable-wide --expose-gc: that flag costs every emissary ~25 ms
 * of start-up. Turning it on changes V8's flag hash, so the embedded bundles that can load afterwards (the storage
 * SDK bundles) have code caches made under --expose-gc and turn it on before they load (src/cli/sea-chunk.ts,
 * scripts/build.ts). Decision D12.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFn = (opts?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let gcFn: GcFn | null | undefined;

/** V8's `gc`, exposed once for the rest of the process (undefined if V8 refuses). */
export function exposeGc(): GcFn | undefined {
  if (gcFn === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as GcFn;
    } catch {
      gcFn = null;
    }
  }
  return gcFn ?? undefined;
}

let active = 0;
let timer: NodeJS.Timeout | undefined;

/** Start collecting for one transfer; call the returned function when it ends (nested transfers share one timer). */
export function collectWhileTransferring(intervalMs = 50): () => void {
  const gc = exposeGc();
  if (!gc) return () => undefined;
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
