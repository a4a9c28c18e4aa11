/**
 * The real kubectl, run as a child process. Go's argoexec links k8s.io/kubectl in and runs its cobra command
 * in-process (workflow/executor/resource.go runKubectl): os.Args = ["kubectl", …], the process's own
 * environment, stdout captured, stderr the container's, and kubectl's fatal message (cmdutil.CheckErr,
 * BehaviorOnFatal) returned as the error instead of exiting. Ours runs the kubectl binary of the same version
 * (k8s.io/kubernetes v1.35.4 = k8s.io/kubectl v0.35.4, scripts/kubectl.sh) with the same arguments and
 * environment; what the binary prints on stderr before exiting with a non-zero status is that fatal message.
 *
 * Where the binary lives: next to the executable — `<exe>.d/kubectl` (dist/argoexec.d/kubectl, made by
 * scripts/build.ts), or `<dir of exe>/kubectl` (/bin/kubectl in the executor image, images/Dockerfile).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { currentExecutable } from '../../core/runtime/install.ts';
import { runtimeDirFor } from '../../core/runtime/layout.ts';

/** A failed kubectl run: `message` is kubectl's fatal message (what Go's embedded call returns as the error). */
export class KubectlError extends Error {
  readonly exitCode: number | undefined;
  constructor(message: string, exitCode?: number) {
    super(message);
    this.name = 'KubectlError';
    this.exitCode = exitCode;
  }
}

/** Where the kubectl binary is, for the running executable (undefined when there is none). */
export function kubectlPath(executable = currentExecutable()): string | undefined {
  return [join(runtimeDirFor(executable), 'kubectl'), join(dirname(executable), 'kubectl')].find((p) => existsSync(p));
}

/**
 * kubectl's stderr split into what precedes the fatal message — API warnings (`Warning: …`, client-go's
 * warning handler) that Go's embedded kubectl writes to the container's stderr — and the fatal message itself.
 */
export function splitStderr(stderr: string): { warnings: string; message: string } {
  const lines = stderr.split('\n');
  let i = 0;
  while (i < lines.length - 1 && (lines[i] as string).startsWith('Warning: ')) i++;
  return { warnings: lines.slice(0, i).map((l) => `${l}\n`).join(''), message: lines.slice(i).join('\n').trim() };
}

/**
 * Run `args` (args[0] is "kubectl", as Go passes it) and return its stdout verbatim. kubectl's stderr goes to ours
 * (warnings, klog lines); a non-zero exit rejects with its fatal message as a KubectlError.
 */
export async function runKubectl(args: string[], path = kubectlPath()): Promise<string> {
  if (!path) {
    const exe = currentExecutable();
    throw new KubectlError(`kubectl not found next to ${exe} (${join(runtimeDirFor(exe), 'kubectl')} or ${join(dirname(exe), 'kubectl')})`);
  }
  const r = await execa(path, args.slice(1), {
    argv0: args[0] ?? 'kubectl', stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', reject: false, stripFinalNewline: false, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024,
  });
  const stderr = String(r.stderr ?? '');
  if (r.exitCode === 0) {
    if (stderr) process.stderr.write(stderr);
    return String(r.stdout ?? '');
  }
  if (r.exitCode === undefined) throw new KubectlError((r.cause as Error | undefined)?.message ?? String(r.message ?? 'kubectl did not run'));
  const { warnings, message } = splitStderr(stderr);
  if (warnings) process.stderr.write(warnings);
  throw new KubectlError(message, r.exitCode);
}
