/**
 * The executor's OpenTelemetry spans (Go v4.1.2: workflow/executor/tracing, util/telemetry/tracing.go and the
 * generated util/telemetry/traces_list.go). Roles start their top span (`runInitContainer`, `runWaitContainer`,
 * `runMainContainer`, `runSupervisorContainer`) under the controller's span from TRACEPARENT and open children for
 * each step; the names, the INTERNAL kind and the attributes are Go's. No span status is ever set (Go sets none).
 *
 * Two recorders sit behind one port (`SpanRecorder`):
 * - tracing off (neither OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set): only span ids are
 *   made — the emissary still hands its span to its child as TRACEPARENT, as Go's SDK does without an exporter —
 *   and no OpenTelemetry code is loaded (decision D22: the emissary pays nothing at start-up);
 * - tracing on: `otlp.ts`, the OpenTelemetry JS SDK with the OTLP exporter Go would pick (gRPC unless
 *   OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL is http/…), loaded on demand (its own bundle in the executable).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../log.ts';
import { versionInfo } from '../version-info.ts';
import { newSpanContext, parentFromEnv, type SpanContext } from './trace-context.ts';

export type { SpanContext } from './trace-context.ts';
export type Attributes = Record<string, string | boolean | number>;

/** Go's span names (traces_list.go) that the executor uses. */
export type SpanName =
  | 'runInitContainer' | 'runMainContainer' | 'runWaitContainer' | 'runSupervisorContainer'
  | 'stageFiles' | 'loadArtifacts' | 'loadArtifact' | 'unarchiveArtifact'
  | 'waitWorkload' | 'captureScriptResult' | 'saveArtifacts' | 'saveArtifact' | 'archiveArtifact'
  | 'saveLogs' | 'saveContainerLogs' | 'createTaskResult' | 'patchTaskResult' | 'patchTaskResultLabels'
  | 'processDataTemplate';

/** HTTP client spans (Go: otelhttp around the Kubernetes client and the S3/HTTP artifact clients). */
export type ClientSpanName = `HTTP ${string}`;
export type SpanKindName = 'internal' | 'client';

/** The port: what a span recorder must do. */
export interface SpanRecorder {
  /** False for the ids-only recorder: callers may skip work that only feeds attributes. */
  readonly recording: boolean;
  start(name: SpanName | ClientSpanName, parent: SpanContext | undefined, attributes: Attributes, kind: SpanKindName): RecordedSpan;
  /** Export what is buffered and stop; never throws (failures are logged by the recorder). */
  shutdown(): Promise<void>;
}
export interface RecordedSpan {
  readonly context: SpanContext;
  addEvent(name: string, attributes: Attributes): void;
  setAttributes(attributes: Attributes): void;
  /** Status Error with a description (Go's span.SetStatus(codes.Error, description)). */
  setError(description: string): void;
  end(): void;
}

/**
 * The span that code running now belongs to (Go: the span in the ctx), set by `Span.in`/`run`. Created on first use:
 * the emissary, which never nests spans, does not make one.
 */
let active: AsyncLocalStorage<Span> | undefined;
function activeStore(): AsyncLocalStorage<Span> {
  active ??= new AsyncLocalStorage<Span>();
  return active;
}
export function activeSpan(): Span | undefined {
  return active?.getStore();
}

