/**
 * Reading one block from a DataNode (data-transfer protocol version 28, op READ_BLOCK = 81): request
 * `0x00 0x1c 0x51 || delimited(OpReadBlockProto)`, answer `delimited(BlockOpResponseProto)` with the checksum type
 * and chunk size, then packets `uint32 payloadLen || uint16 headerLen || PacketHeaderProto || checksums || data`
 * until the one marked last. Every chunk's CRC32C (or CRC32) is checked before its bytes go on; the client ends
 * with `ClientReadStatusProto{CHECKSUM_OK}`.
 *
 * Failover as the Go client: each location in turn; a failure after some bytes resumes at that offset on the next
 * location. Bytes go to `sink` packet by packet (awaited: back-pressure), nothing else is buffered.
 */
import { Conn } from './conn.ts';
import { crc32, crc32c } from './crc32c.ts';
import { CHECKSUM_CRC32, CHECKSUM_CRC32C, CHECKSUM_NULL, decode, encodeDelimited, STATUS_NAMES, type Msg } from './proto.ts';

export const DATA_TRANSFER_VERSION = 0x1c;
const OP_READ_BLOCK = 0x51;
const CHECKSUM_OK = 6;
/** Largest packet accepted (DataNodes send 64 KiB; dfs.client-write-packet-size is at most 16 MiB). */
const MAX_PACKET = 16 * 1024 * 1024;

export function datanodeAddress(loc: Msg): string {
  const id = loc.id ?? {};
  return `${id.ipAddr ?? ''}:${id.xferPort ?? 0}`;
}

export async function readBlock(block: Msg, clientName: string, sink: (data: Buffer) => Promise<void>): Promise<void> {
  const total = Number(block.b?.numBytes ?? 0);
  let offset = 0;
  const locs: Msg[] = [...(block.locs ?? [])];
  let lastErr: Error | undefined;
  while (offset < total) {
    const loc = locs.shift();
    if (!loc) throw lastErr ?? new Error('no available datanodes');
    try {
      await readFrom(datanodeAddress(loc), block, clientName, offset, total, async (data) => {
        offset += data.length;
        await sink(data);
      });
    } catch (err) {
      lastErr = err as Error;
    }
  }
}

async function readFrom(addr: string, block: Msg, clientName: string, offset: number, total: number, sink: (data: Buffer) => Promise<void>): Promise<void> {
  const conn = await Conn.dial(addr);
  try {
    const op = encodeDelimited('OpReadBlockProto', {
      header: { baseHeader: { block: block.b, token: block.blockToken }, clientName },
      offset,
      len: total - offset,
    });
    await conn.write(Buffer.concat([Buffer.from([0x00, DATA_TRANSFER_VERSION, OP_READ_BLOCK]), op]));
    const resp = decode('BlockOpResponseProto', await conn.readDelimited());
    if ((resp.status ?? 0) !== 0) throw new Error(`read failed: ${STATUS_NAMES[resp.status] ?? resp.status} (${resp.message ?? ''})`);
    const info = resp.readOpChecksumInfo ?? {};
    const type = info.checksum?.type ?? CHECKSUM_NULL;
    const chunkSize = info.checksum?.bytesPerChecksum ?? 512;
    if (!(chunkSize > 0)) throw new Error(`invalid response from datanode: ${chunkSize} bytes per checksum`);
    let sum: ((b: Uint8Array, s: number, e: number) => number) | undefined;
    if (type === CHECKSUM_CRC32C) sum = crc32c;
    else if (type === CHECKSUM_CRC32) sum = crc32;
    else if (type !== CHECKSUM_NULL) throw new Error(`unsupported checksum type: ${type}`);
    const sumSize = sum ? 4 : 0;
    // The DataNode starts at the chunk holding `offset`: skip the bytes before it.
    let skip = offset - Number(info.chunkOffset ?? offset);
    for (;;) {
      const pre = await conn.read(6);
      const headerLen = pre.readUInt16BE(4);
      const header = decode('PacketHeaderProto', await conn.read(headerLen));
      const dataLen = Number(header.dataLen ?? 0);
      if (dataLen < 0 || dataLen > MAX_PACKET) throw new Error(`invalid response from datanode: a packet of ${dataLen} bytes`);
      const chunks = Math.ceil(dataLen / chunkSize);
      const sums = await conn.read(chunks * sumSize);
      const data = await conn.read(dataLen);
      if (sum) {
        for (let i = 0; i < chunks; i++) {
          const s = i * chunkSize;
          const e = Math.min(s + chunkSize, dataLen);
          if (sum(data, s, e) !== sums.readUInt32BE(i * 4)) throw new Error('invalid checksum');
        }
      }
      let out = data;
      if (skip > 0) {
        const n = Math.min(skip, out.length);
        out = out.subarray(n);
        skip -= n;
      }
      if (out.length > 0) await sink(out);
      if (header.lastPacketInBlock) break;
    }
    await conn.write(encodeDelimited('ClientReadStatusProto', { status: CHECKSUM_OK })).catch(() => undefined);
  } finally {
    conn.close();
  }
}
