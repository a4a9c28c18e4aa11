/**
 * Which workflows the e2e runner runs: every `Workflow` document of Argo's examples (as Argo's own
 * examples test, test/e2e/examples_test.go) and of our scenarios (test/e2e/scenarios, ids `scenario/…`),
 * parsed by Argo's own code (`argo-parse-manifests`, built from the v4.1.2 source by stack/build.sh):
 * a document Go cannot parse becomes a failing row, never a silent omission.
 *
 * Edited variants (test/e2e/variants, ids `variant/…`) point examples that need the internet at the
 * stack's peers; their placeholders (`@HTTPBIN@`, …) are filled in from .stack/env.
 *
 * Each example carries what is expected of it: Argo's examples test requires `Succeeded`; examples
 * labelled `workflows.argoproj.io/no-test: expected-failure` must fail; a scenario states its phase in
 * the annotation `argoexec-ts.e2e/expect-phase`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { stackMinio } from './artifact-digest.ts';
import { ROOT, stackEnv } from './env.ts';
import { shutdownOncePodRuns, type WatchFactory } from './needs.ts';
import { gitHttpRoot, rewriteForStack } from './stack-hosts.ts';

export type Doc = Record<string, any>;
export interface Example {
  file: string; // id of the file: relative to the examples dir, or scenario/…
  index: number; // index among the file's Workflow documents
  doc: Doc;
  id: string; // file (+ #index when a file holds several workflows)
  skip?: string;
  parseError?: string; // Argo's parser refused the document: the row fails
  expect: string[]; // acceptable final phases
  random: boolean; // draws random numbers: compared by structure and types
  /** Assertions of Argo's own tests on the finished workflow (failures; empty = all hold). */
  /** originalName: the fixed name the workflow had, when the runner generated one instead. */
  check?: (wf: Doc, originalName?: string) => Promise<string[]>;
  /** Rows with the same serial group run one at a time (they share store keys). */
  serial?: string;
  /** More of those assertions, once the workflow has been deleted and is gone (artifact GC on deletion). */
  checkAfterDeletion?: (wf: Doc) => Promise<string[]>;
  /** Runs with no other row running (a ResourceQuota, a template name another row defines differently). */
  alone?: boolean;
  /** Before each executor's run (needs.ts: a bucket that must not exist yet). */
  before?: () => Promise<void>;
  /** After each executor's run, whatever its outcome. */
  after?: () => Promise<void>;
  /** It serves on a port: its pods get a network namespace of their own (runner: podMetadata label, probes as exec). */
  podNetns?: boolean;
  /** A watch for each run: acts on the running workflow and reports what it missed (needs.ts). */
  watch?: WatchFactory;
  /** Seconds it needs by design, when more than the runner's timeout (E2E_TIMEOUT). */
  minTimeoutS?: number;
  /** Its artifact GC fails by design (ArtifactGCError): the objects staying in the store is not a failure. */
  artifactGcFails?: boolean;
  /** Its finalizer stays by design: removed once deleted, as Argo's RemoveFinalizers. */
  removeFinalizers?: boolean;
}

/** Rows that start ~100 pods at once: run alone (see selectExamples). */
const FAN_OUT = new Set(['data-transformations.yaml', 'variant/data-transformations.yaml']);

/** Examples that cannot give the same result twice here, whatever the executor: why (their variants run instead). */
const UNREPEATABLE: Record<string, string> = {
  'data-transformations.yaml': 'its data template lists all of my-bucket, the e2e runs\' shared artifact repository, and starts a pod per `.log` object: hundreds after a full run (it timed out alone at 360 s), and a different set for each executor',
};

/** Examples that need a system the stack has no stand-in for: why. */
const NO_STAND_IN: Record<string, string> = {
  'k8s-resource-log-selector.yaml': 'creates a Kubeflow TFJob and waits for status.replicaStatuses.Worker.succeeded = 2: that needs the Kubeflow training operator running TensorFlow workers (its image is a placeholder: "Placeholder for TensorFlow distributed training image"); both executors fail at `kubectl create` without the CRD',
};

