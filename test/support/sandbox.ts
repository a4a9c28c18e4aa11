/**
 * Test "pods": run the built executable the way a kubelet would — in its own mount and PID namespace,
 * chrooted into an image root, with Argo's volumes (/var/run/argo, /tmp, /argo, /mainctrfs) and a
 * /dev/termination-log — and read back what it left behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PROJECT = resolve(import.meta.dirname, '../..');
export const DIST_EXE = join(PROJECT, 'dist/argoexec');
const ENTER = join(import.meta.dirname, 'enter-pod.sh');

export interface RunOptions {
  env?: Record<string, string>;
  /** `UID:GID`; root when absent. */
  user?: string;
  readOnlyRoot?: boolean;
  /** `host` (default) or a directory holding an image root. */
  base?: string;
  /** Host paths bound at the same path inside (read-only unless `rw`). */
  binds?: string[];
  timeoutMs?: number;
  /** Benchmarks: a command prefix that launches the pod (e.g. bench/rusage.c measuring its process tree). */
  launcher?: string[];
}

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface Running {
  /** Host pid of the process that is PID 1 inside the pod's namespace. */
  pid1: () => number;
  done: Promise<RunResult>;
}

export class PodSandbox {
  readonly dir: string;
  readonly varRunArgo: string;
  readonly tmp: string;
  readonly argo: string;
  readonly mainctrfs: string;
  readonly terminationLog: string;

  constructor(prefix = 'argoexec-pod-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(this.dir, 0o755);
    this.varRunArgo = join(this.dir, 'var-run-argo');
    this.tmp = join(this.dir, 'tmp');
    this.argo = join(this.dir, 'argo');
    this.mainctrfs = join(this.dir, 'mainctrfs');
    this.terminationLog = join(this.dir, 'termination-log');
    for (const d of [this.varRunArgo, this.tmp, this.argo, this.mainctrfs]) {
      mkdirSync(d);
      chmodSync(d, d === this.tmp ? 0o1777 : 0o777);
    }
    writeFileSync(this.terminationLog, '');
    chmodSync(this.terminationLog, 0o666);
  }

  /** Put an installed executable (from `installedExecutable()`) on this pod's /var/run/argo, by hard link. */
  withExecutable(installed: string): this {
    linkSync(join(installed, 'argoexec'), join(this.varRunArgo, 'argoexec'));
    mkdirSync(join(this.varRunArgo, 'argoexec.d'));
    for (const f of readdirSync(join(installed, 'argoexec.d'))) linkSync(join(installed, 'argoexec.d', f), join(this.varRunArgo, 'argoexec.d', f));
    return this;
  }

  /** Path of a pod file on the host, e.g. file('/var/run/argo/ctr/main/exitcode'). */
  file(podPath: string): string {
    for (const [prefix, hostDir] of [['/var/run/argo', this.varRunArgo], ['/tmp', this.tmp], ['/argo', this.argo], ['/mainctrfs', this.mainctrfs]] as const) {
      if (podPath === prefix || podPath.startsWith(`${prefix}/`)) return join(hostDir, podPath.slice(prefix.length));
    }
    if (podPath === '/dev/termination-log') return this.terminationLog;
    throw new Error(`${podPath} is not on a pod volume`);
  }

  read(podPath: string): string {
    return readFileSync(this.file(podPath), 'utf8');
  }

  exists(podPath: string): boolean {
    return existsSync(this.file(podPath));
  }

  write(podPath: string, content: string, mode = 0o644): void {
    const p = this.file(podPath);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, content, { mode });
  }

  terminationMessage(): string {
    return readFileSync(this.terminationLog, 'utf8');
  }

  start(cmd: string[], o: RunOptions = {}): Running {
    const binds = (o.binds ?? []).join(' ');
    writeFileSync(join(this.dir, 'pod.env'), Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}\0`).join(''));
    const argv = ['/usr/bin/unshare', '--mount', '--pid', '--fork', '--kill-child', '--', 'bash', ENTER, o.base ?? 'host', this.dir, o.user ?? '-', o.readOnlyRoot ? '1' : '0', '--', ...cmd];
    const launch = [...(o.launcher ?? []), ...argv];
    const child = spawn(launch[0] as string, launch.slice(1), {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', EXTRA_BINDS: binds },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timeout = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    const done = new Promise<RunResult>((res) => {
      child.on('close', (code, signal) => { clearTimeout(timeout); res({ code, signal, stdout, stderr }); });
    });
    const pid1 = (): number => {
      // The launcher (if any) → unshare → PID 1.
      let pid = child.pid as number;
      for (let level = launch.length > argv.length ? 2 : 1; level > 0; level--) {
        const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
        if (children.length === 0) throw new Error('pod process not started yet');
        pid = Number(children[0]);
      }
      return pid;
    };
    return { pid1, done };
  }

  run(cmd: string[], o: RunOptions = {}): Promise<RunResult> {
    return this.start(cmd, o).done;
  }

  /** Like `kubectl exec`: run a command inside a running pod's namespaces and root. */
  exec(pid1: number, cmd: string[], env: Record<string, string> = {}): RunResult {
    const r = spawnSync('/usr/bin/nsenter', ['--target', String(pid1), '--pid', '--mount', '--root', '--wd=/', '--', ...cmd], { env, encoding: 'utf8' });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let installed: string | undefined;

/**
 * Run the real `dist/argoexec init` once in a pod and keep what it installed on /var/run/argo
 * (argoexec + argoexec.d), for tests to hard-link into their own pods.
 */
export async function installedExecutable(): Promise<string> {
  if (installed) return installed;
  const pod = new PodSandbox('argoexec-install-');
  const r = await pod.run([DIST_EXE, 'init'], {
    binds: [join(PROJECT, 'dist') + ':ro'],
    env: { ARGO_POD_NAME: 'install', ARGO_TEMPLATE: '{}', ARGO_DEADLINE: '0001-01-01T00:00:00Z', PATH: '/usr/bin:/bin' },
  });
  if (r.code !== 0) throw new Error(`argoexec init failed (${r.code}): ${r.stderr}`);
  installed = pod.varRunArgo;
  process.once('exit', () => pod.cleanup()); // ~130 MB: do not leave it behind in /tmp
  return installed;
}

export const EMISSARY = '/var/run/argo/argoexec';
