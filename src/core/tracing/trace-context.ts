/**
 * W3C trace context in environment variables (Go: util/telemetry/carrier.go + propagation.TraceContext): the
 * controller puts the parent span into the pod as TRACEPARENT (and TRACESTATE); the emissary hands its own span to
 * its child the same way. Parsing follows Go's TraceContext.Extract: version 00 exactly four fields and no reserved
 * flag bits, a future version at least four (ff invalid); hex in lower case; all-zero trace or span id invalid;
 * anything invalid means "no parent". Flags kept: sampled (0x01) and random (0x02), as Go keeps and injects them.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface SpanContext {
  traceId: string;   // 32 lower-case hex digits
  spanId: string;    // 16 lower-case hex digits
  flags: number;     // trace-flags: sampled (0x01) | random (0x02)
  traceState: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The parent span carried by TRACEPARENT/TRACESTATE, or undefined when absent or invalid. */
export function parentFromEnv(env: NodeJS.ProcessEnv): SpanContext | undefined {
  const m = TRACEPARENT.exec(env.TRACEPARENT ?? '');
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  const f = parseInt(flags, 16);
  if (version === 'ff' || (version === '00' && (rest !== undefined || f > 3))) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, flags: f & 3, traceState: env.TRACESTATE ?? '' };
}

export function isSampled(sc: SpanContext): boolean {
  return (sc.flags & 1) === 1;
}

/** TRACEPARENT (and TRACESTATE when not empty) for a child process, as TraceContext.Inject writes them. */
export function envFor(sc: SpanContext): Record<string, string> {
  const out: Record<string, string> = { TRACEPARENT: `00-${sc.traceId}-${sc.spanId}-0${sc.flags & 3}` };
  if (sc.traceState !== '') out.TRACESTATE = sc.traceState;
  return out;
}

/**
 * A new span's context (Go SDK, ParentBased(AlwaysOn)): a child of `parent` keeps its trace, flags (so its sampling
 * decision) and trace state; without a parent, a new sampled trace.
 */
export function newSpanContext(parent: SpanContext | undefined): SpanContext {
  return {
    traceId: parent?.traceId ?? nonZeroHex(16),
    spanId: nonZeroHex(8),
    flags: parent ? parent.flags & 3 : 1,
    traceState: parent?.traceState ?? '',
  };
}

/**
 * Random bytes from /dev/urandom through `fs` (which every role has loaded already): node:crypto would cost the
 * emissary ~3 MiB of RSS at start-up for 24 bytes. Without /dev/urandom (never in a pod), Math.random.
 */
function randomHex(bytes: number): string {
  const buf = Buffer.alloc(bytes);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try { readSync(fd, buf, 0, bytes, null); } finally { closeSync(fd); }
  } catch {
    for (let i = 0; i < bytes; i++) buf[i] = Math.floor(Math.random() * 256);
  }
  return buf.toString('hex');
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const s = randomHex(bytes);
    if (!/^0+$/.test(s)) return s;
  }
}
