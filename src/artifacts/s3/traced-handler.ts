/**
 * The S3 client's HTTP handler with Go's S3 request spans (workflow/tracing/s3_transport.go: otelhttp plus
 * `s3.operation`, `s3.bucket`, `s3.key` parsed from the request the way parseS3Request does — by method and path,
 * path-style). Nothing is done unless a recording span is active (tracing on, inside a step's span).
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { activeSpan, type Attributes } from '../../core/tracing/tracing.ts';
import { startHttpClientSpan } from '../../core/tracing/http-span.ts';

/** parseS3Request: operation from method (+ `prefix=` for listings), bucket and key from the path. */
export function s3Attributes(method: string, path: string, rawQuery: string): Attributes {
  let operation: string;
  switch (method) {
    case 'GET': operation = rawQuery.includes('prefix=') ? 'ListObjects' : 'GetObject'; break;
    case 'PUT': operation = 'PutObject'; break;
    case 'DELETE': operation = 'DeleteObject'; break;
    case 'HEAD': operation = 'HeadObject'; break;
    case 'POST': operation = 'PostObject'; break;
    default: operation = method;
  }
  const p = path.replace(/^\//, '');
  const slash = p.indexOf('/');
  const bucket = slash < 0 ? p : p.slice(0, slash);
  const key = slash < 0 ? '' : p.slice(slash + 1);
  return { 's3.operation': operation, 's3.bucket': bucket, ...(key !== '' ? { 's3.key': key } : {}) };
}

type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];
type HttpHandlerOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;
type Handled = Awaited<ReturnType<NodeHttpHandler['handle']>>;

function urlOf(request: HttpRequest): { url: URL; rawQuery: string } {
  const query = Object.entries(request.query ?? {}).flatMap(([k, v]) =>
    v === null ? [encodeURIComponent(k)] : (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`));
  const rawQuery = query.join('&');
  const port = request.port ? `:${request.port}` : '';
  return { url: new URL(`${request.protocol}//${request.hostname}${port}${request.path}${rawQuery ? `?${rawQuery}` : ''}`), rawQuery };
}

export class TracedHttpHandler extends NodeHttpHandler {
  override async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<Handled> {
    if (!activeSpan()?.recording) return super.handle(request, options);
    const { url, rawQuery } = urlOf(request);
    // The path as sent is percent-encoded; Go parses r.URL.Path, the decoded form.
    const span = startHttpClientSpan(request.method, url, s3Attributes(request.method, decodeURIComponent(url.pathname), rawQuery));
    try {
      const out = await super.handle(request, options);
      span?.response(out.response.statusCode);
      return out;
    } catch (err) {
      span?.failed(err);
      throw err;
    }
  }
}
