/**
 * Writing one new block through a DataNode pipeline (op WRITE_BLOCK = 80, stage PIPELINE_SETUP_CREATE): the first
 * location receives `OpWriteBlockProto` naming the others as targets, answers `BlockOpResponseProto`, then takes
 * packets of up to 64 KiB (512-byte chunks, one CRC32C each, as the Go client) and acknowledges each with a
 * `PipelineAckProto` (one status per pipeline node). At most MAX_IN_FLIGHT packets are unacknowledged; an empty
 * packet marked last closes the block. Errors as Go's: `write failed: <STATUS> (<message>)`,
 * `Ack error from datanode: <STATUS>`, `invalid ack sequence number`.
 */
import { Conn } from './conn.ts';
import { crc32c } from './crc32c.ts';
import { DATA_TRANSFER_VERSION, datanodeAddress } from './block-reader.ts';
import { CHECKSUM_CRC32C, decode, encode, encodeDelimited, STAGE_PIPELINE_SETUP_CREATE, STATUS_NAMES, type Msg } from './proto.ts';

const OP_WRITE_BLOCK = 0x50;
export const PACKET_SIZE = 65536;
const CHUNK_SIZE = 512;
const MAX_IN_FLIGHT = 16;
const HEARTBEAT_SEQNO = -1;

export class BlockWriter {
  readonly block: Msg;
  /** Bytes written to this block so far. */
  offset = 0;
  readonly #conn: Conn;
  #seqno = 1;
  #unacked: number[] = [];
  #ackError: Error | undefined;
  #ackWaiters: (() => void)[] = [];
  /** Set once the last packet is sent: the ack reader stops after its ack. */
  #closing = false;
  #acksDone: Promise<void>;

  private constructor(block: Msg, conn: Conn) {
    this.block = block;
    this.#conn = conn;
    this.#acksDone = this.#readAcks();
  }

  static async open(block: Msg, clientName: string): Promise<BlockWriter> {
    const locs: Msg[] = block.locs ?? [];
    if (locs.length === 0) throw new Error('no available datanodes');
    const conn = await Conn.dial(datanodeAddress(locs[0] as Msg));
    try {
      const targets = locs.slice(1);
      const op = encodeDelimited('OpWriteBlockProto', {
        header: { baseHeader: { block: block.b, token: block.blockToken }, clientName },
        targets,
        stage: STAGE_PIPELINE_SETUP_CREATE,
        pipelineSize: targets.length,
        minBytesRcvd: Number(block.b?.numBytes ?? 0),
        maxBytesRcvd: 0,
        latestGenerationStamp: 0,
        requestedChecksum: { type: CHECKSUM_CRC32C, bytesPerChecksum: CHUNK_SIZE },
      });
      await conn.write(Buffer.concat([Buffer.from([0x00, DATA_TRANSFER_VERSION, OP_WRITE_BLOCK]), op]));
      const resp = decode('BlockOpResponseProto', await conn.readDelimited());
      if ((resp.status ?? 0) !== 0) throw new Error(`write failed: ${STATUS_NAMES[resp.status] ?? resp.status} (${resp.message ?? ''})`);
    } catch (err) {
      conn.close();
      throw err;
    }
    return new BlockWriter(block, conn);
  }

  async #readAcks(): Promise<void> {
    try {
      for (;;) {
        if (this.#unacked.length === 0 && this.#closing) return;
        const ack = decode('PipelineAckProto', await this.#conn.readDelimited());
        const seqno = Number(ack.seqno ?? 0);
        for (const status of (ack.reply ?? []) as number[]) {
          if (status !== 0) throw new Error(`Ack error from datanode: ${STATUS_NAMES[status] ?? status}`);
        }
        if (seqno === HEARTBEAT_SEQNO) continue;
        if (seqno !== this.#unacked[0]) throw new Error('invalid ack sequence number');
        this.#unacked.shift();
        this.#wakeAll();
      }
    } catch (err) {
      this.#ackError ??= err as Error;
      this.#wakeAll();
    }
  }

  #wakeAll(): void {
    const w = this.#ackWaiters;
    this.#ackWaiters = [];
    for (const f of w) f();
  }

  async #waitAcks(max: number): Promise<void> {
    while (this.#unacked.length > max && !this.#ackError) await new Promise<void>((r) => this.#ackWaiters.push(r));
    if (this.#ackError) throw this.#ackError;
  }

  /** One packet of `data` (at most PACKET_SIZE bytes) at the current offset. */
  async writePacket(data: Buffer): Promise<void> {
    await this.#waitAcks(MAX_IN_FLIGHT - 1);
    await this.#send(data, false);
    this.offset += data.length;
  }

  async #send(data: Buffer, last: boolean): Promise<void> {
    const chunks = Math.ceil(data.length / CHUNK_SIZE);
    const sums = Buffer.allocUnsafe(chunks * 4);
    for (let i = 0; i < chunks; i++) sums.writeUInt32BE(crc32c(data, i * CHUNK_SIZE, Math.min((i + 1) * CHUNK_SIZE, data.length)), i * 4);
    const seqno = this.#seqno++;
    const header = encode('PacketHeaderProto', { offsetInBlock: this.offset, seqno, lastPacketInBlock: last, dataLen: data.length });
    const pre = Buffer.allocUnsafe(6);
    pre.writeUInt32BE(4 + sums.length + data.length, 0);
    pre.writeUInt16BE(header.length, 4);
    this.#unacked.push(seqno);
    await this.#conn.write(Buffer.concat([pre, header, sums, data]));
  }

  /** The empty last packet, then every acknowledgement. */
  async finish(): Promise<void> {
    try {
      await this.#waitAcks(MAX_IN_FLIGHT - 1);
      await this.#send(Buffer.alloc(0), true);
      this.#closing = true;
      await this.#waitAcks(0);
    } finally {
      this.#conn.close();
      await this.#acksDone;
    }
  }

  abort(): void {
    this.#conn.close();
  }
}
