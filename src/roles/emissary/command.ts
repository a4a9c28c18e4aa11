import type { CommandContext } from '../../cli/context.ts';
import { runEmissary } from './emissary.ts';

export async function runEmissaryCommand(ctx: CommandContext): Promise<void> {
  await runEmissary({
    container: ctx.env.ARGO_CONTAINER_NAME ?? '',
    includeScriptOutput: ctx.env.ARGO_INCLUDE_SCRIPT_OUTPUT === 'true',
    command: ctx.args.positional,
    env: ctx.env,
    terminated: ctx.terminated,
    log: ctx.log,
  });
}
