/**
 * Hadoop IPC to a NameNode (protocol `org.apache.hadoop.hdfs.protocol.ClientProtocol`, version 1): the `hrpc`
 * connection header (version 9, simple auth), the IpcConnectionContext naming the user, then calls framed as
 * `uint32 length || delimited(RpcRequestHeader) || delimited(RequestHeader) || delimited(request)`, answered by
 * `uint32 length || delimited(RpcResponseHeader) || delimited(response)`.
 *
 * HA as the Go client: addresses are tried in order until one accepts the handshake; a StandbyException (or a
 * failed write) marks that NameNode failed for 5 s and the call goes to the next one.
 * Errors read as the Go client's (colinmarc/hdfs v2): `no available namenodes: <last dial error>`,
 * `<method> call failed with <ERROR_CODE> (<exception class>)`.
 */
import { randomInt } from 'node:crypto';
import { Conn } from './conn.ts';
import { decode, encodeDelimited, readUvarint, RPC_ERROR_CODES, type Msg } from './proto.ts';

const PROTOCOL = 'org.apache.hadoop.hdfs.protocol.ClientProtocol';
const STANDBY = 'org.apache.hadoop.ipc.StandbyException';
const HANDSHAKE_CALL_ID = -3;
const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** A NameNode that failed (dial, handshake, StandbyException) is skipped for this long, as in Go. */
const BACKOFF_MS = 5000;
/** Largest response accepted (Hadoop's ipc.maximum.response.length default). */
const MAX_RESPONSE = 128 * 1024 * 1024;

interface Host { address: string; lastError?: Error; failedAt?: number }

/** A failed call: the server's exception class and message (the message is kept out of `message`, as Go does). */
export class NamenodeError extends Error {
  readonly method: string;
  readonly exception: string;
  readonly serverMessage: string;
  readonly code: number;

  constructor(method: string, code: number, exception: string, serverMessage: string) {
    super(`${method} call failed with ${RPC_ERROR_CODES[code] ?? ''}${exception ? ` (${exception})` : ''}`);
    this.method = method;
    this.code = code;
    this.exception = exception;
    this.serverMessage = serverMessage;
  }
}

export interface NamenodeOptions {
  addresses: string[];
  user: string;
  /** Dial timeout per address (ms). */
  dialTimeoutMs?: number;
}

export class NamenodeConnection {
  readonly clientId: Buffer;
  readonly clientName: string;
  readonly user: string;
  readonly #hosts: Host[];
  readonly #dialTimeoutMs: number;
  #conn: Conn | undefined;
  #current: Host | undefined;
  #callId = 0;
  /** One call at a time on the connection (responses come back in order). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: NamenodeOptions) {
    if (!opts.user) throw new Error('user not specified');
    this.#hosts = opts.addresses.map((address) => ({ address }));
    this.user = opts.user;
    this.#dialTimeoutMs = opts.dialTimeoutMs ?? 30_000;
    let id = '';
    for (let i = 0; i < 16; i++) id += CHARS[randomInt(CHARS.length)];
    this.clientId = Buffer.from(id);
    this.clientName = `go-hdfs-${id}`;
  }

  /** The NameNode we talk to, once connected. */
  get address(): string | undefined {
    return this.#conn ? this.#current?.address : undefined;
  }

  /**
   * Connect to the first NameNode (in order) that accepts the handshake, skipping those that failed in the last
   * 5 s (Go's backoff); none left → `no available namenodes: <last error>`.
   */
  async connect(): Promise<void> {
    if (this.#conn) return;
    let lastErr: Error | undefined = this.#current?.lastError;
    for (const host of this.#hosts) {
      if (host.failedAt !== undefined && Date.now() - host.failedAt < BACKOFF_MS) continue;
      this.#current = host;
      let conn: Conn | undefined;
      try {
        conn = await Conn.dial(host.address, this.#dialTimeoutMs);
        await conn.write(this.#handshake());
        this.#conn = conn;
        return;
      } catch (err) {
        conn?.close();
        lastErr = err as Error;
        this.#markFailure(lastErr);
      }
    }
    throw new Error(`no available namenodes: ${lastErr?.message ?? 'no addresses'}`);
  }

  #markFailure(err: Error): void {
    this.#drop();
    if (this.#current) {
      this.#current.lastError = err;
      this.#current.failedAt = Date.now();
    }
  }

  #handshake(): Buffer {
    const header = Buffer.from([0x68, 0x72, 0x70, 0x63, 0x09, 0x00, 0x00]); // "hrpc", version 9, service class 0, simple auth
    const rrh = encodeDelimited('RpcRequestHeaderProto', { rpcKind: 2, rpcOp: 0, callId: HANDSHAKE_CALL_ID, clientId: this.clientId });
    const ctx = encodeDelimited('IpcConnectionContextProto', { userInfo: { effectiveUser: this.user }, protocol: PROTOCOL });
    return Buffer.concat([header, frame([rrh, ctx])]);
  }

  /** One ClientProtocol call; the response message decoded. */
  call(method: string, reqType: string, req: Msg, respType: string): Promise<Msg> {
    const run = this.#queue.then(() => this.#call(method, reqType, req, respType));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #call(method: string, reqType: string, req: Msg, respType: string): Promise<Msg> {
    for (;;) {
      await this.connect();
      const conn = this.#conn as Conn;
      const callId = ++this.#callId;
      const packet = frame([
        encodeDelimited('RpcRequestHeaderProto', { rpcKind: 2, rpcOp: 0, callId, clientId: this.clientId }),
        encodeDelimited('RequestHeaderProto', { methodName: method, declaringClassProtocolName: PROTOCOL, clientProtocolVersion: 1 }),
        encodeDelimited(reqType, req),
      ]);
      try {
        await conn.write(packet);
      } catch (err) {
        this.#markFailure(err as Error); // as Go: a failed write moves on to the next NameNode
        continue;
      }
      let parts: Buffer[];
      try {
        const len = (await conn.read(4)).readUInt32BE(0);
        if (len > MAX_RESPONSE) throw new Error(`invalid response from namenode: ${len} bytes`);
        parts = splitDelimited(await conn.read(len));
      } catch (err) {
        this.#drop();
        throw err;
      }
      const header = decode('RpcResponseHeaderProto', parts[0] ?? Buffer.alloc(0));
      if ((header.callId ?? -1) !== callId) {
        this.#drop();
        throw new Error('unexpected sequence number');
      }
      if ((header.status ?? 0) !== 0) {
        const err = new NamenodeError(method, header.errorDetail ?? 0, header.exceptionClassName ?? '', header.errorMsg ?? '');
        if (err.exception === STANDBY) {
          this.#markFailure(err); // HA: try the next NameNode
          continue;
        }
        if (header.status === 2) this.#drop(); // FATAL: the server closes the connection
        throw err;
      }
      return decode(respType, parts[1] ?? Buffer.alloc(0));
    }
  }

  #drop(): void {
    this.#conn?.close();
    this.#conn = undefined;
  }

  close(): void {
    this.#drop();
  }
}

/** `uint32 BE total length || parts`. */
function frame(parts: Buffer[]): Buffer {
  const len = parts.reduce((a, p) => a + p.length, 0);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(len);
  return Buffer.concat([head, ...parts]);
}

function splitDelimited(packet: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < packet.length) {
    const v = readUvarint(packet, off);
    if (!v || off + v[1] + v[0] > packet.length) throw new Error('invalid response from namenode');
    off += v[1];
    out.push(packet.subarray(off, off + v[0]));
    off += v[0];
  }
  return out;
}
