/**
 * The two API calls of `artifact delete` (lifecycle §10.5, §11): LIST workflowartifactgctasks by the
 * GC pod's label, and a merge PATCH of a task's `status` subresource. Shapes: lifecycle §12.7.
 */
import type { KubeClient } from '../../core/kube/client.ts';
import type { Artifact } from '../../core/template.ts';

export const LABEL_ARTIFACT_GC_POD_HASH = 'workflows.argoproj.io/artifact-gc-pod';
const RESOURCE = 'workflowartifactgctasks.argoproj.io';

export interface ArtifactNodeSpec {
  archiveLocation?: Record<string, unknown> | null;
  artifacts?: Record<string, Artifact> | null;
}

export interface WorkflowArtifactGCTask {
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  spec?: { artifactsByNode?: Record<string, ArtifactNodeSpec> | null };
  [k: string]: unknown;
}

export interface GCTaskApi {
  list(labelSelector: string): Promise<WorkflowArtifactGCTask[]>;
  patchStatus(name: string, body: string): Promise<unknown>;
}

/** client-go's NamespaceIfScoped: an empty namespace addresses the resource across namespaces. */
function basePath(namespace: string): string {
  const ns = namespace === '' ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `/apis/argoproj.io/v1alpha1${ns}/workflowartifactgctasks`;
}

export function kubeGCTaskApi(client: KubeClient, namespace: string): GCTaskApi {
  const base = basePath(namespace);
  return {
    async list(labelSelector) {
      const r = await client.request<{ items?: WorkflowArtifactGCTask[] | null }>({
        method: 'GET', path: `${base}?${new URLSearchParams({ labelSelector }).toString()}`, resource: `get ${RESOURCE}`,
      });
      return r?.items ?? [];
    },
    patchStatus: (name, body) => client.request({
      method: 'PATCH', path: `${base}/${encodeURIComponent(name)}/status`, body, contentType: 'application/merge-patch+json', resource: `patch ${RESOURCE} ${name}`,
    }),
  };
}
