/**
 * Everything the deep comparison looks at for one finished workflow, with the names that differ by
 * design normalised away (the generated workflow name → `$WF`, pod-name and node-id hashes → `#`,
 * times → `<time>`, uids → `<uid>`):
 * - the workflow's phase and status.message;
 * - each node's phase, message and outputs (parameters, result, exitCode, artifact metadata);
 * - the content of every output artifact in the store, archived logs (`main.log`) included;
 * - the WorkflowTaskResults (labels, annotations, outputs, progress);
 * - the pods' container statuses (exit codes, reasons, termination messages).
 */
import { artifactoryRepository, azureBucket, digestAt, gcsBucket, ossBucket, s3Bucket, s3Client, type ArtifactDigest, type Bucket } from './artifact-digest.ts';
import type { S3Client } from '@aws-sdk/client-s3';
import { load as loadYaml } from 'js-yaml';
import { containerStreams, isInterleaving } from './container-streams.ts';
import { kubectlJson, kubectlJsonAsync, log, sleep, stackEnv } from './env.ts';
import type { Doc } from './examples.ts';

export interface NodeSummary { phase: string; message?: string; outputs?: unknown }
export interface ContainerSummary { state: string; exitCode?: number; reason?: string; message?: string }
export interface Snapshot {
  phase: string;
  message: string;
  nodes: Record<string, NodeSummary>;
  artifacts: Record<string, ArtifactDigest>;
  /** After the workflow is deleted: each artifact under artifact GC, deleted from its store or not. */
  gc?: Record<string, string>;
  taskResults: Record<string, unknown>;
  containers: Record<string, Record<string, ContainerSummary>> | { skipped: string };
  /** Not compared: each pod node's timing, the evidence for a deadline race (compare.ts deadlineRace). */
  timings?: Record<string, PodTiming>;
}

/** Seconds from the pod's start: when its last container ended, and its activeDeadlineSeconds. */
export interface PodTiming { ended: number; deadline?: number }

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
/** `date`'s default format: `Wed Dec  2 19:36:46 UTC 2026`. */
const DATE_OUTPUT = new RegExp(`\\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} +\\d{1,2} \\d\\d:\\d\\d:\\d\\d(?: [A-Z]{2,5})? \\d{4}\\b`, 'g');
/** `ls -l`'s modification time of a recent file: `Dec  2 19:43`. */
const LS_TIME = new RegExp(`\\b${MONTH} +\\d{1,2} +\\d\\d:\\d\\d\\b`, 'g');

/**
 * Names the apiserver generates for objects a workflow's resource templates create from a `generateName` (k8s-wait-wf
 * creates `sleep-` + five random characters): random by design. By workflow name: the prefixes its manifests use.
 */
