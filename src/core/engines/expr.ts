/**
 * expr-lang for the data template's transformations (lifecycle §10.3; workflow/data/data.go) and the agent's
 * HTTP `successCondition` (§10.4; workflow/executor/agent.go → util/expr/argoexpr.EvalBool):
 * github.com/expr-lang/expr — the version argoexec v4.1.2 uses — compiled to WebAssembly with a wrapper that
 * builds the environment with the executor's Go types (native/engines/expr). Results and error texts are Go's.
 */
import { embeddedWasm, outputOf, WasmReactor, type WasmSource } from './wasm-reactor.ts';

/** An HTTP template's request and the response received (executeHTTPTemplate's evalScope). */
export interface HttpConditionScope {
  /** `request.method`/`url`/`body` as written in the template (method may be empty). */
  request: {
    method: string; url: string; body: string;
    /** `bodyFrom.bytes` (nil without bodyFrom: null). */
    bodyBytes: Uint8Array | null;
    /** HTTPHeaders.ToHeader(): names as written, secret-valued headers left out. */
    headers: Record<string, string[]>;
  };
  /** Canonical header names (http.Header), every value. */
  response: { statusCode: number; body: string; headers: Record<string, string[]> };
}

export class ExprEngine {
  readonly #reactor: WasmReactor;

  constructor(source: WasmSource) {
    this.#reactor = new WasmReactor('expr', source);
  }

  /**
   * processTransformation over the listed keys, then json.Marshal of the result. Throws an EngineError: stage
   * "transformation" with `error processing data step <i>: <expr's text>`, or "marshal" with encoding/json's.
   */
  transformData(data: string[] | null, expressions: string[]): string {
    return outputOf(this.#reactor.call({ op: 'data', data, expressions })) as string;
  }

  /** argoexpr.EvalBool(condition, evalScope); throws an EngineError with its text. */
  httpSuccessCondition(condition: string, scope: HttpConditionScope): boolean {
    const request = { ...scope.request, bodyBytes: scope.request.bodyBytes ? Buffer.from(scope.request.bodyBytes).toString('base64') : null };
    return outputOf(this.#reactor.call({ op: 'http', condition, request, response: scope.response })) as boolean;
  }

  /**
   * Compile with expr.Env(env) and run, env being a JSON value (or an environment the build names); returns Go's
   * `%T` of the result, a space, and its json.Marshal (or the marshal error). For tests on expr-lang's corpora.
   */
  evaluate(expression: string, env: { json?: unknown; name?: string } = {}): string {
    return outputOf(this.#reactor.call({ op: 'eval', expression, ...(env.json !== undefined ? { env: env.json } : {}), ...(env.name ? { envName: env.name } : {}) })) as string;
  }
}

let embedded: ExprEngine | undefined;

/** The engine embedded in dist/argoexec, loaded on first use. */
export function exprEngine(): ExprEngine {
  embedded ??= new ExprEngine(embeddedWasm('expr'));
  return embedded;
}
