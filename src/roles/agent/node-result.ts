/**
 * NodeResult (pkg/apis/workflow/v1alpha1 task_set_types.go) and the agent's status patch body
 * `{"status":{"nodes":{"<id>":<NodeResult>}}}` exactly as Go's json.Marshal writes it: node IDs sorted
 * by bytes, struct fields in declaration order (phase, message, outputs, progress; outputs: parameters,
 * artifacts, result, exitCode; parameters: wfv1.Parameter's order, AnyString values as strings), empty
 * values omitted, HTML-safe escapes. Artifacts a plugin returns keep the plugin's key order.
 */
import { goJsonString } from '../artifact-delete/status-patch.ts';

export interface Outputs {
  parameters?: unknown[] | null;
  artifacts?: unknown[] | null;
  result?: string | null;
  exitCode?: string | null;
}

export interface NodeResult {
  phase?: string;
  message?: string;
  outputs?: Outputs | null;
  progress?: string;
}

/** Go-escaped JSON of an arbitrary decoded value (object key order preserved). */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  return `{${Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).map(([k, x]) => `${goJsonString(k)}:${goJson(x)}`).join(',')}}`;
}

/** AnyString: a JSON string, or a number/bool written as its text (wfv1.AnyString UnmarshalJSON). */
function anyString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** wfv1.Parameter in struct order (name, default, value, valueFrom, globalName, enum, description), omitempty. */
function parameterJson(p: unknown): string {
  if (p === null || typeof p !== 'object') return goJson(p);
  const o = p as Record<string, unknown>;
  const parts = [`"name":${goJsonString(typeof o.name === 'string' ? o.name : '')}`];
  const def = anyString(o.default);
  if (def !== undefined) parts.push(`"default":${goJsonString(def)}`);
  const value = anyString(o.value);
  if (value !== undefined) parts.push(`"value":${goJsonString(value)}`);
  if (o.valueFrom && typeof o.valueFrom === 'object') parts.push(`"valueFrom":${goJson(o.valueFrom)}`);
  if (typeof o.globalName === 'string' && o.globalName !== '') parts.push(`"globalName":${goJsonString(o.globalName)}`);
  if (Array.isArray(o.enum) && o.enum.length > 0) parts.push(`"enum":[${o.enum.map((e) => goJsonString(anyString(e) ?? '')).join(',')}]`);
  const description = anyString(o.description);
  if (description !== undefined) parts.push(`"description":${goJsonString(description)}`);
  return `{${parts.join(',')}}`;
}

function outputsJson(o: Outputs): string {
  const parts: string[] = [];
  if (Array.isArray(o.parameters) && o.parameters.length > 0) parts.push(`"parameters":[${o.parameters.map(parameterJson).join(',')}]`);
  if (Array.isArray(o.artifacts) && o.artifacts.length > 0) parts.push(`"artifacts":${goJson(o.artifacts)}`);
  if (typeof o.result === 'string') parts.push(`"result":${goJsonString(o.result)}`);
  if (typeof o.exitCode === 'string') parts.push(`"exitCode":${goJsonString(o.exitCode)}`);
  return `{${parts.join(',')}}`;
}

export function nodeResultJson(r: NodeResult): string {
  const parts: string[] = [];
  if (r.phase) parts.push(`"phase":${goJsonString(r.phase)}`);
  if (r.message) parts.push(`"message":${goJsonString(r.message)}`);
  if (r.outputs && typeof r.outputs === 'object') parts.push(`"outputs":${outputsJson(r.outputs)}`);
  if (r.progress) parts.push(`"progress":${goJsonString(r.progress)}`);
  return `{${parts.join(',')}}`;
}

export function statusPatchBody(results: Map<string, NodeResult>): string {
  const ids = [...results.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{"status":{"nodes":{${ids.map((id) => `${goJsonString(id)}:${nodeResultJson(results.get(id) as NodeResult)}`).join(',')}}}}`;
}
