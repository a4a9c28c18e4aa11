/**
 * `argoexec artifact-plugin-sidecar -- CMD…` (lifecycle §10.7; artifact_plugin_sidecar.go): the
 * `artifact-plugin-<p>` sidecar serving `wait`/`supervisor` (and artifact GC) over the plugin's socket. A minimal
 * emissary: umask 0, `ctr/<ARGO_CONTAINER_NAME>` (0777), start the plugin server, forward signals but NOT SIGTERM
 * (the kubelet's SIGTERM must not stop the plugin while the aux container still uploads), honour the file-signal
 * protocol (how the aux container ends it: KillArtifactSidecars), reap orphans as PID 1, write `exitcode` (the
 * server's status) and exit 0 once the server was started. Lives in the main bundle with the emissary (it runs in
 * the plugin's image for the whole pod: no roles bundle, no SDKs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { CommandContext } from '../../cli/context.ts';
import { strerror } from '../../core/errors.ts';
import { ctrDir, ctrFile } from '../../core/paths.ts';
import { startOrphanReaper } from '../../core/runtime/reaper.ts';
import { openCapture } from '../emissary/capture.ts';
import { watchSignalFile } from '../emissary/file-signal.ts';
import { splitCommand, startPluginProcess } from './plugin-process.ts';

export async function runArtifactPluginSidecarCommand(ctx: CommandContext): Promise<void> {
  const { env, log } = ctx;
  const container = env.ARGO_CONTAINER_NAME ?? '';
  splitCommand(ctx.args.positional, 'artifact-plugin-sidecar'); // Go panics on a missing command (index out of range)
  process.umask(0);
  try {
    mkdirSync(ctrDir(container), { recursive: true, mode: 0o777 });
  } catch (err) {
    throw new Error(`mkdir ${ctrDir(container)}: ${strerror(err)}`);
  }
  const capture = env.ARGO_INCLUDE_SCRIPT_OUTPUT === 'true' ? openCapture(container) : undefined;
  const plugin = await startPluginProcess(ctx.args.positional, 'artifact-plugin-sidecar', env, log, { ignoreTerm: true, capture });
  let exitCode = 64;
  const fileSignals = watchSignalFile(container, plugin.pid, log);
  const stopReaper = startOrphanReaper(() => plugin.pid, log);
  try {
    exitCode = await plugin.exited;
    log.info('artifact plugin sidecar command exited', { exitCode });
  } finally {
    stopReaper();
    fileSignals.close();
    plugin.close();
    try {
      writeFileSync(ctrFile(container, 'exitcode'), String(exitCode), { mode: 0o644 });
    } catch (err) {
      log.error('failed to write exit code', { error: strerror(err) });
    }
  }
}
