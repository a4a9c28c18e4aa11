/**
 * Relay of every catchable signal to the child's process group (lifecycle §6.12), subscribed from step
 * 10 on. Before the child exists one signal is buffered (Go's 1-slot channel); while waiting for a
 * containerSet dependency the signals go to a handler instead.
 */
import { forwardableSignals, killGroup, signalNumber } from '../../core/signals.ts';
import type { Logger } from '../../core/log.ts';
import { cpuProfiling } from '../../core/runtime/cpu-profile.ts';

export class SignalRelay {
  private target: number | undefined;
  private buffered: NodeJS.Signals | undefined;
  private interceptor: ((sig: NodeJS.Signals) => void) | undefined;
  private readonly listeners = new Map<NodeJS.Signals, () => void>();
  private readonly log: Logger;

  /** `ignore`: signals received but never forwarded (artifact plugin sidecars: SIGTERM, lifecycle §10.7). */
  constructor(log: Logger, ignore: ReadonlySet<NodeJS.Signals> = new Set()) {
    this.log = log;
    for (const sig of forwardableSignals()) {
      // Under ARGOEXEC_CPU_PROFILE, V8's sampler sends this process SIGPROF every 0.5 ms: relayed, it would kill the
      // child (SIGPROF's default action), so the profiler keeps it.
      if (sig === 'SIGPROF' && cpuProfiling()) continue;
      if (ignore.has(sig)) {
        const listener = (): void => this.log.debug('ignore signal', { signal: sig });
        process.on(sig, listener);
        this.listeners.set(sig, listener);
        continue;
      }
      const listener = (): void => this.receive(sig);
      try {
        process.on(sig, listener);
        this.listeners.set(sig, listener);
      } catch {
        // Node refuses a few (e.g. SIGPROF while profiling): those keep their default disposition.
      }
    }
  }

  private receive(sig: NodeJS.Signals): void {
    if (this.interceptor) { this.interceptor(sig); return; }
    if (this.target === undefined) { this.buffered = sig; return; }
    this.forward(this.target, sig);
  }

  private forward(pid: number, sig: NodeJS.Signals): void {
    this.log.debug('forwarding signal', { signal: sig, pid });
    try { killGroup(pid, signalNumber(sig) ?? sig); } catch (err) { this.log.warn('failed to forward signal', { signal: sig, error: err }); }
  }

  /** Route signals to `fn` until the returned function is called. */
  intercept(fn: (sig: NodeJS.Signals) => void): () => void {
    this.interceptor = fn;
    return () => { this.interceptor = undefined; };
  }

  attach(pid: number): void {
    this.target = pid;
    const pending = this.buffered;
    this.buffered = undefined;
    if (pending) this.forward(pid, pending);
  }

  detach(): void {
    this.target = undefined;
  }

  close(): void {
    for (const [sig, listener] of this.listeners) process.off(sig, listener);
    this.listeners.clear();
  }
}
