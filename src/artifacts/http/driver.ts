/**
 * HTTP and Artifactory artifacts (artifacts spec §6.3): GET to load (404 → not found), PUT to save.
 *
 * - HTTP: `headers` (repeatable names), `auth.basicAuth` (sent only when both username and password are non-empty),
 *   `auth.oauth2` (client-credentials token → `Authorization: Bearer`), `auth.clientCert` (TLS client certificate;
 *   overrides OAuth2 as in Go).
 * - Artifactory: Basic auth always.
 * - Redirects are followed (at most 10, like Go); `Authorization` is dropped when the redirect changes host.
 * - PUT sends Content-Length (Go sent chunked; spec §9.1 allows it) and re-sends the body on 307/308.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { addGoDefaultHeaders, canonicalHeaderKey, dropConnectionHeader, goResponseBody } from '../../core/go-http-client.ts';
import type { Artifact } from '../../core/template.ts';
import { ArtifactNotFoundError, CanceledError, cancelCause, type ArtifactDriver, type DriverContext, type TransferProgress } from '../driver.ts';
import { DELETE_NOT_SUPPORTED, NotImplementedError, NotSupportedError } from '../common.ts';
import { hasSecret, readSecret, type SecretKeySelector } from '../secrets.ts';
import { startHttpClientSpan } from '../../core/tracing/http-span.ts';
import { goOp, goUrlError } from '../../core/go-net-errors.ts';

const MAX_REDIRECTS = 10;

interface HttpLocation {
  url?: string;
  headers?: { name: string; value: string }[];
  auth?: {
    basicAuth?: { usernameSecret?: SecretKeySelector; passwordSecret?: SecretKeySelector };
    clientCert?: { clientCertSecret?: SecretKeySelector; clientKeySecret?: SecretKeySelector };
    oauth2?: {
      clientIDSecret?: SecretKeySelector;
      clientSecretSecret?: SecretKeySelector;
      tokenURLSecret?: SecretKeySelector;
      scopes?: string[];
      endpointParams?: { key: string; value?: string }[];
    };
  };
}

interface ArtifactoryLocation {
  url?: string;
  usernameSecret?: SecretKeySelector;
  passwordSecret?: SecretKeySelector;
}

type Body = { kind: 'none' } | { kind: 'file'; path: string; size: number } | { kind: 'buffer'; data: Buffer };

interface Options {
  /**
   * `artifact.type` of the HTTP client spans (Go: tracing.WrapHTTPArtifactClient(client, "http" | "artifactory")); none
   * for the OAuth2 token request, which Go's oauth2 transport makes beneath the traced one.
   */
  artifactType?: 'http' | 'artifactory';
  headers: [string, string][];
  authorization?: string;
  agent?: HttpsAgent;
  oauth2?: () => Promise<string>;
}

function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/** Go's url.Error text for a request its context canceled before the response: `Get "<url>": <cause>`. */
const canceledRequest = (method: string, url: string, signal: AbortSignal): CanceledError =>
  new CanceledError(`${goOp(method)} ${JSON.stringify(url)}: ${cancelCause(signal)}`);

