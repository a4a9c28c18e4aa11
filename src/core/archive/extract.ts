/**
 * Input extraction (artifacts spec §3.3–§3.6, §8.3): auto-detected or explicit gzip tar, zip, none, with Go's
 * placement rules (`<dest>.tmpdir`, single-top-level-entry rename) and strict containment: entries that would
 * land outside the target (`..`, absolute names, symlink/hard-link escapes, writes through earlier symlinks)
 * and device files fail the extraction with an error naming the entry; nothing is written outside the target.
 *
 * Deliberate differences from Go (spec §9.1 "free to improve"): an entry named `./` (the root) is skipped instead
 * of failing; absolute entry names are refused instead of being joined below the target; hard links to files
 * inside the archive are created instead of being dropped; device entries fail instead of being dropped; an
 * existing file is truncated (Go rewrote it in place); zip parents get 0755 (Go used the file's mode).
 */
import { createReadStream } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readdir, readlink, rename, rm, rmdir, stat, symlink, type FileHandle } from 'node:fs/promises';
import { constants as fsc } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable } from 'node:stream';
import { crc32, createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import yauzl from 'yauzl';
import { pathError, strerror } from '../errors.ts';
import { entryRelPath, IllegalPathError, SafeRoot } from './safe-path.ts';
import { fileFiller, pumpTo, type Filler } from '../io/fill.ts';
import { nativeGunzip, type GunzipInto } from './native-gunzip.ts';

export { IllegalPathError } from './safe-path.ts';

/** `archive` member of an Artifact (artifacts spec §2.2). */
export interface ArchiveStrategy {
  tar?: { compressionLevel?: number } | null;
  none?: object | null;
  zip?: object | null;
}

export interface UntarOptions {
  /** true: the input is gzip'd (default); false: a plain tar (our emissary's hand-over). */
  gzip?: boolean;
  /** Called for entries that are skipped (FIFOs, unknown types). */
  onSkip?: (name: string, type: string) => void;
  /**
   * How to read the source once it is open (default: the whole file, positional reads): e.g. a GrowingFile's filler,
   * which follows a download that is still writing it.
   */
  filler?: (fh: FileHandle) => Filler;
  /**
   * The gunzip of a tar.gz (default: the native ISA-L inflater shipped with the executable, decision D35; Node's
   * Gunzip when it is absent, e.g. running from source). `'zlib'` forces Node's.
   */
  gunzip?: GunzipInto | 'zlib';
}

const FILE_FLAGS = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW;

async function writeEntryFile(path: string, name: string, mode: number, body: Readable, mtime?: Date, crc?: number): Promise<void> {
  // The body may fail while the file is being opened, before anything iterates it (yauzl's size check errors as soon
  // as inflate outruns the declared size): without a listener that error was uncaught. The iteration below still
  // sees it (an errored stream rejects its async iterator), so it is reported as before.
  body.on('error', () => undefined);
  let fh;
  try {
    fh = await open(path, FILE_FLAGS, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    body.resume();
    if (code === 'ELOOP') throw new IllegalPathError(`illegal file path: ${name} (would write through a symlink)`);
    if (code === 'EISDIR') throw new Error(`cannot extract ${name}: a directory of that name exists`);
    throw err;
  }
  try {
    let sum = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (crc !== undefined) sum = crc32(chunk, sum);
      let off = 0;
      while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
    }
    // Go's archive/zip checks every entry's CRC-32 at EOF (ErrChecksum); yauzl does not.
    if (crc !== undefined && sum >>> 0 !== crc >>> 0) throw new Error(`zip: checksum error (entry ${name})`);
    await fh.chmod(mode);
    if (mtime) await fh.utimes(new Date(), mtime);
  } finally {
    await fh.close();
  }
}

/** symlink(2)/link(2) with Go's *LinkError text on failure (`symlink <old> <new>: file exists`). */
async function linkOp(op: 'symlink' | 'link', oldname: string, newname: string): Promise<void> {
  try {
    await (op === 'symlink' ? symlink(oldname, newname) : link(oldname, newname));
  } catch (err) {
    throw new Error(`${op} ${oldname} ${newname}: ${strerror(err)}`);
  }
}

/** Re-check every symlink once the whole archive is on disk (later entries can change how earlier links resolve). */
async function recheckSymlinks(root: SafeRoot, links: { dir: string; name: string; link: string }[]): Promise<void> {
  for (const l of links) {
    if (!(await root.symlinkStaysInside(l.dir, l.link))) {
      throw new IllegalPathError(`illegal symlink target: ${l.name} -> ${l.link}`);
    }
  }
}

/**
 * Feed the tar at `src` into `extract`. A tar.gz (every input artifact) is read with positional reads into reused
 * buffers — no per-read allocation on a multi-GiB input — and inflated by the native gunzip (two input buffers, the
 * next read overlapping the inflate) or, without it, by Node's Gunzip (one buffer, handed over once the previous one
 * is consumed); a plain tar (the emissary's hand-over, small) is streamed.
 */
function feedTar(src: string, gzip: boolean, extract: Writable, filler?: (fh: FileHandle) => Filler, gunzipWith?: GunzipInto | 'zlib'): { done: Promise<void>; destroy(): void } {
  if (!gzip && !filler) {
    const file = createReadStream(src, { highWaterMark: 1 << 20 });
    return { done: pipeline(file as Readable, extract), destroy: () => file.destroy() };
  }
  // The native gunzip writes into `extract` itself; Node's Gunzip is a stream in between.
  const native = gzip && gunzipWith !== 'zlib' ? gunzipWith ?? nativeGunzip() : undefined;
  const gunzip = gzip && !native ? createGunzip({ chunkSize: 256 * 1024 }) : undefined;
  const into = gunzip ?? extract;
  const piping = gunzip ? pipeline(gunzip, extract) : Promise.resolve();
  const reading = (async (): Promise<void> => {
    const fh = await open(src, 'r');
    try {
      const fill = (filler ?? fileFiller)(fh);
      await (native ? native(fill, into) : pumpTo(fill, into));
    } finally {
      await fh.close();
    }
  })();
  reading.catch((err: Error) => into.destroy(err));
  return { done: Promise.all([piping, reading]).then(() => undefined), destroy: () => into.destroy() };
}

/** Extract the tar at `src` into the existing directory `destDir`, refusing any entry that escapes it. */
export async function untar(src: string, destDir: string, opts: UntarOptions = {}): Promise<void> {
  const root = new SafeRoot(destDir);
  const links: { dir: string; name: string; link: string }[] = [];
  // V7 headers (no ustar magic) are read as Go's archive/tar reads them; the checksum is still verified.
  const extract = tarStream.extract({ allowUnknownFormat: true } as Parameters<typeof tarStream.extract>[0]);
  const feed = feedTar(src, opts.gzip ?? true, extract as unknown as Writable, opts.filler, opts.gunzip);
  const feeding = feed.done;
  feeding.catch((err: Error) => extract.destroy(err));
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const name = h.name;
      const rel = entryRelPath(name);
      switch (h.type) {
        case 'file':
        case 'contiguous-file': {
          if (rel === '') throw new IllegalPathError(`illegal file path: ${name}`);
          const dir = await root.parentDir(rel, name);
          await writeEntryFile(join(dir, basename(rel)), name, (h.mode ?? 0o644) & 0o777, entry as unknown as Readable, h.mtime);
          break;
        }
        case 'directory':
          if (rel !== '') await root.dir(rel.split('/'), name);
          entry.resume();
          break;
        case 'symlink': {
          entry.resume();
          const target = h.linkname ?? '';
          if (rel === '') throw new IllegalPathError(`illegal file path: ${name}`);
          const dir = await root.parentDir(rel, name);
          if (target === '' || !(await root.symlinkStaysInside(dir, target))) {
            throw new IllegalPathError(`illegal symlink target: ${name} -> ${target}`);
          }
          await linkOp('symlink', target, join(dir, basename(rel)));
          links.push({ dir, name, link: target });
          break;
        }
        case 'link': {
          entry.resume();
          const target = h.linkname ?? '';
          let trel: string;
          try {
            trel = entryRelPath(target, 'illegal hard link target');
          } catch (err) {
            throw new IllegalPathError(`${(err as Error).message} (entry ${name})`);
          }
          if (rel === '' || trel === '') throw new IllegalPathError(`illegal hard link: ${name} -> ${target}`);
          const tdir = await root.parentDir(trel, name);
          const tpath = join(tdir, basename(trel));
          const tst = await lstat(tpath).catch(() => undefined);
          if (!tst?.isFile()) throw new IllegalPathError(`illegal hard link: ${name} -> ${target} (target is not a regular file extracted earlier)`);
          const dir = await root.parentDir(rel, name);
          await linkOp('link', tpath, join(dir, basename(rel)));
          break;
        }
        case 'character-device':
        case 'block-device':
          entry.resume();
          throw new IllegalPathError(`refusing to extract device file: ${name}`);
        default:
          // FIFOs and unknown types are skipped, as Go's untar does.
          opts.onSkip?.(name, h.type ?? 'unknown');
          entry.resume();
      }
    }
    await feeding;
    await recheckSymlinks(root, links);
  } catch (err) {
    feed.destroy();
    extract.destroy();
    const feedErr = await feeding.then(() => undefined, (e: unknown) => e);
    // An entry stream destroyed under us carries no cause: the reader's error (truncation, bad header) is the cause.
    throw describeReadError(isStreamTeardown(err) && feedErr !== undefined ? feedErr : err, src);
  }
}

