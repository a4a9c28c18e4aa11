/**
 * Supervisor pre-main (lifecycle §9 step 2; supervisor.go supervisorPreMain/runSupervisorPreMain):
 * umask 0, the template file, StageFiles, then the input artifacts — non-plugin ones and, per name in
 * ARGO_INPUT_ARTIFACT_PLUGIN_NAMES, that plugin's (through its `artifact-plugin-<p>` sidecar's socket), concurrently;
 * the first failure wins. The executable
 * is not copied: main runs it from the argoexec-bin image volume.
 */
import type { DriverContext } from '../../artifacts/driver.ts';
import type { Template } from '../../core/template.ts';
import { stageFiles, writeTemplate } from '../init/command.ts';
import { loadInputArtifacts } from '../init/input-artifacts.ts';

/** common.SplitPluginNames: comma-separated, trimmed, empty entries dropped. */
export function inputArtifactPluginNames(env: NodeJS.ProcessEnv): string[] {
  const raw = env.ARGO_INPUT_ARTIFACT_PLUGIN_NAMES ?? '';
  return raw === '' ? [] : raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

const prefixed = (prefix: string, err: unknown): Error => new Error(`${prefix}${err instanceof Error ? err.message : String(err)}`);

export async function runPreMain(template: Template, driverCtx: DriverContext, pluginNames: string[]): Promise<void> {
  process.umask(0);
  try { writeTemplate(template); } catch (err) { throw prefixed('failed to write template: ', err); }
  try { stageFiles(template); } catch (err) { throw prefixed('failed to stage files: ', err); }
  const loads: Promise<void>[] = [
    loadInputArtifacts(template, driverCtx).catch((err: unknown) => { throw prefixed('failed to load non-plugin input artifacts: ', err); }),
    ...pluginNames.map((p) => loadInputArtifacts(template, driverCtx, p).catch((err: unknown) => { throw prefixed(`failed to load input artifacts from plugin ${JSON.stringify(p)}: `, err); })),
  ];
  // errgroup: the first error is returned as soon as it happens.
  await Promise.all(loads);
}
