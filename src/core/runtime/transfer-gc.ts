/**
 * Young-generation collections while bytes are being moved.
 *
 * Node allocates a fresh Buffer for every socket read and every zlib output chunk. Those die young, but V8 scavenges
 * only when its 1 MiB new space (--max-semi-space-size=1) fills with JS objects, not when the (off-heap) buffers pile
 * up: moving a few GiB then holds ~40–80 MiB of dead buffers at a time. While a transfer runs we ask V8 for a minor
 * GC every `intervalMs` (a fraction of a millisecond each) while off-heap memory holds COLLECT_ABOVE_BYTES or more,
 * which frees them young.
 *
 * `gc` is exposed on demand (`exposeGc`), not by an executable-wide --expose-gc: that flag costs every emissary ~25 ms
 * of start-up. Turning it on changes V8's flag hash, so the embedded bundles that can load afterwards (the storage
 * SDK bundles) have code caches made under --expose-gc and turn it on before they load (src/cli/sea-chunk.ts,
 * scripts/build.ts). Decision D12.
 *
 * What V8 frees, glibc keeps in its arenas: every `TRIM_EVERY_MS` the transfer also hands the free pages back
 * (native/memory.c, malloc_trim), and blocks of `MMAP_THRESHOLD` bytes and more are mapped on their own (freed at
 * once) instead of following glibc's sliding threshold into the arenas. Decision D38.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadNativeAddon } from './native.ts';

interface MemoryAddon {
  trim(): number;
  mmapThreshold(bytes: number): number;
}

/** Free heap pages go back to the kernel this often during a transfer (every 10 ms: ~20 % more CPU on P3). */
const TRIM_EVERY_MS = 100;
/** glibc's initial threshold, held there: Node's 512 KiB and 1 MiB I/O chunks are mapped and unmapped on their own. */
const MMAP_THRESHOLD = 128 * 1024;

/** A tick collects when off-heap memory (ArrayBuffers: socket reads, zlib chunks) is at least this much. */
const COLLECT_ABOVE_BYTES = 8 * 1024 * 1024;

/** Memory held outside V8's heap by JS objects (ArrayBuffers), ~1 µs to read. */
const externalBytes = (): number => getHeapStatistics().external_memory;

let memory: MemoryAddon | null | undefined;

/** The C-heap helper (undefined when running from source, or when it cannot be loaded: trimming is an optimisation). */
function memoryAddon(): MemoryAddon | undefined {
  if (memory === undefined) {
    try {
      memory = loadNativeAddon<MemoryAddon>('memory') ?? null;
      memory?.mmapThreshold(MMAP_THRESHOLD);
    } catch {
      memory = null;
    }
  }
  return memory ?? undefined;
}

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
    const mem = memoryAddon();
    const trimEvery = Math.max(1, Math.round(TRIM_EVERY_MS / intervalMs));
    let ticks = 0;
    timer = setInterval(() => {
      // Only when buffers hold more than a few MiB: a download of many small objects keeps less than that (V8's
      // own scavenges free them), and a collection every tick cost it ~5 % of its CPU (P1a↓, D42).
      if (externalBytes() >= COLLECT_ABOVE_BYTES) gc({ type: 'minor' });
      if (mem && ++ticks % trimEvery === 0) mem.trim();
    }, intervalMs);
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
