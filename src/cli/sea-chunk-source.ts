import { constants } from 'node:vm';

/** The bundle of all roles but the emissary; the other embedded bundles are storage SDKs' and the tracing SDK (scripts/build.ts). */
export const ROLES_CHUNK = 'roles';
/** The OpenTelemetry SDK and OTLP exporters (src/core/tracing/otlp.ts), loaded at a role's start when tracing is on. */
export const TRACING_CHUNK = 'tracing-otlp';
/** Bundles that load before any transfer, so before `gc` is exposed: their code caches are made without --expose-gc. */
export const EARLY_CHUNKS: ReadonlySet<string> = new Set([ROLES_CHUNK, TRACING_CHUNK]);

/**
 * Script options of an embedded bundle — shared by the build (code cache) and the runtime. ES builds of some
 * packages keep `import('node:…')` of built-ins: they go to Node's default loader.
 */
export function chunkScriptOptions(name: string): { filename: string; importModuleDynamically: typeof constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } {
  return { filename: chunkFilename(name), importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER };
}

/** How an embedded bundle is wrapped for evaluation — shared by the build (code cache) and the runtime. */
export function chunkSource(code: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
}

export function chunkFilename(name: string): string {
  return `argoexec:${name}.cjs`;
}
