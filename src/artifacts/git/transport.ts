/**
 * The HTTP plugin handed to isomorphic-git. isomorphic-git (pure JS, no `git` binary — the executor image is FROM
 * scratch) only speaks smart HTTP; this client serves:
 *
 * - http(s) URLs directly over node:http(s) (`insecureSkipTLS` → certificate not verified; ≤ 10 redirects for GET);
 * - `git://` URLs (git daemon) by mapping the two smart-HTTP requests onto the native protocol: `GET
 *   …/info/refs?service=git-upload-pack` = connect, send the `git-upload-pack` request line and return the ref
 *   advertisement behind the smart-HTTP `# service=` header; `POST …/git-upload-pack` = a fresh connection, skip the
 *   advertisement, send the request body and stream the rest of the connection as the response. The upload-pack
 *   request isomorphic-git writes (wants, deepen, flush, haves, `done`) is valid for a stateful connection too;
 * - SSH remotes (`ssh://…`, scp-like `user@host:path`) the same way, each connection being an exec channel running
 *   `git-upload-pack '<path>'` (the `ssh` opener, ssh.ts); when the remote answers nothing, the opener's `failure()`
 *   says why (go-git reads the command's stderr: "repository not found", …).
 *
 * Non-HTTP remotes are addressed through a placeholder URL (`tunnelUrl`) because isomorphic-git refuses other schemes.
 */
import { connect, type Socket } from 'node:net';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';

const TUNNEL = 'http://argoexec-git-tunnel.invalid/';

/** A placeholder http URL isomorphic-git accepts, standing for a git:// (or other stream) remote. */
export function tunnelUrl(real: string): string {
  return `${TUNNEL}${encodeURIComponent(real)}`;
}

export interface StreamOpener {
  /**
   * Opens a duplex connection running `git-upload-pack` for the remote `url`. `failure`, when present, explains why
   * the remote closed it without a ref advertisement (e.g. the stderr of an SSH command).
   */
  (url: string): Promise<Duplex & { failure?: () => Promise<string> }>;
}

function pkt(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]);
}

/** Buffered reader over a stream: reads pkt-lines, then hands out what is left. */
class PktReader {
  #buf: Buffer = Buffer.alloc(0);
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #s: Duplex;

