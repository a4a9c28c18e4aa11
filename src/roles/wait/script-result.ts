/** CaptureScriptResult (lifecycle §7.3): main's stdout, one trailing `\n` removed, last 256 KiB. */
import { readFileSync } from 'node:fs';
import { pathError } from '../../core/errors.ts';
import { ctrFile } from '../../core/paths.ts';
import type { Template } from '../../core/template.ts';
import type { ExecutorState } from './state.ts';

export const MAX_RESULT_BYTES = 256 * 1024;

/** Template.HasOutput: container, script, data, http, plugin, or a containerSet with a `main`. */
export function hasOutput(t: Template): boolean {
  if (t.container || t.script || t.data || t.http || t.plugin) return true;
  return (t.containerSet?.containers ?? []).some((c) => c.name === 'main');
}

export function captureScriptResult(state: ExecutorState): void {
  const { cfg, template, log } = state;
  if (!cfg.includeScriptOutput) {
    log.info('No Script output reference in workflow. Capturing script output ignored');
    return;
  }
  if (!hasOutput(template)) {
    log.info('Template type is neither of Script, Container, or Pod. Capturing script output ignored');
    return;
  }
  log.info('Capturing script output');
  const path = ctrFile('main', 'stdout');
  let out: Buffer;
  try {
    out = readFileSync(path);
  } catch (err) {
    throw new Error(pathError('open', path, err));
  }
  if (out.length > 0 && out[out.length - 1] === 0x0a) out = out.subarray(0, out.length - 1);
  if (out.length > MAX_RESULT_BYTES) {
    log.warn('Output is larger than the maximum allowed size of 256 kB, only the last 256 kB were saved');
    out = out.subarray(out.length - MAX_RESULT_BYTES);
  }
  template.outputs = { ...(template.outputs ?? {}), result: out.toString('utf8') };
}
