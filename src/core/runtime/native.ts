/**
 * Native Node-API helpers shipped in the runtime directory next to the executable (native/*.c, built by
 * scripts/build.ts): loaded once on first use. Running from source (plain `node`), they are absent and callers
 * fall back to portable code.
 */
import { existsSync } from 'node:fs';
import { runtimeDirFor } from './layout.ts';
import { currentExecutable } from './install.ts';

export type NativeAddonName = 'reaper' | 'memory' | 'deflate' | 'tee' | 'alive-lock' | 'inflate' | 'file-writer';

const loaded = new Map<string, unknown>();

/** Path of a helper in the runtime directory of the running executable. */
export function nativeAddonPath(name: NativeAddonName, executable = currentExecutable()): string {
  return `${runtimeDirFor(executable)}/${name}.node`;
}

/**
 * Load the addon at `path` (default: the running executable's). Returns undefined when the file does not exist;
 * throws when it exists but cannot be loaded (a broken installation must be visible).
 */
export function loadNativeAddon<T>(name: NativeAddonName, path = nativeAddonPath(name)): T | undefined {
  if (loaded.has(path)) return loaded.get(path) as T | undefined;
  let exports: T | undefined;
  if (existsSync(path)) {
    const mod = { exports: {} as T };
    process.dlopen(mod, path);
    exports = mod.exports;
  }
  loaded.set(path, exports);
  return exports;
}
