/**
 * A small file written whole: created (or truncated) with `mode`, all of `data` written, closed — as one job on the
 * thread pool through the native helper (native/file-writer.c) when it ships with the executable, else through
 * node:fs (running from source). A directory input of 10,000 small objects is 10,000 of these: node:fs hands each
 * file to the pool three times (open, write, close), and on a busy 2-core node every hand-over costs the main thread
 * a wake-up of a pool thread (issue 12, P1a↓; decision D42).
 *
 * Errors are node:fs's: `code`, `errno`, `syscall`, `path`, and the message `EISDIR: illegal operation on a
 * directory, open '<path>'`.
 */
import { writeFile } from 'node:fs/promises';
import { getSystemErrorMessage, getSystemErrorName } from 'node:util';
import { loadNativeAddon } from '../runtime/native.ts';

interface FileWriterAddon {
  writeFile(path: string, data: Uint8Array, mode: number, cb: (errno: number, syscall: string) => void): void;
}

export type WriteWholeFile = (path: string, data: Uint8Array, mode: number) => Promise<void>;

/** node:fs's error for a failed system call (errno positive, as the C library gives it). */
function fsError(errno: number, syscall: string, path: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(-errno);
  return Object.assign(new Error(`${code}: ${getSystemErrorMessage(-errno)}, ${syscall} '${path}'`), { errno: -errno, code, syscall, path });
}

function nativeWriter(a: FileWriterAddon): WriteWholeFile {
  return (path, data, mode) =>
    new Promise((resolve, reject) => a.writeFile(path, data, mode, (errno, syscall) => (errno ? reject(fsError(errno, syscall, path)) : resolve())));
}

const portable: WriteWholeFile = (path, data, mode) => writeFile(path, data, { mode });

let shipped: WriteWholeFile | undefined;

/**
 * The writer: the native one when the helper ships with the executable (or is at `addonPath`), else node:fs's
 * writeFile. A helper that exists but cannot be loaded throws (a broken installation must be visible).
 */
export function wholeFileWriter(addonPath?: string): WriteWholeFile {
  if (addonPath !== undefined) {
    const a = loadNativeAddon<FileWriterAddon>('file-writer', addonPath);
    return a ? nativeWriter(a) : portable;
  }
  if (!shipped) {
    const a = loadNativeAddon<FileWriterAddon>('file-writer');
    shipped = a ? nativeWriter(a) : portable;
  }
  return shipped;
}
