/** containerSet dependencies (lifecycle §6.7): wait for each dependency's exitcode, in order. */
import { mkdirSync, readFileSync } from 'node:fs';
import { ExitCodeError } from '../../core/errors.ts';
import { ctrDir, ctrFile } from '../../core/paths.ts';
import { waitForFile } from '../../core/watch-file.ts';
import type { Template } from '../../core/template.ts';
import type { SignalRelay } from './signal-relay.ts';
import type { Logger } from '../../core/log.ts';

export function dependenciesOf(t: Template, container: string): string[] {
  return t.containerSet?.containers?.find((c) => c.name === container)?.dependencies ?? [];
}

function readExitCode(path: string): number | undefined {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return undefined; }
  const trimmed = text.trim();
  return /^[-+]?\d+$/.test(trimmed) ? parseInt(trimmed, 10) : undefined; // not fully written yet
}

/**
 * Wait for one dependency's exit code. SIGTERM while waiting ends the emissary with 143; other signals
 * are consumed.
 */
export async function waitForDependency(dep: string, relay: SignalRelay): Promise<number> {
  mkdirSync(ctrDir(dep), { recursive: true, mode: 0o777 });
  const path = ctrFile(dep, 'exitcode');
  const abort = new AbortController();
  let terminated = false;
  const release = relay.intercept((sig) => {
    if (sig === 'SIGTERM') { terminated = true; abort.abort(); }
  });
  try {
    return await waitForFile(path, () => readExitCode(path), abort.signal);
  } catch (err) {
    if (terminated) throw new ExitCodeError(143);
    throw err;
  } finally {
    release();
  }
}

/** Returns the last dependency's code (0 when none); a non-zero code stops with the Go error text. */
export async function awaitDependencies(t: Template, container: string, relay: SignalRelay, log: Logger, onCode: (code: number) => void): Promise<void> {
  for (const dep of dependenciesOf(t, container)) {
    log.info('waiting for dependency', { dependency: dep });
    const code = await waitForDependency(dep, relay);
    onCode(code);
    if (code !== 0) throw new Error(`dependency ${JSON.stringify(dep)} exited with non-zero code: ${code}`);
  }
}
