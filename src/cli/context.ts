import type { Logger } from '../core/log.ts';
import type { ParsedArgs } from './parse.ts';

/** What every command receives: parsed arguments, the logger and the "root context". */
export interface CommandContext {
  args: ParsedArgs;
  log: Logger;
  /** Aborted on SIGTERM (Go's signal.NotifyContext on the root context, lifecycle §1.3). */
  terminated: AbortSignal;
  env: NodeJS.ProcessEnv;
}

export type CommandHandler = (ctx: CommandContext) => Promise<void>;
