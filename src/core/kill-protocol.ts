/**
 * The file-signal kill protocol (workflow/executor/emissary Kill, lifecycle §6.13/§7.7): write `15` to
 * each container's signal file, wait up to the grace period for its exitcode, then `9` and 10 s more.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { timerMs } from './go-duration.ts';
import { ctrFile } from './paths.ts';
import { waitForFile } from './watch-file.ts';

export const DEFAULT_GRACE_MS = 30_000;
const AFTER_KILL_MS = 10_000;

/** ARGO_TERMINATION_GRACE_PERIOD_SECONDS if a positive integer, else 30 s. */
export function terminationGraceMs(env: NodeJS.ProcessEnv): number {
  const n = Number.parseInt(env.ARGO_TERMINATION_GRACE_PERIOD_SECONDS ?? '', 10);
  return n > 0 ? n * 1000 : DEFAULT_GRACE_MS;
}

export function writeSignalFile(container: string, signal: number): void {
  writeFileSync(ctrFile(container, 'signal'), String(signal), { mode: 0o666 });
}

function allExited(containers: string[]): true | undefined {
  return containers.every((c) => existsSync(ctrFile(c, 'exitcode'))) ? true : undefined;
}

async function waitExited(containers: string[], ms: number): Promise<boolean> {
  if (containers.length === 0 || allExited(containers)) return true;
  const timeout = AbortSignal.timeout(timerMs(ms));
  // Watch the first container still running; re-check all on every event.
  const pending = containers.find((c) => !existsSync(ctrFile(c, 'exitcode'))) as string;
  try {
    await waitForFile(ctrFile(pending, 'exitcode'), () => allExited(containers), timeout, 1000);
    return true;
  } catch {
    return false;
  }
}

export async function killContainers(containers: string[], graceMs: number): Promise<void> {
  for (const c of containers) writeSignalFile(c, 15);
  if (await waitExited(containers, graceMs)) return;
  for (const c of containers) if (!existsSync(ctrFile(c, 'exitcode'))) writeSignalFile(c, 9);
  await waitExited(containers, AFTER_KILL_MS);
}
