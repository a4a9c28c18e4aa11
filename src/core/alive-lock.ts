/**
 * Whether a container's emissary is still alive, seen from the wait container (issue 13; Argo #9083): the emissary
 * holds a flock on ctr/<name>/alive for its whole life (native/alive-lock.c). When the kernel kills the container
 * (an OOM kill takes the emissary with the user's process: cgroup memory.oom.group) no exitcode file is written and Go's
 * wait waits for ever; ours sees the lock gone without an exit code and goes on to report.
 *
 * The file is locked before it gets its name (`alive.tmp` → `alive`), so a visible `alive` is always locked by a
 * living emissary. Without the native helper (running from source) nothing is held and nothing is concluded.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { ctrDir } from './paths.ts';
import { loadNativeAddon } from './runtime/native.ts';

interface AliveLockAddon { hold(path: string): number; isHeld(path: string): boolean }

function addon(): AliveLockAddon | undefined {
  try { return loadNativeAddon<AliveLockAddon>('alive-lock'); } catch { return undefined; }
}

export const aliveFile = (container: string): string => `${ctrDir(container)}/alive`;

/** Emissary: hold the lock until this process ends (best effort: a failure only loses the early detection). */
export function holdAliveLock(container: string): void {
  const a = addon();
  if (!a) return;
  const tmp = `${aliveFile(container)}.tmp`;
  try {
    rmSync(tmp, { force: true });
    a.hold(tmp);
    renameSync(tmp, aliveFile(container));
  } catch {
    // e.g. a read-only or full /var/run/argo: the exitcode file still says when main ended
  }
}

/** Wait: true when the container's emissary held the lock and is gone (it died; whether it wrote an exit code is the caller's). */
export function emissaryGone(container: string): boolean {
  const a = addon();
  // a missing file is "not held" to the helper: only conclude from a file the emissary made
  if (!a || !existsSync(aliveFile(container))) return false;
  try {
    return !a.isHeld(aliveFile(container));
  } catch {
    return false;
  }
}
