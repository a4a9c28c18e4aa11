/**
 * Wait for every main container's exitcode file (lifecycle §7.2 step 2, emissary.go Wait): the
 * per-container directories are pre-created (0777 under umask 0), each file is watched with inotify
 * and a 2 s polling fallback. SIGTERM ends the wait without an error.
 *
 * Better than Go (Argo #9083): a container whose emissary died without writing its exitcode (the kernel's OOM
 * kill takes the whole container) ends the wait too, once its alive lock is gone (core/alive-lock.ts); Go waits
 * for ever. Such containers are returned.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { emissaryGone } from '../../core/alive-lock.ts';
import { ctrDir, ctrFile } from '../../core/paths.ts';
import { waitForFile } from '../../core/watch-file.ts';

type Ending = 'exited' | 'killed';

function endingOf(name: string): Ending | undefined {
  const exitcode = ctrFile(name, 'exitcode');
  if (existsSync(exitcode)) return 'exited';
  // gone first, then the exitcode again: an emissary that wrote it and then exited is not "killed"
  if (emissaryGone(name)) return existsSync(exitcode) ? 'exited' : 'killed';
  return undefined;
}

/** Resolves with the containers that ended without an exit code. */
export async function waitMainContainers(names: string[], signal: AbortSignal): Promise<string[]> {
  for (const n of names) mkdirSync(ctrDir(n), { recursive: true, mode: 0o777 });
  const endings = await Promise.all(names.map((n) => waitForFile(ctrFile(n, 'exitcode'), () => endingOf(n), signal)));
  return names.filter((_, i) => endings[i] === 'killed');
}
