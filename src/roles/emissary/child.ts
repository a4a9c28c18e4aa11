/**
 * Start the user's command as a child in its own process group, optionally teeing its output into
 * the capture files (lifecycle §6.10), and report how it ended (§6.14).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { signalNumber } from '../../core/signals.ts';
import { OutputTee, type CaptureFds } from './output-tee.ts';
import { teeAddon, ThreadTee } from './thread-tee.ts';
import type { Logger } from '../../core/log.ts';

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
    // With capture: native copy threads when the helper is there (native/tee.c), else the event-loop tee.
    const addon = capture ? teeAddon() : undefined;
    let threads: ThreadTee | undefined;
    try {
      checkExecutableFormat(path);
      threads = addon ? new ThreadTee(addon) : undefined;
      child = spawn(path, args, {
        argv0: path,
        env,
        detached: true, // own process group (pgid == pid), so signals reach the whole job
        stdio: !capture ? 'inherit' : threads ? ['inherit', ...threads.childFds] : ['inherit', 'pipe', 'pipe'],
      });
    } catch (err) {
      threads?.closeAll();
      reject(new Error(`fork/exec ${path}: ${errnoText(err as NodeJS.ErrnoException)}`));
      return;
    }
    threads?.closeChildEnds();
    child.once('error', (err: NodeJS.ErrnoException) => {
      threads?.closeAll();
      reject(new Error(`fork/exec ${path}: ${errnoText(err)}`));
    });
    child.once('spawn', () => {
      let drained: Promise<unknown> = Promise.resolve();
      let stopReading = (): void => undefined;
      if (capture && threads) {
        drained = threads.start(capture);
        stopReading = () => threads.cancel();
      } else if (capture && child.stdout && child.stderr) {
        const tee = new OutputTee(capture, log);
        drained = Promise.all([tee.follow(child.stdout, false), tee.follow(child.stderr, true)]);
        stopReading = () => { child.stdout?.destroy(); child.stderr?.destroy(); tee.flush(); };
      }
      const exited = new Promise<number>((res) => {
        child.once('exit', (code, signal) => {
          const status = signal ? 128 + (signalNumber(signal) ?? 0) : (code ?? 0);
          // A background grandchild may keep the pipes open: give them a moment, then stop reading.
          const timer = setTimeout(() => {
            stopReading();
            // the copies end within one poll interval once cancelled; what they read so far is written
            void drained.then(() => res(status));
          }, PIPE_DRAIN_MS);
          void drained.then(() => { clearTimeout(timer); res(status); });
        });
      });
      resolve({ pid: child.pid as number, exited });
    });
  });
}
