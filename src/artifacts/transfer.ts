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

/**
 * Run `fn` over `items` with at most `n` in flight; stop taking new items after the first failure. `items` may be an
 * async iterable (e.g. a listing read page by page): work starts with the first item, not after the last; a failure
 * of the iterable itself fails the pool like a failed item.
 */
export async function pool<T>(items: T[] | AsyncIterable<T>, n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let failed: unknown;
  const take = Array.isArray(items) ? arrayTaker(items) : iterableTaker(items[Symbol.asyncIterator]());
  const worker = async (): Promise<void> => {
    while (failed === undefined) {
      let item: IteratorResult<T>;
      try {
        item = await take();
      } catch (err) {
        failed ??= err;
        return;
      }
      if (item.done || failed !== undefined) return;
      try {
        await fn(item.value);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  const workers = Array.isArray(items) ? Math.min(n, items.length) : n;
  await Promise.all(Array.from({ length: workers }, worker));
  if (failed !== undefined) throw failed;
}

function arrayTaker<T>(items: T[]): () => IteratorResult<T> | Promise<IteratorResult<T>> {
  let next = 0;
  return () => (next < items.length ? { done: false, value: items[next++] as T } : { done: true, value: undefined });
}

/** Concurrent next() calls on one iterator, in turn (async generators queue them; other iterators may not). */
function iterableTaker<T>(it: AsyncIterator<T>): () => Promise<IteratorResult<T>> {
  let last: Promise<unknown> = Promise.resolve();
  let ended = false;
  return () => {
    const r = last.then(async (): Promise<IteratorResult<T>> => {
      if (ended) return { done: true, value: undefined };
      const x = await it.next();
      if (x.done) ended = true;
      return x;
    });
    last = r.catch(() => { ended = true; });
    return r;
  };
}
