/**
 * `argoexec wait` (lifecycle §7): bootstrap, PostMain on a path SIGTERM cannot cancel, then the
 * deferred steps in Go's order — KillArtifactSidecars, FinalizeOutput, HandleError (first error as
 * termination message). Exit 64 iff PostMain recorded an error.
 */
import type { CommandContext } from '../../cli/context.ts';
import { bootstrap } from '../../core/bootstrap.ts';
import { logExecutorInitialized, logExecutorStart } from '../../core/executor-init-log.ts';
import { openTracing } from '../../core/tracing/tracing.ts';
import { PanicError, errorText } from '../../core/errors.ts';
import { KubeClient } from '../../core/kube/client.ts';
import { loadKubeConnection } from '../../core/kube/config.ts';
import { kubeTaskResultApi } from '../../core/task-result/api.ts';
import { TaskResultReporter } from '../../core/task-result/reporter.ts';
import { writeTerminationMessage } from '../../core/termination.ts';
import { killArtifactSidecars } from './kill.ts';
import { postMain } from './post-main.ts';
import { addError, type ExecutorState } from './state.ts';

export const SECRETS_DIR = '/argo/secret';

export function openKube(ctx: CommandContext): KubeClient {
  try {
    return new KubeClient(loadKubeConnection(ctx.args.flags, ctx.env));
  } catch (err) {
    throw new PanicError(errorText(err));
  }
}

export async function runAuxiliary(
  ctx: CommandContext, role: 'runWaitContainer' | 'runSupervisorContainer', body: (state: ExecutorState) => Promise<Error | undefined>,
): Promise<void> {
  const { log } = ctx;
  const cfg = bootstrap(ctx.env);
  const kube = openKube(ctx);
  logExecutorStart(log, cfg);
  const tracing = await openTracing(ctx.env, log);
  logExecutorInitialized(log, cfg, kube.namespace);
  const span = tracing.startRole(role, cfg.workflowName, kube.namespace);
  const reporter = new TaskResultReporter(kubeTaskResultApi(kube), {
    nodeId: cfg.nodeId, workflowName: cfg.workflowName, workflowUid: cfg.workflowUid, instanceId: cfg.instanceId,
  }, log, { env: ctx.env });
  const state: ExecutorState = {
    cfg, template: cfg.template, log, reporter, errors: [],
    driverCtx: { log, secretsDir: SECRETS_DIR, env: ctx.env }, span,
  };
  reporter.traceUnder(span);
  process.umask(0);
  let result: Error | undefined;
  try {
    result = await span.run(() => body(state));
  } finally {
    try { await killArtifactSidecars(state); } catch (err) { addError(state, err); }
    const finErr = await state.reporter.finalizeOutput();
    if (finErr) addError(state, finErr);
    if (state.errors.length > 0) writeTerminationMessage((state.errors[0] as Error).message);
    kube.close();
    // Go: `defer span.End()` then `defer Tracing.Shutdown` (the flush) run after the deferred steps above.
    span.end();
    await tracing.shutdown();
  }
  if (result) throw result;
}

export async function runWaitCommand(ctx: CommandContext): Promise<void> {
  await runAuxiliary(ctx, 'runWaitContainer', (state) => postMain(state, ctx.terminated, false));
}
