/**
 * A small OSS REST client (decision D21: why not `ali-oss`): one signed request at a time over node:http(s), bodies
 * streamed both ways, requests shaped as aliyun-oss-go-sdk v3.0.2 shapes them (argoexec v4.1.2's client) — URL
 * style, key escaping, parameter order, V1 signature (signature.ts) — and service errors worded as its
 * ServiceError.Error() words them, so error texts match Go's.
 *
 * URL style as the SDK's urlMaker: an IP endpoint → path style `http://<ip:port>/<bucket>/<key>`; a host name →
 * virtual-hosted `http://<bucket>.<host>/<key>`. The key is escaped as Go's url.QueryEscape (`/` → `%2F`).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { STATUS_CODES } from 'node:http';
import { authorization, canonicalResource, goQueryEscape, queryString, type Params } from './signature.ts';
import { text } from './xml.ts';
import { goOp, goTransportText, isDialError } from '../../core/go-net-errors.ts';

export interface OssCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** Credentials are asked for before every request (a provider may refresh them). */
export type CredentialSource = () => Promise<OssCredentials>;

/** oss.ServiceError: the fields Go prints, and its text. */
export class OssServiceError extends Error {
  readonly oss = true;
  readonly statusCode: number;
  readonly code: string;
  readonly requestId: string;

  constructor(statusCode: number, code: string, ossMessage: string, requestId: string, endpoint = '', ec = '') {
    let s = `oss: service returned error: StatusCode=${statusCode}, ErrorCode=${code}, ErrorMessage="${ossMessage}", RequestId=${requestId}`;
    if (endpoint) s += `, Endpoint=${endpoint}`;
    if (ec) s += `, Ec=${ec}`;
    super(s);
    this.statusCode = statusCode;
    this.code = code;
    this.requestId = requestId;
  }
}

export function isOssCode(err: unknown, code: string): boolean {
  return (err as OssServiceError)?.oss === true && (err as OssServiceError).code === code;
}

export interface OssResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, unread: the caller streams it or calls `readText`. */
  body: IncomingMessage;
}

export interface RequestBody {
  /** A fresh stream of exactly `length` bytes. */
  stream?: () => Readable;
  data?: Buffer;
  length: number;
}

export interface OssRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  bucket: string;
  key?: string;
  params?: Params;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Accepted statuses (default: any 2xx). */
  expect?: number[];
}

export interface ClientOptions {
  userAgent: string;
  /**
   * Go's `oss.Proxy(https_proxy)`: every request goes through this HTTP proxy — absolute-form requests for an http
   * endpoint, a CONNECT tunnel for an https one. Only `http://host:port` proxies.
   */
  proxy?: string;
  /** Socket inactivity limit (the SDK's ReadWriteTimeout, 60 s); Go's `i/o timeout` text, retried as transient. */
  timeoutMs?: number;
}

