/**
 * HTTP template tasks of the agent (lifecycle §10.4; workflow/executor/agent.go executeHTTPTemplate):
 * build the request (method, url, body or bodyFrom.bytes, headers — a `valueFrom.secretKeyRef` header
 * is read with `GET secret` — and `Host` rewriting the request host), send it like Go's http.Client
 * (≤ 10 redirects, transparent gzip, `timeoutSeconds` over the whole exchange, `insecureSkipVerify`,
 * HTTP(S)_PROXY/NO_PROXY unless insecure or loopback),
 * then decide the phase: `successCondition` (expr over `request`/`response`) or, without one, 2xx.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { exprEngine } from '../../core/engines/expr.ts';
import type { KubeClient } from '../../core/kube/client.ts';
import { isTransientError } from '../../core/kube/errors.ts';
import { addGoDefaultHeaders, canonicalHeaderKey, dropConnectionHeader, goDecodesGzip } from '../../core/go-http-client.ts';
import { backoff, defaultRetry } from '../artifact-delete/retry.ts';
import type { NodeResult } from './node-result.ts';
import { timerMs } from '../../core/go-duration.ts';
import { goOp, goTransportText } from '../../core/go-net-errors.ts';

export interface HttpHeader { name: string; value?: string; valueFrom?: { secretKeyRef?: { name?: string; key?: string } | null } | null }
export interface HttpTemplate {
  method?: string;
  url?: string;
  headers?: HttpHeader[] | null;
  timeoutSeconds?: number | null;
  successCondition?: string;
  body?: string;
  bodyFrom?: { bytes?: string | null } | null;
  insecureSkipVerify?: boolean;
}

const MAX_REDIRECTS = 10;

class DeadlineError extends Error {}

interface Response { status: number; headers: Record<string, string[]>; body: Buffer }

/** One exchange with redirects, as Go's http.Client.Do + io.ReadAll. */
/**
 * Go's http.DefaultClient takes its proxy from HTTP_PROXY/HTTPS_PROXY/NO_PROXY (never for localhost or
 * loopback addresses); the insecureSkipVerify client has no proxy at all.
 */
function agentFor(url: URL, insecure: boolean, env: NodeJS.ProcessEnv): HttpAgent | false {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || /^127\./.test(host) || host === '::1';
  const proxyVars = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy'].some((k) => (env[k] ?? '') !== '');
  if (insecure || loopback || !proxyVars) return false;
  const proxyEnv = { HTTP_PROXY: env.HTTP_PROXY || env.http_proxy, HTTPS_PROXY: env.HTTPS_PROXY || env.https_proxy, NO_PROXY: env.NO_PROXY || env.no_proxy };
  return url.protocol === 'https:' ? new HttpsAgent({ proxyEnv }) : new HttpAgent({ proxyEnv });
}

async function send(method: string, rawUrl: string, headers: [string, string][], host: string | undefined, body: Buffer, insecure: boolean, deadline: AbortSignal | undefined, env: NodeJS.ProcessEnv): Promise<Response> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new Error(`parse ${JSON.stringify(rawUrl)}: invalid URL`);
  }
  const origHost = url.host;
  let m = method;
  let payload: Buffer | undefined = body;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`${goOp(m)} ${JSON.stringify(url.href)}: unsupported protocol scheme ${JSON.stringify(url.protocol.replace(/:$/, ''))}`);
    }
    const h: OutgoingHttpHeaders = {};
    const add = (k: string, v: string): void => {
      const prev = h[k];
      h[k] = prev === undefined ? v : ([] as string[]).concat(prev as string | string[], v);
    };
    const crossHost = url.host !== origHost;
    for (const [k, v] of headers) {
      if (crossHost && ['Authorization', 'Www-Authenticate', 'Cookie', 'Cookie2'].includes(k)) continue;
      add(k, v);
    }
    const gzipAsked = addGoDefaultHeaders(m, h);
    if (payload && payload.length > 0) h['Content-Length'] = String(payload.length);
    else if (m === 'POST' || m === 'PUT' || m === 'PATCH') h['Content-Length'] = '0';
    if (host !== undefined && host !== '' && hop === 0) h.Host = host;
    const isHttps = url.protocol === 'https:';
    const target = url;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (isHttps ? httpsRequest : httpRequest)(target, {
        method: m, headers: h, agent: agentFor(target, insecure, env), signal: deadline,
        // TLS names the URL's host, never a Host header (Go's tlsHost); Node would take the header.
        ...(isHttps ? { rejectUnauthorized: !insecure, servername: isIP(target.hostname.replace(/^\[|\]$/g, '')) ? '' : target.hostname } : {}),
      }, resolve);
      dropConnectionHeader(req);
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (deadline?.aborted) reject(new DeadlineError(`${goOp(m)} ${JSON.stringify(target.href)}: context deadline exceeded`));
        else reject(new Error(`${goOp(m)} ${JSON.stringify(target.href)}: ${goTransportText(err, target)}`));
      });
      req.end(payload && payload.length > 0 ? payload : undefined);
    });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (location && [301, 302, 303, 307, 308].includes(status)) {
      res.resume();
      // Go reports the Location it refused to follow, as written by the server.
      if (hop + 1 >= MAX_REDIRECTS) throw new Error(`${goOp(method)} ${JSON.stringify(location)}: stopped after ${MAX_REDIRECTS} redirects`);
      let next: URL;
      try { next = new URL(location, url); } catch { throw new Error(`${goOp(m)} ${JSON.stringify(url.href)}: failed to parse Location header ${JSON.stringify(location)}`); }
      if ((status === 301 || status === 302 || status === 303) && m !== 'GET' && m !== 'HEAD') {
        m = 'GET';
        payload = undefined;
      }
      url = next;
      continue;
    }
    const chunks: Buffer[] = [];
    try {
      for await (const c of res) chunks.push(c as Buffer);
    } catch (err) {
      if (deadline?.aborted) throw new DeadlineError('context deadline exceeded');
      throw new Error(goTransportText(err as NodeJS.ErrnoException, url));
    }
    let data = Buffer.concat(chunks);
    const respHeaders: Record<string, string[]> = {};
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
      const k = canonicalHeaderKey(res.rawHeaders[i] as string);
      (respHeaders[k] ??= []).push(res.rawHeaders[i + 1] as string);
    }
    if (goDecodesGzip(res, gzipAsked) && data.length > 0) {
      try { data = gunzipSync(data); } catch (err) { throw new Error(`gzip: ${(err as Error).message}`); }
      delete respHeaders['Content-Encoding'];
      delete respHeaders['Content-Length'];
    }
    return { status, headers: respHeaders, body: data };
  }
}

