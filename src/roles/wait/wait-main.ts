/**
 * Wait for every main container's exitcode file (lifecycle §7.2 step 2, emissary.go Wait): the
 * per-container directories are pre-created (0777 under umask 0), each file is watched with inotify
 * and a 2 s polling fallback. SIGTERM ends the wait without an error.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { ctrDir, ctrFile } from '../../core/paths.ts';
import { waitForFile } from '../../core/watch-file.ts';

export async function waitMainContainers(names: string[], signal: AbortSignal): Promise<void> {
  for (const n of names) mkdirSync(ctrDir(n), { recursive: true, mode: 0o777 });
  await Promise.all(names.map((n) => waitForFile(ctrFile(n, 'exitcode'), () => (existsSync(ctrFile(n, 'exitcode')) ? true : undefined), signal)));
}
