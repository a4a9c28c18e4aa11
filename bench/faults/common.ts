/** Shared pieces of the fault runner: result rows, kept logs, data sets with their sha256, verification in S3. */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GO_EXECUTOR, TS_EXECUTOR, type Executor, type PodSim } from '../../test/support/pod-sim.ts';
import type { RunResult } from '../../test/support/sandbox.ts';
import { BUCKET, s3 } from '../../test/wait/helpers.ts';
import { PROJECT } from '../../test/support/sandbox.ts';

export const MiB = 1024 * 1024;
export const EXECUTORS: Executor[] = (process.env.FAULTS_EXECUTORS ?? 'ts,go').split(',').map((n) => (n === 'go' ? GO_EXECUTOR : TS_EXECUTOR));
/** Runs of ours per S3 scenario and direction (5 × 5 faults × 2 directions = 50). */
export const RUNS = Number(process.env.FAULTS_RUNS ?? 5);
/** Runs of the Go reference per S3 scenario and direction: its figures are for comparison, ours are the goal. */
export const GO_RUNS = Number(process.env.FAULTS_GO_RUNS ?? 1);
/** Runs per API-outage phase and executor (13 × 4 phases = 52 workflows each). */
export const API_RUNS = Number(process.env.FAULTS_API_RUNS ?? 13);
export const FAULTS_DIR = join(PROJECT, '.stack', 'faults');
export const LOG_DIR = join(FAULTS_DIR, 'logs');
/** The executor's user and group in the image (USER 8737:0, as upstream's): init and wait run as it, main as root. */
export const EXECUTOR_USER = '8737:0';

/** One line of the report: a scenario, one executor, its runs. */
export interface Row {
  group: string;
  scenario: string;
  executor: Executor['name'];
  runs: number;
  ok: number;
  stuck: number;
  /** Failed, and said so (non-zero exit with a message): not lost silently. */
  reported: number;
  /** Outputs missing although the executor reported success (or never reported at all). */
  lost: number;
  corrupted: number;
  /** One line: the message, or what was observed. */
  notes: string[];
}

export const rows: Row[] = [];

export function row(group: string, scenario: string, executor: Executor['name']): Row {
  let r = rows.find((x) => x.group === group && x.scenario === scenario && x.executor === executor);
  if (!r) rows.push(r = { group, scenario, executor, runs: 0, ok: 0, stuck: 0, reported: 0, lost: 0, corrupted: 0, notes: [] });
  return r;
}

export function note(r: Row, text: string): void {
  const t = text.replace(/\s+/g, ' ').trim().slice(0, 300);
  if (t && !r.notes.includes(t) && r.notes.length < 3) r.notes.push(t);
}

/** Keep a container's output under .stack/faults/logs (the secrets scan reads them). */
export function keepLog(name: string, res: RunResult | undefined, extra = ''): void {
  mkdirSync(LOG_DIR, { recursive: true });
  if (!res) return;
  writeFileSync(join(LOG_DIR, `${name}.log`), `exit=${res.code} signal=${res.signal}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}\n${extra}`);
}

/** The one line an executor said about its failure: termination message, else its last error log line. */
export function failureLine(pod: PodSim, container: string, res: RunResult | undefined): string {
  let msg = '';
  try { msg = pod.terminationMessage(container).trim(); } catch { /* gone */ }
  if (msg) return msg.split('\n')[0] ?? '';
  const lines = (res?.stderr ?? '').split('\n').filter((l) => /level=(error|fatal)|^Error|error/i.test(l));
  return lines.at(-1) ?? (res ? `exit ${res.code ?? res.signal}` : '');
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 4 * MiB })) h.update(c as Buffer);
  return h.digest('hex');
}

export interface DataSet { big: string; bigSha: string; bigBytes: number; dir: string; files: Map<string, string> }

/** A random (incompressible) big file and a directory of many small files in 20 subdirectories. */
export async function makeData(base: string, bigBytes: number, nFiles: number): Promise<DataSet> {
  mkdirSync(base, { recursive: true });
  const big = join(base, 'big.bin');
  const fd = openSync(big, 'w', 0o644);
  const block = randomBytes(4 * MiB);
  for (let left = bigBytes; left > 0; left -= block.length) { writeSync(fd, block, 0, Math.min(left, block.length)); block[0] = (block[0]! + 1) & 255; block[block.length - 1] = (block[block.length - 1]! + 7) & 255; }
  closeSync(fd);
  const dir = join(base, 'dir');
  const files = new Map<string, string>();
  for (let i = 0; i < nFiles; i++) {
    const rel = `d${String(i % 20).padStart(2, '0')}/f${String(i).padStart(5, '0')}.dat`;
    mkdirSync(join(dir, rel, '..'), { recursive: true, mode: 0o755 });
    const data = randomBytes(i % 97 === 0 ? 0 : 1 + ((i * 7919) % 16384));
    writeFileSync(join(dir, rel), data, { mode: 0o644 });
    files.set(rel, createHash('sha256').update(data).digest('hex'));
  }
  return { big, bigSha: await sha256File(big), bigBytes, dir, files };
}

export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p); else out.push(relative(root, p));
    }
  };
  try { if (statSync(root).isDirectory()) walk(root); } catch { /* missing */ }
  return out;
}

export async function pool<T>(items: T[], n: number, f: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => { for (let t = queue.shift(); t !== undefined; t = queue.shift()) await f(t); }));
}

export async function s3Sha(key: string): Promise<string | undefined> {
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const h = createHash('sha256');
    for await (const c of r.Body as AsyncIterable<Uint8Array>) h.update(c);
    return h.digest('hex');
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  }
}

