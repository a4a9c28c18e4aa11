/** Signal names and numbers (Linux), and delivery to a process group. */
import { constants } from 'node:os';

const BY_NAME = constants.signals as Record<string, number>;
const BY_NUMBER = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(BY_NAME)) if (!BY_NUMBER.has(num)) BY_NUMBER.set(num, name as NodeJS.Signals);

export function signalNumber(name: string): number | undefined {
  return BY_NAME[name];
}
export function signalName(num: number): NodeJS.Signals | undefined {
  return BY_NUMBER.get(num);
}

/** Go's syscall.Signal.String() texts, used by `argoexec kill` (lifecycle §10.1). */
const GO_SIGNAL_TEXT: Record<number, string> = {
  1: 'hangup', 2: 'interrupt', 3: 'quit', 4: 'illegal instruction', 5: 'trace/breakpoint trap', 6: 'aborted',
  7: 'bus error', 8: 'floating point exception', 9: 'killed', 10: 'user defined signal 1', 11: 'segmentation fault',
  12: 'user defined signal 2', 13: 'broken pipe', 14: 'alarm clock', 15: 'terminated', 16: 'stack fault',
  17: 'child exited', 18: 'continued', 19: 'stopped (signal)', 20: 'stopped', 21: 'stopped (tty input)',
  22: 'stopped (tty output)', 23: 'urgent I/O condition', 24: 'CPU time limit exceeded', 25: 'file size limit exceeded',
  26: 'virtual timer expired', 27: 'profiling timer expired', 28: 'window changed', 29: 'I/O possible',
  30: 'power failure', 31: 'bad system call',
};
export function goSignalText(num: number): string {
  return GO_SIGNAL_TEXT[num] ?? `signal ${num}`;
}

/** Signals the emissary never forwards (osspecific.CanIgnoreSignal), plus those no process can catch. */
const NOT_FORWARDED = new Set(['SIGCHLD', 'SIGURG', 'SIGKILL', 'SIGSTOP']);
/** Synchronous fault signals Node cannot handle in JavaScript. */
const UNHANDLEABLE = new Set(['SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL']);

export function forwardableSignals(): NodeJS.Signals[] {
  // One name per number: aliases (SIGIOT, SIGPOLL) would deliver the same signal twice.
  return [...BY_NUMBER.values()].filter((s) => !NOT_FORWARDED.has(s) && !UNHANDLEABLE.has(s));
}

/** Send to the process group of `pid`, falling back to the process (osspecific.Kill). */
export function killGroup(pid: number, sig: number | NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    process.kill(pid, sig);
  }
}
