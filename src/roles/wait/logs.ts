/**
 * SaveLogs (lifecycle §7.6, artifacts spec §4.8): each main container's `combined` output uploaded as
 * `<name>-logs` with key `<archive key>/<name>.log`; a missing file is skipped with a warning.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, pathError } from '../../core/errors.ts';
import { ctrFile } from '../../core/paths.ts';
import { archivesLogs, mainContainerNames, type Artifact } from '../../core/template.ts';
import { addError, type ExecutorState } from './state.ts';
import { saveArtifactFromFile } from './upload.ts';

export const TEMP_LOGS_DIR = '/tmp/argo/outputs/logs';

export async function saveLogs(state: ExecutorState): Promise<Artifact[]> {
  const logs: Artifact[] = [];
  if (!archivesLogs(state.template)) return logs;
  try {
    mkdirSync(TEMP_LOGS_DIR, { recursive: true, mode: 0o777 });
  } catch (err) {
    addError(state, new Error(pathError('mkdir', TEMP_LOGS_DIR, err)));
  }
  for (const name of mainContainerNames(state.template)) {
    const fileName = `${name}.log`;
    const local = join(TEMP_LOGS_DIR, fileName);
    const src = ctrFile(name, 'combined');
    try {
      copyFileSync(src, local);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        state.log.warn('no logs to save: container produced no output', { container: name });
        continue;
      }
      addError(state, new Error(pathError('open', src, err)));
      continue;
    }
    const art: Artifact = { name: `${name}-logs` };
    try {
      await saveArtifactFromFile(state, art, fileName, local);
      logs.push(art);
    } catch (err) {
      addError(state, err);
    }
  }
  return logs;
}
