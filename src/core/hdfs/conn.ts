/**
 * A TCP connection with exact-length reads (`read(n)`), the framing primitive under both HDFS protocols, and Go's
 * texts for dial and read errors (`dial tcp 127.0.0.1:1: connect: connection refused`, `EOF`, `unexpected EOF`).
 * The socket is paused once READ_AHEAD bytes wait unread (back-pressure): at most that plus one socket chunk and
 * what the caller asked for is held in memory.
 */
import { connect, type Socket } from 'node:net';

/** Bytes read ahead of the caller before the socket is paused (back-pressure). */
const READ_AHEAD = 1024 * 1024;
/** Largest length-prefixed message accepted from a DataNode (they are a few hundred bytes). */
const MAX_MESSAGE = 16 * 1024 * 1024;

const STRERR: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ETIMEDOUT: 'connect: connection timed out',
};

/** Go's net.Dial error text for `addr` (`host:port`). */
export function dialErrorText(err: NodeJS.ErrnoException, addr: string): string {
  const code = err.code ?? '';
  if (STRERR[code]) return `dial tcp ${addr}: ${STRERR[code]}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${splitHostPort(addr)[0]}: no such host`;
  if (code === 'ERR_INVALID_ADDRESS' || code === 'ERR_SOCKET_BAD_PORT' || code === 'MISSING_PORT') return `dial tcp: address ${addr}: missing port in address`;
  return `dial tcp ${addr}: ${err.message}`;
}

export function splitHostPort(addr: string): [string, number] {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(addr) ?? /^([^:]*):(\d+)$/.exec(addr);
  if (!m) {
    const e: NodeJS.ErrnoException = new Error(`address ${addr}: missing port in address`);
    e.code = 'MISSING_PORT';
    throw e;
  }
  return [m[1] as string, Number(m[2])];
}

export class EofError extends Error {
  constructor(unexpected: boolean) {
    super(unexpected ? 'unexpected EOF' : 'EOF');
  }
}

export class Conn {
  readonly socket: Socket;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | undefined;
  #waiter: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#chunks.push(d);
      this.#buffered += d.length;
      if (this.#buffered >= READ_AHEAD) socket.pause();
      this.#wake();
    });
    socket.on('end', () => { this.#ended = true; this.#wake(); });
    socket.on('close', () => { this.#ended = true; this.#wake(); });
    socket.on('error', (e) => { this.#error ??= e; this.#wake(); });
  }

  /** Dial `addr` (`host:port`); rejects with Go's dial error text. */
  static dial(addr: string, timeoutMs = 30_000): Promise<Conn> {
    return new Promise((resolve, reject) => {
      let host: string;
      let port: number;
      try {
        [host, port] = splitHostPort(addr);
      } catch (err) {
        reject(new Error(dialErrorText(err as NodeJS.ErrnoException, addr)));
        return;
      }
      const s = connect({ host, port, noDelay: true });
      const t = setTimeout(() => { s.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })); }, timeoutMs);
      s.once('connect', () => { clearTimeout(t); s.removeAllListeners('error'); resolve(new Conn(s)); });
      s.once('error', (e: NodeJS.ErrnoException) => { clearTimeout(t); s.destroy(); reject(new Error(dialErrorText(e, addr))); });
    });
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  /** Exactly `n` bytes; EOF before the first byte is `EOF`, in the middle `unexpected EOF`. */
  async read(n: number): Promise<Buffer> {
    if (this.#buffered - n < READ_AHEAD && this.socket.isPaused()) this.socket.resume();
    while (this.#buffered < n) {
      if (this.#error) throw this.#error;
      if (this.#ended) throw new EofError(this.#buffered > 0);
      this.socket.resume();
      await new Promise<void>((r) => { this.#waiter = r; });
    }
    let out: Buffer;
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const c = this.#chunks[0] as Buffer;
        const take = Math.min(c.length, n - off);
        c.copy(out, off, 0, take);
        off += take;
        if (take === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(take);
      }
    }
    this.#buffered -= n;
    return out;
  }

  /** A uvarint-length-prefixed message body (Hadoop's writeDelimitedTo). */
  async readDelimited(): Promise<Buffer> {
    let len = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const b = (await this.read(1))[0] as number;
      len += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (len > MAX_MESSAGE) throw new Error(`invalid response from datanode: a ${len}-byte message`);
        return this.read(len);
      }
      mul *= 128;
    }
    throw new Error('invalid response from datanode');
  }

  /** Write, honouring back-pressure; rejects on a socket error. */
  write(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#error) { reject(this.#error); return; }
      this.socket.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