export class Span {
  readonly #recorder: SpanRecorder;
  readonly #span: RecordedSpan;
  readonly #orphans: boolean;
  #ended = false;
  /** `orphans`: children get no parent (the placeholder of an absent TRACEPARENT). */
  constructor(recorder: SpanRecorder, span: RecordedSpan, orphans = false) {
    this.#recorder = recorder;
    this.#span = span;
    this.#orphans = orphans;
  }
  get context(): SpanContext { return this.#span.context; }
  get recording(): boolean { return this.#recorder.recording; }
  child(name: SpanName, attributes: Attributes = {}): Span {
    return new Span(this.#recorder, this.#recorder.start(name, this.#orphans ? undefined : this.#span.context, attributes, 'internal'));
  }
  clientChild(name: ClientSpanName, attributes: Attributes): Span {
    return new Span(this.#recorder, this.#recorder.start(name, this.#orphans ? undefined : this.#span.context, attributes, 'client'));
  }
  /**
   * Run `fn` inside a child span, ending it however `fn` ends (Go: `defer span.End()`); while it runs the child is
   * the active span (HTTP client spans open under it).
   */
  async in<T>(name: SpanName, attributes: Attributes, fn: (span: Span) => Promise<T> | T): Promise<T> {
    const span = this.child(name, attributes);
    try {
      return await activeStore().run(span, () => fn(span));
    } finally {
      span.end();
    }
  }
  /** Run `fn` with this span active. */
  run<T>(fn: () => T): T {
    return activeStore().run(this, fn);
  }
  addEvent(name: string, attributes: Attributes = {}): void { this.#span.addEvent(name, attributes); }
  setAttributes(attributes: Attributes): void { this.#span.setAttributes(attributes); }
  setError(description: string): void { this.#span.setError(description); }
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#span.end();
  }
}

export class Tracing {
  readonly #recorder: SpanRecorder;
  readonly #parent: SpanContext | undefined;
  constructor(recorder: SpanRecorder, parent: SpanContext | undefined) {
    this.#recorder = recorder;
    this.#parent = parent;
  }
  /** A role's top span: a child of the controller's span (TRACEPARENT), or the root of a new trace. */
  startRole(name: 'runInitContainer' | 'runMainContainer' | 'runWaitContainer' | 'runSupervisorContainer', workflowName: string, namespace: string): Span {
    return new Span(this.#recorder, this.#recorder.start(name, this.#parent, { name: workflowName, namespace }, 'internal'));
  }
  /**
   * The parent from TRACEPARENT as a span to open children under (never recorded, `end` does nothing): Go's
   * `data` and `resource` commands start their spans straight under the emissary's span this way. Without
   * TRACEPARENT each child is the root of a new trace, as in Go.
   */
  fromEnv(): Span {
    const parent = this.#parent;
    return new Span(this.#recorder, { context: parent ?? NO_PARENT, ...INERT }, parent === undefined);
  }
  shutdown(): Promise<void> { return this.#recorder.shutdown(); }
}

const NO_PARENT: SpanContext = { traceId: '0'.repeat(32), spanId: '0'.repeat(16), flags: 0, traceState: '' };

/** Span ids only: what Go's SDK does without an exporter, minus everything nobody can observe. */
const INERT = { addEvent: () => undefined, setAttributes: () => undefined, setError: () => undefined, end: () => undefined };
export const idsOnlyRecorder: SpanRecorder = {
  recording: false,
  start: (_name, parent) => ({ context: newSpanContext(parent), ...INERT }),
  shutdown: async () => undefined,
};

/** A span that records nothing, for code run without a role span (unit tests, roles Go does not trace). */
export function untracedSpan(): Span {
  return new Tracing(idsOnlyRecorder, undefined).fromEnv();
}

/** Go: tracing is on when either endpoint variable is set at all (even empty). */
export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  return env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
}

/**
 * Go's tracing.New(ctx, "argoexec") + InjectTraceContext: the recorder for this environment, parented on
 * TRACEPARENT. With an endpoint it logs "Starting OTLP tracing exporter" (protocol, endpoint) as Go does.
 */
export async function openTracing(env: NodeJS.ProcessEnv, log: Logger): Promise<Tracing> {
  const parent = parentFromEnv(env);
  if (!tracingEnabled(env)) return new Tracing(idsOnlyRecorder, parent);
  const { openOtlpRecorder } = await import('./otlp.ts');
  return new Tracing(await openOtlpRecorder(env, log, versionInfo().version), parent);
}
