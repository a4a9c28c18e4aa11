/**
 * `argoexec artifact-plugin-init --plugin-name P -- CMD…` (lifecycle §10.6; artifact_plugin_init.go): the legacy
 * `init-artifact-<P>` init container, run from /var/run/argo/argoexec in the plugin's image. Starts the plugin's
 * server (CMD… ends with the socket path /tmp/artifact-plugins/<P>/socket) with every signal forwarded, creates
 * the socket directory (0755), bootstraps like `init` (§4) and loads the inputs of plugin P only, through the
 * socket (same per-artifact rules as `init`; plugin inputs without a mode become 0666). The server is killed when
 * loading is over (Go leaves that to the end of the container's PID namespace). Errors → exit 64 with the
 * termination message.
 *
 * Differences from Go that only improve: the server's output is never captured (with ARGO_INCLUDE_SCRIPT_OUTPUT=true
 * Go tries to open ctr/<container>/stdout, which nothing created, and then never starts the server); the socket
 * directory exists before the server starts (Go races the two).
 */
import { mkdirSync } from 'node:fs';
import type { CommandContext } from '../../cli/context.ts';
import { flagString } from '../../cli/parse.ts';
import { bootstrap } from '../../core/bootstrap.ts';
import { pathError } from '../../core/errors.ts';
import { pluginSocketDir } from '../../core/paths.ts';
import { loadInputArtifacts } from '../init/input-artifacts.ts';
import { splitCommand, startPluginProcess, type PluginProcess } from '../artifact-plugin-sidecar/plugin-process.ts';

const SECRETS_DIR = '/argo/secret';

export async function runArtifactPluginInitCommand(ctx: CommandContext): Promise<void> {
  const { env, log } = ctx;
  const plugin = flagString(ctx.args, 'plugin-name') ?? '';
  splitCommand(ctx.args.positional, 'artifact-plugin-init');
  const socketDir = pluginSocketDir(plugin);
  try {
    mkdirSync(socketDir, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new Error(pathError('mkdir', socketDir, err));
  }
  let server: PluginProcess | undefined;
  try {
    server = await startPluginProcess(ctx.args.positional, 'artifact-plugin-init', env, log, { ignoreTerm: false });
  } catch {
    // Logged; like Go, loading goes on and fails on the socket that never appears, naming plugin and socket.
  }
  try {
    const cfg = bootstrap(env);
    await loadInputArtifacts(cfg.template, { log, secretsDir: SECRETS_DIR, env }, plugin);
  } finally {
    server?.close();
    server?.kill();
  }
}
