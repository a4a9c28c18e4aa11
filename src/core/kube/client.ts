/**
 * A small Kubernetes REST client on node:https (keep-alive, verified TLS): the executor only needs a
 * handful of JSON calls (create/patch a WorkflowTaskResult, get a ConfigMap), so this starts in a few
 * milliseconds instead of loading a full client library. Failures are KubeApiError (an HTTP status with
 * the apiserver's Status reason/message, client-go's text) or KubeNetworkError (Go-like transport text).
 */
import { readFileSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:https';
import { versionInfo } from '../version-info.ts';
import type { KubeConnection } from './config.ts';
import { parseKubeRequest } from './request-kind.ts';
import { startHttpClientSpan } from '../tracing/http-span.ts';

export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: unknown;
  constructor(status: number, reason: string, message: string, body: unknown) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.body = body;
  }
}

export class KubeNetworkError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'KubeNetworkError';
    this.code = code;
  }
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  body?: string;
  contentType?: string;
  /** For client-go style messages: "post workflowtaskresults.argoproj.io". */
  resource?: string;
  /** Accept header (default: JSON, then anything), e.g. for aggregated discovery. */
  accept?: string;
}

export function executorUserAgent(): string {
  return `argo-workflows/${versionInfo().version} argo-executor`;
}

const REASON_BY_STATUS: Record<number, [string, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  410: ['Gone', 'the server has asked for the client to provide credentials'],
  415: ['UnsupportedMediaType', 'the server has rejected our request due to an unsupported media type'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

/** client-go's errors.FromObject / newUnstructuredResponseError, reduced to what callers inspect. */
function apiError(status: number, text: string, req: KubeRequest): KubeApiError {
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  const st = body as { kind?: string; reason?: string; message?: string } | null;
  if (st && typeof st === 'object' && st.kind === 'Status' && typeof st.message === 'string') {
    return new KubeApiError(status, st.reason ?? REASON_BY_STATUS[status]?.[0] ?? 'Unknown', st.message, body);
  }
  const [reason, msg] = REASON_BY_STATUS[status] ?? ['Unknown', `an error on the server (${JSON.stringify(text.trim())}) has prevented the request from succeeding`];
  const message = `${msg}${req.resource ? ` (${req.resource})` : ''}`;
  return new KubeApiError(status, reason, message, body);
}

function networkError(err: NodeJS.ErrnoException, method: string, url: string, host: string): KubeNetworkError {
  const verb = method[0] + method.slice(1).toLowerCase();
  const code = err.code;
  let detail: string;
  switch (code) {
    case 'ECONNREFUSED': detail = `dial tcp ${host}: connect: connection refused`; break;
    case 'ECONNRESET': detail = `read tcp ${host}: read: connection reset by peer`; break;
    case 'ETIMEDOUT': case 'ESOCKETTIMEDOUT': detail = `dial tcp ${host}: i/o timeout`; break;
    case 'EPIPE': detail = `write tcp ${host}: write: broken pipe`; break;
    case 'ENOTFOUND': case 'EAI_AGAIN': detail = `dial tcp: lookup ${host}: no such host`; break;
    case 'UND_ERR_SOCKET': case 'ECONNABORTED': detail = 'EOF'; break;
    default: detail = err.message;
  }
  return new KubeNetworkError(`${verb} "${url}": ${detail}`, code);
}

/** Argo's k8s attributes of the HTTP client span (workflow/tracing/k8s_transport.go). */
function kubeAttributes(method: string, url: string): { 'k8s.verb': string; 'k8s.kind': string } {
  const u = new URL(url);
  const { verb, kind } = parseKubeRequest(method, u.pathname, u.searchParams);
  return { 'k8s.verb': verb, 'k8s.kind': kind };
}

export class KubeClient {
  readonly conn: KubeConnection;
  readonly userAgent: string;
  private readonly agent: Agent;

  constructor(conn: KubeConnection, userAgent = executorUserAgent()) {
    this.conn = conn;
    this.userAgent = userAgent;
    this.agent = new Agent({
      keepAlive: true,
      ca: conn.ca,
      cert: conn.cert,
      key: conn.key,
      rejectUnauthorized: !conn.insecureSkipTlsVerify,
      servername: conn.tlsServerName,
    });
  }

  get namespace(): string {
    return this.conn.namespace;
  }

  private token(): string | undefined {
    if (this.conn.tokenFile) {
      try { return readFileSync(this.conn.tokenFile, 'utf8').trim(); } catch { /* fall through */ }
    }
    return this.conn.token;
  }

  /** One request; resolves with the parsed JSON body of a 2xx answer, rejects with KubeApiError/KubeNetworkError. */
  async request<T = unknown>(req: KubeRequest): Promise<T> {
    const base = this.conn.server;
    const prefix = base.pathname.replace(/\/+$/, '');
    const url = `${base.origin}${prefix}${req.path}`;
    const headers: Record<string, string | number> = { Accept: req.accept ?? 'application/json, */*', 'User-Agent': this.userAgent };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (this.conn.username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${this.conn.username}:${this.conn.password ?? ''}`).toString('base64')}`;
    if (this.conn.impersonate?.user) headers['Impersonate-User'] = this.conn.impersonate.user;
    if (this.conn.impersonate?.uid) headers['Impersonate-Uid'] = this.conn.impersonate.uid;
    const payload = req.body === undefined ? undefined : Buffer.from(req.body);
    if (payload) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const opts: RequestOptions = {
      method: req.method,
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || 443,
      path: `${prefix}${req.path}`,
      headers,
      agent: this.agent,
      timeout: this.conn.timeoutMs > 0 ? this.conn.timeoutMs : undefined,
    };
    const hostPort = `${base.hostname}:${base.port || 443}`;
    const span = startHttpClientSpan(req.method, new URL(url), kubeAttributes(req.method, url));
    return new Promise<T>((resolve, reject) => {
      const r = request(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err: NodeJS.ErrnoException) => reject(new KubeNetworkError(`unexpected error when reading response body. Please retry. Original error: ${err.message}`, err.code)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          span?.response(status);
          if (status >= 200 && status < 300) {
            try { resolve((text === '' ? undefined : JSON.parse(text)) as T); } catch { resolve(text as T); }
          } else {
            reject(apiError(status, text, req));
          }
        });
      });
      r.on('timeout', () => r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      r.on('error', (err: NodeJS.ErrnoException) => {
        span?.failed(err);
        reject(networkError(err, req.method, url, hostPort));
      });
      if (payload) r.write(payload);
      r.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