/** util.GetSecrets: GET the secret (DefaultRetry on transient errors), then the key. */
async function secretValue(kube: KubeClient, namespace: string, name: string, key: string, env: NodeJS.ProcessEnv): Promise<string> {
  let secret: { data?: Record<string, string> } | undefined;
  let lastErr: unknown;
  await backoff(defaultRetry(env), async () => {
    try {
      secret = await kube.request({ method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`, resource: `get secrets ${name}` });
      lastErr = undefined;
      return true;
    } catch (err) {
      lastErr = err;
      return !isTransientError(err, env);
    }
  });
  if (lastErr) {
    if (isTransientError(lastErr, env)) throw new Error(`timed out waiting for the condition: ${(lastErr as Error).message}`);
    throw lastErr;
  }
  const v = secret?.data?.[key];
  if (v === undefined) throw new Error(`secret '${name}' does not have the key '${key}'`);
  return Buffer.from(v, 'base64').toString('utf8');
}

export interface HttpTaskDeps { kube: KubeClient; namespace: string; env: NodeJS.ProcessEnv }

/** executeHTTPTemplate: the NodeResult of one HTTP task; request errors become a Failed result. */
export async function executeHttpTask(http: HttpTemplate, deps: HttpTaskDeps): Promise<NodeResult> {
  try {
    return await runHttp(http, deps);
  } catch (err) {
    return { phase: 'Failed', message: (err as Error).message };
  }
}

async function runHttp(http: HttpTemplate, deps: HttpTaskDeps): Promise<NodeResult> {
  const method = http.method === undefined || http.method === '' ? 'GET' : http.method;
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) throw new Error(`net/http: invalid method ${JSON.stringify(method)}`);
  const url = http.url ?? '';
  const bodyBytes = http.bodyFrom ? Buffer.from(http.bodyFrom.bytes ?? '', 'base64') : undefined;
  const body = bodyBytes ?? Buffer.from(http.body ?? '', 'utf8');

  const headers: [string, string][] = [];
  let host: string | undefined;
  for (const header of http.headers ?? []) {
    let value = header.value ?? '';
    const ref = header.valueFrom?.secretKeyRef;
    if (header.valueFrom && ref) value = await secretValue(deps.kube, deps.namespace, ref.name ?? '', ref.key ?? '', deps.env);
    if (header.name.toLowerCase() === 'host') host = value;
    else headers.push([canonicalHeaderKey(header.name), value]);
  }

  const timeout = typeof http.timeoutSeconds === 'number' ? AbortSignal.timeout(timerMs(http.timeoutSeconds * 1000)) : undefined;
  const response = await send(method, url, headers, host, body, http.insecureSkipVerify === true, timeout, deps.env);
  const text = response.body.toString('utf8');
  const result: NodeResult = { phase: 'Succeeded', outputs: { result: text } };
  const condition = http.successCondition ?? '';
  if (condition === '') {
    if (response.status < 200 || response.status >= 300) {
      result.phase = 'Failed';
      result.message = `received non-2xx response code: ${response.status}`;
    }
    return result;
  }
  const requestHeaders: Record<string, string[]> = {};
  for (const h of http.headers ?? []) if (!h.valueFrom) requestHeaders[h.name] = [h.value ?? ''];
  const bodyFromBytes = http.bodyFrom?.bytes;
  const scope = {
    request: {
      method: http.method ?? '', url, body: http.body ?? '', headers: requestHeaders,
      bodyBytes: typeof bodyFromBytes === 'string' ? new Uint8Array(Buffer.from(bodyFromBytes, 'base64')) : null,
    },
    response: { statusCode: response.status, body: text, headers: response.headers },
  };
  if (!exprEngine().httpSuccessCondition(condition, scope)) {
    result.phase = 'Failed';
    result.message = `successCondition '${condition}' evaluated false`;
  }
  return result;
}
