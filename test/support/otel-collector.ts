/**
 * A real OpenTelemetry Collector for the tracing tests: `otelcol` from the stack cache (built by
 * stack/otel-collector/build.sh: the collector core's OTLP receiver, gRPC + HTTP, and the contrib file exporter),
 * one instance per test on free 127.0.0.1 ports, writing every received span to a file as OTLP JSON. `stop()` shuts
 * it down gracefully (the file exporter flushes) and only then is the file read, so nothing is read mid-write.
 *
 * `spanForest` turns the received spans into trees (children in start order) for comparison.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { STACK } from './pod-sim.ts';

export const OTELCOL = join(STACK.STACK_BIN ?? '/var/cache/argoexec-ts/bin', 'otelcol');

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export interface Collector {
  /** OTLP/gRPC endpoint (Go's default protocol) and OTLP/HTTP endpoint. */
  grpcEndpoint: string;
  httpEndpoint: string;
  /** Stop the collector (flushes the file) and return the spans it received. */
  stop(): Promise<ReceivedSpan[]>;
}

export type AttrValue = string | number | boolean | AttrValue[];
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  start: bigint;
  attributes: Record<string, AttrValue>;
  events: { name: string; attributes: Record<string, AttrValue> }[];
  status: { code: number; message: string };
  resource: Record<string, AttrValue>;
  /** Instrumentation scope: `name` or `name@version`. */
  scope: string;
}

export async function startCollector(): Promise<Collector> {
  if (!existsSync(OTELCOL)) throw new Error(`${OTELCOL} is missing: run stack/otel-collector/build.sh (or make stack-up)`);
  const dir = mkdtempSync(join(tmpdir(), 'argoexec-otelcol-'));
  const [grpc, http] = [await freePort(), await freePort()];
  const out = join(dir, 'spans.jsonl');
  writeFileSync(join(dir, 'config.yaml'), `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpc}
      http:
        endpoint: 127.0.0.1:${http}
exporters:
  file:
    path: ${out}
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
`);
  const proc: ChildProcess = spawn(OTELCOL, [`--config=file:${join(dir, 'config.yaml')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`otelcol exited ${proc.exitCode}: ${stderr}`);
    if (await accepts(grpc) && await accepts(http)) break;
    if (i > 200) { proc.kill('SIGKILL'); throw new Error(`otelcol did not listen within 10 s: ${stderr}`); }
    await sleep(50);
  }
  return {
    grpcEndpoint: `http://127.0.0.1:${grpc}`,
    httpEndpoint: `http://127.0.0.1:${http}`,
    async stop() {
      proc.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`otelcol exited ${code}: ${stderr}`);
      const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      return parseOtlpJson(text);
    },
  };
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number; arrayValue?: { values?: OtlpValue[] } };
function value(v: OtlpValue): AttrValue {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(value);
  return '';
}
function attrs(list: { key: string; value: OtlpValue }[] | undefined): Record<string, AttrValue> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));
}

/** The file exporter's output: one OTLP/JSON ExportTraceServiceRequest per line. */
export function parseOtlpJson(text: string): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    for (const rs of JSON.parse(line).resourceSpans ?? []) {
      const resource = attrs(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          spans.push({
            traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind ?? 0,
            start: BigInt(s.startTimeUnixNano), attributes: attrs(s.attributes),
            events: (s.events ?? []).map((e: { name: string; attributes?: { key: string; value: OtlpValue }[] }) => ({ name: e.name, attributes: attrs(e.attributes) })),
            status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' }, resource, scope: ss.scope?.version ? `${ss.scope.name}@${ss.scope.version}` : ss.scope?.name ?? '',
          });
        }
      }
    }
  }
  return spans;
}

export interface SpanTree {
  name: string;
  scope: string;
  kind: number;
  status: { code: number; message: string };
  attributes: Record<string, AttrValue>;
  events: { name: string; attributes: Record<string, AttrValue> }[];
  children: SpanTree[];
}

/**
 * The spans whose parent is `parentSpanId` (the TRACEPARENT the pod was given), each with its descendants, in start
 * order; `normalise` rewrites attribute values (run-specific names and keys). Spans of other traces are ignored.
 */
export function spanForest(spans: ReceivedSpan[], traceId: string, parentSpanId: string, normalise: (key: string, v: AttrValue) => AttrValue = (_k, v) => v): SpanTree[] {
  const inTrace = spans.filter((s) => s.traceId === traceId);
  const build = (s: ReceivedSpan): SpanTree => ({
    name: s.name, scope: s.scope, kind: s.kind, status: s.status,
    attributes: Object.fromEntries(Object.entries(s.attributes).map(([k, v]) => [k, normalise(k, v)])),
    events: s.events.map((e) => ({ name: e.name, attributes: Object.fromEntries(Object.entries(e.attributes).map(([k, v]) => [k, normalise(k, v)])) })),
    children: childrenOf(s.spanId),
  });
  const childrenOf = (id: string): SpanTree[] => inTrace.filter((s) => s.parentSpanId === id).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)).map(build);
  return childrenOf(parentSpanId);
}

/** Just names and nesting, for readable failure messages: `a(b,c(d))`. */
export function shape(t: SpanTree): string {
  return t.children.length === 0 ? t.name : `${t.name}(${t.children.map(shape).join(',')})`;
}
