/**
 * The tracing-on recorder: the OpenTelemetry JS SDK with an OTLP exporter (Go: util/telemetry/tracing.go NewTracing,
 * resource.go). Loaded only when an OTLP endpoint is set — in the executable it is a bundle of its own
 * (scripts/build.ts MODULE_CHUNKS), so no role pays for the SDK when tracing is off.
 *
 * - Exporter: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL: empty or `grpc` → OTLP/gRPC (Go's
 *   default, kept by Argo although the SDKs moved to http/protobuf); `http/…` → OTLP/HTTP protobuf (Go's otlptracehttp
 *   speaks protobuf only, so `http/json` means protobuf there too); anything else → Go's fatal "OTEL tracing protocol
 *   invalid" (exit 1). Endpoint, headers, timeout, TLS, compression: the standard OTEL_EXPORTER_OTLP_* variables, read
 *   by the exporter.
 * - Batch span processor (Go: WithBatcher); `shutdown` flushes. Export failures never fail the role: they are logged
 *   (Go's default OTel error handler prints them on stderr) and the spans are dropped.
 * - Resource: service.name `argoexec`, service.version ours, the telemetry.sdk.* attributes, OTEL_RESOURCE_ATTRIBUTES
 *   and OTEL_SERVICE_NAME (which, as in Go, lose to service.name/version), host, OS and process (without
 *   process.owner, which Go leaves out too).
 */
import { context, SpanKind, SpanStatusCode, trace, TraceFlags, createTraceState, type Span as ApiSpan, type Tracer } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { defaultResource, detectResources, envDetector, hostDetector, osDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Logger } from '../log.ts';
import type { Attributes, ClientSpanName, RecordedSpan, SpanKindName, SpanName, SpanRecorder } from './tracing.ts';
import type { SpanContext } from './trace-context.ts';

export const SERVICE_NAME = 'argoexec';
/**
 * The instrumentation scope of HTTP client spans: Go's come from otelhttp v0.69.0. Ours carry the same scope so that
 * queries and dashboards written against Go's spans (scope, span names, attributes) find them.
 */
export const HTTP_SCOPE = { name: 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', version: '0.69.0' };

/** Which exporter Go's NewTracing picks for this environment; `invalid` is its fatal error. */
export function otlpProtocol(env: NodeJS.ProcessEnv): 'grpc' | 'http' | { invalid: string } {
  const p = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || '';
  if (p === '' || p === 'grpc') return 'grpc';
  if (p.startsWith('http/')) return 'http';
  return { invalid: p };
}

export async function openOtlpRecorder(env: NodeJS.ProcessEnv, log: Logger, serviceVersion: string): Promise<SpanRecorder> {
  const protocol = otlpProtocol(env);
  if (typeof protocol !== 'string') {
    log.error('OTEL tracing protocol invalid', { protocol: protocol.invalid, fatal: true });
    process.exit(1);
  }
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || '';
  log.info('Starting OTLP tracing exporter', { endpoint, protocol });
  // Export failures reach the SDK's global error handler; Go's default one prints them on stderr.
  setGlobalErrorHandler((err) => log.error('traces export', { error: errorMessage(err), endpoint }));
  const exporter: SpanExporter = protocol === 'grpc' ? new GrpcExporter() : new HttpExporter();
  const detected = detectResources({ detectors: [envDetector, hostDetector, osDetector, processDetector] });
  await detected.waitForAsyncAttributes?.();
  const resource = defaultResource()
    .merge(detected)
    .merge(resourceFromAttributes({ 'service.name': SERVICE_NAME, 'service.version': serviceVersion }));
  // Go's process.command_args is os.Args; Node's detector adds the executable path and the SEA's V8 flags.
  const attrs: Record<string, unknown> = { ...resource.attributes, 'process.command_args': [process.argv0, ...process.argv.slice(2)] };
  delete attrs['process.owner'];
  const provider = new TracerProvider({
    resource: resourceFromAttributes(attrs),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  return new OtlpRecorder(provider.getTracer(SERVICE_NAME), provider.getTracer(HTTP_SCOPE.name, HTTP_SCOPE.version), provider, log, endpoint);
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

class OtlpRecorder implements SpanRecorder {
  readonly recording = true;
  readonly #tracer: Tracer;
  readonly #httpTracer: Tracer;
  readonly #provider: TracerProvider;
  readonly #log: Logger;
  readonly #endpoint: string;
  constructor(tracer: Tracer, httpTracer: Tracer, provider: TracerProvider, log: Logger, endpoint: string) {
    this.#tracer = tracer;
    this.#httpTracer = httpTracer;
    this.#provider = provider;
    this.#log = log;
    this.#endpoint = endpoint;
  }

  start(name: SpanName | ClientSpanName, parent: SpanContext | undefined, attributes: Attributes, kind: SpanKindName): RecordedSpan {
    const ctx = parent
      ? trace.setSpanContext(context.active(), {
        traceId: parent.traceId, spanId: parent.spanId, isRemote: true,
        traceFlags: parent.flags & TraceFlags.SAMPLED,
        ...(parent.traceState !== '' ? { traceState: createTraceState(parent.traceState) } : {}),
      })
      : context.active();
    const tracer = kind === 'client' ? this.#httpTracer : this.#tracer;
    const span: ApiSpan = tracer.startSpan(name, { kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes }, ctx);
    const sc = span.spanContext();
    return {
      // The random flag (0x02) is the parent's, as in Go's SDK (the JS SDK keeps only `sampled`).
      context: { traceId: sc.traceId, spanId: sc.spanId, flags: (sc.traceFlags & TraceFlags.SAMPLED) | ((parent?.flags ?? 0) & 2), traceState: sc.traceState?.serialize() ?? '' },
      addEvent: (n, a) => { span.addEvent(n, a); },
      setAttributes: (a) => { span.setAttributes(a); },
      setError: (description) => { span.setStatus({ code: SpanStatusCode.ERROR, message: description }); },
      end: () => { span.end(); },
    };
  }

  async shutdown(): Promise<void> {
    try {
      await this.#provider.shutdown();
    } catch (err) {
      // Go's exporter reports the same on stderr ("traces export: …") and the role carries on: spans are dropped,
      // nothing else is affected.
      this.#log.error('traces export', { error: errorMessage(err), endpoint: this.#endpoint });
    }
  }
}
