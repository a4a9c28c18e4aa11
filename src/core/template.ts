/**
 * The subset of Argo's Template the executor reads (lifecycle §12.6). Unknown members are kept as-is
 * (readers MUST ignore them; writers of outputs must preserve them).
 */
import { readFileSync } from 'node:fs';
import { OFFLOADED_TEMPLATE_FILE, TEMPLATE_FILE } from './paths.ts';

export interface VolumeMount { name: string; mountPath: string; [k: string]: unknown }
export interface ValueFrom { path?: string; default?: string; [k: string]: unknown }
export interface Parameter { name: string; value?: string; default?: string; valueFrom?: ValueFrom; [k: string]: unknown }
export interface Artifact {
  name: string;
  path?: string;
  optional?: boolean;
  mode?: number;
  recurseMode?: boolean;
  archiveLogs?: boolean;
  archive?: { tar?: { compressionLevel?: number }; none?: object; zip?: object };
  [k: string]: unknown;
}
export interface ContainerNode { name: string; dependencies?: string[]; [k: string]: unknown }
export interface RetryStrategy { retries?: number | string; duration?: string; [k: string]: unknown }
export interface Template {
  name?: string;
  inputs?: { artifacts?: Artifact[]; [k: string]: unknown };
  outputs?: { parameters?: Parameter[]; artifacts?: Artifact[]; [k: string]: unknown };
  container?: { volumeMounts?: VolumeMount[]; [k: string]: unknown };
  script?: { source?: string; volumeMounts?: VolumeMount[]; [k: string]: unknown };
  containerSet?: { containers?: ContainerNode[]; volumeMounts?: VolumeMount[]; retryStrategy?: RetryStrategy; [k: string]: unknown };
  sidecars?: { name: string; [k: string]: unknown }[];
  archiveLocation?: { archiveLogs?: boolean; [k: string]: unknown };
  [k: string]: unknown;
}

export const TEMPLATE_ENV = 'ARGO_TEMPLATE';

/** `offloaded` means the value lives in the pod's ConfigMap mounted at /argo/config (lifecycle §2.7). */
export function resolveTemplateEnvValue(value: string, offloadedFile = OFFLOADED_TEMPLATE_FILE): string {
  return value === 'offloaded' ? readFileSync(offloadedFile, 'utf8') : value;
}

/**
 * The emissary's template source (lifecycle §6.4): the template file if it exists, else ARGO_TEMPLATE.
 */
export function readEmissaryTemplate(env: NodeJS.ProcessEnv): string {
  try {
    return readFileSync(TEMPLATE_FILE, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = env[TEMPLATE_ENV];
  if (value === undefined) throw new Error(`neither ${TEMPLATE_FILE} nor ${TEMPLATE_ENV} is available`);
  return resolveTemplateEnvValue(value);
}

/** Decode template JSON; a non-object is an error like Go's json.Unmarshal into a struct. */
export function parseTemplate(json: string): Template {
  const value: unknown = JSON.parse(json);
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type v1alpha1.Template`);
  }
  return value as Template;
}

/** Main container names: containerSet members, else `main` (GetMainContainerNames). */
export function mainContainerNames(t: Template): string[] {
  const members = t.containerSet?.containers;
  if (members && members.length > 0) return members.map((c) => c.name);
  return ['main'];
}

export function sidecarNames(t: Template): string[] {
  return (t.sidecars ?? []).map((s) => s.name);
}

/** User volume mounts declared by the template (GetVolumeMounts). */
export function volumeMounts(t: Template): VolumeMount[] {
  if (t.container) return t.container.volumeMounts ?? [];
  if (t.script) return t.script.volumeMounts ?? [];
  if (t.containerSet) return t.containerSet.volumeMounts ?? [];
  return [];
}

/** Whether logs are archived (SaveLogsAsArtifact). */
export function archivesLogs(t: Template): boolean {
  return t.archiveLocation?.archiveLogs === true;
}