async function send(method: string, url: string, opts: Options, body: Body, onBody?: (n: number) => void, signal?: AbortSignal): Promise<{ res: IncomingMessage; url: string; gzipAsked: boolean }> {
  if (signal?.aborted) throw canceledRequest(method, url, signal);
  let current = new URL(url);
  let authorization = opts.authorization;
  if (opts.oauth2) authorization = `Bearer ${await opts.oauth2()}`;
  const originalHost = current.host;
  for (let hop = 0; ; hop++) {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, v] of opts.headers) {
      const k = canonicalHeaderKey(name); // Go's Header.Add: `x-test` and `X-Test` are one header
      const prev = headers[k];
      headers[k] = prev === undefined ? v : ([] as string[]).concat(prev as string | string[], v);
    }
    if (authorization && current.host === originalHost) headers.authorization = authorization;
    // Go's request body is the open file (length unknown to net/http): a PUT goes chunked.
    if (body.kind === 'file') headers['transfer-encoding'] = 'chunked';
    if (body.kind === 'buffer') headers['content-length'] = String(body.data.length);
    const gzipAsked = addGoDefaultHeaders(method, headers);
    const isHttps = current.protocol === 'https:';
    const currentUrl = hop === 0 ? url : current.toString();
    // One client span per request, redirects included (Go's otelhttp wraps the transport, below the redirect logic).
    const span = opts.artifactType ? startHttpClientSpan(method, current, { 'artifact.type': opts.artifactType }, { redirected: hop > 0 }) : undefined;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (isHttps ? httpsRequest : httpRequest)(current, { method, headers, ...(isHttps && opts.agent ? { agent: opts.agent } : {}), ...(signal ? { signal } : {}) }, (r) => {
        span?.response(r.statusCode ?? 0);
        resolve(r);
      });
      dropConnectionHeader(req);
      req.on('error', (err) => {
        span?.failed(err);
        reject(signal?.aborted ? canceledRequest(method, currentUrl, signal) : goUrlError(method, currentUrl, err));
      });
      if (body.kind === 'file') {
        const rs = createReadStream(body.path, { highWaterMark: 1 << 20 });
        let n = 0;
        rs.on('data', (c) => onBody?.((n += c.length)));
        pipeline(rs, req).catch(reject);
      } else if (body.kind === 'buffer') {
        req.end(body.data);
      } else {
        req.end();
      }
    });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    const redirect = location && (status === 301 || status === 302 || status === 303 || status === 307 || status === 308);
    if (!redirect) return { res, url: current.toString(), gzipAsked };
    res.resume();
    if (hop + 1 >= MAX_REDIRECTS) throw new Error(`${method} ${url}: stopped after ${MAX_REDIRECTS} redirects`);
    current = new URL(location, current);
    // 301/302/303 turn a PUT into a body-less GET (Go's http.Client does the same); 307/308 re-send the body.
    if ((status === 301 || status === 302 || status === 303) && method !== 'GET' && method !== 'HEAD') {
      method = 'GET';
      body = { kind: 'none' };
    }
  }
}

export class HttpArtifactDriver implements ArtifactDriver {
  readonly #ctx: DriverContext;
  readonly #kind: 'http' | 'artifactory';
  readonly #opts: Options;

  constructor(artifact: Artifact, ctx: DriverContext, kind: 'http' | 'artifactory') {
    this.#ctx = ctx;
    this.#kind = kind;
    this.#opts = kind === 'http' ? this.#httpOptions(artifact) : this.#artifactoryOptions(artifact);
  }

