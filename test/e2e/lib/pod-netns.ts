/**
 * Workflows that serve on a port run with pods in a network namespace of their own (stack/cluster/cni/argoexec-e2e-pod,
 * local-pods-policy.yaml keys on the label). What the runner changes, the same for both executors:
 *   - spec.podMetadata gets the label, so every pod of the workflow is made with its own namespace;
 *   - network probes become exec probes: the kubelet probes from the host's namespace, which has no route to a pod
 *     address (a blackhole, by the network rule); inside the container the probe reaches the server on the pod's
 *     loopback — `nc` for tcpSocket, `wget` for httpGet (busybox, which the local images have).
 */
import type { Doc } from './examples.ts';

export const NETNS_LABEL = 'argoexec-ts.e2e/netns';

const PROBES = ['readinessProbe', 'livenessProbe', 'startupProbe'];

function execProbe(probe: Doc): Doc {
  const { tcpSocket, httpGet, ...timing } = probe;
  if (tcpSocket) return { ...timing, exec: { command: ['sh', '-c', `nc -w 1 127.0.0.1 ${tcpSocket.port} < /dev/null`] } };
  if (httpGet) {
    const path = String(httpGet.path ?? '/');
    return { ...timing, exec: { command: ['sh', '-c', `wget -q -O /dev/null 'http://127.0.0.1:${httpGet.port}${path.startsWith('/') ? path : `/${path}`}'`] } };
  }
  return probe;
}

/** Network probes anywhere in a document (templates, sidecars, WorkflowTemplates) as exec probes; a copy. */
export function execProbes<T>(doc: T): T {
  if (Array.isArray(doc)) return doc.map((x) => execProbes(x)) as T;
  if (!doc || typeof doc !== 'object') return doc;
  const out: Doc = {};
  for (const [k, v] of Object.entries(doc as Doc)) out[k] = PROBES.includes(k) && v && typeof v === 'object' ? execProbe(v as Doc) : execProbes(v);
  return out as T;
}

/** The workflow as submitted for pods with their own namespace. */
export function withPodNetns(wf: Doc): Doc {
  const doc = execProbes(wf);
  doc.spec = { ...doc.spec, podMetadata: { ...doc.spec?.podMetadata, labels: { ...doc.spec?.podMetadata?.labels, [NETNS_LABEL]: 'pod' } } };
  return doc;
}
