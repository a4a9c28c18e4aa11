/** Init-less input staging (lifecycle §6.5): symlink each input artifact into place before the command runs. */
import { lstatSync, mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { INPUT_ARTIFACTS_DIR, VAR_RUN_ARGO } from '../../core/paths.ts';
import { findOverlappingVolume, findVolumeMountNestedUnder } from '../../core/volumes.ts';
import type { Template } from '../../core/template.ts';
import type { Logger } from '../../core/log.ts';

function exists(p: string): boolean {
  try { lstatSync(p); return true; } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export function linkInputArtifacts(t: Template, log: Logger, baseDir = INPUT_ARTIFACTS_DIR): void {
  for (const art of t.inputs?.artifacts ?? []) {
    const src = join(baseDir, art.name);
    if (!exists(src)) {
      log.info('no input-artifacts entry (optional or overlap) — skipping symlink', { name: art.name, path: art.path });
      continue;
    }
    const dst = art.path;
    if (!dst) continue;
    const parent = dirname(dst);
    if (parent !== '/' && parent !== '.') mkdirSync(parent, { recursive: true, mode: 0o755 });
    if (exists(dst)) {
      const resolved = join(realpathSync(parent), basename(dst));
      const inside = findOverlappingVolume(t, resolved);
      if (inside) throw new Error(`refusing to stage input artifact ${JSON.stringify(art.name)} at ${dst}: it resolves to ${resolved} inside volume mount ${JSON.stringify(inside.name)} (${inside.mountPath}), and clearing it would destroy the mounted volume; change the artifact path or volume mount so they do not overlap`);
      const nested = findVolumeMountNestedUnder(t, resolved);
      if (nested) throw new Error(`refusing to stage input artifact ${JSON.stringify(art.name)} at ${dst}: it resolves to ${resolved} which contains volume mount ${JSON.stringify(nested.name)} (${nested.mountPath}), and clearing it would destroy the mounted volume; change the artifact path or volume mount so they do not overlap`);
      rmSync(dst, { recursive: true, force: true });
    }
    symlinkSync(src, dst);
    log.debug('linked input artifact', { name: art.name, src, dst });
  }
}

/** Step off the working directory while linking (the cwd itself may be replaced), then re-enter it. */
export function stageInputArtifacts(t: Template, log: Logger): void {
  const cwd = process.cwd();
  process.chdir(VAR_RUN_ARGO);
  linkInputArtifacts(t, log);
  try {
    process.chdir(cwd);
  } catch (err) {
    throw new Error(`failed to re-enter working directory ${JSON.stringify(cwd)} after staging input artifacts (an input artifact staged at the workingDir path must be a directory): ${(err as Error).message}`);
  }
}
