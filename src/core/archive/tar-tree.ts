/**
 * Write a file or directory tree as a tar stream with the layout of Argo's util/archive TarGzToWriter:
 * a file is one entry named basename(path); a directory is `base`, then `base/<rel>` for everything
 * below it in lexical walk order, symlinks stored as symlinks, headers as Go's tar.FileInfoHeader fills
 * them (permission bits only, uid/gid and names, mtime rounded to the second).
 */
import { createReadStream, lstatSync, readdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import tarStream from 'tar-stream';
import { groupName, userName } from './owner-names.ts';

export class NotFoundError extends Error {
  readonly notFound = true;
}

type EntryType = 'file' | 'directory' | 'symlink' | 'character-device' | 'block-device' | 'fifo';

function entryType(st: Stats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  throw new Error('archive/tar: sockets not supported');
}

function header(name: string, st: Stats, linkname?: string): Partial<tarStream.Header> & { name: string } {
  const type = entryType(st);
  const h: Partial<tarStream.Header> & { name: string } = {
    name,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    uname: userName(st.uid),
    gname: groupName(st.gid),
    mtime: new Date(Math.round(st.mtimeMs / 1000) * 1000),
    size: type === 'file' ? st.size : 0,
  };
  if (linkname !== undefined) h.linkname = linkname;
  if (type === 'character-device' || type === 'block-device') {
    h.devmajor = Math.floor(st.rdev / 256) & 0xfff;
    h.devminor = st.rdev & 0xff;
  }
  return h;
}

async function addEntry(pack: tarStream.Pack, name: string, path: string, st: Stats): Promise<void> {
  const type = entryType(st);
  if (type === 'file') {
    const entry = pack.entry(header(name, st));
    await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), entry);
    return;
  }
  const linkname = type === 'symlink' ? readlinkSync(path) : undefined;
  await new Promise<void>((res, rej) => pack.entry(header(name, st, linkname), (err) => (err ? rej(err) : res())));
}

function sortedNames(dir: string): string[] {
  return readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Walk without following symlinks (filepath.Walk); returns the number of entries written. */
async function addTree(pack: tarStream.Pack, name: string, path: string): Promise<number> {
  const st = lstatSync(path);
  await addEntry(pack, name, path, st);
  let count = 1;
  if (!st.isDirectory()) return count;
  for (const child of sortedNames(path)) count += await addTree(pack, `${name}/${child}`, join(path, child));
  return count;
}

/** Archive `source` (which must be a regular file or a directory, symlinks followed) into `out`. */
export async function writeTarTree(source: string, out: Writable): Promise<number> {
  const abs = resolve(source);
  let st: Stats;
  try {
    st = statSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`stat ${abs}: no such file or directory`);
    throw err;
  }
  if (!st.isFile() && !st.isDirectory()) throw new Error(`${abs} is not a regular file or directory`);
  const pack = tarStream.pack();
  const done = pipeline(pack, out);
  let count = 0;
  try {
    if (st.isDirectory()) {
      count = await addTree(pack, basename(abs), abs);
    } else {
      count = 1;
      await addEntry(pack, basename(abs), abs, st);
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  await done;
  return count;
}
