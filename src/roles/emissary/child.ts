/**
 * Start the user's command as a child in its own process group, optionally teeing its output into
 * the capture files (lifecycle §6.10), and report how it ended (§6.14).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { signalNumber } from '../../core/signals.ts';
import { writevAllSync } from '../../core/write-all.ts';
import type { Logger } from '../../core/log.ts';

export interface CaptureFds { stdout: number; combined: number }

export interface RunningChild {
  pid: number;
  /** Resolves with the exit status: the exit code, or 128 + signal number. */
  exited: Promise<number>;
}

/** After the child is reaped, wait at most this long for its output pipes to drain (Go's WaitDelay). */
const PIPE_DRAIN_MS = 100;

function errnoText(err: NodeJS.ErrnoException): string {
  const texts: Record<string, string> = {
    ENOEXEC: 'exec format error', EACCES: 'permission denied', ENOENT: 'no such file or directory',
    E2BIG: 'argument list too long', ETXTBSY: 'text file busy', ENOTDIR: 'not a directory', EISDIR: 'is a directory',
  };
  return (err.code && texts[err.code]) || err.message;
}

/**
 * Copies the child's output to the container log and the capture files. Chunks are queued as they
 * arrive and written once per event-loop turn with writev — one system call per destination for a
 * whole batch — keeping arrival order in `combined`.
 */
class OutputTee {
  private queue: { chunk: Buffer; fromStderr: boolean }[] = [];
  private scheduled = false;
  private readonly capture: CaptureFds;
  private readonly log: Logger;

  constructor(capture: CaptureFds, log: Logger) {
    this.capture = capture;
    this.log = log;
  }

  push(chunk: Buffer, fromStderr: boolean): void {
    this.queue.push({ chunk, fromStderr });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const out = batch.filter((e) => !e.fromStderr).map((e) => e.chunk);
    const err = batch.filter((e) => e.fromStderr).map((e) => e.chunk);
    this.write(1, out);
    this.write(this.capture.stdout, out);
    this.write(2, err);
    this.write(this.capture.combined, batch.map((e) => e.chunk));
  }

  private write(fd: number, chunks: Buffer[]): void {
    if (chunks.length === 0) return;
    try { writevAllSync(fd, chunks); } catch (err) { this.log.debug('failed to copy child output', { fd, error: err }); }
  }

  /** Resolves when `stream` ends (or errors), after its last bytes were written. */
  follow(stream: Readable, fromStderr: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => { this.flush(); resolve(); };
      stream.on('data', (chunk: Buffer) => this.push(chunk, fromStderr));
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  }
}

/**
 * Refuse what the kernel would refuse with ENOEXEC. Node's spawn (like execvp) would otherwise retry
 * such a file with /bin/sh, which Go's exec never does.
 */
function checkExecutableFormat(path: string): void {
  const head = Buffer.alloc(4);
  let n = 0;
  try {
    const fd = openSync(path, 'r');
    try { n = readSync(fd, head, 0, 4, 0); } finally { closeSync(fd); }
  } catch {
    return; // unreadable (e.g. execute-only): let the kernel decide
  }
  const isElf = n === 4 && head.readUInt32BE(0) === 0x7f454c46;
  const isScript = n >= 2 && head[0] === 0x23 && head[1] === 0x21; // "#!"
  if (!isElf && !isScript) throw Object.assign(new Error('exec format error'), { code: 'ENOEXEC' });
}

export function startChild(path: string, args: string[], env: NodeJS.ProcessEnv, capture: CaptureFds | undefined, log: Logger): Promise<RunningChild> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      checkExecutableFormat(path);
      child = spawn(path, args, {
        argv0: path,
        env,
        detached: true, // own process group (pgid == pid), so signals reach the whole job
        stdio: capture ? ['inherit', 'pipe', 'pipe'] : 'inherit',
      });
    } catch (err) {
      reject(new Error(`fork/exec ${path}: ${errnoText(err as NodeJS.ErrnoException)}`));
      return;
    }
    child.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`fork/exec ${path}: ${errnoText(err)}`)));
    child.once('spawn', () => {
      const tee = capture ? new OutputTee(capture, log) : undefined;
      const drained = tee && child.stdout && child.stderr
        ? Promise.all([tee.follow(child.stdout, false), tee.follow(child.stderr, true)])
        : Promise.resolve();
      const exited = new Promise<number>((res) => {
        child.once('exit', (code, signal) => {
          const status = signal ? 128 + (signalNumber(signal) ?? 0) : (code ?? 0);
          // A background grandchild may keep the pipes open: give them a moment, then stop reading.
          const timer = setTimeout(() => { child.stdout?.destroy(); child.stderr?.destroy(); tee?.flush(); res(status); }, PIPE_DRAIN_MS);
          void drained.then(() => { clearTimeout(timer); res(status); });
        });
      });
      resolve({ pid: child.pid as number, exited });
    });
  });
}
