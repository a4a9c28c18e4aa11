/**
 * Install this executable, with its loader and libraries, at another path — `argoexec init` copying
 * itself onto the shared /var/run/argo volume (lifecycle §5 step 2) — and repoint the copy's ELF paths
 * at the copied runtime directory so it runs inside any user image.
 */
import { mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { chmod, copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { elfPathsFor, KUBECTL_NAME, runtimeDirFor } from './layout.ts';
import { writeElfPaths } from './elf-paths.ts';

export interface InstallReport { bytes: number; files: number; millis: number }

/** The running executable: the SEA binary (process.execPath), never `node` running a script. */
export function currentExecutable(): string {
  return realpathSync(process.execPath);
}

/**
 * Asynchronous (the copies run on the thread pool): `init` copies while its inputs download, so the ~150 MB copy is
 * not in front of them (decision D41).
 */
export async function installExecutable(target: string, source = currentExecutable()): Promise<InstallReport> {
  const started = performance.now();
  const fromDir = runtimeDirFor(source);
  const toDir = runtimeDirFor(target);
  let names: string[];
  try {
    names = readdirSync(fromDir);
  } catch (err) {
    throw new Error(`${source} is not a packaged argoexec (no runtime directory ${fromDir}): ${(err as Error).message}`);
  }
  mkdirSync(toDir, { recursive: true, mode: 0o755 });
  let bytes = 0;
  for (const name of names) {
    if (name === KUBECTL_NAME) continue;
    const from = join(fromDir, name);
    const to = join(toDir, name);
    await copyFile(from, to);
    await chmod(to, 0o555);
    bytes += (await stat(to)).size;
  }
  await copyFile(source, target);
  await chmod(target, 0o755);
  writeElfPaths(target, elfPathsFor(toDir));
  await chmod(target, 0o555);
  bytes += (await stat(target)).size;
  return { bytes, files: names.filter((n) => n !== KUBECTL_NAME).length + 1, millis: Math.round(performance.now() - started) };
}