  #artifactoryOptions(artifact: Artifact): Options {
    const a = (artifact.artifactory ?? {}) as ArtifactoryLocation;
    const user = hasSecret(a.usernameSecret) ? readSecret(this.#ctx, a.usernameSecret) : '';
    const pass = hasSecret(a.passwordSecret) ? readSecret(this.#ctx, a.passwordSecret) : '';
    return { artifactType: 'artifactory', headers: [], authorization: basic(user, pass) };
  }

  #httpOptions(artifact: Artifact): Options {
    const h = (artifact.http ?? {}) as HttpLocation;
    const opts: Options = { artifactType: 'http', headers: (h.headers ?? []).map((x) => [x.name, x.value ?? ''] as [string, string]) };
    const auth = h.auth ?? {};
    const cc = auth.clientCert;
    const o2 = auth.oauth2;
    if (cc && hasSecret(cc.clientCertSecret) && hasSecret(cc.clientKeySecret)) {
      opts.agent = new HttpsAgent({ cert: readSecret(this.#ctx, cc.clientCertSecret), key: readSecret(this.#ctx, cc.clientKeySecret), keepAlive: false });
    } else if (o2 && hasSecret(o2.clientIDSecret) && hasSecret(o2.clientSecretSecret) && hasSecret(o2.tokenURLSecret)) {
      const clientId = readSecret(this.#ctx, o2.clientIDSecret);
      const clientSecret = readSecret(this.#ctx, o2.clientSecretSecret);
      const tokenUrl = readSecret(this.#ctx, o2.tokenURLSecret);
      let token: Promise<string> | undefined;
      opts.oauth2 = () => (token ??= fetchToken(tokenUrl, clientId, clientSecret, o2.scopes ?? [], o2.endpointParams ?? []));
    }
    const b = auth.basicAuth;
    if (b) {
      const user = hasSecret(b.usernameSecret) ? readSecret(this.#ctx, b.usernameSecret) : '';
      const pass = hasSecret(b.passwordSecret) ? readSecret(this.#ctx, b.passwordSecret) : '';
      if (user !== '' && pass !== '') opts.authorization = basic(user, pass);
    }
    return opts;
  }

  #url(artifact: Artifact): string {
    const loc = (this.#kind === 'http' ? artifact.http : artifact.artifactory) as { url?: string } | undefined;
    if (!loc?.url) throw new Error(`${this.#kind} artifact '${artifact.name}' has no url`);
    return loc.url;
  }

  async load(artifact: Artifact, path: string, progress?: TransferProgress, signal?: AbortSignal): Promise<void> {
    const url = this.#url(artifact);
    this.#ctx.log.info(`${this.#kind === 'http' ? 'HTTP' : 'Artifactory'} Load`, { path, url });
    const { res, gzipAsked } = await send('GET', url, this.#opts, { kind: 'none' }, undefined, signal);
    const status = res.statusCode ?? 0;
    if (status === 404) {
      res.resume();
      // Go: errors.New(CodeNotFound, res.Status) — the status line only, e.g. "404 Not Found".
      throw new ArtifactNotFoundError(`${status} ${res.statusMessage ?? ''}`.trimEnd());
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw new Error(`loading content from ${url} failed with reason: ${status} ${res.statusMessage ?? ''}`.trimEnd());
    }
    const { body, length: total } = goResponseBody(res, gzipAsked);
    let n = 0;
    let last = 0;
    body.on('data', (c: Buffer) => {
      n += c.length;
      const now = Date.now();
      if (progress && now - last > 250) {
        last = now;
        progress(n, total);
      }
    });
    try {
      const out = createWriteStream(path, { mode: 0o666 });
      await (signal ? pipeline(body, out, { signal }) : pipeline(body, out));
    } catch (err) {
      await rm(path, { force: true });
      // Go: io.Copy from a body whose request context was canceled returns the context's cause itself.
      if (signal?.aborted) throw new CanceledError(cancelCause(signal));
      throw new Error(`loading content from ${url} failed: ${(err as Error).message}`);
    }
    progress?.(n, total);
  }

  async save(path: string, artifact: Artifact, progress?: TransferProgress): Promise<void> {
    const url = this.#url(artifact);
    this.#ctx.log.info(`${this.#kind === 'http' ? 'HTTP' : 'Artifactory'} Save`, { path, url });
    const st = await stat(path);
    if (st.isDirectory()) throw new Error(`saving file ${path} to ${url} failed: ${path} is a directory`);
    const { res } = await send('PUT', url, this.#opts, { kind: 'file', path, size: st.size }, progress ? (n) => progress(n, st.size) : undefined);
    res.resume();
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw new Error(`saving file ${path} to ${url} failed with reason: ${status} ${res.statusMessage ?? ''}`.trimEnd());
  }

  async listObjects(): Promise<string[]> {
    throw new NotSupportedError(`${this.#kind} artifacts do not support listing`);
  }

  async delete(): Promise<void> {
    throw new NotSupportedError(DELETE_NOT_SUPPORTED);
  }

  async isDirectory(): Promise<boolean> {
    throw new NotImplementedError(`IsDirectory currently unimplemented for ${this.#kind}`);
  }
}

async function fetchToken(tokenUrl: string, clientId: string, clientSecret: string, scopes: string[], params: { key: string; value?: string }[]): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scopes.length > 0) form.set('scope', scopes.join(' '));
  for (const p of params) form.append(p.key, p.value ?? '');
  const { res, gzipAsked } = await send(
    'POST',
    tokenUrl,
    { headers: [['content-type', 'application/x-www-form-urlencoded']], authorization: basic(encodeURIComponent(clientId), encodeURIComponent(clientSecret)) },
    { kind: 'buffer', data: Buffer.from(form.toString()) },
  );
  const chunks: Buffer[] = [];
  for await (const c of goResponseBody(res, gzipAsked).body) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) throw new Error(`oauth2: cannot fetch token from ${tokenUrl}: ${res.statusCode}`);
  let tok: string | undefined;
  try {
    tok = (JSON.parse(text) as { access_token?: string }).access_token;
  } catch {
    tok = new URLSearchParams(text).get('access_token') ?? undefined;
  }
  if (!tok) throw new Error(`oauth2: server response from ${tokenUrl} missing access_token`);
  return tok;
}
