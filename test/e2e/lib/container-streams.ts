/**
 * A container's log is two streams. The kubelet interleaves stdout and stderr in the log it serves (and that
 * `wait` archives as main.log) by when containerd read each pipe — not by when the program wrote: a busybox pod
 * with no executor at all, `sh -xc 'echo 1'`, is served as `1\n+ echo 1\n` as often as `+ echo 1\n1\n`, and Go's
 * own main.log came out as `+ echo 11\n\n` in one run. So the runner reads each stream on its own
 * (`pods/log?stream=Stdout|Stderr`, the PodLogsQuerySplitStreams gate the stack turns on) and, where the archived
 * main.log is an interleaving of the two, compares the streams exactly instead of the interleaving.
 */
import { kubectl } from './env.ts';

export interface Streams { stdout: string; stderr: string }

function streamOf(pod: string, container: string, stream: 'Stdout' | 'Stderr'): string | undefined {
  try {
    return kubectl(['get', '--raw', `/api/v1/namespaces/argo/pods/${encodeURIComponent(pod)}/log?container=${encodeURIComponent(container)}&stream=${stream}`]);
  } catch {
    return undefined;
  }
}

/** The two streams of a container's log, or undefined when either cannot be read. */
export function containerStreams(pod: string, container: string): Streams | undefined {
  const stdout = streamOf(pod, container, 'Stdout');
  const stderr = streamOf(pod, container, 'Stderr');
  return stdout === undefined || stderr === undefined ? undefined : { stdout, stderr };
}

/** Whether `merged` is `a` and `b` interleaved (each kept in order, every character used once). */
export function isInterleaving(merged: string, a: string, b: string): boolean {
  if (merged.length !== a.length + b.length) return false;
  // reach[j]: merged[0, i+j) can be made of a[0, i) and b[0, j), for the current i
  const reach = new Uint8Array(b.length + 1);
  reach[0] = 1;
  for (let j = 1; j <= b.length; j++) reach[j] = reach[j - 1] && b[j - 1] === merged[j - 1] ? 1 : 0;
  for (let i = 1; i <= a.length; i++) {
    reach[0] = reach[0] && a[i - 1] === merged[i - 1] ? 1 : 0;
    let any = reach[0];
    for (let j = 1; j <= b.length; j++) {
      const c = merged[i + j - 1];
      reach[j] = (reach[j] && a[i - 1] === c) || (reach[j - 1] && b[j - 1] === c) ? 1 : 0;
      any |= reach[j] as number;
    }
    if (!any) return false;
  }
  return reach[b.length] === 1;
}
