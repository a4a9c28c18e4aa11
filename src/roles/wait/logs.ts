/**
 * SaveLogs (lifecycle §7.6, artifacts spec §4.8): each main container's `combined` output uploaded as
 * `<name>-logs` with key `<archive key>/<name>.log`; a missing file is skipped with a warning.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, pathError } from '../../core/errors.ts';
import { ctrFile } from '../../core/paths.ts';
import { archivesLogs, mainContainerNames, type Artifact } from '../../core/template.ts';
import type { Span } from '../../core/tracing/tracing.ts';
import { addError, type ExecutorState } from './state.ts';
import { saveArtifactFromFile } from './upload.ts';

export const TEMP_LOGS_DIR = '/tmp/argo/outputs/logs';

export async function saveLogs(state: ExecutorState): Promise<Artifact[]> {
  return state.span.in('saveLogs', {}, (span) => saveEachLog(state, span));
}

async function saveEachLog(state: ExecutorState, span: Span): Promise<Artifact[]> {
  const logs: Artifact[] = [];
  if (!archivesLogs(state.template)) return logs;
  try {
    mkdirSync(TEMP_LOGS_DIR, { recursive: true, mode: 0o777 });
  } catch (err) {
    addError(state, new Error(pathError('mkdir', TEMP_LOGS_DIR, err)));
  }
  for (const name of mainContainerNames(state.template)) {
    const art = await span.in('saveContainerLogs', { container_name: name }, () => saveContainerLogs(state, name));
    if (art) logs.push(art);
  }
  return logs;
}

/** saveContainerLogs: copy `combined` to /tmp/argo/outputs/logs/<name>.log and upload it; undefined when not saved. */
async function saveContainerLogs(state: ExecutorState, name: string): Promise<Artifact | undefined> {
  const fileName = `${name}.log`;
  const local = join(TEMP_LOGS_DIR, fileName);
  const src = ctrFile(name, 'combined');
  try {
    copyFileSync(src, local);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      state.log.warn('no logs to save: container produced no output', { container: name });
      return undefined;
    }
    addError(state, new Error(pathError('open', src, err)));
    return undefined;
  }
  const art: Artifact = { name: `${name}-logs` };
  try {
    await saveArtifactFromFile(state, art, fileName, local);
    return art;
  } catch (err) {
    addError(state, err);
    return undefined;
  }
}
