/**
 * Secrets are mounted files: /argo/secret/<name>/<key> (artifacts spec §1.4). Values are byte-exact; callers
 * decide whether to trim. Error messages name the secret and key, never the value.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DriverContext } from './driver.ts';

export interface SecretKeySelector {
  name?: string;
  key?: string;
  [k: string]: unknown;
}

export function hasSecret(sel: SecretKeySelector | undefined | null): sel is SecretKeySelector & { name: string; key: string } {
  return !!sel && typeof sel.name === 'string' && sel.name !== '' && typeof sel.key === 'string' && sel.key !== '';
}

export function readSecretBytes(ctx: DriverContext, sel: SecretKeySelector): Buffer {
  if (!hasSecret(sel)) throw new Error(`secret selector is incomplete (name=${JSON.stringify(sel?.name ?? '')}, key=${JSON.stringify(sel?.key ?? '')})`);
  const path = join(ctx.secretsDir, sel.name, sel.key);
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`failed to read secret ${sel.name}/${sel.key} from ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
}

export function readSecret(ctx: DriverContext, sel: SecretKeySelector): string {
  return readSecretBytes(ctx, sel).toString('utf8');
}