/**
 * Examples that keep state in the stack's store from one run to the next (that is their point): the objects removed
 * before each run, so that both executors start from the same store.
 */
const STATE_BETWEEN_RUNS: Record<string, { bucket: string; key: string; why: string }> = {
  'work-avoidance.yaml': { bucket: 'my-bucket', key: 'work-avoidance-markers', why: 'its markers, saved on exit and loaded at start, let a run skip the steps an earlier run did' },
};

/** Delete one object of the stack's MinIO (absent: nothing to do). */
async function deleteStackObject(bucket: string, key: string): Promise<void> {
  const s3 = stackMinio();
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } finally {
    s3.destroy();
  }
}

/** Rows that take longer than the runner's timeout by design: seconds, and why. */
const SLOW: Record<string, [number, string]> = {
  'synchronization-mutex-tmpl-level.yaml': [420, 'five 50 s steps behind one mutex run one after the other'],
};

/**
 * The phase an example ends in by its own design, where its `no-test` label (or its folder in Argo's test-e2e) says
 * nothing or the opposite; Argo's CI never runs these files, so that guess is ours to correct. Each reason is read
 * from the workflow itself (or the Go test that runs the same design).
 */
const EXPECT: Record<string, [string[], string]> = {
  'timeouts-workflow.yaml': [['Failed'], 'spec.activeDeadlineSeconds 30 over steps that sleep a day'],
  'step-level-timeout.yaml': [['Failed'], '`sleep 30s` under a 10 s template timeout, and sleep1 continues on error only'],
  'pod-gc-strategy.yaml': [['Failed'], 'its `fail` step exits 1'],
  'pod-gc-strategy-with-label-selector.yaml': [['Failed'], 'its `fail` step exits 1'],
  'loops-arbitrary-sequential-steps.yaml': [['Failed'], 'the fourth item exits 1 under failFast'],
  'continue-on-fail.yaml': [['Succeeded'], 'its failing step continues on failure (Argo\'s TestContinueOnFail: Succeeded)'],
  'template-defaults.yaml': [['Succeeded', 'Failed'], 'its step draws its exit code (random.choice([0, 1, 1]), three tries)'],
  'work-avoidance.yaml': [['Succeeded', 'Failed'], 'each of its three echo steps tosses a coin ($RANDOM) and exits 1 on heads'],
};

/** Images the local cluster has (images/build/build.sh), as examples name them. */
export const LOCAL_IMAGES = new Set([
  'busybox', 'busybox:latest', 'busybox:1.36', 'alpine', 'alpine:latest', 'alpine:3.23', 'alpine:3.7',
  'python:alpine3.23', 'python:3', 'debian', 'debian:latest', 'debian:bookworm', 'debian:9.2', 'debian:9.4', 'debian:9.5-slim',
  'ubuntu', 'ubuntu:latest', 'node:9.1-alpine', 'stedolan/jq:latest',
  // loops-param-argument.yaml's {{item.image}}:{{item.tag}} values
  'debian:9.1', 'debian:8.9', 'alpine:3.6', 'ubuntu:17.10',
  'curlimages/curl:latest', 'nginx:1.13', 'nginx:latest', 'influxdb:1.2', 'quay.io/argoproj/argoexec:latest',
  'bitnamilegacy/kubectl:1.15.3-ol-7-r165', 'quay.io/argoproj/argocli:latest',
  'argoproj/argosay:v2', 'argoproj/argosay:v1', 'docker/whalesay', 'docker/whalesay:latest',
  // no shell: a musl-linked program with musl's loader, and a static program alone (images/build/hello.c)
  'localhost/e2e-musl:v1', 'localhost/e2e-scratch:v1',
]);

/** Every manifest file (.yaml, .yml, .json) under dir, sorted. */
export function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.(ya?ml|json)$/.test(name)) out.push(p);
  }
  return out;
}

