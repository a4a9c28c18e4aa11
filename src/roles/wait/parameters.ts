/** SaveParameters (lifecycle §7.4) and isBaseImagePath. */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { pathError } from '../../core/errors.ts';
import { MAIN_CTR_FS, OUTPUT_PARAMETERS_DIR } from '../../core/paths.ts';
import { findOverlappingVolume } from '../../core/volumes.ts';
import type { Template } from '../../core/template.ts';
import { hasLocationOrKey, type Location } from './location.ts';
import type { ExecutorState } from './state.ts';

/** Whether `path` lives in main's own filesystem (read from the emissary's hand-over) or on a mirrored volume. */
export function isBaseImagePath(t: Template, path: string, initlessPod: boolean): boolean {
  if (findOverlappingVolume(t, path)) return false;
  for (const input of t.inputs?.artifacts ?? []) {
    if (input.path === undefined) continue;
    if (path === input.path) {
      if (input.optional && !hasLocationOrKey(input as Location)) return true;
      return initlessPod;
    }
    if (path.startsWith(`${input.path}/`)) return initlessPod;
  }
  return true;
}

function readOrFail(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(pathError(code === 'EISDIR' ? 'read' : 'open', path, err));
  }
}

/** Fill `value` of every path parameter; the first read error without a default is thrown. */
export function saveParameters(state: ExecutorState): void {
  const { template, log, cfg } = state;
  const params = template.outputs?.parameters ?? [];
  if (params.length === 0) {
    log.info('No output parameters');
    return;
  }
  log.info('Saving output parameters');
  for (const param of params) {
    log.info('Saving path output parameter', { name: param.name });
    const path = param.valueFrom?.path;
    if (!path) continue;
    const file = isBaseImagePath(template, path, cfg.initlessPod)
      ? posix.join(OUTPUT_PARAMETERS_DIR, path)
      : posix.join(MAIN_CTR_FS, path);
    log.info(isBaseImagePath(template, path, cfg.initlessPod) ? 'Copying from base image layer' : 'Copying from volume mount', { path });
    let output: string;
    try {
      output = readOrFail(file);
    } catch (err) {
      const def = param.valueFrom?.default;
      if (def === undefined || def === null) throw err;
      output = String(def);
    }
    param.value = output.endsWith('\n') ? output.slice(0, -1) : output;
    log.info('Successfully saved output parameter', { name: param.name });
  }
}
