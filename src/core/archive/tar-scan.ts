/**
 * The regular files of a directory's hand-over tar (src/roles/emissary/stage-outputs.ts) as byte ranges of the tar
 * itself, read from its headers only: `wait` can then upload each file straight from the tar (`archive: none`)
 * instead of extracting the tree to /tmp and reading every file back (issue 12, P1; decision D29).
 *
 * Only the trees whose extraction is a plain copy qualify: one top-level directory, then directories and regular
 * files below it, each name once, in the headers our writer emits (tar-tree.ts: USTAR, or a PAX `x` header for
 * path/size). Anything else — a symlink, a device, a FIFO, a hard link, a name that escapes or repeats, a header
 * this reader does not know, a bad checksum — answers `undefined`, and the caller extracts as before, which keeps
 * every refusal and its message in one place (extract.ts).
 */
import { open } from 'node:fs/promises';
import { fileFiller } from '../io/fill.ts';
import { entryRelPath } from './safe-path.ts';

/** One regular file of the tree: `size` bytes at `offset` of the tar `path`, uploaded as `<key>/<rel>`. */
export interface TarFile {
  rel: string;
  path: string;
  offset: number;
  size: number;
}

export interface TarFileTree {
  /** Regular files in the archive's order (our writer's: lexical walk order). */
  files: TarFile[];
  totalBytes: number;
}

const BLOCK = 512;

/** NUL-terminated field as UTF-8 (tar-stream's reading of names; Node's readdir gives the same strings). */
function field(blk: Buffer, off: number, len: number): string {
  const end = blk.indexOf(0, off);
  return blk.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

/** An octal field (Go's formatOctal); undefined for base-256 or garbage. */
function octal(blk: Buffer, off: number, len: number): number | undefined {
  if ((blk[off] as number) & 0x80) return undefined;
  const s = blk.toString('latin1', off, off + len).replace(/[\0 ]+$/, '').replace(/^[ ]+/, '');
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return undefined;
  return parseInt(s, 8);
}

function checksumOK(blk: Buffer): boolean {
  const want = octal(blk, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (blk[i] as number);
  return want === sum;
}

/** PAX records (`<len> key=value\n`); undefined when malformed. */
function paxRecords(data: Buffer): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) return undefined;
    const len = Number(data.toString('latin1', pos, sp));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length || data[pos + len - 1] !== 0x0a) return undefined;
    const rec = data.toString('utf8', sp + 1, pos + len - 1);
    const eq = rec.indexOf('=');
    if (eq < 0) return undefined;
    out.set(rec.slice(0, eq), rec.slice(eq + 1));
    pos += len;
  }
  return out;
}

const pad = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/**
 * Scan `tarPath`'s headers (data blocks are skipped, not read). Returns the files of the tree under its single
 * top-level directory, or undefined when the archive is not such a plain tree (see the file comment).
 */
export async function scanTarFileTree(tarPath: string): Promise<TarFileTree | undefined> {
  const fh = await open(tarPath, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    const blk = Buffer.alloc(BLOCK);
    /** Fills `buf` from `pos`; false when the file ends first. */
    const readAt = async (buf: Buffer, pos: number): Promise<boolean> => (await fileFiller(fh, pos, buf.length)(buf)) === buf.length;
    let pos = 0;
    let top: string | undefined;
    let pax: Map<string, string> | undefined;
    const files: TarFile[] = [];
    const names = new Set<string>(); // every entry's relative path
    const dirs = new Set<string>(['']); // directories, explicit or implied by a file's path
    let totalBytes = 0;
    for (;;) {
      if (!(await readAt(blk, pos))) return undefined; // no end-of-archive blocks: truncated
      if (blk.every((b) => b === 0)) break;
      if (!checksumOK(blk)) return undefined;
      const type = String.fromCharCode(blk[156] as number);
      let size = octal(blk, 124, 12);
      if (size === undefined) return undefined;
      const dataAt = pos + BLOCK;
      if (type === 'x') {
        if (pax !== undefined || size > 1 << 20) return undefined;
        const data = Buffer.alloc(size);
        if (!(await readAt(data, dataAt))) return undefined;
        pax = paxRecords(data);
        if (!pax || [...pax.keys()].some((k) => !['path', 'size', 'uname', 'gname', 'uid', 'gid', 'mtime', 'linkpath'].includes(k))) return undefined;
        pos = dataAt + pad(size);
        continue;
      }
      let name = field(blk, 0, 100);
      if (blk.toString('latin1', 257, 265) === 'ustar\x0000') {
        const prefix = field(blk, 345, 155);
        if (prefix !== '') name = `${prefix}/${name}`;
      }
      if (pax?.has('path')) name = pax.get('path') as string;
      if (pax?.has('size')) {
        const s = Number(pax.get('size'));
        if (!Number.isSafeInteger(s) || s < 0) return undefined;
        size = s;
      }
      pax = undefined;
      let rel: string;
      try {
        rel = entryRelPath(name);
      } catch {
        return undefined;
      }
      if (top === undefined) {
        // The first entry is the tree's root: a directory (a lone file takes the extraction path).
        if (type !== '5' || rel === '' || rel.includes('/')) return undefined;
        top = rel;
        pos = dataAt + pad(size);
        continue;
      }
      if (!rel.startsWith(`${top}/`)) return undefined; // a second top-level entry: the tree is not one directory
      const inner = rel.slice(top.length + 1);
      if (names.has(inner)) return undefined;
      names.add(inner);
      const parts = inner.split('/');
      for (let i = 1; i < parts.length; i++) {
        const d = parts.slice(0, i).join('/');
        if (names.has(d) && !dirs.has(d)) return undefined; // below a file
        dirs.add(d);
      }
      if (type === '5') {
        dirs.add(inner);
      } else if (type === '0' || type === '\0') {
        if (dirs.has(inner)) return undefined;
        if (dataAt + size > fileSize) return undefined;
        files.push({ rel: inner, path: tarPath, offset: dataAt, size });
        totalBytes += size;
      } else {
        return undefined; // symlinks, hard links, devices, FIFOs, GNU/unknown types: extract as before
      }
      pos = dataAt + pad(size);
    }
    if (top === undefined) return undefined;
    // A name used as a file and, later, as a directory (implicitly) cannot be extracted either.
    for (const f of files) if (dirs.has(f.rel)) return undefined;
    return { files, totalBytes };
  } finally {
    await fh.close();
  }
}
