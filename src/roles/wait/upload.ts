/**
 * saveArtifactFromFile (artifacts spec §2.5, §4.5): give a key-less artifact the archive location's
 * type and the key `<archive key>/<fileName>`, relocate a copy for the driver and save; with
 * REMOVE_LOCAL_ART_PATH the staged file is removed afterwards (best effort).
 */
import { rmSync } from 'node:fs';
import { posix } from 'node:path';
import { driverFor } from '../../artifacts/registry.ts';
import type { Artifact } from '../../core/template.ts';
import { getKey, hasKey, locationKindOf, relocate, setKey, setType, type Location } from './location.ts';
import type { ExecutorState } from './state.ts';

export async function saveArtifactFromFile(state: ExecutorState, art: Artifact, fileName: string, localPath: string): Promise<void> {
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
  const driver = driverFor(driverArt, state.driverCtx);
  await driver.save(localPath, driverArt);
  if (state.cfg.removeLocalArtPath) {
    state.log.info('deleting local artifact', { localArtPath: localPath });
    try { rmSync(localPath); } catch (err) { state.log.warn('Failed to remove', { path: localPath, error: (err as Error).message }); }
  } else {
    state.log.info('not deleting local artifact', { localArtPath: localPath });
  }
  state.log.info('Successfully saved file', { path: localPath });
}
