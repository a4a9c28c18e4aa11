/** The e2e runner's view of the local stack: .stack/env, kubectl as admin in namespace argo, logging. */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
/** The shared folder sits beside the repository: ../shared from the repository root. */
export const SHARED = resolve(ROOT, '../shared');
export const NS = 'argo';
export const STATE = join(ROOT, '.stack/e2e');

export function log(msg: string): void {
  process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return env;
  }
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    let v = m[2];
    if (v.startsWith("'") && v.endsWith("'")) v = v.slice(1, -1).replace(/'\\''/g, "'");
    env[m[1]] = v;
  }
  return env;
}

/** .stack/env, read again on each call (cluster-up rewrites it). */
export function stackEnv(): Record<string, string> {
  return readEnvFile(join(ROOT, '.stack/env'));
}

export function kubectl(args: string[], input?: string): string {
  const env = stackEnv();
  return execFileSync(env.KUBECTL ?? 'kubectl', ['--kubeconfig', env.KUBECONFIG ?? '', '-n', NS, ...args], {
    encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/**
 * kubectl without blocking the event loop: the runner drives several workflows at once from one process, and a
 * synchronous call (execFileSync) held every other workflow's polling, snapshots and actions while it ran.
 */
export function kubectlAsync(args: string[], input?: string): Promise<string> {
  const env = stackEnv();
  return new Promise((resolve, reject) => {
    const child = execFile(env.KUBECTL ?? 'kubectl', ['--kubeconfig', env.KUBECONFIG ?? '', '-n', NS, ...args], {
      encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve(stdout);
    });
    // kubectl may exit without reading its input (an error first): EPIPE on our end is not the call's failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** kubectlAsync get … -o json, parsed; null when the call fails. */
export async function kubectlJsonAsync<T = any>(args: string[]): Promise<T | null> {
  try {
    return JSON.parse(await kubectlAsync([...args, '-o', 'json'])) as T;
  } catch {
    return null;
  }
}

/** kubectl get … -o json, parsed; null when the call fails. */
export function kubectlJson<T = any>(args: string[]): T | null {
  try {
    return JSON.parse(kubectl([...args, '-o', 'json'])) as T;
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
