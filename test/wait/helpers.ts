/** Shared helpers of the wait/TaskResult tests: the admin view of the apiserver. */
import { Kube } from '../stack/kube.ts';
import { NAMESPACE, STACK } from '../support/pod-sim.ts';

export const admin = new Kube(STACK.KUBECONFIG as string);

export async function getTaskResult(name: string): Promise<any> {
  const r = await admin.req('GET', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults/${name}`);
  if (r.status !== 200) throw new Error(`GET taskresult ${name}: ${r.status} ${r.text}`);
  return r.body;
}

export async function taskResultStatus(name: string): Promise<number> {
  return (await admin.req('GET', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults/${name}`)).status;
}

export async function deleteTaskResult(name: string): Promise<void> {
  await admin.req('DELETE', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults/${name}`);
}

/** The TaskResult without server-set fields (uid, resourceVersion, times, managedFields…). */
export function stripServerFields(tr: any): any {
  const { metadata, ...rest } = tr;
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, managedFields: _m, ...meta } = metadata;
  return { ...rest, metadata: meta };
}
