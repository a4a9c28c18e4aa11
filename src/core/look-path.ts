/** Go's exec.LookPath on Unix, with its error texts (lifecycle §6.1 step 12). */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { strerror } from './errors.ts';

function findExecutable(file: string): void {
  const st = statSync(file);
  if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  accessSync(file, constants.X_OK);
}

export function lookPath(file: string, env: NodeJS.ProcessEnv): string {
  const quoted = JSON.stringify(file);
  if (file.includes('/')) {
    try {
      findExecutable(file);
      return file;
    } catch (err) {
      throw new Error(`exec: ${quoted}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? `stat ${file}: ` : ''}${strerror(err)}`);
    }
  }
  for (const entry of (env.PATH ?? '').split(':')) {
    const dir = entry === '' ? '.' : entry;
    const candidate = join(dir, file);
    try {
      findExecutable(candidate);
    } catch {
      continue;
    }
    if (!candidate.startsWith('/')) {
      throw new Error(`exec: ${quoted}: cannot run executable found relative to current directory`);
    }
    return candidate;
  }
  throw new Error(`exec: ${quoted}: executable file not found in $PATH`);
}
