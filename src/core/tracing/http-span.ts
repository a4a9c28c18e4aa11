/**
 * HTTP client spans (Go: otelhttp v0.69 Transport, with Argo's attribute wrappers in workflow/tracing/*_transport.go):
 * one CLIENT span per request, named `HTTP <METHOD>`, under the active span, with the semantic-convention request
 * attributes, `http.response.status_code`, and status Error (plus `error.type`) for a 4xx/5xx answer or a failed
 * request. Opened only when a span is active and tracing records (no work at all with tracing off).
 *
 * Differences from Go: `error.type` of a failed request is the Node error code (Go: the Go error type); requests made
 * outside any span get none (Go would start a new trace for them).
 */
import { activeSpan, type Attributes, type Span } from './tracing.ts';

const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE', 'QUERY']);
/** Query parameters otelhttp redacts in url.full (semconv: signed-URL credentials). */
const REDACTED_QUERY = new Set(['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature']);

export interface HttpClientSpan {
  /** The answer arrived: status code attributes and status; ends the span. */
  response(status: number): void;
  /** The request failed without an answer; ends the span. */
  failed(err: unknown): void;
}

/** url.full as otelhttp records it: no user info, signed-URL credentials redacted. */
export function fullUrl(url: URL): string {
  const u = new URL(url.href);
  if (u.username !== '' || u.password !== '') { u.username = 'REDACTED'; u.password = 'REDACTED'; }
  for (const k of [...u.searchParams.keys()]) if (REDACTED_QUERY.has(k)) u.searchParams.set(k, 'REDACTED');
  return u.href;
}

/**
 * The request attributes of otelhttp's HTTPClient.RequestTraceAttrs (HTTP/1.1, no user agent). `redirected`: a
 * request Go's http.Client built to follow a redirect has no Proto, so no network.protocol.version.
 */
export function requestAttributes(method: string, url: URL, redirected = false): Attributes {
  const m = method.toUpperCase();
  const a: Attributes = { 'http.request.method': KNOWN_METHODS.has(m) ? m : '_OTHER' };
  if (m !== method || !KNOWN_METHODS.has(m)) a['http.request.method.original'] = method;
  a['url.full'] = fullUrl(url);
  a['server.address'] = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? 0 : Number(url.port);
  // requiredHTTPPort: the port only when it is not the scheme's default.
  if (port > 0 && !((url.protocol === 'https:' && port === 443) || (url.protocol === 'http:' && port === 80))) a['server.port'] = port;
  if (!redirected) a['network.protocol.version'] = '1.1';
  return a;
}

export interface HttpSpanOptions {
  parent?: Span | undefined;
  /** A request that follows a redirect (see requestAttributes). */
  redirected?: boolean;
}

export function startHttpClientSpan(method: string, url: URL, attributes: Attributes = {}, o: HttpSpanOptions = {}): HttpClientSpan | undefined {
  const parent = 'parent' in o ? o.parent : activeSpan();
  if (!parent?.recording) return undefined;
  const span = parent.clientChild(`HTTP ${method.toUpperCase()}`, { ...requestAttributes(method, url, o.redirected), ...attributes });
  return {
    response(status) {
      span.setAttributes({ 'http.response.status_code': status, ...(status >= 400 ? { 'error.type': String(status) } : {}) });
      if (status < 100 || status >= 600) span.setError(`Invalid HTTP status code ${status}`);
      else if (status >= 400) span.setError('');
      span.end();
    },
    failed(err) {
      const e = err as { code?: unknown; name?: unknown; message?: unknown };
      span.setAttributes({ 'error.type': typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : '_OTHER' });
      span.setError(typeof e?.message === 'string' ? e.message : String(err));
      span.end();
    },
  };
}
