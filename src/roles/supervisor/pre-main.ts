/**
 * Supervisor pre-main (lifecycle §9 step 2; supervisor.go supervisorPreMain/runSupervisorPreMain):
 * umask 0, the template file, StageFiles, then the input artifacts — non-plugin ones and, per name in
 * ARGO_INPUT_ARTIFACT_PLUGIN_NAMES, that plugin's (through its `artifact-plugin-<p>` sidecar's socket), concurrently;
 * the first failure cancels the others and wins. The executable
 * is not copied: main runs it from the argoexec-bin image volume.
 */
import type { DriverContext } from '../../artifacts/driver.ts';
import type { Template } from '../../core/template.ts';
import { stageFiles, writeTemplate } from '../init/command.ts';
import { loadInputArtifacts } from '../init/input-artifacts.ts';
import { untracedSpan, type Span } from '../../core/tracing/tracing.ts';

/** common.SplitPluginNames: comma-separated, trimmed, empty entries dropped. */
export function inputArtifactPluginNames(env: NodeJS.ProcessEnv): string[] {
  const raw = env.ARGO_INPUT_ARTIFACT_PLUGIN_NAMES ?? '';
  return raw === '' ? [] : raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

const prefixed = (prefix: string, err: unknown): Error => new Error(`${prefix}${err instanceof Error ? err.message : String(err)}`);

/**
 * `terminated` is the root context (SIGTERM). The loads run as Go's errgroup.WithContext: one group for the
 * non-plugin inputs and one per plugin, all at once, sharing a context that the first failure (or SIGTERM) cancels;
 * every group is awaited, then the first error to have happened is returned.
 */
export async function runPreMain(template: Template, driverCtx: DriverContext, pluginNames: string[], terminated?: AbortSignal, span: Span = untracedSpan()): Promise<void> {
  process.umask(0);
  try { writeTemplate(template); } catch (err) { throw prefixed('failed to write template: ', err); }
  try { await span.in('stageFiles', {}, () => { stageFiles(template); }); } catch (err) { throw prefixed('failed to stage files: ', err); }
  // errgroup.WithContext: context.WithCancelCause under the root context. Its cause is the root's (SIGTERM) or the
  // first error; drivers over net/http report that cause (cancelCause).
  const group = new AbortController();
  const cancel = (): void => group.abort(terminated?.reason);
  if (terminated?.aborted) cancel();
  terminated?.addEventListener('abort', cancel, { once: true });
  let first: Error | undefined;
  const run = (pluginName: string, prefix: string): Promise<void> =>
    loadInputArtifacts(template, driverCtx, pluginName, group.signal, span).catch((err: unknown) => {
      if (!first) {
        first = prefixed(prefix, err);
        if (!group.signal.aborted) group.abort(first);
      }
    });
  try {
    await Promise.all([
      run('', 'failed to load non-plugin input artifacts: '),
      ...pluginNames.map((p) => run(p, `failed to load input artifacts from plugin ${JSON.stringify(p)}: `)),
    ]);
  } finally {
    terminated?.removeEventListener('abort', cancel);
  }
  if (first) throw first;
}
