/**
 * `argoexec supervisor` (lifecycle §9; supervisor.go supervisorContainer): the init-less pod's
 * auxiliary container. Inside the same scaffolding as `wait` (runAuxiliary: bootstrap, deferred
 * KillArtifactSidecars / FinalizeOutput / termination message):
 *
 *   1. RUNNING heartbeat on /var/run/argo/status (cannot write it → record, PostMain(preMainFailed));
 *   2. pre-main: template, StageFiles, input artifacts (SIGTERM cancels the loads: FAILED, like any load error);
 *   3. stop the heartbeat; 4. READY (or FAILED\n<error>, error recorded);
 *   5. PostMain(preMainFailed) — exit 64 with the first error as termination message.
 */
import type { CommandContext } from '../../cli/context.ts';
import { postMain } from '../wait/post-main.ts';
import { runAuxiliary } from '../wait/command.ts';
import { addError, type ExecutorState } from '../wait/state.ts';
import { runPreMain, inputArtifactPluginNames } from './pre-main.ts';
import { startStatusHeartbeat, writeFailedStatus, writeReadyStatus, type Heartbeat } from './status-marker.ts';

export async function supervise(state: ExecutorState, terminated: AbortSignal, env: NodeJS.ProcessEnv): Promise<Error | undefined> {
  const { log } = state;
  let heartbeat: Heartbeat;
  try {
    heartbeat = startStatusHeartbeat(log);
  } catch (err) {
    // main cannot be told anything; its emissary presumes us dead after 30 s.
    addError(state, err);
    return postMain(state, terminated, true);
  }

  let preMainError: Error | undefined;
  try {
    await runPreMain(state.template, state.driverCtx, inputArtifactPluginNames(env), terminated, state.span);
  } catch (err) {
    preMainError = err instanceof Error ? err : new Error(String(err));
  }
  heartbeat.stop();

  let preMainFailed = false;
  if (preMainError) {
    writeFailedStatus(preMainError.message, log);
    addError(state, preMainError);
    preMainFailed = true;
  } else {
    try {
      writeReadyStatus();
      log.info('pre-main complete, main released');
    } catch (err) {
      writeFailedStatus((err as Error).message, log);
      addError(state, err);
      preMainFailed = true;
    }
  }
  return postMain(state, terminated, preMainFailed);
}

export async function runSupervisorCommand(ctx: CommandContext): Promise<void> {
  await runAuxiliary(ctx, 'runSupervisorContainer', (state) => supervise(state, ctx.terminated, ctx.env));
}
