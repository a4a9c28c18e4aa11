/**
 * A watch on one workflow (the API's `?watch=true` stream, not kubectl): every version the API server sends, as it
 * sends it. The runner's 2 s poll cannot see a workflow that is deleted as it completes (ttlStrategy
 * secondsAfterCompletion 0, Argo's TestWorkflowTTL); a watch sees its last version and the deletion.
 */
import { request } from 'node:https';
import type { RequestOptions } from 'node:https';
import { Kube } from '../../stack/kube.ts';
import { NS, stackEnv } from './env.ts';
import type { Doc } from './examples.ts';

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR' | 'BOOKMARK'; object: Doc; at: number };

/** Streams the events of workflow `name` to `onEvent` until the returned function is called. */
export async function watchWorkflow(name: string, onEvent: (e: WatchEvent) => void): Promise<() => void> {
  const kube = new Kube(stackEnv().KUBECONFIG ?? '');
  const opts: RequestOptions = {
    method: 'GET',
    hostname: kube.server.hostname,
    port: kube.server.port,
    path: `/apis/argoproj.io/v1alpha1/namespaces/${NS}/workflows?watch=true&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`,
    headers: { Accept: 'application/json' },
  };
  await kube.kc.applyToHTTPSOptions(opts);
  const req = request(opts, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === '') continue;
        try {
          const e = JSON.parse(line) as Omit<WatchEvent, 'at'>;
          onEvent({ ...e, at: Date.now() });
        } catch { /* a line cut short by the end of the stream */ }
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return () => req.destroy();
}
