/**
 * The file-signal kill protocol (workflow/executor/emissary Kill, lifecycle §6.13/§7.7): write `15` to
 * each container's signal file, wait up to the grace period for its exitcode, then `9` and 10 s more.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { timerMs } from './go-duration.ts';
import { ctrFile } from './paths.ts';
import { waitForFile } from './watch-file.ts';

export const DEFAULT_GRACE_MS = 30_000;
const AFTER_KILL_MS = 10_000;

/**
 * ARGO_TERMINATION_GRACE_PERIOD_SECONDS as Go reads it — `x, _ := strconv.ParseInt(v, 10, 64)`, x seconds when
 * x > 0, else 30 s. ParseInt's value on error counts: 0 for bad syntax, ±MaxInt64 when the number overflows
 * (as Go scans it). (Timers clamp the result, src/core/go-duration.ts timerMs.)
 */
export function terminationGraceMs(env: NodeJS.ProcessEnv): number {
  const x = goParseInt64(env.ARGO_TERMINATION_GRACE_PERIOD_SECONDS ?? '');
  return x > 0n ? Number(x) * 1000 : DEFAULT_GRACE_MS;
}

/**
 * strconv.ParseInt(v, 10, 64)'s value, errors included: ParseUint scans left to right and stops at the first
 * character that overflows uint64 (range error: ±MaxInt64) or is not a digit (syntax error: 0).
 */
function goParseInt64(v: string): bigint {
  let s = v;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') { neg = s[0] === '-'; s = s.slice(1); }
  if (s === '') return 0n;
  const maxInt = (1n << 63n) - 1n;
  let n = 0n;
  for (const c of s) {
    if (c < '0' || c > '9') return 0n;
    n = n * 10n + BigInt(c.charCodeAt(0) - 48);
    if (n > (1n << 64n) - 1n) return neg ? -maxInt - 1n : maxInt;
  }
  if (!neg) return n > maxInt ? maxInt : n;
  return n > maxInt + 1n ? -maxInt - 1n : -n;
}

export function writeSignalFile(container: string, signal: number): void {
  writeFileSync(ctrFile(container, 'signal'), String(signal), { mode: 0o666 });
}

function allExited(containers: string[]): true | undefined {
  return containers.every((c) => existsSync(ctrFile(c, 'exitcode'))) ? true : undefined;
}

async function waitExited(containers: string[], ms: number): Promise<boolean> {
  if (containers.length === 0 || allExited(containers)) return true;
  const timeout = AbortSignal.timeout(timerMs(ms));
  // Watch the first container still running; re-check all on every event.
  const pending = containers.find((c) => !existsSync(ctrFile(c, 'exitcode'))) as string;
  try {
    await waitForFile(ctrFile(pending, 'exitcode'), () => allExited(containers), timeout, 1000);
    return true;
  } catch {
    return false;
  }
}

export async function killContainers(containers: string[], graceMs: number): Promise<void> {
  for (const c of containers) writeSignalFile(c, 15);
  if (await waitExited(containers, graceMs)) return;
  for (const c of containers) if (!existsSync(ctrFile(c, 'exitcode'))) writeSignalFile(c, 9);
  await waitExited(containers, AFTER_KILL_MS);
}
