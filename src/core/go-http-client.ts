/**
 * What Go's net/http client adds to a request, and undoes on its response, that Node's http client
 * does not — so a server sees the same request from us as from argoexec:
 * - `User-Agent: Go-http-client/1.1` unless the request names one;
 * - `Accept-Encoding: gzip` unless the request names an Accept-Encoding or a Range, or is a HEAD; the
 *   transport then gunzips a `Content-Encoding: gzip` response itself (and drops its length);
 * - no `Connection` header (Node would send `keep-alive` or `close`).
 */
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export const GO_USER_AGENT = 'Go-http-client/1.1';

/** textproto.CanonicalMIMEHeaderKey: how Go's Header.Add names a header (so `x-test` and `X-Test` are one). */
export function canonicalHeaderKey(k: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(k)) return k;
  return k.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function has(headers: OutgoingHttpHeaders, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((k) => k.toLowerCase() === lower);
}

/** Adds Go's default headers to `headers`; true when the transport asked for gzip (and must decode it). */
export function addGoDefaultHeaders(method: string, headers: OutgoingHttpHeaders): boolean {
  if (!has(headers, 'user-agent')) headers['User-Agent'] = GO_USER_AGENT;
  const askGzip = !has(headers, 'accept-encoding') && !has(headers, 'range') && method !== 'HEAD';
  if (askGzip) headers['Accept-Encoding'] = 'gzip';
  return askGzip;
}

/** Call right after creating the request, before any body is written. */
export function dropConnectionHeader(req: ClientRequest): void {
  req.removeHeader('connection');
}

/** True when the transport decodes this response (Go: `resp.Uncompressed`). */
export function goDecodesGzip(res: IncomingMessage, gzipAsked: boolean): boolean {
  return gzipAsked && (res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
}

/** The response body as Go's caller reads it: gunzipped when the transport asked for gzip and got it. */
export function goResponseBody(res: IncomingMessage, gzipAsked: boolean): { body: Readable; length: number | undefined } {
  if (goDecodesGzip(res, gzipAsked)) {
    const gunzip = createGunzip();
    res.on('error', (err) => gunzip.destroy(err));
    return { body: res.pipe(gunzip), length: undefined };
  }
  const length = Number.parseInt(res.headers['content-length'] ?? '', 10);
  return { body: res, length: Number.isFinite(length) ? length : undefined };
}
