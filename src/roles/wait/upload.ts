/**
 * saveArtifactFromFile (artifacts spec §2.5, §4.5): give a key-less artifact the archive location's
 * type and the key `<archive key>/<fileName>`, relocate a copy for the driver and save; with
 * REMOVE_LOCAL_ART_PATH the staged file is removed afterwards (best effort).
 *
 * With `gzipLevel` the local file is an uncompressed tar that is gzipped while it is uploaded
 * (driver `saveStream`; drivers without it spool to a temporary file under /tmp/argo/outputs/artifacts).
 */
import { rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { saveStreamWith, saveTreeWith, type ArtifactDriver, type FileTree, type TransferProgress } from '../../artifacts/driver.ts';
import { openDriver } from '../../artifacts/registry.ts';
import { progressLog } from '../../artifacts/progress-log.ts';
import { ParallelGzip } from '../../core/archive/index.ts';
import { fileFiller } from '../../core/io/fill.ts';
import type { Artifact } from '../../core/template.ts';
import { getKey, hasKey, locationKindOf, relocate, setKey, setType, type Location } from './location.ts';
import type { ExecutorState } from './state.ts';

/** A directory given as ranges of the hand-over tar, and how to extract it for a driver that needs a directory. */
export interface StagedTree {
  tree: FileTree;
  materialize: () => Promise<string>;
}

export interface SaveOptions {
  /** Gzip `localPath` (a tar) on the fly at this Go level while uploading. */
  gzipLevel?: number;
  /** Upload these files instead of reading the directory `localPath` (which does not exist unless materialized). */
  tree?: StagedTree;
}

const TEMP_OUT_ART_DIR = '/tmp/argo/outputs/artifacts';
/** tar file → parallel gzip → driver (saveStream, or a spooled file): the wait's upload of `archive: tar`. */
export async function uploadGzipped(driver: ArtifactDriver, driverArt: Artifact, fileName: string, tarPath: string, level: number, progress?: TransferProgress): Promise<void> {
  const size = statSync(tarPath).size;
  const fh = await open(tarPath, 'r');
  try {
    // Positional reads into the gzip's own block buffers, compressed output pulled into the upload's part buffers:
    // nothing is allocated per block on this path.
    // Progress in bytes of the tar compressed (and pulled by the upload), of the tar's size.
    const gz = new ParallelGzip(fileFiller(fh), level, progress ? { progress: (n) => progress(n, size) } : {});
    // Gzip never grows data by more than a few bytes per 16 KiB block (stored blocks) plus framing.
    await saveStreamWith(driver, gz, driverArt, undefined, { fileName, sizeHint: size + Math.ceil(size / 1000) + 1024, tmpDir: TEMP_OUT_ART_DIR });
  } finally {
    await fh.close();
  }
}

export async function saveArtifactFromFile(state: ExecutorState, art: Artifact, fileName: string, localPath: string, opts: SaveOptions = {}): Promise<void> {
  const archive = (state.template.archiveLocation ?? undefined) as Location | undefined;
  const loc = art as Location;
  if (!hasKey(loc)) {
    const base = getKey(archive);
    const kind = locationKindOf(archive);
    if (kind === undefined) throw new Error('artifact storage is not configured');
    setType(loc, kind);
    setKey(loc, posix.join(base, fileName));
  }
  const driverArt = relocate(loc, archive) as Artifact;
  const progress = progressLog(state.log, 'Uploading artifact', { name: art.name });
  if (opts.gzipLevel !== undefined) {
    await uploadGzipped(await openDriver(driverArt, state.driverCtx), driverArt, fileName, localPath, opts.gzipLevel, progress.report);
  } else if (opts.tree) {
    await saveTreeWith(await openDriver(driverArt, state.driverCtx), opts.tree.tree, driverArt, opts.tree.materialize, progress.report);
  } else {
    const driver = await openDriver(driverArt, state.driverCtx);
    await driver.save(localPath, driverArt, progress.report);
  }
  progress.done();
  if (state.cfg.removeLocalArtPath) {
    state.log.info('deleting local artifact', { localArtPath: localPath });
    try { rmSync(localPath); } catch (err) { state.log.warn('Failed to remove', { path: localPath, error: (err as Error).message }); }
  } else {
    state.log.info('not deleting local artifact', { localArtPath: localPath });
  }
  state.log.info('Successfully saved file', { path: localPath });
}
