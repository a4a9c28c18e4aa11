/**
 * jq for a resource template's `valueFrom.jqFilter` (lifecycle §10.2; workflow/executor/resource.go jqFilter):
 * github.com/itchyny/gojq — the version argoexec v4.1.2 uses — compiled to WebAssembly with the executor's own
 * wrapper around it (native/engines/jq): the input is decoded with encoding/json, strings are printed raw,
 * other values with json.Marshal, one per line, the whole trimmed. Results and error texts are Go's.
 */
import { embeddedWasm, outputOf, WasmReactor, type WasmSource } from './wasm-reactor.ts';

export class JqEngine {
  readonly #reactor: WasmReactor;

  constructor(source: WasmSource) {
    this.#reactor = new WasmReactor('jq', source);
  }

  /** Run `filter` on the JSON text `input`; throws an EngineError with gojq's (or encoding/json's) text. */
  filter(input: string, filter: string): string {
    return outputOf(this.#reactor.call({ filter, input })) as string;
  }
}

let embedded: JqEngine | undefined;

/** The engine embedded in dist/argoexec, loaded on first use. */
export function jqEngine(): JqEngine {
  embedded ??= new JqEngine(embeddedWasm('jq'));
  return embedded;
}
