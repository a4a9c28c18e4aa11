/**
 * LoadArtifactsWithoutPlugins / LoadArtifactsFromPlugin (lifecycle §5 step 4, §10.6, artifacts spec §3.1–§3.7):
 * every input artifact in template order, stopping at the first error — without a plugin name only the
 * non-plugin ones, with one only that plugin's. Download to `<dest>.tmp`, unpack into place (`<dest>.tmpdir` +
 * single-entry rule; a tarball while the download still fills the file, D33), chmod when asked (plugin artifacts
 * without a mode: 0666).
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { openDriver } from '../../artifacts/registry.ts';
import { progressLog } from '../../artifacts/progress-log.ts';
import type { DriverContext } from '../../artifacts/driver.ts';
import { untracedSpan, type Span } from '../../core/tracing/tracing.ts';
import { strerror } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { INPUT_ARTIFACTS_DIR, MAIN_CTR_FS } from '../../core/paths.ts';
import type { Artifact, Template } from '../../core/template.ts';
import { findOverlappingVolume } from '../../core/volumes.ts';
import { collectWhileTransferring } from '../../core/runtime/transfer-gc.ts';
import { DownloadFailedError, downloadAndPlace } from './extract-while-downloading.ts';
import { cleanArtifactPath, hasLocationOrKey, relocate, type Location } from '../wait/location.ts';
import { isNotFoundError } from '../wait/state.ts';

/** chmod (executor.go chmod): the path, then every entry below it when `recurse`. */
export function chmodArtifact(path: string, mode: number, recurse: boolean): void {
  chmodSync(path, mode);
  if (!recurse) return;
  const walk = (p: string): void => {
    chmodSync(p, mode);
    if (lstatSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  };
  walk(path);
}

/** Where an input lands: /argo/inputs/artifacts/<name>, or /mainctrfs/<path> inside a user volume. */
export function inputDestination(t: Template, art: Artifact, path: string, log: Logger): string {
  const mnt = findOverlappingVolume(t, path);
  if (!mnt) return posix.join(INPUT_ARTIFACTS_DIR, art.name);
  log.info('Specified artifact path overlaps with volume mount, extracting to volume mount', { path, mountPath: mnt.mountPath });
  return posix.join(MAIN_CTR_FS, path);
}

async function loadArtifact(t: Template, original: Artifact, ctx: DriverContext, pluginName: string, signal: AbortSignal | undefined, parent: Span): Promise<void> {
  const { log } = ctx;
  log.info('Downloading artifact', { name: original.name });
  const art = structuredClone(original);
  if (!hasLocationOrKey(art as Location)) {
    if (art.optional) {
      log.info('Ignoring optional artifact which was not supplied', { name: art.name });
      return;
    }
    throw new Error(`required artifact '${art.name}' not supplied`);
  }
  const path = cleanArtifactPath(art);
  art.path = path;
  let driverArt: Artifact;
  try {
    driverArt = relocate(art as Location, (t.archiveLocation ?? undefined) as Location | undefined) as Artifact;
  } catch (err) {
    throw new Error(`failed to load artifact '${art.name}': ${(err as Error).message}`);
  }
  const plugin = (driverArt.plugin ?? undefined) as { name?: string } | undefined;
  if (pluginName === '') {
    if (plugin) {
      log.info('Skipping artifact that is from a plugin');
      return;
    }
  } else if (!plugin || plugin.name !== pluginName) {
    log.info('Skipping artifact that is not from the specified plugin', { name: driverArt.name, plugin: plugin ?? null });
    return;
  }
  const driver = await openDriver(driverArt, ctx, signal);
  const dest = inputDestination(t, art, path, log);
  const tmp = `${dest}.tmp`;
  try {
    mkdirSync(dirname(tmp), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(`failed to create artifact temporary parent directory ${dirname(tmp)}: mkdir ${dirname(tmp)}: ${strerror(err)}`);
  }
  const loaded = await parent.in('loadArtifact', { path: dest }, async (span) => {
    const progress = progressLog(log, 'Downloading artifact', { name: art.name });
    try {
      await downloadAndPlace(async (observer) => {
        await driver.load(driverArt, tmp, progress.report, signal, observer);
        progress.done();
      }, art.archive, tmp, dest, span);
    } catch (e) {
      if (!(e instanceof DownloadFailedError)) throw e;
      const err = e.cause;
      if (art.optional && isNotFoundError(err)) {
        log.info('Skipping optional input artifact that was not found', { name: art.name });
        return false;
      }
      throw new Error(`artifact ${art.name} failed to load: ${(err as Error).message}`);
    }
    return true;
  });
  if (!loaded) return;
  log.info('Successfully download file', { path: dest });
  if (art.mode !== undefined && art.mode !== null) chmodArtifact(dest, art.mode, art.recurseMode === true);
  else if (plugin) {
    // Go: so that the main container can read and write what the plugin (another user, maybe) wrote.
    try {
      chmodArtifact(dest, 0o666, art.recurseMode === true);
    } catch (err) {
      log.error('Failed to chmod plugin artifact', { error: (err as Error).message });
      throw err;
    }
  }
}

/** The minor-GC interval while inputs load (D12). */
const INPUT_MINOR_GC_MS = 10;

/**
 * Load the template's inputs, one after the other: the non-plugin ones (`pluginName` empty) or those of one artifact
 * plugin. `signal` is Go's context, handed to every driver (the supervisor cancels it on SIGTERM or when another
 * group of loads fails); as in Go, the loop itself does not check it: a driver that honours it fails at once.
 */
export async function loadInputArtifacts(t: Template, ctx: DriverContext, pluginName = '', signal?: AbortSignal, parent: Span = untracedSpan()): Promise<void> {
  ctx.log.info('Start loading input artifacts...', { pluginName });
  // every 10 ms, not wait's 50 ms: a download fills Node's socket and inflate buffers faster than it makes JS
  // objects (1 GiB tar.gz input: peak 120 → 104 MiB at the same CPU; wait's outputs gain nothing and pay ~4 % CPU; D12)
  const stopCollecting = collectWhileTransferring(INPUT_MINOR_GC_MS);
  try {
    await parent.in('loadArtifacts', {}, async (span) => {
      for (const art of t.inputs?.artifacts ?? []) await loadArtifact(t, art, ctx, pluginName, signal, span);
    });
  } finally {
    stopCollecting();
  }
}
