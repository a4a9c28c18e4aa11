/**
 * Node names its main thread `MainThread`, and on Linux the main thread's name is the process's `comm`: `ps`
 * would show PID 1 of every user container as `{MainThread} /var/run/argo/argoexec emissary …`, and
 * `pgrep argoexec` would not find it. Go's argoexec keeps the kernel's name: the executable's basename, at most
 * 15 bytes (TASK_COMM_LEN). Restore that.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';

export function restoreProcessName(argv0: string = process.argv0): void {
  const name = Buffer.from(basename(argv0)).subarray(0, 15);
  if (name.length === 0) return;
  try {
    writeFileSync('/proc/self/comm', name);
  } catch {
    // not Linux, or /proc not mounted: the name is cosmetic
  }
}
