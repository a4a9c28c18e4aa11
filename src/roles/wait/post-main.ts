/**
 * PostMain (lifecycle §7.2, postmain.go), shared by `wait` and (later) `supervisor`: placeholder
 * TaskResult, wait for main, capture result/parameters/artifacts, logs, report outputs. Every step
 * records its error and the next one still runs; the first error is returned.
 */
import { mainContainerNames, type Artifact } from '../../core/template.ts';
import { saveArtifacts } from './artifacts.ts';
import { startDeadlineMonitor } from './deadline.ts';
import { saveLogs } from './logs.ts';
import { saveParameters } from './parameters.ts';
import { startProgressMonitor } from './progress.ts';
import { captureScriptResult } from './script-result.ts';
import { addError, firstError, type ExecutorState } from './state.ts';
import { waitMainContainers } from './wait-main.ts';
import { writeTerminationMessage } from '../../core/termination.ts';
import { isTransientErrorLogged } from '../../core/kube/errors.ts';
import { retryOnError } from '../../core/retry.ts';
import { collectWhileTransferring } from '../../core/runtime/transfer-gc.ts';

/** Wait (executor.go Wait): monitors, then the exitcode files; SIGTERM ends it without error. */
async function waitForMain(state: ExecutorState, terminated: AbortSignal): Promise<void> {
  const { cfg, log } = state;
  const names = mainContainerNames(state.template);
  // Go ticks only for non-zero durations (a negative one panics its NewTicker); we monitor for positive ones only.
  if (cfg.progressPatchTickMs > 0 && cfg.progressFileTickMs > 0) startProgressMonitor(state, terminated);
  else log.info('monitoring progress disabled', { annotationPatchTickDuration: cfg.progressPatchTickMs, readProgressFileTickDuration: cfg.progressFileTickMs });
  startDeadlineMonitor(state, names, terminated);
  try {
    const killed = await retryOnError(cfg.retryBackoff, (err) => isTransientErrorLogged(err, log, process.env), () => waitMainContainers(names, terminated));
    // Its emissary died with it (an OOM kill takes the whole container): no exit code, no staged outputs; report what is there.
    for (const container of killed) log.warn('container ended without an exit code: its emissary was killed (OOMKilled or SIGKILL)', { container });
    log.info('Main container completed');
  } catch (err) {
    if (terminated.aborted) {
      log.info('Main container completed', { error: 'context canceled' });
      return;
    }
    throw new Error(`failed to wait for main container to complete: ${(err as Error).message}`);
  }
}

export async function postMain(state: ExecutorState, terminated: AbortSignal, preMainFailed = false): Promise<Error | undefined> {
  const initErr = await state.reporter.initializeOutput();
  if (initErr) addError(state, initErr);

  try { await state.span.in('waitWorkload', {}, () => waitForMain(state, terminated)); } catch (err) { addError(state, err); }

  if (state.template.resource) {
    try {
      const logs = await saveLogs(state);
      await state.reporter.report({ outputs: logs.length > 0 ? { artifacts: logs } : {} });
    } catch (err) { addError(state, err); }
    return firstError(state);
  }

  let artifacts: Artifact[] = [];
  const stopCollecting = collectWhileTransferring();
  const endNote = noteTerminationWhileSaving(terminated);
  try {
    if (!preMainFailed) {
      try { await state.span.in('captureScriptResult', {}, () => { captureScriptResult(state); }); } catch (err) { addError(state, err); }
      try { saveParameters(state); } catch (err) { addError(state, err); }
      try {
        const [saved, err] = await saveArtifacts(state);
        artifacts = saved;
        if (err) addError(state, err);
      } catch (err) { addError(state, err); }
    }
    artifacts = [...artifacts, ...(await saveLogs(state))];
  } finally {
    stopCollecting();
  }

  try {
    const outputs = { ...structuredClone(state.template.outputs ?? {}), artifacts };
    await state.reporter.report({ outputs });
  } catch (err) { addError(state, err); }
  endNote();

  return firstError(state);
}

/**
 * SIGTERM while the outputs are being saved: ours goes on saving (Go too), but the pod's grace period may end first,
 * and SIGKILL leaves no word (issue 13: "when there is not [time], the node says so in one line"). So the termination
 * message says it at once; once saving is over it is cleared (errors, if any, are written after, by the caller).
 */
function noteTerminationWhileSaving(terminated: AbortSignal): () => void {
  let written = false;
  const onAbort = (): void => {
    written = true;
    writeTerminationMessage('wait was terminated while saving outputs; outputs not saved when the grace period ended are lost');
  };
  if (terminated.aborted) onAbort();
  else terminated.addEventListener('abort', onAbort, { once: true });
  return () => {
    terminated.removeEventListener('abort', onAbort);
    if (written) writeTerminationMessage('');
  };
}
