/**
 * Entry point: parse the command line, build the logger, run one command and turn its outcome into
 * the process exit status and termination message (lifecycle §1.3, §1.4).
 */
import { writeSync } from 'node:fs';
import { COMMANDS, COMMAND_TREE, LOCAL_FLAGS } from './cli/commands.ts';
import type { CommandContext } from './cli/context.ts';
import { flagString, parseArgs, UsageError } from './cli/parse.ts';
import { errorText, exitKind } from './core/errors.ts';
import { createLogger, parseLogFormat, parseLogLevel, type Logger } from './core/log.ts';
import { writeTerminationMessage } from './core/termination.ts';
import { startCpuProfile } from './core/runtime/cpu-profile.ts';
import { restoreProcessName } from './core/runtime/process-name.ts';
import { dropLoaderWarning } from './core/runtime/warnings.ts';

const HELP = `argoexec is the executor sidecar to workflow containers

Usage:
  argoexec [flags]
  argoexec [command]

Available Commands:
${Object.keys(COMMAND_TREE).map((c) => `  ${c}`).join('\n')}

Flags:
      --gloglevel int       Set the glog logging level
      --kubeconfig string   Path to a kube config. Only required if out-of-cluster
      --log-format string   The formatter to use for logs. One of: text|json (default "text")
      --loglevel string     Set the logging level. One of: debug|info|warn|error (default "info")
`;

function stderr(line: string): void {
  try { writeSync(2, line); } catch { /* ignore */ }
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, COMMAND_TREE, LOCAL_FLAGS);
  } catch (err) {
    if (err instanceof UsageError) {
      stderr(`Error: ${err.message}\nRun 'argoexec --help' for usage.\n`);
      return 64;
    }
    throw err;
  }
  let log: Logger;
  try {
    log = createLogger(parseLogLevel(flagString(parsed, 'loglevel') ?? 'info'), parseLogFormat(flagString(parsed, 'log-format') ?? 'text'));
  } catch (err) {
    stderr(`level=ERROR msg="Failed to create argoexec pre-run logger" error=${JSON.stringify(errorText(err))} argo=true\n`);
    return 1;
  }
  const name = parsed.command[0];
  if (name === undefined || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const entry = COMMANDS[parsed.command.join(' ')];
  if (!entry) {
    const message = `command "${parsed.command.join(' ')}" is not implemented by argoexec-ts yet`;
    writeTerminationMessage(message);
    stderr(`Error: ${message}\n`);
    return 64;
  }

  const terminated = new AbortController();
  // Go 1.26 signal.NotifyContext: ctx.Err() is context.Canceled, context.Cause(ctx) (what net/http reports) reads so.
  process.on('SIGTERM', () => terminated.abort(new Error('terminated signal received')));
  const ctx: CommandContext = { args: parsed, log, terminated: terminated.signal, env: process.env };
  try {
    await startCpuProfile(process.env.ARGOEXEC_CPU_PROFILE, parsed.command.join('-'));
    const handler = await entry.load();
    await handler(ctx);
    return 0;
  } catch (err) {
    return exitStatusOf(err, log);
  }
}

/** Map a command's failure to an exit status, writing the termination message where Go does. */
function exitStatusOf(err: unknown, log: Logger): number {
  const kind = exitKind(err);
  if (kind === 'exit-code' || kind === 'exit-code-with-cause') {
    if (kind === 'exit-code-with-cause') writeTerminationMessage(errorText(err));
    const code = (err as { code: number }).code;
    return code >= 0 ? code : 137;
  }
  if (kind === 'fatal') {
    log.error(errorText(err), { fatal: true });
    return 1;
  }
  const message = errorText(err);
  writeTerminationMessage(message);
  if (log.level === 'debug' && err instanceof Error && err.stack) stderr(`${err.stack}\n`);
  stderr(`Error: ${message}\n`);
  return kind === 'panic' ? 2 : 64;
}

restoreProcessName();
dropLoaderWarning();
const argv = process.argv.slice(process.argv[1] && /argoexec|main\.(ts|js|cjs)$/.test(process.argv[1]) ? 2 : 1);
run(argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    stderr(`panic: ${errorText(err)}\n`);
    process.exit(2);
  },
);
