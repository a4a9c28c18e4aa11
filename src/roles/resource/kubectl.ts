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
import { spawn } from 'node:child_process';
import { currentExecutable } from '../../core/runtime/install.ts';
import { KUBECTL_NAME, runtimeDirFor } from '../../core/runtime/layout.ts';

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
  return [join(runtimeDirFor(executable), KUBECTL_NAME), join(dirname(executable), KUBECTL_NAME)].find((p) => existsSync(p));
}

/**
 * kubectl's stderr split into what precedes the fatal message — API warnings (`Warning: …`, client-go's
 * warning handler) that Go's embedded kubectl writes to the container's stderr — and the fatal message itself.
 */
export function splitStderr(stderr: string): { warnings: string; message: string } {
  const lines = stderr.split('\n');
  let i = 0;
  while (i < lines.length - 1 && (lines[i] as string).startsWith('Warning: ')) i++;
  let message = lines.slice(i).join('\n').trim();
  // An error of cobra's Execute (flag parsing: kubectl's FlagErrorFunc appends "See '<command> --help' for usage.")
  // is returned as is by Go's embedded call; the binary's main prints it through CheckErr, which prefixes "error: ".
  if (/^error: [^]*\nSee '[^'\n]*' for usage\.$/.test(message)) message = message.slice('error: '.length);
  else if (endsWithNewline(message)) message += '\n';
  return { warnings: lines.slice(0, i).map((l) => `${l}\n`).join(''), message };
}

/**
 * Whether kubectl's fatal message ended with a newline, which the binary's output cannot show (it adds one when
 * missing): the messages cmdutil.CheckErr builds with MultilineError (an Invalid object with causes, an invalid
 * configuration) and MultipleErrors (several errors, one a line), and Go's embedded call keeps.
 */
function endsWithNewline(message: string): boolean {
  if (/^The [^\n]* is invalid: /.test(message) && !message.startsWith('The request is invalid: ')) return true;
  if (message.startsWith('Error in configuration: ')) return true;
  const lines = message.split('\n');
  return lines.length > 1 && lines.every((l) => l.startsWith('Error from server') || l.startsWith('error: '));
}

/**
 * Run `args` (args[0] is "kubectl", as Go passes it) and return its stdout verbatim. kubectl's stderr goes to ours
 * (warnings, klog lines); a non-zero exit rejects with its fatal message as a KubectlError.
 */
export async function runKubectl(args: string[], path: string | undefined): Promise<string> {
  if (!path) {
    const exe = currentExecutable();
    throw new KubectlError(`kubectl not found next to ${exe} (${join(runtimeDirFor(exe), KUBECTL_NAME)} or ${join(dirname(exe), KUBECTL_NAME)})`);
  }
  // argv0 "kubectl" as Go sets os.Args[0]; stdin closed; stdout kept verbatim (jsonpath output has no newline).
  const r = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(path, args.slice(1), { argv0: args[0] ?? 'kubectl', stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  }).catch((e: unknown) => { throw new KubectlError((e as Error).message); });
  const stderr = r.stderr;
  if (r.code === 0) {
    if (stderr) process.stderr.write(stderr);
    return r.stdout;
  }
  if (r.code === null) throw new KubectlError(`kubectl: signal: ${r.signal === 'SIGKILL' ? 'killed' : r.signal}`);
  const { warnings, message } = splitStderr(stderr);
  if (warnings) process.stderr.write(warnings);
  throw new KubectlError(message, r.code);
}
