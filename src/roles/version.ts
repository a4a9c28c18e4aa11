import type { CommandContext } from '../cli/context.ts';
import { flagBool } from '../cli/parse.ts';
import { formatVersion, versionInfo } from '../core/version-info.ts';

export async function runVersionCommand(ctx: CommandContext): Promise<void> {
  process.stdout.write(formatVersion(versionInfo(), flagBool(ctx.args, 'short')));
}
