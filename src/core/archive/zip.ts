/**
 * ZipToWriter (artifacts spec §8.2): a directory becomes one Deflate file entry `<basename>/<rel>` per walked
 * non-directory entry (lexical walk, symlinks not followed; symlinks, FIFOs and other non-regular entries become
 * empty entries, empty directories are lost), no directory entries, no timestamps (DOS epoch), no Unix mode (readers
 * see 0666, as with Go's FAT-creator entries). A single file becomes one entry named `basename(file)` — Go used the
 * absolute source path there (spec §4.3 QUIRK), which no reader can place sensibly.
 */
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import yazl from 'yazl';
import { NotFoundError } from './tar-tree.ts';

const DOS_EPOCH = new Date(1980, 0, 1, 0, 0, 0);
const ENTRY_OPTS = { mtime: DOS_EPOCH, mode: 0o100666, compress: true, forceDosTimestamp: true };

function sortedNames(dir: string): string[] {
  return readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function addTree(zip: yazl.ZipFile, dir: string, prefix: string): number {
  let n = 0;
  for (const child of sortedNames(dir)) {
    const p = join(dir, child);
    const name = `${prefix}/${child}`;
    const st = lstatSync(p);
    if (st.isDirectory()) n += addTree(zip, p, name);
    else if (st.isFile()) { zip.addFile(p, name, ENTRY_OPTS); n++; }
    else { zip.addBuffer(Buffer.alloc(0), name, ENTRY_OPTS); n++; }
  }
  return n;
}

/** Zip `source` into `out`; returns the number of entries. */
export async function zipPath(source: string, out: Writable): Promise<number> {
  const abs = resolve(source);
  let st: Stats;
  try {
    st = statSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`stat ${abs}: no such file or directory`);
    throw err;
  }
  const zip = new yazl.ZipFile();
  const done = pipeline(zip.outputStream, out);
  done.catch(() => undefined);
  let n: number;
  try {
    if (st.isDirectory()) n = addTree(zip, abs, basename(abs));
    else { zip.addFile(abs, basename(abs), ENTRY_OPTS); n = 1; }
  } catch (err) {
    (zip.outputStream as unknown as { destroy(e: Error): void }).destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  zip.end();
  await done;
  return n;
}
