/** Where a path sits relative to the template's user volume mounts (common.FindOverlappingVolume). */
import { isAbsolute, relative } from 'node:path';
import { volumeMounts, type Template, type VolumeMount } from './template.ts';

/** Whether `target` is `base` or below it, by path arithmetic (Go's filepath.Rel rules). */
export function isWithin(base: string, target: string): boolean {
  if (isAbsolute(base) !== isAbsolute(target)) return false;
  const rel = relative(base, target);
  return rel !== '..' && !rel.startsWith('../');
}

/** The deepest user volume mount containing `path`, if any. */
export function findOverlappingVolume(t: Template, path: string): VolumeMount | undefined {
  const mounts = [...volumeMounts(t)].sort((a, b) => b.mountPath.length - a.mountPath.length);
  return mounts.find((m) => isWithin(m.mountPath, path));
}

/** A user volume mount strictly below `path` (FindVolumeMountNestedUnderPath). */
export function findVolumeMountNestedUnder(t: Template, path: string): VolumeMount | undefined {
  return volumeMounts(t).find((m) => isWithin(path, m.mountPath) && relative(path, m.mountPath) !== '');
}
