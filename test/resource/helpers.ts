/**
 * Shared helpers of the resource and data tests: run `argoexec <role>` as a workflow pod's container
 * (own mount + PID namespace, the executor ServiceAccount, artifact secrets at /argo/secret, its own /tmp)
 * against the real apiserver, and an admin-created Role granting that ServiceAccount extra rights, as users
 * do for resource templates.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { admin, getTaskResult } from '../wait/helpers.ts';
import { NAMESPACE, PodSim, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import type { ApiProxy } from '../wait/api-proxy.ts';

export { admin, getTaskResult, NAMESPACE };

export const rand = (): string => `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
export const CM = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
export const TR = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults`;

export interface RunResult { code: number | null; stdout: string; stderr: string; termination: string; nodeId: string; pod: PodSim }

export interface RunOptions {
  env?: Record<string, string>;
  secrets?: Record<string, Record<string, string>>;
  /** Files to place in the container's /tmp before it starts (path below /tmp → content). */
  tmpFiles?: Record<string, string>;
  /** Called once the process runs (e.g. to change the watched object). */
  during?: (pid1: () => number) => Promise<void>;
  timeoutMs?: number;
  /** Send the API calls through this recording/fault-injecting proxy (test/wait/api-proxy.ts). */
  proxy?: ApiProxy;
  executor?: Executor;
}

const WF = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflows`;
let owner: Promise<{ name: string; uid: string }> | undefined;

/**
 * The Workflow owning the runs' TaskResults: the stack's garbage collector deletes TaskResults whose
 * owner does not exist. Labelled with an instance id, so the stack's workflow-controllers ignore it.
 */
export function ownerWorkflow(): Promise<{ name: string; uid: string }> {
  owner ??= (async () => {
    const r = await admin.req('POST', WF, {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
      metadata: { generateName: 'executor-tests-', labels: { 'workflows.argoproj.io/controller-instanceid': 'argoexec-ts-role-tests' } },
      spec: { entrypoint: 'x', templates: [{ name: 'x', container: { image: 'none' } }] },
    });
    assert.equal(r.status, 201, r.text);
    return { name: r.body.metadata.name as string, uid: r.body.metadata.uid as string };
  })();
  return owner;
}

export async function deleteOwnerWorkflow(): Promise<void> {
  if (!owner) return;
  const { name } = await owner;
  await admin.req('DELETE', `${WF}/${name}`);
}

/** One container running `argoexec <args…>` with the controller's executor env and ARGO_TEMPLATE. */
export async function runRole(args: string[], template: Record<string, unknown>, opts: RunOptions = {}): Promise<RunResult> {
  const wf = await ownerWorkflow();
  const exec = opts.executor ?? TS_EXECUTOR;
  const pod = new PodSim({ template, secrets: opts.secrets, executor: exec, kubePort: opts.proxy ? String(opts.proxy.port) : undefined }, { workflowName: wf.name, workflowUid: wf.uid, nodeId: `${wf.name}-${Math.floor(Math.random() * 1e9)}` });
  if (opts.proxy) writeFileSync(pod.path('sa', 'ca.crt'), opts.proxy.caPem);
  for (const [rel, content] of Object.entries(opts.tmpFiles ?? {})) {
    const p = pod.path('tmp-wait', rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  const env: Record<string, string> = {
    ARGO_POD_NAME: `${pod.nodeId}-pod`,
    ARGO_POD_UID: '11111111-2222-4333-8444-555555555555',
    ARGO_WORKFLOW_NAME: pod.workflowName,
    ARGO_WORKFLOW_UID: pod.workflowUid,
    ARGO_NODE_ID: pod.nodeId,
    ARGO_CONTAINER_NAME: 'main',
    ARGO_INCLUDE_SCRIPT_OUTPUT: 'false',
    ARGO_DEADLINE: '0001-01-01T00:00:00Z',
    ARGO_TEMPLATE: JSON.stringify(template),
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: opts.proxy ? String(opts.proxy.port) : '6443',
    PATH: `${exec.binDir}:/usr/bin:/bin`,
    ...(opts.env ?? {}),
  };
  const running = pod.start('wait', ['argoexec', ...args, '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], env, opts.timeoutMs ?? 60_000);
  if (opts.during) await opts.during(running.pid1);
  const r = await running.done;
  const termination = pod.terminationMessage('wait');
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, termination, nodeId: pod.nodeId, pod };
}

/** A Role + RoleBinding for the executor ServiceAccount (argo/default) on `rules`; returns the cleanup. */
export async function grantExecutor(name: string, rules: Record<string, unknown>[]): Promise<() => Promise<void>> {
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}`;
  const role = await admin.req('POST', `${rbac}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules });
  assert.equal(role.status, 201, role.text);
  const rb = await admin.req('POST', `${rbac}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: NAMESPACE }],
  });
  assert.equal(rb.status, 201, rb.text);
  return async () => {
    await admin.req('DELETE', `${rbac}/rolebindings/${name}`);
    await admin.req('DELETE', `${rbac}/roles/${name}`);
  };
}

export async function getConfigMap(name: string): Promise<any> {
  const r = await admin.req('GET', `${CM}/${name}`);
  return r.status === 200 ? r.body : undefined;
}

export async function createConfigMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}): Promise<any> {
  const r = await admin.req('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

export async function deleteConfigMap(name: string): Promise<void> {
  await admin.req('DELETE', `${CM}/${name}`);
}

export async function mergePatchConfigMap(name: string, patch: unknown): Promise<void> {
  const r = await admin.req('PATCH', `${CM}/${name}`, patch, 'application/merge-patch+json');
  assert.equal(r.status, 200, r.text);
}

/** Poll until `fn` returns a value (or throw after `ms`). */
export async function eventually<T>(fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
