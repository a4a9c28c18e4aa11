/**
 * Deadline monitor (lifecycle §7.9): at ARGO_DEADLINE write `Step exceeded its deadline` as the
 * termination message and kill the main containers (artifact-plugin sidecars excluded) with the
 * file-signal protocol. Stops on SIGTERM; never keeps the process alive.
 */
import { writeTerminationMessage } from '../../core/termination.ts';
import { killContainersChecked } from './kill.ts';
import type { ExecutorState } from './state.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;

export function startDeadlineMonitor(state: ExecutorState, names: string[], signal: AbortSignal): void {
  const { cfg, log } = state;
  log.info('Starting deadline monitor', { containers: names });
  if (cfg.deadline === undefined) return;
  const deadline = cfg.deadline;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = deadline - Date.now();
    if (left > MAX_TIMER_MS) { timer = setTimeout(arm, MAX_TIMER_MS); timer.unref(); return; }
    timer = setTimeout(fire, Math.max(0, left));
    timer.unref();
  };
  const fire = (): void => {
    const message = 'Step exceeded its deadline';
    log.info(message);
    writeTerminationMessage(message);
    const targets = names.filter((n) => !n.startsWith('artifact-plugin-'));
    log.info('Killing containers', { containerNames: targets });
    killContainersChecked(targets, cfg.terminationGraceMs).catch((err: unknown) => log.warn('Failed to kill', { containerNames: targets, error: (err as Error).message }));
  };
  signal.addEventListener('abort', () => { if (timer) clearTimeout(timer); log.info('Deadline monitor stopped'); }, { once: true });
  if (!signal.aborted) arm();
}
