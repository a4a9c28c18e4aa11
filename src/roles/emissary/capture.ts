/** The capture files of a container's output (lifecycle §6.10): ctr/<name>/stdout and ctr/<name>/combined, appended. */
import { closeSync, openSync } from 'node:fs';
import { strerror } from '../../core/errors.ts';
import { ctrFile } from '../../core/paths.ts';
import type { CaptureFds } from './output-tee.ts';

export function openCapture(container: string): CaptureFds {
  const open = (file: 'stdout' | 'combined'): number => {
    try {
      return openSync(ctrFile(container, file), 'a', 0o666);
    } catch (err) {
      throw new Error(`failed to open ${file}: open ${ctrFile(container, file)}: ${strerror(err)}`);
    }
  };
  const stdout = open('stdout');
  try {
    return { stdout, combined: open('combined') };
  } catch (err) {
    closeSync(stdout);
    throw err;
  }
}