function isStreamTeardown(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'STREAM_DESTROYED' || code === 'PREMATURE_CLOSE' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** tar-stream's reader errors, as Go's archive/tar words them (ErrHeader, ErrFieldTooLong, io.ErrUnexpectedEOF). */
const TAR_READ_ERRORS: [RegExp, string][] = [
  [/^Invalid tar header|^Invalid header$/, 'archive/tar: invalid tar header'],
  [/^Header exceeds max size$/, 'archive/tar: header field too long'],
  [/^Unexpected end of data$/, 'unexpected EOF'],
];

function describeReadError(err: unknown, src: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'Z_DATA_ERROR' || e?.code === 'Z_BUF_ERROR') return new Error(`failed to untar ${src}: gzip: invalid data (${e.message})`);
  if (e instanceof Error) {
    for (const [re, text] of TAR_READ_ERRORS) if (re.test(e.message)) return new Error(`failed to untar ${src}: ${text}`);
    if (isStreamTeardown(e)) return new Error(`failed to untar ${src}: unexpected EOF`);
  }
  return goSystemError(err);
}

/** A Node system error (`ENAMETOOLONG: name too long, open '…'`) as Go's *PathError text (`open …: file name too long`). */
function goSystemError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string' && typeof e.path === 'string') {
    return new Error(pathError(e.syscall, e.path, e));
  }
  return err;
}

