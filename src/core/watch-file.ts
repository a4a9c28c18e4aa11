/**
 * Watch one file for creation/changes: inotify on its parent directory (fs.watch), an immediate check
 * when it already exists, and a polling fallback (Argo's util/file/watch.go: 2 s).
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { timerMs } from './go-duration.ts';

export interface FileWatch { close(): void }

export function watchFile(path: string, onEvent: () => void, pollMs = 2000): FileWatch {
  const name = basename(path);
  let closed = false;
  const fire = (): void => { if (!closed) onEvent(); };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      if (filename === null || filename === name) fire();
    });
    watcher.on('error', () => { watcher?.close(); watcher = undefined; });
  } catch {
    watcher = undefined; // e.g. inotify limits: polling alone still works
  }
  const timer = setInterval(fire, timerMs(pollMs));
  if (existsSync(path)) queueMicrotask(fire);
  return {
    close(): void {
      closed = true;
      clearInterval(timer);
      watcher?.close();
    },
  };
}

/**
 * Resolve once `accept()` returns a value other than undefined, checked on every event; reject when
 * `signal` aborts (with `context canceled`, as Go's context error).
 */
export function waitForFile<T>(path: string, accept: () => T | undefined, signal?: AbortSignal, pollMs = 2000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) { reject(new Error('context canceled')); return; }
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      w.close();
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => finish(() => reject(new Error('context canceled')));
    const w = watchFile(path, () => {
      let value: T | undefined;
      try { value = accept(); } catch (err) { finish(() => reject(err)); return; }
      if (value !== undefined) finish(() => resolve(value as T));
    }, pollMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
