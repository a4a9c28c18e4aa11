/**
 * Read and rewrite, in place, the two absolute paths that make our executable independent of the
 * user's image (docs/decisions.md, "Portable executable"): the ELF program interpreter (PT_INTERP) and
 * the library search path (DT_RPATH). The build reserves room for both with patchelf; rewriting only
 * overwrites bytes inside that room (NUL padded), so nothing else in the file moves.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_STRTAB = 5n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;
/** The build reserves this many bytes (255 characters + NUL) for each path with patchelf. */
export const RESERVED_PATH_BYTES = 256;

interface Slot { offset: number; size: number }
export interface ElfPathSlots { interp: Slot; rpath: Slot }

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) throw new Error('unexpected end of ELF file');
    got += n;
  }
  return buf;
}

/** Find the byte ranges holding the interpreter and rpath strings (including their NUL padding). */
export function findPathSlots(fd: number): ElfPathSlots {
  const eh = readAt(fd, 0, 64);
  if (eh.readUInt32BE(0) !== 0x7f454c46 || eh[4] !== 2 || eh[5] !== 1) throw new Error('not a little-endian ELF64 file');
  const phoff = Number(eh.readBigUInt64LE(0x20));
  const phentsize = eh.readUInt16LE(0x36);
  const phnum = eh.readUInt16LE(0x38);
  const phdrs = readAt(fd, phoff, phentsize * phnum);
  let interp: Slot | undefined;
  let dynamic: Slot | undefined;
  const loads: { vaddr: bigint; offset: bigint; filesz: bigint }[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phdrs.subarray(i * phentsize);
    const type = p.readUInt32LE(0);
    const offset = p.readBigUInt64LE(8);
    const vaddr = p.readBigUInt64LE(16);
    const filesz = p.readBigUInt64LE(32);
    if (type === PT_INTERP) interp = { offset: Number(offset), size: Number(filesz) };
    if (type === PT_DYNAMIC) dynamic = { offset: Number(offset), size: Number(filesz) };
    if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
  }
  if (!interp || !dynamic) throw new Error('ELF file has no interpreter or dynamic section');
  const dyn = readAt(fd, dynamic.offset, dynamic.size);
  let strtab: bigint | undefined;
  let rpathIndex: bigint | undefined;
  for (let off = 0; off + 16 <= dyn.length; off += 16) {
    const tag = dyn.readBigInt64LE(off);
    const val = dyn.readBigUInt64LE(off + 8);
    if (tag === DT_NULL) break;
    if (tag === DT_STRTAB) strtab = val;
    if (tag === DT_RPATH || tag === DT_RUNPATH) rpathIndex = val;
  }
  if (strtab === undefined || rpathIndex === undefined) throw new Error('ELF file has no rpath');
  const seg = loads.find((l) => strtab! >= l.vaddr && strtab! < l.vaddr + l.filesz);
  if (!seg) throw new Error('ELF string table is outside every loadable segment');
  const rpathOffset = Number(strtab - seg.vaddr + seg.offset + rpathIndex);
  return { interp, rpath: { offset: rpathOffset, size: RESERVED_PATH_BYTES } };
}

function readString(fd: number, slot: Slot): string {
  const buf = readAt(fd, slot.offset, slot.size);
  const nul = buf.indexOf(0);
  return buf.subarray(0, nul < 0 ? buf.length : nul).toString('utf8');
}

function writeSlot(fd: number, slot: Slot, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length + 1 > slot.size) throw new Error(`path ${JSON.stringify(value)} does not fit in the ${slot.size - 1} bytes reserved in the executable`);
  const buf = Buffer.alloc(slot.size); // NUL padded
  bytes.copy(buf);
  writeSync(fd, buf, 0, buf.length, slot.offset);
}

export interface ElfPaths { interpreter: string; rpath: string }

export function readElfPaths(file: string): ElfPaths {
  const fd = openSync(file, 'r');
  try {
    const slots = findPathSlots(fd);
    return { interpreter: readString(fd, slots.interp), rpath: readString(fd, slots.rpath) };
  } finally {
    closeSync(fd);
  }
}

/** Point `file` at the loader and libraries in `runtimeDir` (an absolute directory). */
export function writeElfPaths(file: string, paths: ElfPaths): void {
  const fd = openSync(file, 'r+');
  try {
    const slots = findPathSlots(fd);
    writeSlot(fd, slots.interp, paths.interpreter);
    writeSlot(fd, slots.rpath, paths.rpath);
  } finally {
    closeSync(fd);
  }
}
