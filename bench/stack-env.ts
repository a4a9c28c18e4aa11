/** Read `.stack/env` (written by `make stack-up`) into a plain object. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT } from '../test/support/sandbox.ts';

export function readStackEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  let text = '';
  try { text = readFileSync(join(PROJECT, '.stack/env'), 'utf8'); } catch { return out; }
  for (const line of text.split('\n')) {
    const m = /^(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2] as string;
    if (/^'.*'$/.test(v) || /^".*"$/.test(v)) v = v.slice(1, -1);
    out[m[1] as string] = v;
  }
  return out;
}