function openZip(src: string): Promise<yauzl.ZipFile> {
  return new Promise((res, rej) =>
    yauzl.open(src, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, zf) => (err ? rej(err) : res(zf))),
  );
}

function openZipEntry(zf: yauzl.ZipFile, e: yauzl.Entry): Promise<Readable> {
  return new Promise((res, rej) => zf.openReadStream(e, (err, s) => (err ? rej(err) : res(s))));
}

/** Extract the zip at `src` into the existing directory `destDir`, refusing any entry that escapes it. */
export async function unzip(src: string, destDir: string): Promise<void> {
  const root = new SafeRoot(destDir);
  const zf = await openZip(src);
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        const msg = (err as Error).message ?? String(err);
        reject(/absolute path|invalid relative path|invalid characters/.test(msg) ? new IllegalPathError(`illegal file path in zip ${src}: ${msg}`) : goSystemError(err));
      };
      zf.on('error', fail);
      zf.on('end', () => {
        if (!failed) resolve();
      });
      zf.on('entry', (e: yauzl.Entry) => {
        (async () => {
          const name = e.fileName;
          const rel = entryRelPath(name);
          const unixMode = e.versionMadeBy >> 8 === 3 ? (e.externalFileAttributes >>> 16) & 0o777 : 0;
          if (name.endsWith('/')) {
            if (rel !== '') await root.dir(rel.split('/'), name);
          } else {
            if (rel === '') throw new IllegalPathError(`illegal file path: ${name}`);
            const dir = await root.parentDir(rel, name);
            try {
              const body = await openZipEntry(zf, e);
              await writeEntryFile(join(dir, basename(rel)), name, unixMode || 0o666, body, undefined, e.crc32);
            } catch (err) {
              // A corrupt deflate stream: zlib's bare text ("invalid block type") with the entry it is in.
              const code = (err as NodeJS.ErrnoException).code;
              if (typeof code === 'string' && code.startsWith('Z_')) throw new Error(`zip: invalid data in entry ${name} (${(err as Error).message})`);
              throw err;
            }
          }
          zf.readEntry();
        })().catch((err: unknown) => {
          fail(err);
          zf.close();
        });
      });
      zf.readEntry();
    });
  } finally {
    if (zf.isOpen) zf.close();
  }
}

function isValidTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  if (block.every((b) => b === 0)) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/g, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  const want = Number.parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

/**
 * isTarball (artifacts spec §3.3): true iff `path` is a gzip stream whose first tar header parses. Directories,
 * plain tars, gzip'd non-tars, zips and gzip'd empty tars are not tarballs. I/O errors opening the file are thrown.
 */
export async function isTarball(path: string): Promise<boolean> {
  const st = await stat(path);
  if (st.isDirectory()) return false;
  const fh = await open(path, 'r');
  try {
    return await startsAsTarball(fileFiller(fh));
  } finally {
    await fh.close();
  }
}

