/**
 * The child's output copied by a native thread (native/tee.c) off the event loop, as Go's emissary copies in
 * goroutines: stdout → the container's stdout, ctr/<name>/stdout and ctr/<name>/combined; stderr → the container's
 * stderr and combined, each read handed on in the order the pipes became readable (epoll). Used when the
 * executable's native helper is there; output-tee.ts (the same copies on the event loop) otherwise.
 */
import { closeSync } from 'node:fs';
import { loadNativeAddon } from '../../core/runtime/native.ts';
import type { CaptureFds } from './output-tee.ts';

interface TeeAddon {
  pipe(): [number, number];
  startCopy(inputs: [number, number[]][], done: (bytes: number) => void): object;
  cancelCopy(copy: object): void;
}

export function teeAddon(): TeeAddon | undefined {
  try {
    return loadNativeAddon<TeeAddon>('tee');
  } catch {
    return undefined; // a helper that does not load: the event-loop copy still works
  }
}

/** Handles of running copies: kept referenced until done (the thread owns the memory they point to). */
const running = new Set<object>();

export class ThreadTee {
  readonly #addon: TeeAddon;
  readonly #out: [number, number];
  readonly #err: [number, number];
  #copies: object[] = [];

  constructor(addon: TeeAddon) {
    this.#addon = addon;
    this.#out = addon.pipe();
    try {
      this.#err = addon.pipe();
    } catch (err) {
      for (const fd of this.#out) closeSync(fd);
      throw err;
    }
  }

  /** The child's stdout and stderr (write ends, for spawn's stdio). */
  get childFds(): [number, number] {
    return [this.#out[1], this.#err[1]];
  }

  /** After spawn: the parent's copies of the write ends go, so EOF comes when the child's side closes. */
  closeChildEnds(): void {
    for (const fd of this.childFds) { try { closeSync(fd); } catch { /* already closed */ } }
  }

  /** spawn failed: nothing will read either. */
  closeAll(): void {
    this.closeChildEnds();
    for (const fd of [this.#out[0], this.#err[0]]) { try { closeSync(fd); } catch { /* already closed */ } }
  }

  /** Starts the copy; resolves when both pipes reached EOF (or it was cancelled). */
  start(capture: CaptureFds, logFds = { stdout: 1, stderr: 2 }): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.#addon.startCopy([
        [this.#out[0], [logFds.stdout, capture.stdout, capture.combined]],
        [this.#err[0], [logFds.stderr, capture.combined]],
      ], () => { running.delete(handle); resolve(); });
      running.add(handle);
      this.#copies.push(handle);
    });
  }

  /** Stops reading (a grandchild kept the pipes open past the drain delay). */
  cancel(): void {
    for (const c of this.#copies) this.#addon.cancelCopy(c);
  }
}
