// Reads .stack/env (written by stack/up.sh) without a shell.
// Format: lines `export KEY='value'` (or KEY=value), `#` comments; values may mix single-quoted,
// double-quoted and bare parts, as the shell would concatenate them.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice('export '.length).trimStart();
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`unparseable line in env file: ${raw}`);
    const key = line.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`bad variable name: ${key}`);
    out[key] = unquote(line.slice(eq + 1));
  }
  return out;
}

function unquote(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated single quote in: ${s}`);
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '"\\$`'.includes(s.charAt(i + 1))) i++;
        out += s[i++];
      }
      if (i >= s.length) throw new Error(`unterminated double quote in: ${s}`);
      i++;
    } else if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (c === ' ' || c === '\t') {
      break; // trailing comment or garbage after the value
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

let cached: Record<string, string> | undefined;

/** The stack's environment. STACK_ENV_FILE overrides the path (default <repo>/.stack/env). */
export function stackEnv(): Record<string, string> {
  if (cached) return cached;
  const file = process.env.STACK_ENV_FILE ?? join(repoRoot, '.stack', 'env');
  if (!existsSync(file)) {
    throw new Error(`${file} not found: start the local test stack first with \`make stack-up\``);
  }
  cached = parseEnvFile(readFileSync(file, 'utf8'));
  return cached;
}

/** One variable of the stack's environment; throws if it is missing or empty. */
export function need(name: string): string {
  const v = stackEnv()[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set in .stack/env`);
  return v;
}