/**
 * isTarball's test on a file's bytes as `fill` yields them (a filler may return fewer bytes than asked, e.g. a
 * GrowingFile's): gzip magic, then the first 512 bytes of the inflated stream form a valid tar header. Reads only
 * as far as that needs.
 */
export async function startsAsTarball(fill: Filler): Promise<boolean> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  let n = 0;
  while (n < 2) {
    const k = await fill(buf.subarray(n));
    if (k === 0) return false;
    n += k;
  }
  if (buf[0] !== 0x1f || buf[1] !== 0x8b) return false;
  const gunzip = createGunzip();
  const out: Buffer[] = [];
  let have = 0;
  const settled = new Promise<void>((resolve) => {
    gunzip.on('data', (c: Buffer) => {
      out.push(c);
      have += c.length;
      if (have >= 512) resolve();
    });
    gunzip.on('end', resolve);
    gunzip.on('error', () => resolve());
  });
  let over = false;
  void settled.then(() => (over = true));
  try {
    while (!over) {
      // Copied: the buffer is refilled while gunzip may still hold the chunk.
      await Promise.race([new Promise<void>((res) => gunzip.write(Buffer.from(buf.subarray(0, n)), () => res())), settled]);
      if (over) break;
      // The answer may come while this read still waits (a GrowingFile between writes): it is left behind, and
      // its late failure (the file closed under it) must not surface as an unhandled rejection.
      const reading = fill(buf);
      reading.catch(() => undefined);
      n = await Promise.race([reading, settled.then(() => -1)]);
      if (n === 0) {
        gunzip.end();
        await settled;
      }
      if (n <= 0) break;
    }
  } finally {
    gunzip.destroy();
  }
  return isValidTarHeader(Buffer.concat(out).subarray(0, 512));
}

/**
 * unpack (artifacts spec §3.6): extract into `<dest>.tmpdir`; exactly one top-level entry → that entry becomes
 * `dest`, otherwise the directory itself does. On failure the `.tmpdir` is removed.
 */
export async function unpack(dest: string, extractInto: (dir: string) => Promise<void>): Promise<void> {
  const tmpdir = `${dest}.tmpdir`;
  await rm(tmpdir, { recursive: true, force: true });
  await mkdir(tmpdir, { recursive: true });
  await chmod(tmpdir, 0o777);
  try {
    await extractInto(tmpdir);
  } catch (err) {
    await rm(tmpdir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  const entries = await readdir(tmpdir);
  if (entries.length === 1 && (await lstat(join(tmpdir, entries[0] as string))).isSymbolicLink()) {
    // A lone symlink renamed to `dest` would resolve against dest's parent: outside the artifact (Go renames it).
    const link = await readlink(join(tmpdir, entries[0] as string));
    await rm(tmpdir, { recursive: true, force: true }).catch(() => undefined);
    throw new IllegalPathError(`illegal symlink target: ${entries[0] as string} -> ${link} (the archive's only entry is a symlink; it would point outside the artifact)`);
  }
  if (entries.length === 1) {
    await rename(join(tmpdir, entries[0] as string), dest);
    await rmdir(tmpdir);
  } else {
    await rename(tmpdir, dest);
  }
}

/** Extract a tar (gzip'd unless `gzip: false`) at `src` to `dest` with the single-top-level-entry rule. */
export async function unpackTo(src: string, dest: string, opts: UntarOptions = {}): Promise<void> {
  await unpack(dest, (dir) => untar(src, dir, opts));
}

/** What unarchiveArtifact will do with the download (Go's artifactArchiveWord): the strategy, else tar detection. */
export type ArchiveKind = 'none' | 'tar' | 'zip';
export async function archiveKind(archive: ArchiveStrategy | undefined | null, tmp: string): Promise<ArchiveKind> {
  if (archive?.none) return 'none';
  if (archive?.tar) return 'tar';
  if (archive?.zip) return 'zip';
  return (await isTarball(tmp)) ? 'tar' : 'none';
}

/**
 * unarchiveArtifact (artifacts spec §3.3): place the downloaded `tmp` (file or directory) at `artPath`
 * according to `archive`; after an extraction `tmp` is removed.
 */
export async function unarchiveArtifact(archive: ArchiveStrategy | undefined | null, tmp: string, artPath: string, kind?: ArchiveKind): Promise<void> {
  const k = kind ?? await archiveKind(archive, tmp);
  const how = k === 'none' ? 'rename' : k === 'tar' ? 'untar' : 'unzip';
  if (how === 'rename') {
    await rename(tmp, artPath);
    return;
  }
  await unpack(artPath, (dir) => (how === 'untar' ? untar(tmp, dir) : unzip(tmp, dir)));
  await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
}