const generatedPrefixes = new Map<string, string[]>();

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Registers the `generateName`s of a workflow's resource manifests (before its snapshot is taken). */
export function registerGeneratedNames(wf: Doc): void {
  const prefixes = new Set<string>();
  for (const m of JSON.stringify(wf.spec ?? {}).matchAll(/generateName:\s*['"]?([a-z0-9][a-z0-9.-]*-)/g)) prefixes.add(m[1] as string);
  generatedPrefixes.set(String(wf.metadata?.name ?? ''), [...prefixes]);
}

/** Replace, in text, what differs by design between two runs of one workflow: its name, hashes, times, uids. */
export function normaliseText(text: string, wfName: string): string {
  for (const p of generatedPrefixes.get(wfName) ?? []) text = text.replace(new RegExp(`\\b${escapeRegExp(p)}[a-z0-9]{5}\\b`, 'g'), `${p}<generated>`);
  return text
    .split(wfName).join('$WF')
    .replace(/(\$WF(?:-[a-z0-9-]*?)?)-\d{5,10}\b/g, '$1-#')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(DATE_OUTPUT, '<time>')
    .replace(LS_TIME, '<time>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uid>')
    // a Unix time in seconds within two days of now (`date +%s`, variables-showcase's `ts.epoch-seconds`): a time
    .replace(/\b1\d{9}\b/g, (m) => (Math.abs(Number(m) - Date.now() / 1000) < 2 * 86400 ? '<epoch>' : m))
    // the address the cluster's CNI plugin gave a pod with a namespace of its own (stack/cluster/cni): assigned
    .replace(/\b10\.244\.0\.\d{1,3}\b/g, '<pod-ip>');
}

/**
 * What a workflow's artifacts may print that is a time: `{{workflow.duration}}` renders the seconds the workflow has
 * run (`6.514374`), so where the workflow uses it, decimal numbers in artifact text are durations.
 */
function artifactTextNormaliser(wf: Doc, name: string): (t: string) => string {
  const printsDuration = JSON.stringify(wf.spec ?? {}).includes('workflow.duration');
  return printsDuration
    ? (t) => normaliseText(t, name).replace(/\b\d+\.\d+\b/g, '<duration>')
    : (t) => normaliseText(t, name);
}

/** The same, over any JSON value. */
export function normalise<T>(value: T, wfName: string): T {
  return JSON.parse(normaliseText(JSON.stringify(value ?? null), wfName)) as T;
}

/** The templates a node may run: the workflow's own and those the controller stored (templateRefs). */
function templateOf(n: Doc, wf: Doc): Doc | undefined {
  const all = [...((wf.spec?.templates ?? []) as Doc[]), ...(Object.values(wf.status?.storedTemplates ?? {}) as Doc[])];
  const name = n.templateName ?? n.templateRef?.template;
  return all.find((t) => t.name === name);
}

/**
 * A resource template polls its object until a condition holds; each poll logs the same few messages, and how many
 * polls there are is timing (how long the created object took). Consecutive repeats of a group of up to 8 messages
 * count once.
 */
export function collapseRepeats(messages: string[]): string[] {
  const out = [...messages];
  for (let i = 0; i < out.length; i++) {
    for (let k = 1; k <= 8 && i + 2 * k <= out.length; k++) {
      const same = (): boolean => { for (let j = 0; j < k; j++) if (out[i + j] !== out[i + k + j]) return false; return true; };
      while (i + 2 * k <= out.length && same()) out.splice(i + k, k);
    }
  }
  return out;
}

/**
 * The archived main.log of a resource or data template is the executor's own log: its field values (versions,
 * the Go runtime) and Go's field order (a map's) differ by nature, so only the sequence of messages is compared.
 */
function executorLog(d: ArtifactDigest): ArtifactDigest {
  if (d.kind !== 'raw' || d.text === undefined) return d;
  const messages = d.text.split('\n').map((l) => /\bmsg=("(?:[^"\\]|\\.)*"|\S+)/.exec(l)?.[1]).filter((m): m is string => m !== undefined);
  return { kind: 'executor-log', messages: collapseRepeats(messages) };
}

const GROUPS = new Set(['StepGroup', 'TaskGroup']);

function nodeKey(n: Doc, wfName: string): string {
  return `${normalise(String(n.name), wfName)} [${n.type}]`;
}

const DRIVERS = ['s3', 'gcs', 'azure', 'git', 'http', 'artifactory', 'hdfs', 'oss', 'raw', 'plugin'];

/** ArtifactLocation.HasLocation of Go's types, for the drivers whose locations artifacts abbreviate. */
function hasFullLocation(driver: string, l: Doc | undefined): boolean {
  switch (driver) {
    case 'plugin': return Boolean(l?.name && l.configuration && l.key);
    case 's3': return Boolean(l?.bucket && l.endpoint && l.key);
    case 'oss': return Boolean(l?.bucket && l.endpoint && l.key);
    case 'gcs': return Boolean(l?.bucket && l.key);
    case 'azure': return Boolean(l?.endpoint && l.container && l.blob);
    default: return true;
  }
}

/** Where an artifact lives, resolved against the workflow's artifact repository; the stack's stores only. */
export class Stores {
  private readonly env = stackEnv();
  private readonly s3 = new Map<string, S3Client>();

  private s3For(endpoint: string): S3Client | null {
    const env = this.env;
    const hostPort = (u?: string) => (u ?? '').replace(/^https?:\/\//, '');
    const which = endpoint === hostPort(env.S3_MINIO_ENDPOINT) ? 'S3_MINIO' : endpoint === hostPort(env.S3_VERSITY_ENDPOINT) ? 'S3_VERSITY' : null;
    if (!which) return null;
    let c = this.s3.get(which);
    if (!c) {
      c = s3Client(env[`${which}_ENDPOINT`]!, env[`${which}_ACCESS_KEY`]!, env[`${which}_SECRET_KEY`]!, env[`${which}_REGION`] ?? 'us-east-1');
      this.s3.set(which, c);
    }
    return c;
  }

  /** The bucket and key of an artifact, or why the runner cannot read it. */
  async locate(a: Doc, wf: Doc): Promise<{ bucket: Bucket; key: string; where: string } | { reason: string }> {
    const repo = (wf.status?.artifactRepositoryRef?.artifactRepository ?? {}) as Doc;
    const own = DRIVERS.find((d) => a[d]);
    const repoDriver = DRIVERS.find((d) => repo[d]);
    // Go's Relocate: an artifact without a full location of its own (e.g. `plugin: {key}` alone) is stored in
    // the repository's location under its key.
    const relocated = own && repoDriver && own !== repoDriver && !hasFullLocation(own, a[own]);
    const driver = relocated ? repoDriver : own ?? repoDriver;
    const loc = { ...(repo[driver ?? ''] ?? {}), ...(relocated ? { key: a[own!].key } : a[driver ?? ''] ?? {}) } as Doc;
    switch (driver) {
      case 's3': {
        const c = loc.key ? this.s3For(String(loc.endpoint)) : null;
        if (!c) return { reason: loc.key ? `s3 endpoint ${loc.endpoint} is not one of the stack's` : 'no key' };
        return { bucket: s3Bucket(c, loc.bucket), key: loc.key, where: `s3://${loc.endpoint}/${loc.bucket}` };
      }
      case 'gcs':
        if (!loc.key) return { reason: 'no key' };
        return { bucket: gcsBucket(this.env.GCS_ENDPOINT!, loc.bucket), key: loc.key, where: `gs://${loc.bucket}` };
      case 'azure':
        if (!loc.blob || loc.endpoint !== this.env.AZURITE_BLOB_ENDPOINT) return { reason: `azure endpoint ${loc.endpoint} is not the stack's Azurite` };
        return { bucket: await azureBucket(this.env.AZURITE_BLOB_ENDPOINT!, this.env.AZURITE_ACCOUNT!, this.env.AZURITE_ACCOUNT_KEY!, loc.container), key: loc.blob, where: `azure ${loc.container}` };
      case 'oss':
        if (!loc.key || loc.endpoint !== this.env.OSS_ENDPOINT) return { reason: `oss endpoint ${loc.endpoint} is not the stack's OSS fake` };
        return { bucket: ossBucket(this.env.OSS_ENDPOINT!, this.env.OSS_ACCESS_KEY!, this.env.OSS_SECRET_KEY!, loc.bucket), key: loc.key, where: `oss://${loc.bucket}` };
      case 'artifactory': {
        const base = `${this.env.ARTIFACTORY_URL ?? ''}/`;
        const url = String(loc.url ?? '');
        if (base === '/' || !url.startsWith(base)) return { reason: `artifactory url ${url} is not the stack's Artifactory stand-in` };
        return { bucket: artifactoryRepository(base, this.env.ARTIFACTORY_USER!, this.env.ARTIFACTORY_PASSWORD!), key: url.slice(base.length), where: `artifactory ${base}` };
      }
      case 'plugin': {
        // The e2e plugin `test` (images/build/build.sh) keeps each artifact as the S3 object `key` (a directory:
        // objects under `key/`) in the bucket its configuration names, as Argo's artifact-driver-s3 does.
        let conf: Doc = {};
        try { conf = (loadYaml(String(loc.configuration ?? '')) ?? {}) as Doc; } catch { /* below */ }
        const c = loc.name === 'test' && loc.key && conf.bucket ? this.s3For(String(conf.endpoint)) : null;
        if (!c) return { reason: `plugin ${loc.name} (endpoint ${conf.endpoint}) is not read back by the runner` };
        return { bucket: s3Bucket(c, conf.bucket), key: loc.key, where: `plugin ${loc.name} s3://${conf.endpoint}/${conf.bucket}` };
      }
      default:
        return { reason: `driver ${driver ?? 'none'} is not read back by the runner` };
    }
  }

  destroy(): void {
    for (const c of this.s3.values()) c.destroy();
  }
}

/** The artifact GC strategy in force for an output artifact (its own, else the workflow's). */
export function gcStrategy(a: Doc, wf: Doc): string {
  return a.artifactGC?.strategy || wf.spec?.artifactGC?.strategy || '';
}

/** The workflow's own pods (a node's), not the artifact GC pods the controller adds on completion. */
async function nodePods(name: string): Promise<Doc[]> {
  const pods = await kubectlJsonAsync<Doc>(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${name}`]);
  return ((pods?.items ?? []) as Doc[]).filter((p) => p.metadata.annotations?.['workflows.argoproj.io/node-name']);
}

const finished = (p: Doc) => ['Succeeded', 'Failed'].includes(p.status?.phase)
  || [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].every((c: Doc) => c.state?.terminated);

/**
 * A workflow can end before its pods do: a shutdown fails the node at once, while the stopped containers
 * still exit and the wait container still reports. Read the store, the TaskResults and the container
 * statuses only once every pod has finished (at most 60 s), so that the comparison does not race them.
 */
async function podsFinished(name: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until && !(await nodePods(name)).every(finished)) await sleep(1000);
}

/** When each pod node's last container ended, in seconds from the pod's start (status.startTime). */
function podTimings(pods: Doc[], nodes: Record<string, Doc>, wfName: string): Record<string, PodTiming> {
  const byName = new Map(Object.values(nodes).map((n) => [String(n.name), n]));
  const out: Record<string, PodTiming> = {};
  for (const p of pods) {
    const n = byName.get(String(p.metadata.annotations?.['workflows.argoproj.io/node-name'] ?? ''));
    const start = Date.parse(p.status?.startTime ?? '');
    const ends = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
      .map((c: Doc) => Date.parse(c.state?.terminated?.finishedAt ?? '')).filter((t: number) => !Number.isNaN(t));
    if (!n || Number.isNaN(start) || ends.length === 0) continue;
    out[nodeKey(n, wfName)] = { ended: (Math.max(...ends) - start) / 1000, ...(p.spec?.activeDeadlineSeconds ? { deadline: Number(p.spec.activeDeadlineSeconds) } : {}) };
  }
  return out;
}

/** The workflow's TaskResults now, by name (the controller deletes them when the workflow completes). */
export async function readTaskResults(name: string): Promise<Map<string, Doc>> {
  const results = await kubectlJsonAsync<Doc>(['get', 'workflowtaskresults', '-l', `workflows.argoproj.io/workflow=${name}`]);
  return new Map(((results?.items ?? []) as Doc[]).map((r) => [r.metadata.name as string, r]));
}

/**
 * seen: finalized TaskResults the runner read while the workflow ran — the controller deletes them once the
 * workflow completes, so what is still there afterwards is only what it has not deleted yet. Only finalized
 * versions (report-outputs-completed=true) are compared: an earlier version says when it was read, not what
 * the executor reported.
 */
export async function takeSnapshot(wf: Doc, stores: Stores, seen = new Map<string, Doc>()): Promise<Snapshot> {
  const name = wf.metadata.name as string;
  registerGeneratedNames(wf);
  await podsFinished(name);
  const nodes = (wf.status?.nodes ?? {}) as Record<string, Doc>;
  const out: Snapshot = { phase: wf.status?.phase ?? '', message: normalise(wf.status?.message ?? '', name), nodes: {}, artifacts: {}, taskResults: {}, containers: {} };
  const textNormaliser = artifactTextNormaliser(wf, name);
  const pods = await nodePods(name);
  const podOfNode = new Map(pods.map((p) => [String(p.metadata.annotations?.['workflows.argoproj.io/node-name'] ?? ''), String(p.metadata.name)]));
  out.timings = podTimings(pods, nodes, name);
  // A Retry node's outputs are its last attempt's: the same main.log, whose streams are read from that attempt's pod.
  const podOfArtifact = new Map<string, string>();
  for (const n of Object.values(nodes)) {
    const pod = podOfNode.get(String(n.name));
    if (pod) for (const a of (n.outputs?.artifacts ?? []) as Doc[]) podOfArtifact.set(JSON.stringify(a), pod);
  }
  for (const n of Object.values(nodes)) {
    if (GROUPS.has(n.type)) continue;
    const key = nodeKey(n, name);
    out.nodes[key] = { phase: n.phase, ...(n.message ? { message: normalise(String(n.message), name) } : {}), ...(n.outputs ? { outputs: normalise(n.outputs, name) } : {}) };
    for (const a of (n.outputs?.artifacts ?? []) as Doc[]) {
      const akey = `${key} ${a.name}`;
      if (gcStrategy(a, wf) === 'OnWorkflowCompletion') {
        // Artifact GC may already have deleted it: read after deletion instead (Result.gc).
        out.artifacts[akey] = { kind: 'not-fetched', reason: 'deleted by artifact GC on completion' };
        continue;
      }
      const loc = await stores.locate(a, wf);
      if ('reason' in loc) { out.artifacts[akey] = { kind: 'not-fetched', reason: loc.reason }; continue; }
      const d = normalise(await digestAt(loc.bucket, loc.key, loc.where, textNormaliser), name);
      const t = templateOf(n, wf);
      out.artifacts[akey] = a.name === 'main-logs' && (t?.resource || t?.data) ? executorLog(d) : a.name === 'main-logs' ? await byStreams(d, podOfNode.get(String(n.name)) ?? podOfArtifact.get(JSON.stringify(a)), textNormaliser) : d;
    }
  }
  const byId = new Map(Object.entries(nodes).map(([id, n]) => [id, nodeKey(n, name)]));
  const final = (r: Doc) => r.metadata?.labels?.['workflows.argoproj.io/report-outputs-completed'] === 'true';
  const now = [...(await readTaskResults(name))].filter(([, r]) => final(r));
  for (const r of new Map([...seen, ...now]).values()) {
    const key = byId.get(r.metadata.name) ?? normalise(r.metadata.name, name);
    out.taskResults[key] = normalise({ labels: r.metadata.labels, annotations: r.metadata.annotations ?? {}, outputs: r.outputs, progress: r.progress }, name);
  }
  if (wf.spec?.podGC) {
    out.containers = { skipped: `podGC ${JSON.stringify(wf.spec.podGC)}: pods may be gone before they are read` };
  } else if (Object.values(wf.spec?.ttlStrategy ?? {}).some((s) => Number(s) < 60)) {
    // The workflow is deleted soon after it completes, and its pods with it (ownerReferences): read or not by chance.
    out.containers = { skipped: `ttlStrategy ${JSON.stringify(wf.spec.ttlStrategy)}: pods may be gone before they are read` };
  } else {
    const containers: Record<string, Record<string, ContainerSummary>> = {};
    for (const p of await nodePods(name)) {
      const node = normalise(p.metadata.annotations?.['workflows.argoproj.io/node-name'] ?? p.metadata.name, name);
      const statuses: Record<string, ContainerSummary> = {};
      for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])] as Doc[]) {
        const t = c.state?.terminated;
        statuses[c.name] = t
          ? { state: 'terminated', exitCode: t.exitCode, ...(t.reason ? { reason: t.reason } : {}), ...(t.message ? { message: normalise(String(t.message), name) } : {}) }
          : { state: Object.keys(c.state ?? {})[0] ?? 'unknown' };
      }
      containers[node] = statuses;
    }
    out.containers = containers;
  }
  return out;
}

/**
 * main.log of a pod's main container, compared stream by stream when it is an interleaving of the container's
 * stdout and stderr (container-streams.ts); as archived otherwise (then a difference shows).
 */
async function byStreams(d: ArtifactDigest, pod: string | undefined, norm: (t: string) => string): Promise<ArtifactDigest> {
  if (d.kind !== 'raw' || d.text === undefined || !pod) return d;
  const streams = await containerStreams(pod, 'main');
  if (!streams) { log(`main.log of ${pod}: its streams cannot be read; compared as archived`); return d; }
  const [text, stdout, stderr] = [norm(d.text), norm(streams.stdout), norm(streams.stderr)];
  if (!isInterleaving(text, stdout, stderr)) { log(`main.log of ${pod} is not an interleaving of its stdout and stderr; compared as archived`); return d; }
  return { kind: 'container-log', stdout, stderr };
}

/** Once the workflow is gone: whether each artifact that artifact GC owns was deleted from its store. */
export async function gcOutcome(wf: Doc, stores: Stores): Promise<Record<string, string>> {
  const name = wf.metadata.name as string;
  const out: Record<string, string> = {};
  for (const n of Object.values((wf.status?.nodes ?? {}) as Record<string, Doc>)) {
    for (const a of (n.outputs?.artifacts ?? []) as Doc[]) {
      const strategy = gcStrategy(a, wf);
      if (!strategy || strategy === 'Never') continue;
      const loc = await stores.locate(a, wf);
      const akey = `${nodeKey(n, name)} ${a.name}`;
      if ('reason' in loc) { out[akey] = `not checked: ${loc.reason}`; continue; }
      const d = await digestAt(loc.bucket, loc.key, loc.where);
      out[akey] = d.kind === 'missing' ? `deleted (${strategy})` : `PRESENT after ${strategy}`;
    }
  }
  return out;
}
