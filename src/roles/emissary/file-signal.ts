/** The file-signal channel (lifecycle §6.12): a number written to ctr/<name>/signal is sent to the child's group. */
import { readFileSync, rmSync } from 'node:fs';
import { ctrFile } from '../../core/paths.ts';
import { killGroup } from '../../core/signals.ts';
import { watchFile, type FileWatch } from '../../core/watch-file.ts';
import type { Logger } from '../../core/log.ts';

export function watchSignalFile(container: string, pid: number, log: Logger): FileWatch {
  const path = ctrFile(container, 'signal');
  return watchFile(path, () => {
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch { return; }
    const trimmed = text.trim();
    if (!/^[-+]?\d+$/.test(trimmed)) return; // invalid content stays in place
    const sig = parseInt(trimmed, 10);
    if (sig <= 0) return;
    try { rmSync(path, { force: true }); } catch { /* best effort */ }
    log.info('received signal from file', { signal: sig });
    try { killGroup(pid, sig); } catch (err) { log.warn('failed to signal process', { pid, error: err }); }
  });
}
