import { writeFileSync } from 'node:fs';
import { TERMINATION_LOG } from './paths.ts';

/**
 * Overwrite the container's termination message (lifecycle §1.4): mode 0600, no trailing newline.
 * Failure is reported on stderr, never thrown.
 */
export function writeTerminationMessage(message: string, path = TERMINATION_LOG): void {
  try {
    writeFileSync(path, message, { mode: 0o600 });
  } catch (err) {
    process.stderr.write(`unable to write termination log: ${(err as Error).message}\n`);
  }
}
