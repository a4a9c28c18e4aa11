/** How an embedded bundle is wrapped for evaluation — shared by the build (code cache) and the runtime. */
export function chunkSource(code: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
}

export function chunkFilename(name: string): string {
  return `argoexec:${name}.cjs`;
}
