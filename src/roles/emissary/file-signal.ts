/** The file-signal channel (lifecycle §6.12): a number written to ctr/<name>/signal is sent to the child's group. */
import { readFileSync, rmSync } from 'node:fs';
import { ctrFile } from '../../core/paths.ts';
import { killGroup } from '../../core/signals.ts';
import { watchFile, type FileWatch } from '../../core/watch-file.ts';
import type { Logger } from '../../core/log.ts';

/** Go's unicode.IsSpace set, as strings.TrimSpace trims it. */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'gu');

/** The signal a signal file asks for: strconv.Atoi(strings.TrimSpace(text)) when it parses and is > 0. */
export function parseSignalFile(text: string): number | undefined {
  const trimmed = text.replace(GO_TRIM, '');
  if (!/^[-+]?\d+$/.test(trimmed)) return undefined;
  const n = BigInt(trimmed);
  return n > 0n && n < 2n ** 63n ? Number(n) : undefined;
}

export function watchSignalFile(container: string, pid: number, log: Logger): FileWatch {
  const path = ctrFile(container, 'signal');
  return watchFile(path, () => {
    let text: string;
    try { text = readFileSync(path, 'utf8'); } catch { return; }
    const sig = parseSignalFile(text);
    if (sig === undefined) return; // invalid content stays in place
    try { rmSync(path, { force: true }); } catch { /* best effort */ }
    log.info('received signal from file', { signal: sig });
    try { killGroup(pid, sig); } catch (err) { log.warn('failed to signal process', { pid, error: err }); }
  });
}
