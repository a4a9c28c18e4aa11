/**
 * The expression engines for tests: the WebAssembly builds dist/argoexec embeds and the same wrapper programs built
 * natively — the Go reference (scripts/engines.ts builds both into /var/cache/argoexec-ts/engines, once).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { buildReferenceEngines, buildWasmEngines } from '../../scripts/engines.ts';
import { ExprEngine } from '../../src/core/engines/expr.ts';
import { JqEngine } from '../../src/core/engines/jq.ts';

export function wasmEngines(): { jq: JqEngine; expr: ExprEngine } {
  const paths = buildWasmEngines();
  return { jq: new JqEngine(() => readFileSync(paths.jq)), expr: new ExprEngine(() => readFileSync(paths.expr)) };
}

/**
 * Run many requests through a native reference program at once (one JSON request per line in, one response per
 * line out); returns the responses in order.
 */
export function referenceBatch(program: string, requests: unknown[]): unknown[] {
  if (requests.length === 0) return [];
  const out = execFileSync(program, { input: requests.map((r) => `${JSON.stringify(r)}\n`).join(''), encoding: 'utf8', maxBuffer: 1 << 30 });
  const lines = out.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== requests.length) throw new Error(`${program}: ${lines.length} responses to ${requests.length} requests`);
  return lines.map((l) => JSON.parse(l) as unknown);
}

export function referencePrograms(): { jq: string; expr: string } {
  return buildReferenceEngines();
}

/** A call of one of our engines as a bridge response ({output} or {error, stage}), comparable with the reference's. */
export function asResponse(f: () => unknown): { output?: unknown; error?: string; stage?: string } {
  try {
    return { output: f() };
  } catch (err) {
    const stage = (err as { stage?: unknown }).stage;
    if (typeof stage !== 'string') throw err; // not an engine's answer (EngineError carries a stage)
    return { error: (err as Error).message, ...(stage ? { stage } : {}) };
  }
}
