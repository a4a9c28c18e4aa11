/**
 * Raw archive bytes for hostile-input tests and fuzzing: tar headers written field by field (so sizes, checksums,
 * magic and type flags can lie), zip bytes from yazl with patched fields, and a containment check of a whole
 * directory tree (nothing may appear outside the extraction target).
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';

export interface RawHeader {
  name: string;
  /** Type flag character: '0' file, '1' hard link, '2' symlink, '3' char dev, '4' block dev, '5' dir, '6' FIFO, 'x' PAX, 'L' GNU long name. */
  type?: string;
  size?: number;
  /** The 12 bytes of the size field as given (base-256, garbage). */
  sizeField?: Buffer;
  linkname?: string;
  mode?: number;
  /** Checksum to write instead of the right one. */
  checksum?: number;
  magic?: string;
}

/** One 512-byte USTAR header with Go's number encoding (zero-padded octal + NUL). */
export function tarHeader(h: RawHeader): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 100, 'utf8');
  b.write(`${(h.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  if (h.sizeField) h.sizeField.copy(b, 124, 0, 12);
  else b.write(`${(h.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write('00000000000\0', 136, 'latin1');
  b.write(h.type ?? '0', 156, 'latin1');
  if (h.linkname) b.write(h.linkname, 157, 100, 'utf8');
  b.write(h.magic ?? 'ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${(h.checksum ?? sum).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** Data padded to the 512-byte block size. */
export function block(data: string | Buffer): Buffer {
  const d = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([d, Buffer.alloc((512 - (d.length % 512)) % 512)]);
}

export const END = Buffer.alloc(1024);

/** A regular file entry with its data. */
export function tarFile(name: string, data: string | Buffer, mode = 0o644): Buffer {
  const d = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([tarHeader({ name, size: d.length, mode }), block(d)]);
}

/** A PAX extended header ('x') carrying `records` for the next entry. */
export function paxHeader(records: Record<string, string>): Buffer {
  let body = '';
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(rest) + 1;
    while (String(len).length + Buffer.byteLength(rest) !== len) len++;
    body += `${len}${rest}`;
  }
  const d = Buffer.from(body);
  return Buffer.concat([tarHeader({ name: 'PaxHeaders.0/x', type: 'x', size: d.length }), block(d)]);
}

export function tar(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, END]);
}

/** A zip from yazl; `patch` then edits the bytes (names of the same length, sizes, CRCs). */
export async function zipBytes(entries: { name: string; data?: string | Buffer; dir?: boolean; mode?: number; compress?: boolean }[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const e of entries) {
    if (e.dir) z.addEmptyDirectory(e.name, { mode: e.mode ?? 0o40755 });
    else z.addBuffer(Buffer.from(e.data ?? ''), e.name, { mode: e.mode ?? 0o100644, compress: e.compress ?? true });
  }
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Replace every occurrence of `from` by `to` (same byte length) in a copy of `buf`. */
export function patchBytes(buf: Buffer, from: string, to: string): Buffer {
  const out = Buffer.from(buf);
  const f = Buffer.from(from);
  const t = Buffer.from(to);
  if (f.length !== t.length) throw new Error('patchBytes: lengths differ');
  for (let i = out.indexOf(f); i >= 0; i = out.indexOf(f, i + 1)) t.copy(out, i);
  return out;
}

/** Local-header and central-directory offsets of the first entry's CRC-32 and uncompressed size fields. */
export function patchZipFirstEntry(buf: Buffer, fields: { crc32?: number; uncompressedSize?: number; compressedSize?: number }): Buffer {
  const out = Buffer.from(buf);
  const local = out.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  const central = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  if (fields.crc32 !== undefined) { out.writeUInt32LE(fields.crc32 >>> 0, local + 14); out.writeUInt32LE(fields.crc32 >>> 0, central + 16); }
  if (fields.compressedSize !== undefined) { out.writeUInt32LE(fields.compressedSize, local + 18); out.writeUInt32LE(fields.compressedSize, central + 20); }
  if (fields.uncompressedSize !== undefined) { out.writeUInt32LE(fields.uncompressedSize, local + 22); out.writeUInt32LE(fields.uncompressedSize, central + 24); }
  return out;
}

/** Every path below `dir` (relative, sorted), symlinks listed with their target and not followed. */
export function listTree(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(p)}`);
    else if (st.isDirectory()) out.push(`${rel}/`, ...listTree(p, rel));
    else out.push(rel);
  }
  return out;
}
