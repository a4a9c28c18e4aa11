/**
 * The artifact plugin's server as our child (lifecycle §10.6–§10.7; artifact_plugin_init.go and
 * artifact_plugin_sidecar.go: startCommand + forwardSignals): looked up in PATH like Go's exec, started in its own
 * process group with the container's environment, its output on the container log (and, when asked, in the
 * capture files), and every catchable signal forwarded to its group — except SIGTERM when `ignoreTerm`.
 * Shared by both plugin roles.
 */
import { errorText } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { lookPath } from '../../core/look-path.ts';
import { killGroup } from '../../core/signals.ts';
import { startChild } from '../emissary/child.ts';
import type { CaptureFds } from '../emissary/output-tee.ts';
import { SignalRelay } from '../emissary/signal-relay.ts';

export interface PluginProcess {
  pid: number;
  /** The exit status: code, or 128 + signal. */
  exited: Promise<number>;
  /** Stop relaying signals. */
  close(): void;
  /** SIGKILL the plugin's process group (the init container is done with it). */
  kill(): void;
}

export function splitCommand(positional: string[], role: string): [string, string[]] {
  const [name, ...args] = positional;
  if (name === undefined) throw new Error(`no command given: usage is \`argoexec ${role} -- COMMAND [ARGS…]\``);
  return [name, args];
}

export async function startPluginProcess(command: string[], role: string, env: NodeJS.ProcessEnv, log: Logger, opts: { ignoreTerm: boolean; capture?: CaptureFds }): Promise<PluginProcess> {
  const [name, args] = splitCommand(command, role);
  log.debug('starting command', { name, args });
  const relay = new SignalRelay(log, new Set(opts.ignoreTerm ? ['SIGTERM'] : []));
  try {
    const child = await startChild(lookPath(name, env), args, env, opts.capture, log);
    relay.attach(child.pid);
    return {
      pid: child.pid,
      exited: child.exited,
      close: () => relay.close(),
      kill: () => { try { killGroup(child.pid, 'SIGKILL'); } catch { /* already gone */ } },
    };
  } catch (err) {
    relay.close();
    log.error('failed to start command', { error: errorText(err) });
    throw err;
  }
}
