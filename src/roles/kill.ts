/** `argoexec kill SIGNAL PID` (lifecycle §10.1): signal exactly that pid. */
import type { CommandContext } from '../cli/context.ts';
import { goSignalText } from '../core/signals.ts';
import { strerror } from '../core/errors.ts';

function atoi(s: string): number {
  if (!/^[-+]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return parseInt(s, 10);
}

export async function runKillCommand(ctx: CommandContext): Promise<void> {
  const [sigArg, pidArg] = ctx.args.positional;
  if (sigArg === undefined || pidArg === undefined) throw new Error('accepts 2 arg(s): kill SIGNAL PID');
  const signum = atoi(sigArg);
  const pid = atoi(pidArg);
  process.stdout.write(`killing ${pid} with ${goSignalText(signum)}\n`);
  try {
    process.kill(pid, signum);
  } catch (err) {
    throw new Error((err as NodeJS.ErrnoException).code === 'ESRCH' ? 'os: process already finished' : strerror(err));
  }
}
