/**
 * JSON bodies of the WorkflowTaskResult protocol (lifecycle §8.3, §12), serialised the way Go's
 * encoding/json does for the v1alpha1 types: struct member order, omitempty, map keys sorted.
 * Members of Parameter/Artifact our types do not know are kept after the known ones (Go would drop
 * them; the CRD schema keeps what it knows either way).
 */
import type { Artifact, Parameter } from '../template.ts';

export interface Outputs {
  parameters?: Parameter[];
  artifacts?: Artifact[];
  result?: string;
  exitCode?: string;
  [k: string]: unknown;
}

/** NodeResult: the members a TaskResult reports. */
export interface NodeResult {
  phase?: string;
  message?: string;
  outputs?: Outputs;
  progress?: string;
}

export interface TaskResultIdentity {
  nodeId: string;
  workflowName: string;
  workflowUid: string;
  instanceId: string;
}

export const LABEL_WORKFLOW = 'workflows.argoproj.io/workflow';
export const LABEL_COMPLETED = 'workflows.argoproj.io/report-outputs-completed';
export const LABEL_INSTANCE_ID = 'workflows.argoproj.io/controller-instanceid';
export const API_VERSION = 'argoproj.io/v1alpha1';

const PARAMETER_ORDER = ['name', 'default', 'value', 'valueFrom', 'globalName', 'enum', 'description'];
const ARTIFACT_ORDER = ['name', 'path', 'mode', 'from', 'archiveLogs', 's3', 'git', 'http', 'artifactory', 'hdfs', 'raw', 'oss', 'gcs', 'azure', 'plugin',
  'globalName', 'archive', 'optional', 'subPath', 'recurseMode', 'fromExpression', 'artifactGC', 'deleted'];
/** Members Go always emits (no omitempty). */
const ALWAYS = new Set(['name']);

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === false || v === 0 || (Array.isArray(v) && v.length === 0);
}

function ordered(obj: Record<string, unknown>, order: string[], keepZero: Set<string> = new Set()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) {
    const v = obj[k];
    if (ALWAYS.has(k)) { out[k] = v ?? ''; continue; }
    if (v === undefined || v === null) continue;
    if (!keepZero.has(k) && isEmpty(v)) continue;
    out[k] = v;
  }
  for (const [k, v] of Object.entries(obj)) if (!(k in out) && !order.includes(k) && v !== undefined) out[k] = v;
  return out;
}

export function serializeParameter(p: Parameter): Record<string, unknown> {
  // `value`/`default`/`description` are *AnyString: present (even "") when set.
  return ordered(p, PARAMETER_ORDER, new Set(['value', 'default', 'description']));
}

export function serializeArtifact(a: Artifact): Record<string, unknown> {
  // `mode` is *int32 (0 kept); location members are pointers (an empty struct is kept).
  return ordered(a, ARTIFACT_ORDER, new Set(['mode', 's3', 'git', 'http', 'artifactory', 'hdfs', 'raw', 'oss', 'gcs', 'azure', 'plugin', 'archive', 'artifactGC']));
}

export function serializeOutputs(o: Outputs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.parameters && o.parameters.length > 0) out.parameters = o.parameters.map(serializeParameter);
  if (o.artifacts && o.artifacts.length > 0) out.artifacts = o.artifacts.map(serializeArtifact);
  if (o.result !== undefined) out.result = o.result;
  if (o.exitCode !== undefined) out.exitCode = o.exitCode;
  return out;
}

function nodeResultMembers(r: NodeResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.phase) out.phase = r.phase;
  if (r.message) out.message = r.message;
  if (r.outputs) out.outputs = serializeOutputs(r.outputs);
  if (r.progress) out.progress = r.progress;
  return out;
}

function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The create body: identity, labels (instance id only when set), one owner reference, the result. */
export function createBody(id: TaskResultIdentity, result: NodeResult): string {
  const labels: Record<string, string> = { [LABEL_WORKFLOW]: id.workflowName, [LABEL_COMPLETED]: 'false' };
  if (id.instanceId !== '') labels[LABEL_INSTANCE_ID] = id.instanceId;
  return JSON.stringify({
    kind: 'WorkflowTaskResult',
    apiVersion: API_VERSION,
    metadata: {
      name: id.nodeId,
      labels: sortedLabels(labels),
      ownerReferences: [{ apiVersion: API_VERSION, kind: 'Workflow', name: id.workflowName, uid: id.workflowUid }],
    },
    ...nodeResultMembers(result),
  });
}

/** The merge-patch body for a result: `{"metadata":{}, <members>}`. */
export function patchBody(result: NodeResult): string {
  return JSON.stringify({ metadata: {}, ...nodeResultMembers(result) });
}

/** The merge-patch body for labels (FinalizeOutput). */
export function labelsPatchBody(labels: Record<string, string>): string {
  return JSON.stringify({ metadata: { labels: sortedLabels(labels) } });
}
