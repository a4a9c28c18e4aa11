/** Write a whole buffer to a file descriptor synchronously, riding out partial writes and EAGAIN. */
import { writeSync, writevSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

export function writeAllSync(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1); // a non-blocking stdout pipe is full: give the reader a moment
    }
  }
}

/** The kernel's limit on buffers per writev (IOV_MAX). */
const IOV_MAX = 1024;

/** writev a list of buffers completely (one system call in the common case). */
export function writevAllSync(fd: number, chunks: Buffer[]): void {
  if (chunks.length > IOV_MAX) {
    for (let i = 0; i < chunks.length; i += IOV_MAX) writevAllSync(fd, chunks.slice(i, i + IOV_MAX));
    return;
  }
  let total = 0;
  for (const c of chunks) total += c.length;
  let written: number;
  try {
    written = writevSync(fd, chunks);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    written = 0;
  }
  if (written === total) return;
  // Partial write (or EAGAIN): finish the rest buffer by buffer.
  let skip = written;
  for (const c of chunks) {
    if (skip >= c.length) { skip -= c.length; continue; }
    writeAllSync(fd, c.subarray(skip));
    skip = 0;
  }
}
