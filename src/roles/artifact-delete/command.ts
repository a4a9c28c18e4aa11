/**
 * `argoexec artifact delete` (lifecycle §10.5, artifacts spec §7.2; cmd/argoexec/commands/artifact/delete.go),
 * the main container of artifact-GC pods:
 *
 *   bootstrap (§4: ARGO_POD_NAME, ARGO_TEMPLATE, ARGO_DEADLINE) → if ARGO_ARTIFACT_POD_NAME is set,
 *   LIST workflowartifactgctasks labelled `workflows.argoproj.io/artifact-gc-pod = <it>`, delete every
 *   artifact, PATCH each task's status → deferred KillArtifactSidecars, FinalizeOutput, termination message.
 *
 * The exit status (0, or 64 with the first error) is decided before the deferred steps. GC pods have no
 * ARGO_NODE_ID, so FinalizeOutput fails client-side with client-go's `resource name may not be empty`,
 * which becomes the termination message when nothing failed before (lifecycle §15.10).
 */
import type { CommandContext } from '../../cli/context.ts';
import { flagString } from '../../cli/parse.ts';
import { bootstrap } from '../../core/bootstrap.ts';
import { kubeTaskResultApi, type TaskResultApi } from '../../core/task-result/api.ts';
import { TaskResultReporter } from '../../core/task-result/reporter.ts';
import { writeTerminationMessage } from '../../core/termination.ts';
import { openKube, SECRETS_DIR } from '../wait/command.ts';
import { killArtifactSidecars } from '../wait/kill.ts';
import { addError, type ExecutorState } from '../wait/state.ts';
import { deleteArtifacts } from './delete-artifacts.ts';
import { kubeGCTaskApi, LABEL_ARTIFACT_GC_POD_HASH } from './gc-tasks.ts';
import { defaultRetry } from './retry.ts';
import { untracedSpan } from '../../core/tracing/tracing.ts';

/** client-go refuses a request for an empty resource name before sending it. */
function requireName(api: TaskResultApi): TaskResultApi {
  return {
    create: (body) => api.create(body),
    patch: (name, body) => (name === '' ? Promise.reject(new Error('resource name may not be empty')) : api.patch(name, body)),
  };
}

/** cmd/argo client.Namespace: --namespace, else ARGO_NAMESPACE (even empty), else the kube config's. */
function gcNamespace(ctx: CommandContext, configNamespace: string): string {
  const flag = flagString(ctx.args, 'namespace');
  if (flag) return flag;
  if (ctx.env.ARGO_NAMESPACE !== undefined) return ctx.env.ARGO_NAMESPACE;
  return configNamespace;
}

export async function runArtifactDeleteCommand(ctx: CommandContext): Promise<void> {
  const { log, env } = ctx;
  const cfg = bootstrap(env);
  const kube = openKube(ctx);
  const reporter = new TaskResultReporter(requireName(kubeTaskResultApi(kube)), {
    nodeId: cfg.nodeId, workflowName: cfg.workflowName, workflowUid: cfg.workflowUid, instanceId: cfg.instanceId,
  }, log, { env });
  const driverCtx = { log, secretsDir: SECRETS_DIR, env };
  const state: ExecutorState = { cfg, template: cfg.template, log, reporter, errors: [], driverCtx, span: untracedSpan() };
  const retry = defaultRetry(env);
  const namespace = gcNamespace(ctx, kube.namespace);

  let result: Error | undefined;
  try {
    const podHash = env.ARGO_ARTIFACT_POD_NAME;
    if (podHash !== undefined) {
      const selector = `${LABEL_ARTIFACT_GC_POD_HASH} = ${podHash}`;
      try {
        await deleteArtifacts(kubeGCTaskApi(kube, namespace), selector, driverCtx, retry);
        log.info('artifacts deleted');
      } catch (err) {
        addError(state, err);
      }
    }
    result = state.errors[0];
  } finally {
    try { await killArtifactSidecars(state); } catch (err) { addError(state, err); }
    const finErr = await reporter.finalizeOutput();
    if (finErr) addError(state, finErr);
    if (state.errors.length > 0) writeTerminationMessage((state.errors[0] as Error).message);
    kube.close();
  }
  if (result) throw result;
}
