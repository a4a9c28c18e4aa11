/**
 * `argoexec init` (lifecycle §5): bootstrap, umask 0, install the executable on /var/run/argo, write the
 * template, stage the script/manifest, then load the input artifacts in order.
 */
import { writeFileSync } from 'node:fs';
import type { CommandContext } from '../../cli/context.ts';
import { pathError, strerror } from '../../core/errors.ts';
import { bootstrap } from '../../core/bootstrap.ts';
import { STAGING_SCRIPT, TEMPLATE_FILE, VAR_RUN_ARGO } from '../../core/paths.ts';
import { installExecutable } from '../../core/runtime/install.ts';
import type { Template } from '../../core/template.ts';
import { loadInputArtifacts } from './input-artifacts.ts';
import { loadKubeConnection } from '../../core/kube/config.ts';
import { openTracing, type Span } from '../../core/tracing/tracing.ts';

const SECRETS_DIR = '/argo/secret';

/** Write a file; failures read like Go's *PathError (`open <path>: <reason>`). */
function writeFileOrFail(path: string, content: string, mode: number): void {
  try {
    writeFileSync(path, content, { mode });
  } catch (err) {
    throw new Error(pathError('open', path, err));
  }
}

/** WriteTemplate: /var/run/argo/template (0444), the template as JSON. Shared with `supervisor`. */
export function writeTemplate(template: Template): void {
  writeFileOrFail(TEMPLATE_FILE, JSON.stringify(template), 0o444);
}

/** StageFiles: the script source (0755) or the resource manifest (0644). Shared with `supervisor`. */
export function stageFiles(template: Template): void {
  if (template.script?.source !== undefined) writeFileOrFail(STAGING_SCRIPT, template.script.source, 0o755);
  const resource = template.resource as { manifest?: string; manifestFrom?: unknown } | undefined;
  if (resource && !resource.manifestFrom && resource.manifest !== undefined) writeFileOrFail('/tmp/manifest.yaml', resource.manifest, 0o644);
}

/** The namespace Go's executor.Init reads from the client config (init talks to no API server). */
function podNamespace(ctx: CommandContext): string {
  try {
    return loadKubeConnection(ctx.args.flags, ctx.env).namespace;
  } catch {
    return '';
  }
}

export async function runInitCommand(ctx: CommandContext): Promise<void> {
  const { env, log } = ctx;
  const cfg = bootstrap(env);
  const tracing = await openTracing(env, log);
  const span = tracing.startRole('runInitContainer', cfg.workflowName, podNamespace(ctx));
  try {
    await span.run(() => initPod(ctx, cfg.template, span));
  } finally {
    span.end();
    await tracing.shutdown();
  }
}

async function initPod(ctx: CommandContext, template: Template, span: Span): Promise<void> {
  const { env, log } = ctx;
  process.umask(0);
  // Go copies first, then downloads. The copy (~150 MB, one core) now runs while the inputs download (D41); its
  // failure is still the init's error, whatever the downloads did meanwhile, as if it had come first.
  const installing = installExecutable(`${VAR_RUN_ARGO}/argoexec`).then(
    (report) => log.info('copied executable', { dst: `${VAR_RUN_ARGO}/argoexec`, bytes: report.bytes, files: report.files, millis: report.millis }),
    (err: unknown) => {
      throw new Error(`failed to copy argoexec to ${VAR_RUN_ARGO}: ${strerror(err)}`);
    },
  );
  installing.catch(() => undefined); // awaited below on every path
  try {
    writeTemplate(template);
    await span.in('stageFiles', {}, () => { stageFiles(template); });
    // SIGTERM cancels the loads (Go's root context reaches every driver): the init fails at once with
    // `… failed to load: failed to get file: terminated signal received` instead of running on until SIGKILL.
    await loadInputArtifacts(template, { log, secretsDir: SECRETS_DIR, env }, '', ctx.terminated, span);
  } catch (err) {
    await installing;
    throw err;
  }
  await installing;
}