export async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class OssClient {
  readonly #scheme: 'http' | 'https';
  readonly #netloc: string;
  readonly #pathStyle: boolean;
  readonly #creds: CredentialSource;
  readonly #agent: HttpAgent;
  readonly #userAgent: string;
  readonly #proxy: URL | undefined;
  /** Socket inactivity limit in ms (tests shorten it). */
  timeoutMs: number;

  constructor(endpoint: string, creds: CredentialSource, opts: ClientOptions) {
    // urlMaker.InitExt: scheme from the prefix (default http), host[:port] as url.Parse reads it.
    let scheme: 'http' | 'https' = 'http';
    let rest = endpoint;
    if (endpoint.startsWith('http://')) rest = endpoint.slice(7);
    else if (endpoint.startsWith('https://')) { scheme = 'https'; rest = endpoint.slice(8); }
    let u: URL;
    try {
      u = new URL(`${scheme}://${rest}`);
    } catch {
      throw new Error(`failed to create new OSS client: parse "${scheme}://${rest}": invalid URL`);
    }
    this.#scheme = scheme;
    this.#netloc = u.host;
    this.#pathStyle = isIP(u.hostname.replace(/^\[|\]$/g, '')) !== 0;
    this.#creds = creds;
    this.#userAgent = opts.userAgent;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    if (opts.proxy !== undefined) {
      let p: URL | undefined;
      try { p = new URL(opts.proxy); } catch { p = undefined; }
      if (!p || p.protocol !== 'http:') throw new Error(`failed to create new OSS client: unsupported proxy ${JSON.stringify(opts.proxy)}: only http://host:port proxies are supported`);
      this.#proxy = p;
    }
    this.#agent = scheme === 'https' && !this.#proxy ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** The request URL (as the SDK builds it). */
  url(bucket: string, key: string, params: Params): string {
    const q = queryString(params);
    const object = goQueryEscape(key);
    let host = this.#netloc;
    let path: string;
    if (bucket === '') path = '/';
    else if (this.#pathStyle) path = `/${bucket}/${object}`;
    else { host = `${bucket}.${this.#netloc}`; path = `/${object}`; }
    return `${this.#scheme}://${host}${path}${q ? `?${q}` : ''}`;
  }

  /** Send one request; a status outside `expect` (or any error status) throws Go's error for it. */
  async request(r: OssRequest): Promise<OssResponse> {
    const key = r.key ?? '';
    const params = r.params ?? {};
    const url = this.url(r.bucket, key, params);
    const creds = await this.#creds();
    const headers: Record<string, string> = {
      Date: new Date().toUTCString(),
      'User-Agent': this.#userAgent,
      ...(creds.securityToken ? { 'x-oss-security-token': creds.securityToken } : {}),
      ...(r.headers ?? {}),
    };
    if (r.body) headers['Content-Length'] = String(r.body.length);
    headers.Authorization = authorization(creds.accessKeyId, creds.accessKeySecret, r.method, headers, canonicalResource(r.bucket, key, params));
    const tunnel = this.#proxy && this.#scheme === 'https' ? await this.#connectTunnel(r.method, url) : undefined;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      let req;
      if (tunnel) {
        // https through the proxy: TLS over the CONNECT tunnel, one tunnel per request.
        const target = new URL(url);
        req = httpsRequest(url, { method: r.method, headers, agent: undefined, createConnection: () => tlsConnect({ socket: tunnel, servername: target.hostname }) }, resolve);
      } else if (this.#proxy) {
        // http through the proxy: the absolute URL as request target, sent to the proxy.
        req = httpRequest({ host: this.#proxy.hostname, port: this.#proxy.port || 80, method: r.method, path: url, headers: { Host: new URL(url).host, ...headers }, agent: this.#agent }, resolve);
      } else {
        req = (this.#scheme === 'https' ? httpsRequest : httpRequest)(url, { method: r.method, headers, agent: this.#agent }, resolve);
      }
      req.setTimeout(this.timeoutMs, () => {
        const s = req.socket;
        req.destroy(Object.assign(new Error(`read tcp ${s?.localAddress ?? ''}:${s?.localPort ?? ''}->${s?.remoteAddress ?? ''}:${s?.remotePort ?? ''}: i/o timeout`), { code: 'ETIMEDOUT', goText: true }));
      });
      req.on('error', (err) => reject(this.#netError(r.method, url, err)));
      if (r.body?.stream) {
        const src = r.body.stream();
        src.on('error', (err) => { req.destroy(err); reject(err); });
        src.pipe(req);
      } else {
        req.end(r.body?.data);
      }
    });
    const status = res.statusCode ?? 0;
    const ok = r.expect ? r.expect.includes(status) : status >= 200 && status < 300;
    if (ok) return { status, headers: res.headers, body: res };
    throw await this.#statusError(res, status, r.expect);
  }

  /** `request` with the response body read as text (XML answers). */
  async requestText(r: OssRequest): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
    const res = await this.request(r);
    return { status: res.status, headers: res.headers, text: await readText(res.body) };
  }

  close(): void {
    this.#agent.destroy();
  }

  /** conn.handleResponse + CheckRespCode: the error Go returns for a response with this status. */
  async #statusError(res: IncomingMessage, status: number, expect?: number[]): Promise<Error> {
    const body = await readText(res).catch(() => '');
    const h = (n: string): string => String(res.headers[n] ?? '');
    const statusLine = `${status} ${STATUS_CODES[status] ?? ''}`;
    if (status >= 400 && status <= 505) {
      let xml = body;
      if (xml === '' && h('x-oss-err') !== '') xml = Buffer.from(h('x-oss-err'), 'base64').toString('utf8');
      if (xml === '') return new OssServiceError(status, '', '', h('x-oss-request-id'), '', h('x-oss-ec'));
      if (!/<Error[\s>]/.test(xml)) {
        return new Error(`oss: service returned invalid response body, status = ${statusLine}, RequestId = ${h('x-oss-request-id')}${h('x-oss-ec') ? `, ec = ${h('x-oss-ec')}` : ''}`);
      }
      return new OssServiceError(status, text(xml, 'Code') ?? '', text(xml, 'Message') ?? '', text(xml, 'RequestId') ?? '', text(xml, 'Endpoint') ?? '', text(xml, 'EC') ?? '');
    }
    if (status >= 300 && status <= 307) return new Error(`oss: service returned ${status},${statusLine}`);
    const want = (expect ?? [200]).map((c) => `${c} ${STATUS_CODES[c] ?? ''}`).join(' or ');
    return new Error(`oss: status code from service response is ${statusLine}; was expecting ${want}`);
  }

  /** CONNECT host:port through the proxy; the tunnel's socket. */
  async #connectTunnel(method: string, url: string): Promise<Socket> {
    const proxy = this.#proxy as URL;
    const target = new URL(url);
    const authority = `${target.hostname}:${target.port || 443}`;
    return new Promise<Socket>((resolve, reject) => {
      const req = httpRequest({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: authority, headers: { Host: authority } });
      req.on('connect', (res, socket) => {
        if (res.statusCode === 200) resolve(socket);
        else { socket.destroy(); reject(new Error(`${goOp(method)} "${url}": proxyconnect tcp: ${res.statusCode} ${STATUS_CODES[res.statusCode ?? 0] ?? ''}`)); }
      });
      req.on('error', (err) => reject(this.#netError(method, url, err, true)));
      req.end();
    });
  }

  /** net/http's url.Error text: `Get "<url>": dial tcp <addr>: connect: connection refused`. */
  #netError(method: string, url: string, err: Error, proxyConnect = false): Error {
    const e = err as NodeJS.ErrnoException & { goText?: boolean };
    // (a reset: Go's `read tcp <local>-><remote>: …`, whose local port we cannot know; its last words only)
    const cause = e.goText ? e.message : e.code === 'ECONNRESET' ? 'read: connection reset by peer' : goTransportText(e, new URL(url));
    const out = new Error(`${goOp(method)} "${url}": ${(proxyConnect || this.#proxy) && isDialError(e) ? 'proxyconnect tcp: ' : ''}${cause}`);
    Object.assign(out, { code: e.code, cause: err });
    return out;
  }
}
