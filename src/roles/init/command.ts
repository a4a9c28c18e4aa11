/**
 * `argoexec init` (lifecycle §5). This slice installs the executable on /var/run/argo, writes the
 * template and stages the script/manifest; input artifacts are refused until the drivers land.
 */
import { writeFileSync } from 'node:fs';
import type { CommandContext } from '../../cli/context.ts';
import { FatalError, PanicError, errorText, pathError, strerror } from '../../core/errors.ts';
import { STAGING_SCRIPT, TEMPLATE_FILE, VAR_RUN_ARGO } from '../../core/paths.ts';
import { parseTemplate, resolveTemplateEnvValue, TEMPLATE_ENV, type Template } from '../../core/template.ts';
import { installExecutable } from '../../core/runtime/install.ts';
import { readFileSync } from 'node:fs';

function loadTemplate(env: NodeJS.ProcessEnv): Template {
  const value = env[TEMPLATE_ENV];
  const json = value !== undefined ? resolveTemplateEnvValue(value) : readFileSync(TEMPLATE_FILE, 'utf8');
  return parseTemplate(json);
}

/** Write a file; failures read like Go's *PathError (`open <path>: <reason>`). */
function writeFileOrFail(path: string, content: string, mode: number): void {
  try {
    writeFileSync(path, content, { mode });
  } catch (err) {
    throw new Error(pathError('open', path, err));
  }
}

export async function runInitCommand(ctx: CommandContext): Promise<void> {
  const { env, log } = ctx;
  if (env.ARGO_POD_NAME === undefined) throw new FatalError('Unable to determine pod name from environment variable ARGO_POD_NAME');
  let template: Template;
  try {
    template = loadTemplate(env);
  } catch (err) {
    throw new PanicError(errorText(err));
  }
  const deadline = env.ARGO_DEADLINE ?? '';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(deadline) || Number.isNaN(Date.parse(deadline))) {
    throw new PanicError(`parsing time ${JSON.stringify(deadline)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(deadline)} as "2006"`);
  }
  process.umask(0);
  try {
    const report = installExecutable(`${VAR_RUN_ARGO}/argoexec`);
    log.info('copied executable', { dst: `${VAR_RUN_ARGO}/argoexec`, bytes: report.bytes, files: report.files, millis: report.millis });
  } catch (err) {
    throw new Error(`failed to copy argoexec to ${VAR_RUN_ARGO}: ${strerror(err)}`);
  }
  writeFileOrFail(TEMPLATE_FILE, JSON.stringify(template), 0o444);
  if (template.script?.source !== undefined) writeFileOrFail(STAGING_SCRIPT, template.script.source, 0o755);
  const resource = template.resource as { manifest?: string; manifestFrom?: unknown } | undefined;
  if (resource && !resource.manifestFrom && resource.manifest !== undefined) writeFileOrFail('/tmp/manifest.yaml', resource.manifest, 0o644);
  for (const art of template.inputs?.artifacts ?? []) {
    const hasLocation = Object.keys(art).some((k) => ['s3', 'git', 'http', 'artifactory', 'hdfs', 'raw', 'oss', 'gcs', 'azure', 'plugin'].includes(k));
    if (!hasLocation) {
      if (art.optional) continue;
      throw new Error(`required artifact '${art.name}' not supplied`);
    }
    throw new Error(`artifact ${art.name} failed to load: input artifact drivers are not implemented in argoexec-ts yet`);
  }
}
