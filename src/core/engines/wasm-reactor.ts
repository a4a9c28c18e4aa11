/**
 * A Go program compiled to WebAssembly as a WASI reactor (native/engines: `GOOS=wasip1 -buildmode=c-shared`),
 * called one JSON request at a time through its three exports (native/engines/bridge/bridge_wasip1.go):
 * `engine_alloc(n)` → address of an n-byte request buffer, `engine_call(n)` → address of the response,
 * `engine_out_len()` → its length. The module is compiled and instantiated on the first call only, so
 * a role that never evaluates an expression pays nothing (decision D16).
 */
import type { WASI as WasiClass } from 'node:wasi';

/** Where a module's bytes come from: the executable's SEA asset `<name>.wasm`, or bytes given by a caller. */
export type WasmSource = () => ArrayBuffer | ArrayBufferView<ArrayBuffer>;

interface SeaModule { isSea(): boolean; getRawAsset(key: string): ArrayBuffer }

/** The module embedded in dist/argoexec as the SEA asset `<name>.wasm` (scripts/build.ts). */
export function embeddedWasm(name: string): WasmSource {
  return () => {
    const sea = process.getBuiltinModule('node:sea') as SeaModule;
    if (!sea.isSea()) {
      throw new Error(`the ${name} engine is embedded in dist/argoexec only (running from source, create the engine from native/engines' ${name}.wasm: node scripts/engines.ts)`);
    }
    return sea.getRawAsset(`${name}.wasm`);
  };
}

/** node:wasi, without the ExperimentalWarning Node prints when the module first loads (it would land in our logs). */
function wasiClass(): typeof WasiClass {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/WASI/.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return (process.getBuiltinModule('node:wasi') as { WASI: typeof WasiClass }).WASI;
  } finally {
    process.emitWarning = emit;
  }
}

interface ReactorExports {
  memory: WebAssembly.Memory;
  engine_alloc(n: number): number;
  engine_call(n: number): number;
  engine_out_len(): number;
}

export class WasmReactor {
  readonly #name: string;
  readonly #source: WasmSource;
  #exports: ReactorExports | undefined;

  constructor(name: string, source: WasmSource) {
    this.#name = name;
    this.#source = source;
  }

  #instance(): ReactorExports {
    if (this.#exports) return this.#exports;
    const module = new WebAssembly.Module(this.#source());
    const WASI = wasiClass();
    // No arguments, no environment, no files: the engines compute on their input only (gojq's `env` is {}).
    const wasi = new WASI({ version: 'preview1', args: [this.#name], env: {}, returnOnExit: true });
    const instance = new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports);
    wasi.initialize(instance);
    this.#exports = instance.exports as unknown as ReactorExports;
    return this.#exports;
  }

  /** One request → its response (both JSON values). A Go crash makes this and every later call throw. */
  call(request: unknown): unknown {
    const ex = this.#instance();
    const bytes = Buffer.from(JSON.stringify(request), 'utf8');
    try {
      const at = ex.engine_alloc(bytes.length);
      new Uint8Array(ex.memory.buffer, at, bytes.length).set(bytes);
      const out = ex.engine_call(bytes.length);
      const len = ex.engine_out_len();
      return JSON.parse(Buffer.from(ex.memory.buffer, out, len).toString('utf8')) as unknown;
    } catch (err) {
      this.#exports = undefined;
      throw new Error(`the ${this.#name} engine failed: ${(err as Error).message}`);
    }
  }
}

/** A response of native/engines/bridge: the output, or Go's error text and the step it failed in. */
export interface EngineResponse { output?: unknown; error?: string; stage?: string }

/** An error whose message is the Go text; `stage` says where it arose (e.g. "transformation", "marshal"). */
export class EngineError extends Error {
  readonly stage: string;
  constructor(message: string, stage: string) {
    super(message);
    this.stage = stage;
  }
}

/** The output of a response, or its error thrown as an EngineError. */
export function outputOf(response: unknown): unknown {
  const r = response as EngineResponse;
  if (typeof r.error === 'string') throw new EngineError(r.error, r.stage ?? '');
  return r.output;
}
