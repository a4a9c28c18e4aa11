/**
 * A file that a download is still writing, read while it grows.
 *
 * A ranged download writes its ranges concurrently, so the file fills out of order. `GrowingFile` is told about each
 * write (`WriteObserver`) and lets readers follow the contiguous prefix written so far: a reader that reaches the
 * prefix waits for the next write, and reads to the end of the file once the download has ended. The download stays
 * the only writer and the file stays the only copy of the bytes (nothing is queued in memory between the two), so
 * an input can be extracted while it is still arriving (decision D33).
 *
 * A download that starts over (a retry re-creates the file) or fails ends the readers with an error; the caller
 * then falls back to reading the finished file, or reports the download's error.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Filler } from './fill.ts';

/** What a downloader tells a reader that follows the file it writes. */
export interface WriteObserver {
  /** The download (re)created the file and will write `size` bytes. A second call means it started over. */
  begin(size: number): void;
  /** `length` bytes at `position` are in the file (the write has completed). */
  wrote(position: number, length: number): void;
}

/** The download started over (retry) while a reader followed it: the bytes already read may not be the final ones. */
export class DownloadRestartedError extends Error {
  constructor() {
    super('the download started over while the file was being read');
  }
}

export class GrowingFile implements WriteObserver {
  /** Written ranges past the prefix, [start, end), sorted and disjoint. */
  #ranges: [number, number][] = [];
  #prefix = 0;
  #begun = false;
  #restarted = false;
  #ended = false;
  #error: Error | undefined;
  #waiters: (() => void)[] = [];

  /** Bytes from the start of the file that are all written. */
  get prefix(): number {
    return this.#prefix;
  }

  /** Whether the downloader has created the file. */
  get begun(): boolean {
    return this.#begun;
  }

  /** Whether the download started over: whatever a reader saw of the first attempt (even an error) is void. */
  get restarted(): boolean {
    return this.#restarted;
  }

  begin(_size: number): void {
    if (this.#begun) {
      this.#restarted = true;
      this.fail(new DownloadRestartedError());
      return;
    }
    this.#begun = true;
    this.#wake();
  }

  wrote(position: number, length: number): void {
    if (length <= 0 || this.#error) return;
    const end = position + length;
    if (position <= this.#prefix) {
      this.#prefix = Math.max(this.#prefix, end);
    } else {
      this.#insert(position, end);
    }
    // Ranges the prefix has reached join it.
    while (this.#ranges.length > 0 && (this.#ranges[0] as [number, number])[0] <= this.#prefix) {
      this.#prefix = Math.max(this.#prefix, (this.#ranges.shift() as [number, number])[1]);
    }
    this.#wake();
  }

  /** The download finished: the file is complete; readers read to its end. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** The download failed (or started over): readers stop with `err`. */
  fail(err: Error): void {
    this.#error ??= err;
    this.#wake();
  }

  /** Resolves once the downloader has created the file, or the download has ended without creating one (false). */
  async whenBegun(): Promise<boolean> {
    for (;;) {
      if (this.#error) throw this.#error;
      if (this.#begun) return true;
      if (this.#ended) return false;
      await this.#next();
    }
  }

  /**
   * A filler over `fh` (the same file, opened for reading) that never reads past the written prefix: it waits for
   * more when it has reached it, returns what is available (possibly fewer bytes than asked, never 0 before the
   * end), and returns 0 once the download has ended and the file is read to its end.
   */
  filler(fh: FileHandle, start = 0): Filler {
    let pos = start;
    return async (buf) => {
      for (;;) {
        if (this.#error) throw this.#error;
        const limit = this.#ended ? Infinity : this.#prefix;
        if (pos < limit) {
          const want = Math.min(buf.length, limit - pos);
          let n = 0;
          while (n < want) {
            const { bytesRead } = await fh.read(buf, n, want - n, pos + n);
            if (bytesRead === 0) break;
            n += bytesRead;
          }
          if (this.#error) throw this.#error;
          pos += n;
          if (n > 0 || this.#ended) return n;
          // The prefix said the bytes were there and the file had none: it was truncated (a restart).
          throw new DownloadRestartedError();
        }
        if (this.#ended) return 0;
        await this.#next();
      }
    };
  }

  #insert(start: number, end: number): void {
    const r = this.#ranges;
    let i = 0;
    while (i < r.length && (r[i] as [number, number])[1] < start) i++;
    // Merge with every range it touches.
    let s = start;
    let e = end;
    let j = i;
    while (j < r.length && (r[j] as [number, number])[0] <= e) {
      s = Math.min(s, (r[j] as [number, number])[0]);
      e = Math.max(e, (r[j] as [number, number])[1]);
      j++;
    }
    r.splice(i, j - i, [s, e]);
  }

  #next(): Promise<void> {
    return new Promise((res) => this.#waiters.push(res));
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}