/**
 * json: the document as sigs.k8s.io/yaml.YAMLToJSON gives it (what the runner submits); error: what Argo's strict
 * parser (common.ParseObjects) says; given: the document as Argo's e2e fixtures read it (Given.Workflow:
 * yaml.Unmarshal into the typed object, non-strict, then JSON), for the kinds Given reads.
 */
export interface ParsedDoc { kind: string; name?: string; json?: Doc; error?: string; given?: Doc }

/** Parse files with Argo's own parser (one process for all of them). */
export function parseManifests(files: string[]): Map<string, ParsedDoc[]> {
  const tool = join(stackEnv().STACK_BIN ?? '/var/cache/argoexec-ts/bin', 'argo-parse-manifests');
  const out = execFileSync(tool, files, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const byFile = new Map<string, ParsedDoc[]>();
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { file: string; docs: ParsedDoc[] | null };
    byFile.set(r.file, r.docs ?? []);
  }
  for (const f of files) if (!byFile.has(f)) throw new Error(`argo-parse-manifests printed nothing for ${f}`);
  return byFile;
}

function imagesOf(doc: unknown, acc = new Set<string>()): Set<string> {
  if (Array.isArray(doc)) for (const x of doc) imagesOf(x, acc);
  else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (k === 'image' && typeof v === 'string') acc.add(v);
      else imagesOf(v, acc);
    }
  }
  return acc;
}