  constructor(s: Duplex) {
    this.#s = s;
    s.on('data', (c: Buffer) => {
      this.#buf = this.#buf.length ? Buffer.concat([this.#buf, c]) : c;
      s.pause();
      this.#wake?.();
    });
    s.on('end', () => { this.#ended = true; this.#wake?.(); });
    s.on('error', (e: Error) => { this.#error = e; this.#wake?.(); });
    s.on('close', () => { this.#ended = true; this.#wake?.(); });
  }

  async #more(): Promise<boolean> {
    if (this.#error) throw this.#error;
    if (this.#ended) return false;
    await new Promise<void>((r) => { this.#wake = r; this.#s.resume(); });
    this.#wake = undefined;
    if (this.#error) throw this.#error;
    return true;
  }

  /** The raw bytes of the ref advertisement, up to and including its flush-pkt. */
  async advertisement(): Promise<Buffer> {
    let off = 0;
    for (;;) {
      while (this.#buf.length - off >= 4) {
        const len = Number.parseInt(this.#buf.subarray(off, off + 4).toString('latin1'), 16);
        if (Number.isNaN(len)) throw new Error('invalid pkt-line in the ref advertisement');
        if (len === 0) {
          const adv = this.#buf.subarray(0, off + 4);
          this.#buf = this.#buf.subarray(off + 4);
          return adv;
        }
        if (this.#buf.length - off < len) break;
        const line = this.#buf.subarray(off + 4, off + len).toString('utf8');
        if (line.startsWith('ERR ')) throw new Error(`remote error: ${line.slice(4).trim()}`);
        off += len;
      }
      if (!(await this.#more())) {
        if (off === 0 && this.#buf.length === 0) throw new Error('remote closed the connection without a ref advertisement (repository not found or not exported?)');
        throw new Error('unexpected EOF in the ref advertisement');
      }
    }
  }

  async *rest(): AsyncIterableIterator<Uint8Array> {
    for (;;) {
      if (this.#buf.length) {
        const b = this.#buf;
        this.#buf = Buffer.alloc(0);
        yield b;
      }
      if (!(await this.#more())) break;
    }
  }
}

/** git:// — the git daemon protocol (v0): request line `git-upload-pack <path>\0host=<host>\0`. */
export const gitDaemonOpener: StreamOpener = async (remote) => {
  const url = new URL(remote);
  const port = url.port ? Number(url.port) : 9418;
  const sock: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host: url.hostname, port }, () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  });
  sock.setNoDelay(true);
  const path = decodeURIComponent(url.pathname);
  sock.write(pkt(`git-upload-pack ${path}\0host=${url.host}\0`));
  return sock;
};

async function* once(b: Buffer): AsyncIterableIterator<Uint8Array> {
  yield b;
}

async function collect(body: GitHttpRequest['body']): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for await (const c of body as AsyncIterable<Uint8Array>) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

export interface ClientOptions {
  insecureSkipTLS: boolean;
  openers: Record<string, StreamOpener>;
}

export function makeHttpClient(opts: ClientOptions): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      if (req.url.startsWith(TUNNEL)) return tunnel(req, opts);
      return viaHttp(req, opts);
    },
  };
}

async function tunnel(req: GitHttpRequest, opts: ClientOptions): Promise<GitHttpResponse> {
  const rest = req.url.slice(TUNNEL.length);
  const cut = rest.search(/\/(info\/refs\?|git-upload-pack$|git-receive-pack)/);
  if (cut < 0) throw new Error(`unexpected git request ${req.url}`);
  const real = decodeURIComponent(rest.slice(0, cut));
  const op = rest.slice(cut + 1);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(real)?.[1]?.toLowerCase() ?? 'ssh'; // scp-like `user@host:path` is SSH
  const opener = opts.openers[scheme];
  if (!opener) throw new Error(`unsupported git transport ${scheme}`);
  if (op.includes('git-receive-pack')) throw new Error('pushing is not supported');
  const stream = await opener(real);
  const reader = new PktReader(stream);
  try {
    let adv: Buffer;
    try {
      adv = await reader.advertisement();
    } catch (err) {
      if (stream.failure && (err as Error).message.startsWith('remote closed the connection without a ref advertisement')) throw new Error(await stream.failure());
      throw err;
    }
    if (op.startsWith('info/refs')) {
      stream.end(Buffer.from('0000'));
      stream.destroy();
      const body = Buffer.concat([pkt('# service=git-upload-pack\n'), Buffer.from('0000'), adv]);
      return { url: req.url, method: 'GET', statusCode: 200, statusMessage: 'OK', headers: { 'content-type': 'application/x-git-upload-pack-advertisement' }, body: once(body) };
    }
    stream.write(await collect(req.body));
    const body = reader.rest();
    return {
      url: req.url, method: 'POST', statusCode: 200, statusMessage: 'OK', headers: { 'content-type': 'application/x-git-upload-pack-result' },
      body: (async function* () {
        try {
          yield* body;
        } finally {
          stream.destroy();
        }
      })(),
    };
  } catch (err) {
    stream.destroy();
    throw err;
  }
}

async function viaHttp(req: GitHttpRequest, opts: ClientOptions): Promise<GitHttpResponse> {
  const method = req.method ?? 'GET';
  const payload = method === 'GET' ? undefined : await collect(req.body);
  let url = new URL(req.url);
  for (let hop = 0; ; hop++) {
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (payload) headers['content-length'] = String(payload.length);
    // Credentials never follow a redirect to another host.
    if (hop > 0 && url.host !== new URL(req.url).host) for (const k of Object.keys(headers)) if (k.toLowerCase() === 'authorization') delete headers[k];
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const r = (isHttps ? httpsRequest : httpRequest)(url, { method, headers, ...(isHttps && opts.insecureSkipTLS ? { rejectUnauthorized: false } : {}) }, resolve);
      r.on('error', reject);
      r.end(payload);
    });
    const status = res.statusCode ?? 0;
    const loc = res.headers.location;
    if (method === 'GET' && loc && [301, 302, 303, 307, 308].includes(status) && hop < 10) {
      res.resume();
      url = new URL(loc, url);
      continue;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
    return { url: url.toString(), method, statusCode: status, statusMessage: res.statusMessage ?? '', headers: out, body: res[Symbol.asyncIterator]() as AsyncIterableIterator<Uint8Array> };
  }
}
