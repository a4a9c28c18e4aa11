/**
 * Tracing verdicts without a collector (src/core/tracing, src/core/kube/request-kind.ts, src/artifacts/s3/traced-handler.ts):
 *   1. TRACEPARENT parsing as W3C Trace Context level 1 §3.2 (which Go's propagation.TraceContext implements);
 *   2. the child context and the TRACEPARENT/TRACESTATE handed to a child process (TraceContext.Inject);
 *   3. k8s.verb / k8s.kind as util/k8s/parse.go ParseRequest derives them (cases worked through that code);
 *   4. s3.operation / bucket / key as workflow/tracing/s3_transport.go parseS3Request derives them;
 *   5. otelhttp's url.full and request attributes (semconv HTTP client span);
 *   6. with tracing off no OpenTelemetry module is needed: spans are ids only, and every span operation is inert.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envFor, newSpanContext, parentFromEnv } from '../../src/core/tracing/trace-context.ts';
import { parseKubeRequest } from '../../src/core/kube/request-kind.ts';
import { s3Attributes } from '../../src/artifacts/s3/traced-handler.ts';
import { fullUrl, requestAttributes, startHttpClientSpan } from '../../src/core/tracing/http-span.ts';
import { openTracing, tracingEnabled } from '../../src/core/tracing/tracing.ts';
import { createLogger } from '../../src/core/log.ts';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

test('1. TRACEPARENT parsing (W3C Trace Context §3.2)', () => {
  assert.deepEqual(parentFromEnv({ TRACEPARENT: `00-${T}-${S}-01`, TRACESTATE: 'rojo=00f067aa0ba902b7' }),
    { traceId: T, spanId: S, flags: 1, traceState: 'rojo=00f067aa0ba902b7' });
  assert.equal(parentFromEnv({ TRACEPARENT: `00-${T}-${S}-00` })?.flags, 0);
  assert.equal(parentFromEnv({ TRACEPARENT: `00-${T}-${S}-03` })?.flags, 3, 'sampled and random');
  // Version 00 has no other flag bits; a future version's are dropped.
  assert.equal(parentFromEnv({ TRACEPARENT: `00-${T}-${S}-04` }), undefined);
  assert.equal(parentFromEnv({ TRACEPARENT: `02-${T}-${S}-07` })?.flags, 3);
  // A future version may carry more fields; version 00 may not; version ff is invalid.
  assert.equal(parentFromEnv({ TRACEPARENT: `01-${T}-${S}-01-extra` })?.traceId, T);
  for (const bad of [`00-${T}-${S}-01-extra`, `ff-${T}-${S}-01`, `00-${'0'.repeat(32)}-${S}-01`, `00-${T}-${'0'.repeat(16)}-01`,
    `00-${T.toUpperCase()}-${S}-01`, `00-${T}-${S}`, '', 'garbage']) {
    assert.equal(parentFromEnv({ TRACEPARENT: bad }), undefined, bad);
  }
  assert.equal(parentFromEnv({}), undefined);
});

test('2. child span context and the child process environment (TraceContext.Inject)', () => {
  const parent = { traceId: T, spanId: S, flags: 2, traceState: '' };
  const child = newSpanContext(parent);
  assert.equal(child.traceId, T);
  assert.match(child.spanId, /^[0-9a-f]{16}$/);
  assert.notEqual(child.spanId, S);
  assert.equal(child.flags, 2, 'ParentBased: the parent decides (not sampled), its random flag stays');
  assert.deepEqual(envFor(child), { TRACEPARENT: `00-${T}-${child.spanId}-02` });
  assert.deepEqual(envFor({ ...child, flags: 1, traceState: 'k=v' }), { TRACEPARENT: `00-${T}-${child.spanId}-01`, TRACESTATE: 'k=v' });
  const root = newSpanContext(undefined);
  assert.match(root.traceId, /^[0-9a-f]{32}$/);
  assert.equal(root.flags, 1, 'a new trace is sampled (AlwaysOn root)');
});

test('3. k8s.verb and k8s.kind (ParseRequest)', () => {
  const q = (s = ''): URLSearchParams => new URLSearchParams(s);
  const trs = '/apis/argoproj.io/v1alpha1/namespaces/argo/workflowtaskresults';
  assert.deepEqual(parseKubeRequest('POST', trs, q()), { verb: 'Create', kind: 'workflowtaskresults' });
  assert.deepEqual(parseKubeRequest('PATCH', `${trs}/n1`, q()), { verb: 'Patch', kind: 'workflowtaskresults' });
  assert.deepEqual(parseKubeRequest('GET', '/api/v1/namespaces/argo/pods/p1', q()), { verb: 'Get', kind: 'pods' });
  assert.deepEqual(parseKubeRequest('GET', '/api/v1/namespaces/argo/pods', q()), { verb: 'List', kind: 'pods' });
  assert.deepEqual(parseKubeRequest('GET', '/api/v1/namespaces/argo/pods', q('watch=true&fieldSelector=x')), { verb: 'Watch', kind: 'pods' });
  assert.deepEqual(parseKubeRequest('DELETE', '/api/v1/namespaces/argo/pods', q()), { verb: 'DeleteCollection', kind: 'pods' });
  assert.deepEqual(parseKubeRequest('DELETE', '/api/v1/namespaces/argo/pods/p1', q()), { verb: 'Delete', kind: 'pods' });
  assert.deepEqual(parseKubeRequest('POST', '/api/v1/namespaces/argo/pods/p1/exec', q()), { verb: 'Create', kind: 'pods/exec' });
  assert.deepEqual(parseKubeRequest('PUT', '/api/v1/namespaces/argo/pods/p1/status', q()), { verb: 'Update', kind: 'pods/status' });
  assert.deepEqual(parseKubeRequest('HEAD', '/api/v1/namespaces/argo/pods/p1', q()), { verb: '', kind: 'Unknown' });
});

test('4. s3.operation, s3.bucket, s3.key (parseS3Request)', () => {
  assert.deepEqual(s3Attributes('GET', '/b/dir/k.tgz', 'x-id=GetObject'), { 's3.operation': 'GetObject', 's3.bucket': 'b', 's3.key': 'dir/k.tgz' });
  assert.deepEqual(s3Attributes('GET', '/b', 'list-type=2&prefix=dir%2F'), { 's3.operation': 'ListObjects', 's3.bucket': 'b' });
  assert.deepEqual(s3Attributes('PUT', '/b/k', 'partNumber=1&uploadId=u'), { 's3.operation': 'PutObject', 's3.bucket': 'b', 's3.key': 'k' });
  assert.deepEqual(s3Attributes('POST', '/b/k', 'uploads='), { 's3.operation': 'PostObject', 's3.bucket': 'b', 's3.key': 'k' });
  assert.deepEqual(s3Attributes('HEAD', '/b/k', ''), { 's3.operation': 'HeadObject', 's3.bucket': 'b', 's3.key': 'k' });
  assert.deepEqual(s3Attributes('DELETE', '/b/k', ''), { 's3.operation': 'DeleteObject', 's3.bucket': 'b', 's3.key': 'k' });
});

test('5. url.full and the request attributes of an HTTP client span', () => {
  assert.equal(fullUrl(new URL('https://u:p@h.example/o?X-Goog-Signature=abc&a=1')), 'https://REDACTED:REDACTED@h.example/o?X-Goog-Signature=REDACTED&a=1');
  assert.deepEqual(requestAttributes('GET', new URL('https://127.0.0.1:6443/api/v1/pods')), {
    'http.request.method': 'GET', 'url.full': 'https://127.0.0.1:6443/api/v1/pods', 'server.address': '127.0.0.1', 'server.port': 6443, 'network.protocol.version': '1.1',
  });
  assert.equal(requestAttributes('GET', new URL('http://h/x'), true)['network.protocol.version'], undefined, 'a redirect request has no Proto');
  // The scheme's default port is left out; an unknown method is _OTHER with the original kept.
  assert.deepEqual(requestAttributes('purge', new URL('https://[::1]/x')), {
    'http.request.method': '_OTHER', 'http.request.method.original': 'purge', 'url.full': 'https://[::1]/x', 'server.address': '::1', 'network.protocol.version': '1.1',
  });
});

test('6. tracing off: ids only, no exporter, HTTP spans skipped', async () => {
  assert.equal(tracingEnabled({}), false);
  assert.equal(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }), true, 'set, even empty, turns it on (Go: os.LookupEnv)');
  assert.equal(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x' }), true);
  const lines: string[] = [];
  const tracing = await openTracing({ TRACEPARENT: `00-${T}-${S}-01` }, createLogger('debug', 'text', (l) => lines.push(l)));
  const role = tracing.startRole('runWaitContainer', 'wf', 'argo');
  assert.equal(role.recording, false);
  assert.equal(role.context.traceId, T);
  const child = role.child('saveArtifacts');
  assert.equal(child.context.traceId, T);
  await role.in('saveLogs', {}, (s) => { assert.equal(startHttpClientSpan('GET', new URL('http://h/x'), {}, { parent: s }), undefined); });
  await tracing.shutdown();
  assert.deepEqual(lines, [], 'nothing logged');
});
