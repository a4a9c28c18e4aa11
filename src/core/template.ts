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

/**
 * Decode template JSON like Go's json.Unmarshal into v1alpha1.Template for the members typed above: a value of the
 * wrong JSON kind is Go's UnmarshalTypeError text (`json: cannot unmarshal string into Go struct field
 * Outputs.outputs.parameters of type []v1alpha1.Parameter`); AnyString members (parameter value/default) become
 * strings as Go's AnyString does; null array elements become zero values. Other members are kept as they are.
 */
export function parseTemplate(json: string): Template {
  const value: unknown = JSON.parse(json);
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`json: cannot unmarshal ${jsonKind(value)} into Go value of type v1alpha1.Template`);
  }
  checkStruct(value as Record<string, unknown>, TEMPLATE_SHAPE, []);
  return value as Template;
}

/** The Go type of a member, as encoding/json prints it, and how to check a value of it. */
type Shape =
  | { go: string; kind: 'string' | 'bool' | 'int32' | 'anyString' | 'intOrString' }
  | { go: string; kind: 'struct'; name: string; fields: Record<string, Shape> }
  | { go: string; kind: 'slice'; elem: Shape };

const str = (go = 'string'): Shape => ({ go, kind: 'string' });
const bool = (go = 'bool'): Shape => ({ go, kind: 'bool' });
const struct = (go: string, fields: Record<string, Shape>): StructShape => ({ go, kind: 'struct', name: go.replace(/^\w+\./, ''), fields });
const slice = (elem: Shape): Shape => ({ go: `[]${elem.go}`, kind: 'slice', elem });
const VOLUME_MOUNTS = slice(struct('v1.VolumeMount', { name: str(), mountPath: str() }));
const ARTIFACT = struct('v1alpha1.Artifact', {
  name: str(), path: str(), optional: bool(), mode: { go: 'int32', kind: 'int32' }, recurseMode: bool(), archiveLogs: bool(),
  archive: struct('v1alpha1.ArchiveStrategy', {}),
});
const ANY_STRING: Shape = { go: 'v1alpha1.AnyString', kind: 'anyString' };
const TEMPLATE_SHAPE = struct('v1alpha1.Template', {
  name: str(),
  inputs: struct('v1alpha1.Inputs', { artifacts: slice(ARTIFACT) }),
  outputs: struct('v1alpha1.Outputs', {
    parameters: slice(struct('v1alpha1.Parameter', { name: str(), value: ANY_STRING, default: ANY_STRING, valueFrom: struct('v1alpha1.ValueFrom', { path: str(), default: ANY_STRING }) })),
    artifacts: slice(ARTIFACT),
  }),
  container: struct('v1.Container', { volumeMounts: VOLUME_MOUNTS }),
  script: struct('v1alpha1.ScriptTemplate', { source: str(), 'Container.volumeMounts': VOLUME_MOUNTS }),
  containerSet: struct('v1alpha1.ContainerSetTemplate', {
    containers: slice(struct('v1alpha1.ContainerNode', { name: str(), dependencies: slice(str()) })),
    volumeMounts: VOLUME_MOUNTS,
    retryStrategy: struct('v1alpha1.ContainerSetRetryStrategy', { retries: { go: 'intstr.IntOrString', kind: 'intOrString' }, duration: str() }),
  }),
  sidecars: slice(struct('v1alpha1.UserContainer', { 'Container.name': str() })),
  archiveLocation: struct('v1alpha1.ArtifactLocation', { archiveLogs: bool() }),
});

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent. */
function formatFloatF(n: number): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(String(n));
  if (!m) return String(n);
  const digits = `${m[2]}${m[3] ?? ''}`;
  const exp = Number(m[4]);
  if (exp >= 0) return `${m[1]}${digits.padEnd(exp + 1, '0')}`;
  return `${m[1]}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** A number Go failed to convert (not a wrong kind): its message quotes the number. */
class NumberText {
  readonly value: number;
  constructor(value: number) { this.value = value; }
}

type StructShape = Extract<Shape, { kind: 'struct' }>;

function checkStruct(obj: Record<string, unknown>, shape: StructShape, path: string[]): void {
  for (const [name, field] of Object.entries(shape.fields)) {
    // `Container.volumeMounts`: a member of an embedded struct; Go's error path names the embedded field.
    const key = name.slice(name.lastIndexOf('.') + 1);
    if (!Object.hasOwn(obj, key)) continue;
    const fieldPath = [...path, name];
    const fail = (v: unknown, go = field.go): never => {
      throw new Error(`json: cannot unmarshal ${v instanceof NumberText ? `number ${v.value}` : jsonKind(v)} into Go struct field ${shape.name}.${fieldPath.join('.')} of type ${go}`);
    };
    const v = obj[key];
    if (v === null) continue;
    obj[key] = checkValue(v, field, fieldPath, fail);
  }
}

function checkValue(v: unknown, shape: Shape, path: string[], fail: (v: unknown, go?: string) => never): unknown {
  switch (shape.kind) {
    case 'string': return typeof v === 'string' ? v : fail(v);
    case 'bool': return typeof v === 'boolean' ? v : fail(v);
    case 'int32':
      if (typeof v !== 'number') return fail(v);
      // A non-integer or out-of-range number is reported with its text, as strconv.ParseInt failing.
      return Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? v : fail(new NumberText(v));
    case 'anyString':
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return formatFloatF(v);
      if (typeof v === 'boolean') return String(v);
      return '';
    case 'intOrString':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
      return fail(typeof v === 'number' ? new NumberText(v) : v, 'int32');
    case 'struct':
      if (typeof v !== 'object' || Array.isArray(v)) return fail(v);
      checkStruct(v as Record<string, unknown>, shape, path);
      return v;
    case 'slice': {
      if (!Array.isArray(v)) return fail(v);
      const elem = shape.elem;
      return v.map((e: unknown) => {
        if (e === null) return elem.kind === 'struct' ? {} : elem.kind === 'string' ? '' : e;
        return checkValue(e, elem, path, (bad) => fail(bad, elem.go));
      });
    }
  }
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
