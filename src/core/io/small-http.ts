/**
 * A minimal HTTP/1.1 client for small, whole requests: the request is written at once, the response arrives as one
 * buffer (status, lower-cased headers, body). Over a keep-alive pool of plain or TLS sockets to one host. Made for
 * the S3 driver's small objects (D44): 10,000 objects of 10 KiB are 10,000 requests, and node:http's machinery
 * (ClientRequest, the agent, IncomingMessage and its stream, the events between them) cost ~50 µs of CPU each on this
 * machine, on the same two cores the store needed. Here a request is one write and a response one parse.
 *
 * What it does as node:http does: header names and values checked (ERR_INVALID_HTTP_TOKEN, ERR_INVALID_CHAR) and a
 * path without spaces or controls (ERR_UNESCAPED_CHARACTERS); `Content-Length` or chunked bodies, or a body to the
 * close; 1xx answers skipped; keep-alive unless the answer says `Connection: close` (HTTP/1.0: unless it says
 * keep-alive); a connection closed before the answer is complete fails with ECONNRESET ("socket hang up"), so
 * callers retry it as they retry node:http's; an abort fails with an AbortError. Unlike node:http: no redirects, no
 * upgrades, no streaming; one request per connection at a time (no pipelining). A reused keep-alive connection that
 * the server had closed (the request written, not a byte back) is tried once more on a new connection.
 */
import { connect as netConnect, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface SmallHttpOptions {
  /** Where to connect (an IPv6 literal without brackets). */
  host: string;
  port: number;
  secure: boolean;
  /** TLS: the certificates to trust instead of the defaults (as an https.Agent's `ca`). */
  ca?: string;
  /** Name resolution instead of the system's (as net.connect's). */
  lookup?: LookupFunction;
  /** Connections open at once (as an agent's maxSockets). */
  maxSockets: number;
  connectTimeoutMs: number;
  /** A response body larger than this fails the request. */
  maxBodyBytes: number;
}

export interface SmallHttpRequest {
  method: string;
  /** As it goes on the request line (already encoded). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}

export interface SmallHttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export interface SmallHttpClient {
  request(req: SmallHttpRequest): Promise<SmallHttpResponse>;
  /** Closes every connection; requests in flight fail. */
  destroy(): void;
}

const MAX_HEAD_BYTES = 64 * 1024;
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const INVALID_PATH = /[\u0000-\u0020]/;
const CRLFCRLF = Buffer.from('\r\n\r\n');

const codeError = (message: string, code: string, Ctor: ErrorConstructor = Error): Error => Object.assign(new Ctor(message), { code });
const hangUp = (): Error => codeError('socket hang up', 'ECONNRESET');
const abortError = (signal: AbortSignal): Error => Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });

