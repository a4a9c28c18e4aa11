/**
 * Roles other than the emissary are one separate bundle embedded in the executable as an SEA asset
 * (scripts/build.ts), with a V8 code cache: the emissary — started in every user container — parses and
 * caches only its own code. `loadChunk` evaluates an embedded bundle on first use.
 */
import { createRequire } from 'node:module';
import { Script } from 'node:vm';
import { chunkFilename, chunkScriptOptions, chunkSource, EARLY_CHUNKS } from './sea-chunk-source.ts';
import { exposeGc } from '../core/runtime/transfer-gc.ts';

interface SeaModule { getAsset(key: string, encoding?: string): string | ArrayBuffer }

const cache = new Map<string, Record<string, unknown>>();

export function loadChunk(name: string): Record<string, unknown> {
  const hit = cache.get(name);
  if (hit) return hit;
  // Storage SDK bundles load while (or after) artifacts move, i.e. after `gc` was exposed: their code caches are
  // made under --expose-gc, so expose it first in every case (one V8 flag hash for them).
  if (!EARLY_CHUNKS.has(name)) exposeGc();
  const req = createRequire(process.execPath);
  const sea = req('node:sea') as SeaModule;
  const code = sea.getAsset(`${name}.cjs`, 'utf8') as string;
  let cachedData: Buffer | undefined;
  try { cachedData = Buffer.from(sea.getAsset(`${name}.cjs.cache`) as ArrayBuffer); } catch { cachedData = undefined; }
  const filename = chunkFilename(name);
  const script = new Script(chunkSource(code), { ...chunkScriptOptions(name), ...(cachedData ? { cachedData } : {}) });
  // Like Node for the main script: a stale cache (built with other V8 flags or another Node) still works, slower.
  if (cachedData && script.cachedDataRejected) process.emitWarning(`Code cache data of ${name} rejected.`);
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: typeof module, f: string, d: string) => void)(module.exports, req, module, filename, '/');
  cache.set(name, module.exports);
  return module.exports;
}
