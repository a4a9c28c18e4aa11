/**
 * Reading one block from a DataNode (data-transfer protocol version 28, op READ_BLOCK = 81): request
 * `0x00 0x1c 0x51 || delimited(OpReadBlockProto)`, answer `delimited(BlockOpResponseProto)` with the checksum type
 * and chunk size, then packets `uint32 payloadLen || uint16 headerLen || PacketHeaderProto || checksums || data`
 * until the one marked last. Every chunk's CRC32C (or CRC32) is checked before its bytes go on; the client ends
 * with `ClientReadStatusProto{CHECKSUM_OK}`.
 *
 * Failover as the Go client: each location in turn; a failure after some bytes resumes at that offset on the next
 * location (but, unlike Go, the bytes of a packet whose checksum failed are never delivered). Bytes go to `sink`
 * packet by packet (awaited: back-pressure); the next block may be opened ahead (openAhead).
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

/** A READ_BLOCK request answered (status SUCCESS): the connection, positioned at the first packet. */
export interface OpenedRead {
  conn: Conn;
  info: Msg;
  offset: number;
}

/**
 * Opens the first location of `block` for reading from offset 0, ahead of time: copyToLocal opens block i+1 while
 * block i streams, hiding the DataNode's per-block set-up (the socket pauses after READ_AHEAD bytes, so at most
 * about 1 MiB waits). Never rejects: a failure is handed to readBlock, which moves on to the next location.
 */
export function openAhead(block: Msg, clientName: string): Promise<OpenedRead | Error> {
  const loc = (block.locs ?? [])[0] as Msg | undefined;
  if (!loc) return Promise.resolve(new Error('no available datanodes'));
  return openRead(datanodeAddress(loc), block, clientName, 0).catch((err: Error) => err);
}

/** Closes an `openAhead` that will not be read. */
export function discard(opened: Promise<OpenedRead | Error> | undefined): void {
  void opened?.then((o) => { if (!(o instanceof Error)) o.conn.close(); });
}

export async function readBlock(block: Msg, clientName: string, sink: (data: Buffer) => Promise<void>, ahead?: Promise<OpenedRead | Error>): Promise<void> {
  const total = Number(block.b?.numBytes ?? 0);
  let offset = 0;
  const locs: Msg[] = [...(block.locs ?? [])];
  let lastErr: Error | undefined;
  const counted = async (data: Buffer): Promise<void> => {
    offset += data.length;
    await sink(data);
  };
  if (ahead) {
    locs.shift(); // openAhead used the first location
    const opened = await ahead;
    if (opened instanceof Error) lastErr = opened;
    else {
      try {
        await streamBlock(opened, counted);
      } catch (err) {
        lastErr = err as Error;
      }
    }
  }
  while (offset < total) {
    const loc = locs.shift();
    if (!loc) throw lastErr ?? new Error('no available datanodes');
    try {
      await streamBlock(await openRead(datanodeAddress(loc), block, clientName, offset), counted);
    } catch (err) {
      lastErr = err as Error;
    }
  }
}

async function openRead(addr: string, block: Msg, clientName: string, offset: number): Promise<OpenedRead> {
  const total = Number(block.b?.numBytes ?? 0);
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
    return { conn, info: resp.readOpChecksumInfo ?? {}, offset };
  } catch (err) {
    conn.close();
    throw err;
  }
}

/** The packets of an opened read, checked and handed to `sink`; closes the connection. */
async function streamBlock(opened: OpenedRead, sink: (data: Buffer) => Promise<void>): Promise<void> {
  const { conn, info, offset } = opened;
  try {
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
