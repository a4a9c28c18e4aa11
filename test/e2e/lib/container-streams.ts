/**
 * main.log is the emissary's `combined` capture: the user's stdout and stderr as the executor read them from two
 * pipes. Go's emissary copies each pipe in its own goroutine into that file, so its interleaving of the two streams
 * changes from run to run (Go's main.log of `sh -x` once read `+ echoval\n val\n`: a stdout line inside a stderr
 * line). What is the user's is each stream's content and order. So the runner reads each stream of the container
 * on its own (`pods/log?stream=Stdout|Stderr`, the PodLogsQuerySplitStreams gate the stack turns on; the stderr
 * stream without the executor's own log lines), checks that main.log is an interleaving of the two — nothing lost,
 * added or reordered within a stream — and compares the streams exactly instead of the interleaving.
 */
import { kubectlAsync } from './env.ts';

export interface Streams { stdout: string; stderr: string }

async function streamOf(pod: string, container: string, stream: 'Stdout' | 'Stderr'): Promise<string | undefined> {
  try {
    return await kubectlAsync(['get', '--raw', `/api/v1/namespaces/argo/pods/${encodeURIComponent(pod)}/log?container=${encodeURIComponent(container)}&stream=${stream}`]);
  } catch {
    return undefined;
  }
}

/** The executor's own log lines (slog text or JSON, every entry carries `argo=true`). */
const EXECUTOR_LINE = /^(?:time=\S+ level=\S+ msg=.*\bargo=true\b.*|\{.*"argo":true.*\})$/;

/** The user's two streams of a container's log (the executor's log lines taken out), or undefined. */
export async function containerStreams(pod: string, container: string): Promise<Streams | undefined> {
  const [stdout, stderr] = await Promise.all([streamOf(pod, container, 'Stdout'), streamOf(pod, container, 'Stderr')]);
  if (stdout === undefined || stderr === undefined) return undefined;
  return { stdout, stderr: withoutExecutorLines(stderr) };
}

/**
 * The stream without the executor's log lines and, last, the emissary's own `Error: exit status N` (cobra prints
 * the command's error when the user's process failed; Go's and ours alike).
 */
export function withoutExecutorLines(text: string): string {
  const lines = text.split(/(?<=\n)/).filter((line) => !EXECUTOR_LINE.test(line.replace(/\n$/, '')));
  if (/^Error: exit status \d+\n?$/.test(lines.at(-1) ?? '')) lines.pop();
  return lines.join('');
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
