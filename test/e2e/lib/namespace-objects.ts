/**
 * Objects that workflows leave in the namespace. A resource template may create an object and never delete it
 * (`e2e/expectedfailures/large-workflow.yaml` creates the ConfigMap `test`); the second executor's run would then
 * meet `AlreadyExists` where the first did not. The runner takes the namespace's objects before an executor's
 * runs and deletes, after them, every object that was not there, has no owner (owned objects go with their
 * owner: pods with their workflow, TaskResults, …) and was written by kubectl — what a resource template runs —
 * after the runs began — Workflows too (`k8s-wait-wf`, `cron-backfill`), but not those the runner submitted (its
 * label): it deletes them itself. (Objects that tests create meanwhile in the same namespace are written by other
 * managers; still, do not run `make e2e` beside `make test`.)
 */
import { kubectl, kubectlJson, log } from './env.ts';

/** Kinds that are not objects a workflow creates, or that the cluster manages itself. */
const IGNORED = new Set(['events', 'events.events.k8s.io', 'leases.coordination.k8s.io', 'endpoints', 'endpointslices.discovery.k8s.io']);
/** The runner labels what it submits (and deletes it itself); a Workflow without the label was made by a workflow. */
const RUNNER_LABEL = 'argoexec-ts/e2e';

function listableKinds(): string[] {
  const out = kubectl(['api-resources', '--namespaced=true', '--verbs=list,delete', '-o', 'name']);
  return out.split('\n').map((s) => s.trim()).filter((s) => s && !IGNORED.has(s));
}

interface ManagedField { manager?: string; time?: string }

/**
 * `kind/name` of every owner-less object in the namespace (`since`: only those kubectl wrote since then). kubectl
 * leaves managedFields out of its output unless asked (`--show-managed-fields`): without them no object would ever
 * look written by kubectl.
 */
export function ownerlessObjects(since?: number): Set<string> {
  const kinds = listableKinds();
  const found = new Set<string>();
  const list = kubectlJson<{ items?: { kind?: string; apiVersion?: string; metadata?: { name?: string; labels?: Record<string, string>; ownerReferences?: unknown[]; managedFields?: ManagedField[] } }[] }>(['get', kinds.join(','), '--show-managed-fields']);
  if (!list) throw new Error(`cannot list the namespace's objects (${kinds.length} kinds)`);
  for (const o of list.items ?? []) {
    if ((o.metadata?.ownerReferences ?? []).length > 0) continue;
    if (o.kind === 'Workflow' && o.metadata?.labels?.[RUNNER_LABEL]) continue;
    if (since !== undefined && !(o.metadata?.managedFields ?? []).some((f) => (f.manager ?? '').startsWith('kubectl') && Date.parse(f.time ?? '') >= since - 1000)) continue;
    const group = (o.apiVersion ?? '').includes('/') ? `.${(o.apiVersion ?? '').split('/')[0]}` : '';
    found.add(`${(o.kind ?? '').toLowerCase()}${group}/${o.metadata?.name ?? ''}`);
  }
  return found;
}

/** Deletes the owner-less objects kubectl wrote since `since` that are not in `before`; returns what it deleted. */
export function deleteObjectsCreatedSince(before: Set<string>, since: number): string[] {
  const created = [...ownerlessObjects(since)].filter((o) => !before.has(o));
  for (const o of created) {
    try {
      kubectl(['delete', o, '--wait=true', '--timeout=60s']);
    } catch (e) {
      log(`could not delete ${o}: ${String((e as { stderr?: unknown }).stderr ?? e).trim().split('\n')[0]}`);
    }
  }
  return created;
}
