/**
 * CRC-32C (Castagnoli), the checksum HDFS puts on every 512-byte chunk of block data; slicing-by-8 tables.
 * CRC-32 (IEEE), which older clusters may send on reads, is node:zlib's crc32.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

const POLY = 0x82f63b78;
const T = new Uint32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c >>> 0;
}
for (let n = 0; n < 256; n++) {
  let c = T[n] as number;
  for (let s = 1; s < 8; s++) {
    c = (T[c & 0xff] as number) ^ (c >>> 8);
    T[s * 256 + n] = c >>> 0;
  }
}

export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffffffff;
  let i = start;
  while (end - i >= 8) {
    const a = (crc ^ ((buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24))) >>> 0;
    crc = (T[7 * 256 + (a & 0xff)] as number) ^ (T[6 * 256 + ((a >>> 8) & 0xff)] as number) ^ (T[5 * 256 + ((a >>> 16) & 0xff)] as number) ^ (T[4 * 256 + (a >>> 24)] as number)
      ^ (T[3 * 256 + (buf[i + 4] as number)] as number) ^ (T[2 * 256 + (buf[i + 5] as number)] as number) ^ (T[256 + (buf[i + 6] as number)] as number) ^ (T[buf[i + 7] as number] as number);
    i += 8;
  }
  for (; i < end; i++) crc = (T[(crc ^ (buf[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  return zlibCrc32(buf.subarray(start, end)) >>> 0;
}