/** The (Cluster)WorkflowTemplates a document references (workflowTemplateRef, templateRef). */
export function refs(doc: unknown, acc: { kind: string; name: string }[] = []): { kind: string; name: string }[] {
  if (Array.isArray(doc)) for (const x of doc) refs(x, acc);
  else if (doc && typeof doc === 'object') {
    const o = doc as Record<string, any>;
    if (o.workflowTemplateRef?.name) acc.push({ kind: o.workflowTemplateRef.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate', name: o.workflowTemplateRef.name });
    if (o.templateRef?.name) acc.push({ kind: o.templateRef.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate', name: o.templateRef.name });
    for (const v of Object.values(o)) refs(v, acc);
  }
  return acc;
}

const LOOPBACK = /^(?:https?:\/\/)?(?:127\.0\.0\.1|localhost)(?:[:/]|$)/;

/** Storage endpoints of a workflow's artifacts that are not on this machine (the stores' default endpoints included). */
function externalStores(doc: unknown, acc: string[] = []): string[] {
  if (Array.isArray(doc)) for (const x of doc) externalStores(x, acc);
  else if (doc && typeof doc === 'object') {
    const o = doc as Record<string, any>;
    for (const kind of ['s3', 'oss'] as const) {
      const ep = o[kind]?.endpoint;
      if (typeof ep === 'string' && ep && !ep.includes('{{') && !LOOPBACK.test(ep)) acc.push(ep);
    }
    if (o.azure && typeof o.azure === 'object' && typeof o.azure.endpoint === 'string' && !LOOPBACK.test(o.azure.endpoint)) acc.push(o.azure.endpoint.replace(/^(https?:\/\/[^/]+).*/, '$1'));
    // GCS goes to the stack's fake-gcs (STORAGE_EMULATOR_HOST in the controller's executor env): only its bucket is there
    if (o.gcs && typeof o.gcs === 'object' && o.gcs.bucket && o.gcs.bucket !== (stackEnv().GCS_BUCKET ?? 'my-bucket')) acc.push(`storage.googleapis.com (bucket ${o.gcs.bucket})`);
    // a Google service-account key: the emulator takes none (the executors reach it without credentials)
    else if (o.gcs && typeof o.gcs === 'object' && o.gcs.serviceAccountKeySecret) acc.push(`storage.googleapis.com (a service-account key from Secret ${o.gcs.serviceAccountKeySecret.name})`);
    if (o.hdfs && typeof o.hdfs === 'object') for (const a of (o.hdfs.addresses ?? []) as string[]) if (!LOOPBACK.test(a)) acc.push(a);
    // ssh://user@host…, scp-like user@host:path, http(s)://, git://: the host must be this machine
    if (o.git && typeof o.git === 'object' && typeof o.git.repo === 'string' && !LOOPBACK.test(o.git.repo.replace(/^[a-z+]+:\/\//, '').replace(/^[^@/]*@/, ''))) acc.push(o.git.repo.replace(/^(\w+:\/\/[^/]+|[^:]+).*/, '$1'));
    for (const v of Object.values(o)) externalStores(v, acc);
  }
  return [...new Set(acc)];
}

/** http(s) hosts a workflow's HTTP templates / artifacts fetch that are not on this machine. */
function externalUrls(doc: unknown, acc: string[] = []): string[] {
  if (Array.isArray(doc)) for (const x of doc) externalUrls(x, acc);
  else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if ((k === 'url' || k === 'value' || k === 'default') && typeof v === 'string' && /^https?:\/\//.test(v) && !/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(v)) acc.push(v.replace(/^(https?:\/\/[^/]+).*/, '$1'));
      else externalUrls(v, acc);
    }
  }
  return [...new Set(acc)];
}

/**
 * Whether a workflow (or its sidecars, daemons, plugins) listens on a port: declared ports or network probes, or a
 * server started by its commands. Pods share the host's network here, so such a workflow's pods get a network
 * namespace of their own (podNetns: the runner labels them, stack/cluster/cni/argoexec-e2e-pod). A daemon that only
 * sleeps (Argo's daemon tests) listens on nothing and keeps the host network.
 */
export function servesOnAPort(doc: Doc): boolean {
  const text = JSON.stringify(doc);
  return /"(ports|readinessProbe|livenessProbe|startupProbe)":/.test(text) || /\bnc -l|http\.server|HTTPServer|\bnginx\b|\binfluxd\b|\.listen\(/.test(text);
}

/**
 * hostAliases: the kubelet writes them into the /etc/hosts it manages, and it manages that file only for pods that do
 * not use the host's network, so these workflows' pods get a network namespace of their own (nothing serves on it).
 */
export function hasHostAliases(doc: Doc): boolean {
  return JSON.stringify(doc).includes('"hostAliases":');
}

/** Pods of this workflow (or template) get a network namespace of their own: they serve on a port, or need hostAliases. */
export function needsOwnNetns(doc: Doc): boolean {
  return servesOnAPort(doc) || hasHostAliases(doc);
}

/**
 * Why a workflow cannot run on the local cluster, or undefined: its no-test label (unless included), an
 * image without a local stand-in, a URL off this machine, a port to serve, a (Cluster)WorkflowTemplate that
 * does not exist.
 */
export function environmentSkip(doc: Doc, templates: Map<string, Doc>, include: Set<string>): string | undefined {
  let skip: string | undefined;
  const noTest = doc.metadata?.labels?.['workflows.argoproj.io/no-test'];
  const all = new Set(imagesOf(doc));
  for (const r of refs(doc)) {
    const t = templates.get(`${r.kind}/${r.name}`);
    if (t) imagesOf(t, all);
    // the namespaced controller still reads ClusterWorkflowTemplates: it has the RBAC (createClusterWorkflowTemplateInformer)
    if (!t) skip ??= `references ${r.kind} ${r.name}, which is not defined`;
  }
  // An image chosen at run time from the workflow's own literal values ({"image": "debian", "tag": "9.1"}): those.
  const literal = [...JSON.stringify(doc).matchAll(/\\?"image\\?":\s*\\?"([^"\\]+)\\?",\s*\\?"tag\\?":\s*\\?"([^"\\]+)\\?"/g)].map((m) => `${m[1]}:${m[2]}`);
  const templated = [...all].filter((i) => i.includes('{{'));
  if (templated.length && literal.length) { for (const i of literal) all.add(i); for (const i of templated) all.delete(i); }
  const missing = [...all].filter((i) => !LOCAL_IMAGES.has(i) && !i.includes('{{'));
  if (noTest && !include.has(noTest)) skip = `labelled no-test: ${noTest}`;
  else if (!doc.metadata?.name && !doc.metadata?.generateName) skip = 'has neither metadata.name nor metadata.generateName, so no apiserver accepts it';
  // what is off this machine first: a local stand-in could replace an image, not the internet's content
  else if (externalUrls(doc).length) skip ??= `needs the internet: ${externalUrls(doc).join(', ')}`;
  else if (externalStores(doc).length) skip ??= `needs a store off this machine: ${externalStores(doc).join(', ')}`;
  else if (missing.length) skip ??= `image not available locally: ${missing.join(', ')}`;
  else if ([...all].some((i) => i.includes('{{'))) skip ??= `image chosen at run time (${[...all].filter((i) => i.includes('{{')).join(', ')}) from values such as debian:9.1 or ubuntu:17.10, not all of them local`;
  else if (((doc.spec?.templates ?? []) as Doc[]).some((t) => /containerPort/.test(String(t.resource?.manifest ?? '')))) skip ??= 'a resource template starts a server (a StatefulSet on port 80 behind a Service) that a later step reaches by its cluster DNS name: the local cluster has no cluster DNS or service addresses (the network rule), and pods made outside the workflow share the host network';
  else if (/random\.choice\(\[0, 1, 1\]\); sys\.exit/.test(JSON.stringify(doc)) && !/random\.seed\(|"retryStrategy"/.test(JSON.stringify(doc))) skip ??= 'its `flakey` step exits 0 or 1 at random (random.choice([0, 1, 1])) with no retry, so the outcome differs from run to run whatever the executor';
  else if (JSON.stringify(doc).includes('YOUR_WEBHOOK_URL_HERE')) skip ??= 'posts to a Slack webhook the user fills in (YOUR_WEBHOOK_URL_HERE)';
  // `database` locks: cluster-up configures the controller's synchronization database (the stack's PostgreSQL)
  else if (/"resourceClaims":/.test(JSON.stringify(doc))) skip ??= 'requests a device through Dynamic Resource Allocation (resourceClaims): needs a DRA driver — its ResourceSlices and the kubelet plugin that prepares the device — and the ResourceClaimTemplates the header names; the local cluster has no device driver, so the pod never starts';
  else if (doc.metadata?.name === 'forever') skip ??= 'never completes by design (1,000 one-second steps, past the runner\'s timeout)';
  else if (/\bnc -[a-z]*k/.test(JSON.stringify(doc))) skip ??= 'runs `nc -k` (keep listening): the alpine stand-in is Debian\'s static busybox, whose nc has no -k, and whose shell runs its own applet before any wrapper';
  // cluster-up starts the controller with ARGO_WORKFLOW_LEVEL_EXECUTOR_PLUGINS=true; the plugin serves in the agent pod's own namespace
  else if (doc.spec?.executorPlugins && (process.env.ARGO_VERSION ?? '').startsWith('v4.0.')) skip ??= 'workflow-level executor plugins (spec.executorPlugins) came with Argo v4.1';
  return skip;
}

export interface Selection {
  examples: Example[];
  support: Doc[]; // ConfigMaps, PVCs and WorkflowTemplates of the examples, applied before submitting
  missing: string[]; // listed ids that exist nowhere
}

export interface SelectOptions {
  examplesDir: string;
  list?: Set<string>; // ids (file paths) to keep
  filter?: RegExp;
  include: Set<string>; // no-test label values that run anyway
}

function fileText(path: string | undefined): string {
  try { return path ? readFileSync(path, 'utf8') : ''; } catch { return ''; }
}

/** The values of the variants' placeholders, from .stack/env. */
function placeholders(): Record<string, string> {
  const env = stackEnv();
  const hostPort = (url?: string) => (url ?? '').replace(/^https?:\/\//, '');
  return {
    MINIO: hostPort(env.S3_MINIO_ENDPOINT), VERSITY: hostPort(env.S3_VERSITY_ENDPOINT),
    S3_ACCESS_KEY: env.S3_MINIO_ACCESS_KEY ?? '', S3_SECRET_KEY: env.S3_MINIO_SECRET_KEY ?? '',
    AZURITE_ENDPOINT: env.AZURITE_BLOB_ENDPOINT ?? '', AZURITE_KEY: env.AZURITE_ACCOUNT_KEY ?? '',
    GIT_SSH_URL: env.GIT_SSH_URL ?? '', GIT_SSH_SCP_URL: env.GIT_SSH_SCP_URL ?? '', GIT_SSH_KEY: fileText(env.GIT_SSH_KEY_FILE),
    OSS_ENDPOINT: env.OSS_ENDPOINT ?? '', OSS_ACCESS_KEY: env.OSS_ACCESS_KEY ?? '', OSS_SECRET_KEY: env.OSS_SECRET_KEY ?? '',
    HTTPBIN: env.HTTPBIN_URL ?? '', GIT_URL: env.GIT_URL ?? '', GIT_HTTP_URL: env.GIT_HTTP_URL ?? '', GIT_HTTP_AUTH_URL: env.GIT_HTTP_AUTH_URL ?? '',
    // the git HTTP server's root: the stand-in repositories stack/up.sh makes beside argo-test.git (argoproj/argo-workflows.git)
    GIT_HTTP_ROOT: gitHttpRoot(env.GIT_HTTP_URL) ?? '',
    HDFS_ADDR: env.HDFS_ADDR ?? '',
    ARTIFACTORY_URL: env.ARTIFACTORY_URL ?? '', ARTIFACTORY_USER: env.ARTIFACTORY_USER ?? '', ARTIFACTORY_PASSWORD: env.ARTIFACTORY_PASSWORD ?? '',
  };
}

/** A variant's document with its placeholders filled in; an unknown or empty one is an error. */
export function fill(doc: Doc, values: Record<string, string>): Doc {
  const text = JSON.stringify(doc).replace(/@([A-Z0-9_]+)@/g, (m, k: string) => {
    const v = values[k];
    if (!v) throw new Error(`placeholder ${m} has no value (is the stack up?)`);
    return JSON.stringify(v).slice(1, -1);
  });
  return JSON.parse(text) as Doc;
}

/**
 * The edited variants of each example or fixture, from their first line (`# variant of examples/X.yaml + Y.yaml: …`,
 * `# variant of test/e2e/functional/X.yaml: …`): id → variant ids. Ids as the runner names rows: examples by their
 * path under examples/, Argo's fixtures as e2e/functional/… and e2e/expectedfailures/….
 */
export function variantsByOriginal(variantsDir = join(ROOT, 'test/e2e/variants')): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const path of walk(variantsDir)) {
    const first = readFileSync(path, 'utf8').split('\n', 1)[0] ?? '';
    const m = /^# variant of ([^:]+?)(?::|$)/.exec(first);
    if (!m) continue;
    const head = m[1]!.replace(/\s+over SSH$/, '').replace(/\s*\(.*\)\s*$/, '');
    const dir = /^examples\/|^test\/e2e\/(functional|expectedfailures)\//.exec(head)?.[0] ?? '';
    for (const part of head.split(/\s*\+\s*/)) {
      const rel = part.startsWith(dir) ? part.slice(dir.length) : part;
      const id = dir.startsWith('test/e2e/') ? `${dir.slice('test/'.length)}${rel}` : rel;
      out.set(id, [...out.get(id) ?? [], `variant/${relative(variantsDir, path)}`]);
    }
  }
  return out;
}

/** A skip reason, with the variants that run the same workflow on the stack (of any of its ids) when there are any. */
export function withVariants(skip: string | undefined, variants: Map<string, string[]>, ...ids: (string | undefined)[]): string | undefined {
  const v = [...new Set(ids.flatMap((id) => (id ? variants.get(id) ?? [] : [])))];
  return skip && v.length ? `${skip}; ${v.join(' and ')} run${v.length > 1 ? '' : 's'} it on the stack` : skip;
}

export function selectExamples(o: SelectOptions): Selection {
  const scenarios = join(ROOT, 'test/e2e/scenarios');
  const variants = join(ROOT, 'test/e2e/variants');
  const files = [...walk(o.examplesDir), ...walk(scenarios), ...walk(variants)];
  const parsed = parseManifests(files);
  const values = placeholders();
  const env = stackEnv();
  const peers = { minio: env.S3_MINIO_ENDPOINT, httpbin: env.HTTPBIN_URL };
  for (const path of files) {
    for (const d of parsed.get(path) ?? []) {
      if (!d.json) continue;
      if (path.startsWith(variants)) d.json = fill(d.json, values);
      // Argo's CI hosts (artifact-passing-explicit-plugin.yaml's `endpoint: minio:9000`) → the stack's peers
      else d.json = JSON.parse(rewriteForStack(JSON.stringify(d.json), peers)) as Doc;
    }
  }
  const idOf = (path: string) => (path.startsWith(scenarios) ? `scenario/${relative(scenarios, path)}` : path.startsWith(variants) ? `variant/${relative(variants, path)}` : relative(o.examplesDir, path));
  const templates = new Map<string, Doc>();
  const support: Doc[] = [];
  for (const path of files) {
    for (const d of parsed.get(path) ?? []) {
      if (!d.json) continue;
      if (d.kind === 'WorkflowTemplate' || d.kind === 'ClusterWorkflowTemplate') templates.set(`${d.kind}/${d.json.metadata?.name}`, d.json);
      if (['ConfigMap', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'PersistentVolumeClaim'].includes(d.kind) || (['Secret', 'ServiceAccount', 'Role', 'RoleBinding', 'CustomResourceDefinition'].includes(d.kind) && path.startsWith(variants))) support.push(d.json);
    }
  }
  const examples: Example[] = [];
  const variantsOf = variantsByOriginal(variants);
  const seen = new Set<string>();
  for (const path of files) {
    const file = idOf(path);
    if (o.list && !o.list.has(file)) continue;
    if (o.filter && !o.filter.test(file)) continue;
    seen.add(file);
    const wfs = (parsed.get(path) ?? []).filter((d) => d.kind === 'Workflow');
    wfs.forEach((d, index) => {
      const doc = d.json ?? {};
      const id = wfs.length > 1 ? `${file}#${index}` : file;
      const noTest = doc.metadata?.labels?.['workflows.argoproj.io/no-test'];
      const expectAnn = doc.metadata?.annotations?.['argoexec-ts.e2e/expect-phase'];
      const expect = expectAnn ? String(expectAnn).split('|') : EXPECT[file]?.[0] ?? (noTest === 'expected-failure' ? ['Failed', 'Error'] : ['Succeeded']);
      const ex: Example = { file, index, doc, id, expect, random: /random|RANDOM/.test(JSON.stringify(doc)) };
      if (d.error) ex.parseError = d.error;
      ex.skip = withVariants(environmentSkip(doc, templates, o.include) ?? UNREPEATABLE[file] ?? NO_STAND_IN[file], variantsOf, id);
      if (needsOwnNetns(doc)) ex.podNetns = true;
      // A fan-out of ~100 pods (data-transformations: one pod per log file) beside other rows swamps the one 2-CPU
      // node (hundreds of pods Pending, Init and Terminating at once): it runs alone.
      if (FAN_OUT.has(file)) ex.alone = true;
      if (SLOW[file]) ex.minTimeoutS = SLOW[file]![0];
      const state = STATE_BETWEEN_RUNS[file];
      if (state) ex.before = () => deleteStackObject(state.bucket, state.key);
      // scenarios (test/e2e/scenarios): shut the workflow down once its main container runs
      const shutdown = doc.metadata?.annotations?.['argoexec-ts.e2e/shutdown-when-running'];
      if (shutdown) ex.watch = shutdownOncePodRuns(String(shutdown));
      if (ex.parseError) delete ex.skip; // a parse error is a failure, never a skip
      examples.push(ex);
    });
    if (wfs.length === 0 && o.list) examples.push({ file, index: 0, doc: {}, id: file, expect: ['Succeeded'], random: false, parseError: 'no Workflow document in the file' });
  }
  const missing = o.list ? [...o.list].filter((id) => !seen.has(id)) : [];
  return { examples, support, missing };
}
