/**
 * ARGOEXEC_CPU_PROFILE=<directory>: a V8 CPU profile of this process, written when it exits as
 * `<directory>/argoexec-<role>-<pid>.cpuprofile` (open it in Chrome DevTools or speedscope). For measuring where a
 * role spends its CPU (docs/performance.md); the executable takes no Node options (`--cpu-prof` cannot reach it).
 * Off unless set: nothing is loaded.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let profiling = false;

/** Whether this process is being profiled: V8's sampler then interrupts it with SIGPROF, which is not for relaying. */
export function cpuProfiling(): boolean {
  return profiling;
}

export async function startCpuProfile(dir: string | undefined, role: string): Promise<void> {
  if (!dir) return;
  profiling = true;
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  // An in-process session answers synchronously: the profile can be taken in the 'exit' handler.
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (err) return;
      try {
        writeFileSync(join(dir, `argoexec-${role}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
      } catch { /* a profile is never worth failing the role */ }
    });
  });
}
