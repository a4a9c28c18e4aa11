/**
 * The two API calls of the TaskResult protocol (lifecycle §8.2), behind a port so the reporter's
 * algorithm does not depend on the transport.
 */
import type { KubeClient } from '../kube/client.ts';

export interface TaskResultApi {
  create(body: string): Promise<unknown>;
  /** Merge patch (`application/merge-patch+json`) of the TaskResult `name`. */
  patch(name: string, body: string): Promise<unknown>;
}

const RESOURCE = 'workflowtaskresults.argoproj.io';

export function kubeTaskResultApi(client: KubeClient): TaskResultApi {
  const base = `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(client.namespace)}/workflowtaskresults`;
  return {
    create: (body) => client.request({ method: 'POST', path: base, body, resource: `post ${RESOURCE}` }),
    patch: (name, body) => client.request({
      method: 'PATCH', path: `${base}/${encodeURIComponent(name)}`, body, contentType: 'application/merge-patch+json', resource: `patch ${RESOURCE} ${name}`,
    }),
  };
}