/** The request head, after node:http's checks of names, values and path. */
function requestHead(req: SmallHttpRequest): string {
  if (INVALID_PATH.test(req.path)) throw codeError('Request path contains unescaped characters', 'ERR_UNESCAPED_CHARACTERS', TypeError);
  if (!TOKEN.test(req.method)) throw codeError(`Method must be a valid HTTP token ["${req.method}"]`, 'ERR_INVALID_HTTP_TOKEN', TypeError);
  let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
  for (const name in req.headers) {
    const value = req.headers[name] as string;
    if (!TOKEN.test(name)) throw codeError(`Header name must be a valid HTTP token ["${name}"]`, 'ERR_INVALID_HTTP_TOKEN', TypeError);
    if (INVALID_VALUE.test(value)) throw codeError(`Invalid character in header content ["${name}"]`, 'ERR_INVALID_CHAR', TypeError);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}Connection: keep-alive\r\n\r\n`;
}

interface Exchange {
  method: string;
  resolve(res: SmallHttpResponse): void;
  reject(err: Error): void;
  /** Bytes of the response seen so far (a stale keep-alive connection sees none). */
  seen: number;
}

type BodyState =
  | { kind: 'length'; buf: Buffer; at: number }
  | { kind: 'chunked'; parts: Buffer[]; size: number; next: number; trailers: boolean }
  | { kind: 'eof'; parts: Buffer[]; size: number };

/** A body gathered in parts, as one buffer (the part itself when there is one). */
const joined = (b: { parts: Buffer[]; size: number }): Buffer => (b.parts.length === 1 ? b.parts[0] as Buffer : Buffer.concat(b.parts, b.size));

/** One connection: a socket, the exchange on it, the parser state of its answer. */
class Connection {
  readonly socket: Socket;
  exchange: Exchange | undefined;
  reused = false;
  #pending: Buffer | undefined;
  #status = 0;
  #headers: Record<string, string> = {};
  #keepAlive = true;
  #body: BodyState | undefined;

  readonly maxBody: number;
  readonly onDone: (c: Connection, reusable: boolean) => void;
  readonly onGone: (c: Connection) => void;

  constructor(socket: Socket, maxBody: number, onDone: (c: Connection, reusable: boolean) => void, onGone: (c: Connection) => void) {
    this.socket = socket;
    this.maxBody = maxBody;
    this.onDone = onDone;
    this.onGone = onGone;
    socket.on('data', (d: Buffer) => this.#data(d));
    socket.on('error', (err) => this.#fail(err));
    socket.on('end', () => this.#closed());
    socket.on('close', () => this.#closed());
  }

  start(ex: Exchange, head: string, body: Buffer | undefined): void {
    this.exchange = ex;
    this.#pending = undefined;
    this.#body = undefined;
    this.#status = 0;
    if (body && body.length > 0) {
      this.socket.cork();
      this.socket.write(head, 'latin1');
      this.socket.write(body);
      this.socket.uncork();
    } else {
      this.socket.write(head, 'latin1');
    }
  }

  #data(d: Buffer): void {
    const ex = this.exchange;
    if (!ex) {
      this.socket.destroy(); // bytes nobody asked for: the connection is out of step
      return;
    }
    ex.seen += d.length;
    try {
      if (this.#body) this.#bodyData(d);
      else this.#headData(d);
    } catch (err) {
      this.exchange = undefined;
      this.socket.destroy();
      ex.reject(err as Error);
    }
  }

  #headData(d: Buffer): void {
    const from = this.#pending ? Math.max(0, this.#pending.length - 3) : 0;
    const buf = this.#pending ? Buffer.concat([this.#pending, d]) : d;
    const end = buf.indexOf(CRLFCRLF, from);
    if (end < 0) {
      if (buf.length > MAX_HEAD_BYTES) throw codeError('Header overflow', 'HPE_HEADER_OVERFLOW');
      this.#pending = buf;
      return;
    }
    this.#pending = undefined;
    const lines = buf.toString('latin1', 0, end).split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] as string);
    if (!m) throw codeError(`Parse Error: invalid status line ${JSON.stringify((lines[0] as string).slice(0, 80))}`, 'HPE_INVALID_CONSTANT');
    const status = Number(m[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0) throw codeError('Parse Error: invalid header line', 'HPE_INVALID_HEADER_TOKEN');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const rest = buf.subarray(end + 4);
    if (status >= 100 && status < 200) {
      // 100 Continue, 103 Early Hints: the answer is still to come.
      if (rest.length > 0) this.#headData(rest);
      return;
    }
    this.#status = status;
    this.#headers = headers;
    const connection = (headers.connection ?? '').toLowerCase();
    this.#keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const method = (this.exchange as Exchange).method;
    if (method === 'HEAD' || status === 204 || status === 304) {
      this.#complete(Buffer.alloc(0), rest.length === 0);
      return;
    }
    if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
      this.#body = { kind: 'chunked', parts: [], size: 0, next: -1, trailers: false };
    } else if (headers['content-length'] !== undefined) {
      const text = headers['content-length'];
      if (!/^\d+$/.test(text)) throw codeError(`Parse Error: invalid Content-Length ${JSON.stringify(text.slice(0, 40))}`, 'HPE_INVALID_CONTENT_LENGTH');
      const length = Number(text);
      if (length > this.maxBody) throw codeError(`response body of ${length} bytes is larger than ${this.maxBody}`, 'ERR_BODY_TOO_LARGE');
      this.#body = { kind: 'length', buf: Buffer.allocUnsafe(length), at: 0 };
    } else {
      this.#keepAlive = false;
      this.#body = { kind: 'eof', parts: [], size: 0 };
    }
    if (rest.length > 0 || this.#body.kind === 'length') this.#bodyData(rest);
  }

  #bodyData(d: Buffer): void {
    const b = this.#body as BodyState;
    if (b.kind === 'length') {
      const n = Math.min(d.length, b.buf.length - b.at);
      d.copy(b.buf, b.at, 0, n);
      b.at += n;
      if (b.at === b.buf.length) this.#complete(b.buf, n === d.length);
      return;
    }
    if (b.kind === 'eof') {
      b.size += d.length;
      if (b.size > this.maxBody) throw codeError(`response body larger than ${this.maxBody} bytes`, 'ERR_BODY_TOO_LARGE');
      b.parts.push(d);
      return;
    }
    this.#chunkedData(b, d);
  }

  /** Chunked framing: `<hex size>[;ext]\r\n<data>\r\n` … `0\r\n<trailers>\r\n`. */
  #chunkedData(b: Extract<BodyState, { kind: 'chunked' }>, d: Buffer): void {
    let buf = this.#pending ? Buffer.concat([this.#pending, d]) : d;
    this.#pending = undefined;
    for (;;) {
      if (b.next > 0) {
        const n = Math.min(b.next, buf.length);
        b.parts.push(buf.subarray(0, n));
        b.size += n;
        b.next -= n;
        buf = buf.subarray(n);
        if (b.next > 0) return;
        b.next = -2; // the CRLF after the data
      }
      const eol = buf.indexOf('\r\n');
      if (eol < 0) {
        if (buf.length > MAX_HEAD_BYTES) throw codeError('Parse Error: chunk header too long', 'HPE_CHUNK_EXTENSIONS_OVERFLOW');
        if (buf.length > 0) this.#pending = buf;
        return;
      }
      const line = buf.toString('latin1', 0, eol);
      buf = buf.subarray(eol + 2);
      if (b.next === -2) {
        if (line !== '') throw codeError('Parse Error: expected CRLF after chunk data', 'HPE_STRICT');
        b.next = -1;
        continue;
      }
      if (b.trailers) {
        if (line === '') {
          this.#complete(joined(b), buf.length === 0);
          return;
        }
        continue;
      }
      const size = /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/.exec(line);
      if (!size) throw codeError('Parse Error: invalid chunk size', 'HPE_INVALID_CHUNK_SIZE');
      const n = parseInt(size[1] as string, 16);
      if (b.size + n > this.maxBody) throw codeError(`response body larger than ${this.maxBody} bytes`, 'ERR_BODY_TOO_LARGE');
      if (n === 0) b.trailers = true;
      else b.next = n;
    }
  }

  /** The answer is whole; `clean`: nothing followed it on the connection. */
  #complete(body: Buffer, clean: boolean): void {
    const ex = this.exchange as Exchange;
    this.exchange = undefined;
    this.#body = undefined;
    const reusable = clean && this.#keepAlive;
    ex.resolve({ status: this.#status, headers: this.#headers, body });
    this.onDone(this, reusable);
  }

  #fail(err: Error): void {
    const ex = this.exchange;
    this.exchange = undefined;
    this.onGone(this);
    ex?.reject(err);
  }

  #closed(): void {
    const b = this.#body;
    if (this.exchange && b?.kind === 'eof') {
      this.#complete(joined(b), true);
    }
    this.socket.destroy();
    this.#fail(hangUp());
  }

  /** The connection is given back idle: it must not keep the process alive. */
  idle(): void {
    this.socket.unref();
  }
}

export function smallHttpClient(o: SmallHttpOptions): SmallHttpClient {
  const idle: Connection[] = [];
  const all = new Set<Connection>();
  const waiting: ((c: Connection | Error) => void)[] = [];
  let destroyed = false;

  const done = (c: Connection, reusable: boolean): void => {
    if (!reusable || destroyed) {
      c.socket.destroy();
      return;
    }
    c.reused = true;
    const next = waiting.shift();
    if (next) next(c);
    else {
      c.idle();
      idle.push(c);
    }
  };
  const gone = (c: Connection): void => {
    if (!all.delete(c)) return;
    const i = idle.indexOf(c);
    if (i >= 0) idle.splice(i, 1);
    // A slot is free: a waiting request gets a new connection.
    const next = waiting.shift();
    if (next) open().then(next, next);
  };

  function open(): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = o.secure
        ? tlsConnect({ host: o.host, port: o.port, ...(/^[\d.]+$|:/.test(o.host) ? {} : { servername: o.host }), ...(o.ca ? { ca: o.ca } : {}), ...(o.lookup ? { lookup: o.lookup } : {}), ALPNProtocols: ['http/1.1'] })
        : netConnect({ host: o.host, port: o.port, ...(o.lookup ? { lookup: o.lookup } : {}) });
      socket.setNoDelay(true);
      const c = new Connection(socket, o.maxBodyBytes, done, gone);
      all.add(c);
      const timer = setTimeout(() => socket.destroy(codeError(`connect ETIMEDOUT ${o.host}:${o.port}`, 'ETIMEDOUT')), o.connectTimeoutMs);
      const ready = (): void => { clearTimeout(timer); socket.off('error', failed); resolve(c); };
      const failed = (err: Error): void => { clearTimeout(timer); reject(err); };
      socket.once(o.secure ? 'secureConnect' : 'connect', ready);
      socket.once('error', failed);
    });
  }

  function acquire(): Promise<Connection> {
    if (destroyed) return Promise.reject(codeError('the client was closed', 'ERR_CLIENT_CLOSED'));
    const c = idle.pop();
    if (c) {
      c.socket.ref();
      return Promise.resolve(c);
    }
    if (all.size < o.maxSockets) return open();
    return new Promise((resolve, reject) => waiting.push((x) => (x instanceof Error ? reject(x) : resolve(x))));
  }

  async function once(req: SmallHttpRequest, head: string, fresh: boolean): Promise<SmallHttpResponse> {
    const c = fresh ? await open() : await acquire();
    const wasReused = c.reused;
    if (req.signal?.aborted) {
      done(c, true);
      throw abortError(req.signal);
    }
    const ex: Exchange = { method: req.method, seen: 0, resolve: () => undefined, reject: () => undefined };
    const answer = new Promise<SmallHttpResponse>((resolve, reject) => { ex.resolve = resolve; ex.reject = reject; });
    const onAbort = (): void => {
      if (c.exchange !== ex) return;
      c.exchange = undefined;
      c.socket.destroy();
      ex.reject(abortError(req.signal as AbortSignal));
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      c.start(ex, head, req.body);
      return await answer;
    } catch (err) {
      // A keep-alive connection the server had closed: nothing came back, the request is tried on a new one.
      if (wasReused && ex.seen === 0 && (err as NodeJS.ErrnoException).code === 'ECONNRESET' && !req.signal?.aborted && !destroyed) return once(req, head, true);
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    async request(req) {
      const head = requestHead(req);
      if (req.signal?.aborted) throw abortError(req.signal);
      return once(req, head, false);
    },
    destroy() {
      destroyed = true;
      for (const w of waiting.splice(0)) w(codeError('the client was closed', 'ERR_CLIENT_CLOSED'));
      for (const c of all) c.socket.destroy();
    },
  };
}
