/**
 * `argoexec data` (lifecycle §10.3; cmd/argoexec/commands/data.go, workflow/executor/data.go,
 * workflow/data/data.go): positional arguments are ignored; the template comes from bootstrap.
 *
 *   source.artifactPaths → the driver's listObjects (driver configured from the artifact relocated to the
 *   archive location, bucket/key from the artifact itself, as Go) → each transformation expression
 *   (expr-lang itself, core/engines/expr.ts) with env {data} → outputs.result = Go JSON of the final value →
 *   ReportOutputs → deferred FinalizeOutput; first error as termination message, exit 64.
 *   v4.1 has no InitializeOutput here.
 */
import type { CommandContext } from '../../cli/context.ts';
import { openDriver } from '../../artifacts/registry.ts';
import { bootstrap } from '../../core/bootstrap.ts';
import { logExecutorInitialized, logExecutorStart } from '../../core/executor-init-log.ts';
import { openTracing } from '../../core/tracing/tracing.ts';
import { exprEngine } from '../../core/engines/expr.ts';
import { kubeTaskResultApi } from '../../core/task-result/api.ts';
import { TaskResultReporter } from '../../core/task-result/reporter.ts';
import type { Artifact } from '../../core/template.ts';
import { writeTerminationMessage } from '../../core/termination.ts';
import { goJson } from '../resource/go-json.ts';
import { openKube, SECRETS_DIR } from '../wait/command.ts';
import { locationKindOf, relocate, type Location } from '../wait/location.ts';
import { addError, type ExecutorState } from '../wait/state.ts';

interface DataTemplate {
  source?: { artifactPaths?: Artifact };
  transformation?: { expression?: string }[];
}

/** ProcessArtifactPaths: list the keys below the artifact. */
async function processArtifactPaths(state: ExecutorState, art: Artifact): Promise<string[]> {
  const driverArt = relocate(art as Location, (state.template.archiveLocation ?? undefined) as Location | undefined) as Artifact;
  // Go builds the driver from the relocated copy but lists the artifact's own bucket/key.
  const kind = locationKindOf(art as Location);
  const target = structuredClone(driverArt);
  if (kind && kind === locationKindOf(driverArt as Location)) {
    const own = art[kind] as Record<string, unknown>;
    const t = target[kind] as Record<string, unknown>;
    for (const k of ['bucket', 'container', 'key', 'blob']) if (typeof own[k] === 'string' && own[k] !== '') t[k] = own[k];
  }
  const driver = await openDriver(target, state.driverCtx);
  return driver.listObjects(target);
}

/** processData's source step; the transformations run in the expr engine with the JSON encoding (Data). */
async function processData(state: ExecutorState): Promise<{ value: string[]; expressions: string[] }> {
  const data = state.template.data as DataTemplate | undefined;
  if (!data || typeof data !== 'object') throw new Error('no data template found');
  let value: string[];
  if (data.source?.artifactPaths) {
    try {
      value = await processArtifactPaths(state, data.source.artifactPaths);
    } catch (err) {
      throw new Error(`unable to process data source: unable to source artifact paths: ${(err as Error).message}`);
    }
  } else {
    throw new Error('unable to process data source: no valid source is used for data template');
  }
  return { value, expressions: (data.transformation ?? []).map((step) => step?.expression ?? '') };
}

export async function runDataCommand(ctx: CommandContext): Promise<void> {
  const { log, env } = ctx;
  const cfg = bootstrap(env);
  const kube = openKube(ctx);
  logExecutorStart(log, cfg);
  const tracing = await openTracing(env, log);
  logExecutorInitialized(log, cfg, kube.namespace);
  // Go runs these commands' spans straight under the emissary's (TRACEPARENT).
  const span = tracing.fromEnv();
  const reporter = new TaskResultReporter(kubeTaskResultApi(kube), {
    nodeId: cfg.nodeId, workflowName: cfg.workflowName, workflowUid: cfg.workflowUid, instanceId: cfg.instanceId,
  }, log, { env });
  const state: ExecutorState = { cfg, template: cfg.template, log, reporter, errors: [], driverCtx: { log, secretsDir: SECRETS_DIR, env }, span };
  reporter.traceUnder(span);
  let result: Error | undefined;
  try {
    try {
      let transformed: string;
      try {
        transformed = await span.in('processDataTemplate', {}, async () => {
          const { value, expressions } = await processData(state);
          // Without a transformation the listed keys are the result: no need to load the engine.
          return expressions.some((e) => e !== '') ? exprEngine().transformData(value, expressions) : goJson(value);
        });
      } catch (err) {
        const stage = (err as { stage?: unknown }).stage;
        if (stage === 'marshal') throw err; // Data: json.Marshal's error is returned as is
        const text = stage === 'transformation' ? `unable to process data transformation: ${(err as Error).message}` : (err as Error).message;
        throw new Error(`unable to process data template: ${text}`);
      }
      const outputs = { ...structuredClone(cfg.template.outputs ?? {}), result: transformed };
      cfg.template.outputs = outputs;
      await reporter.report({ outputs: { ...outputs, artifacts: [] } });
    } catch (err) {
      addError(state, err);
      result = err as Error;
    }
  } finally {
    const finErr = await reporter.finalizeOutput();
    if (finErr) addError(state, finErr);
    if (state.errors.length > 0) writeTerminationMessage((state.errors[0] as Error).message);
    kube.close();
    await tracing.shutdown();
  }
  if (result) throw result;
}