/** The sha256 of each file entry of a tar.gz object (Argo's default archive), or undefined when there is no object. */
export async function s3TgzShas(key: string): Promise<Map<string, string> | undefined> {
  let body: Readable;
  try {
    body = (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body as Readable;
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  }
  const out = new Map<string, string>();
  const extract = tarStream.extract();
  extract.on('entry', (header, stream, next) => {
    const h = createHash('sha256');
    stream.on('data', (c: unknown) => h.update(c as Buffer));
    stream.on('end', () => { if (header.type === 'file') out.set(header.name, h.digest('hex')); next(); });
    stream.resume();
  });
  await pipeline(body, createGunzip(), extract);
  return out;
}

export async function s3List(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const c of r.Contents ?? []) keys.push(c.Key as string);
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Objects under `prefix` checked against the data set: how many are missing, how many differ. */
export async function verifyS3(ds: DataSet, bigKey: string, dirPrefix: string): Promise<{ missing: number; corrupted: number; detail: string }> {
  let missing = 0;
  let corrupted = 0;
  const bad: string[] = [];
  const b = await s3Sha(bigKey);
  if (b === undefined) { missing++; bad.push('big.bin missing'); } else if (b !== ds.bigSha) { corrupted++; bad.push('big.bin differs'); }
  const have = new Set((await s3List(`${dirPrefix}/`)).map((k) => k.slice(dirPrefix.length + 1)));
  await pool([...ds.files], 16, async ([rel, sha]) => {
    if (!have.has(rel)) { missing++; return; }
    const got = await s3Sha(`${dirPrefix}/${rel}`);
    if (got === undefined) missing++;
    else if (got !== sha) { corrupted++; if (bad.length < 5) bad.push(`${rel} differs`); }
  });
  return { missing, corrupted, detail: bad.join(', ') };
}

/** Files on disk checked against the data set. */
export async function verifyDisk(ds: DataSet, big: string, dir: string): Promise<{ missing: number; corrupted: number; detail: string }> {
  let missing = 0;
  let corrupted = 0;
  const bad: string[] = [];
  try { if ((await sha256File(big)) !== ds.bigSha) { corrupted++; bad.push('big.bin differs'); } } catch { missing++; bad.push('big.bin missing'); }
  const have = new Set(listFiles(dir));
  await pool([...ds.files], 8, async ([rel, sha]) => {
    if (!have.has(rel)) { missing++; return; }
    if ((await sha256File(join(dir, rel))) !== sha) { corrupted++; if (bad.length < 5) bad.push(`${rel} differs`); }
  });
  return { missing, corrupted, detail: bad.join(', ') };
}

/** Upload the data set once, cleanly (straight to MinIO), as the source of the download scenarios. */
export async function uploadSource(ds: DataSet, prefix: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/big.bin`, Body: createReadStream(ds.big), ContentLength: ds.bigBytes }));
  await pool([...ds.files.keys()], 16, async (rel) => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/dir/${rel}`, Body: createReadStream(join(ds.dir, rel)), ContentLength: statSync(join(ds.dir, rel)).size }));
  });
}

/**
 * A Workflow object for a simulated pod's TaskResult to be owned by: without it the cluster's garbage collector
 * (when `make cluster-up` runs) deletes the TaskResult in the middle of a run. The controller-instanceid label keeps
 * the workflow-controller (no instance ID configured) away from it.
 */
export async function ownerWorkflow(name: string): Promise<{ name: string; uid: string; remove: () => Promise<void> }> {
  const { admin } = await import('../../test/wait/helpers.ts');
  const { NAMESPACE } = await import('../../test/support/pod-sim.ts');
  const path = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflows`;
  const r = await admin.req('POST', path, {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
    metadata: { name, labels: { 'workflows.argoproj.io/controller-instanceid': 'argoexec-faults-runner' } },
    spec: { entrypoint: 'x', templates: [{ name: 'x', suspend: {} }] },
  });
  if (r.status !== 201) throw new Error(`create Workflow ${name}: ${r.status} ${r.text}`);
  return { name, uid: r.body.metadata.uid as string, remove: async () => { await admin.req('DELETE', `${path}/${name}`); } };
}

/** The token every simulated executor container gets (set by `leastPrivilegeAccount`). */
export const executorToken: { value?: string; account?: string } = {};

/**
 * A ServiceAccount bound to the quick-start's emissary executor Role and nothing else, and a bound token for it
 * (TokenRequest, 2 h). The stack's argo/default account is also bound to the agent, artifactgc, memoizer,
 * pod-manager and workflow-manager Roles (for the e2e examples), so its token would prove nothing.
 */
export async function leastPrivilegeAccount(): Promise<void> {
  const { admin } = await import('../../test/wait/helpers.ts');
  const { NAMESPACE } = await import('../../test/support/pod-sim.ts');
  const name = 'argoexec-faults-executor';
  const ok = (r: { status: number; text: string }, what: string): void => { if (r.status >= 300 && r.status !== 409) throw new Error(`${what}: ${r.status} ${r.text}`); };
  ok(await admin.req('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }), 'create ServiceAccount');
  ok(await admin.req('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'executor' },
    subjects: [{ kind: 'ServiceAccount', name, namespace: NAMESPACE }],
  }), 'create RoleBinding');
  const t = await admin.req('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${name}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } });
  if (t.status !== 201) throw new Error(`TokenRequest: ${t.status} ${t.text}`);
  executorToken.value = t.body.status.token as string;
  executorToken.account = `${NAMESPACE}/${name}`;
}

/** Delete every object under `prefix` (the run's data: several GiB per run). */
export async function deletePrefix(prefix: string): Promise<number> {
  const { DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
  const keys = await s3List(prefix);
  for (let i = 0; i < keys.length; i += 1000) {
    await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
  }
  return keys.length;
}
