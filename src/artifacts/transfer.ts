/** Helpers every driver uses while moving many objects: throttled progress and a bounded worker pool. */
import type { TransferProgress } from './driver.ts';

/** Report progress at most every 250 ms (and always when `force`d, e.g. at the end). */
export function throttle(progress: TransferProgress | undefined, total?: number): (bytes: number, force?: boolean) => void {
  if (!progress) return () => undefined;
  let last = 0;
  return (bytes, force) => {
    const now = Date.now();
    if (force || now - last >= 250) {
      last = now;
      progress(bytes, total);
    }
  };
}

/** Run `fn` over `items` with at most `n` in flight; stop taking new items after the first failure. */
export async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failed !== undefined) throw failed;
}
