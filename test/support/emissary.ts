/** Helpers for emissary tests: a pod with the installed executable and a template, and a runner. */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import tarStream from 'tar-stream';
import { EMISSARY, PodSandbox, installedExecutable, type RunOptions, type RunResult, type Running } from './sandbox.ts';

export const POD_PATH = '/usr/local/bin:/usr/bin:/bin';

export async function emissaryPod(template: object | string | null = {}): Promise<PodSandbox> {
  const pod = new PodSandbox().withExecutable(await installedExecutable());
  if (template !== null) pod.write('/var/run/argo/template', typeof template === 'string' ? template : JSON.stringify(template), 0o444);
  return pod;
}

function options(env: Record<string, string>, o: RunOptions): RunOptions {
  return { ...o, env: { ARGO_CONTAINER_NAME: 'main', PATH: POD_PATH, ...env } };
}

export function runEmissary(pod: PodSandbox, cmd: string[], env: Record<string, string> = {}, o: RunOptions = {}): Promise<RunResult> {
  return pod.run([EMISSARY, 'emissary', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0', '--', ...cmd], options(env, o));
}

export function startEmissary(pod: PodSandbox, cmd: string[], env: Record<string, string> = {}, o: RunOptions = {}): Running {
  return pod.start([EMISSARY, 'emissary', '--', ...cmd], options(env, o));
}

/** Host pid of the emissary's child (the user's process), once PID 1 of the pod is the emissary. */
export function childOf(pid: number): number | undefined {
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(`${EMISSARY}\0emissary`)) return undefined;
    const c = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return c.length ? Number(c[0]) : undefined;
  } catch { return undefined; }
}

/** Wait until a started emissary runs its child. */
export function userProcessStarted(run: Running): Promise<void> {
  return until(() => { try { return childOf(run.pid1()) !== undefined; } catch { return false; } }, 10_000, 'the user process to start');
}

/** Poll until `check()` is true (or fail after `ms`). */
export async function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export interface TarEntryInfo { name: string; type: string; mode: number; size: number; linkname: string | null; content: string }

export async function readTar(path: string): Promise<TarEntryInfo[]> {
  const entries: TarEntryInfo[] = [];
  const extract = tarStream.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    stream.on('end', () => {
      entries.push({ name: header.name, type: header.type ?? 'file', mode: header.mode ?? 0, size: header.size ?? 0, linkname: header.linkname ?? null, content: Buffer.concat(chunks).toString('utf8') });
      next();
    });
  });
  await new Promise<void>((res, rej) => {
    extract.on('finish', res);
    extract.on('error', rej);
    extract.end(readFileSync(path));
  });
  return entries;
}

/** Exactly one line on stderr starts with `Error:` and nothing looks like a stack trace. */
export function oneLineError(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('Error:'));
  if (lines.length !== 1) throw new Error(`expected one Error line, got:\n${stderr}`);
  if (/\n\s+at /.test(stderr)) throw new Error(`stack trace on stderr:\n${stderr}`);
  return lines[0] as string;
}
