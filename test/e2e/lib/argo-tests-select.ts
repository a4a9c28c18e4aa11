/**
 * Argo's e2e suites as rows for the runner: each extracted workflow, its CI hosts pointed at the stack
 * (rewriteForStack), parsed by `argo-parse-manifests` (it takes file paths, so the texts go to temp
 * files), with the expectation of argo-tests.yaml as the row's phases and check, its skip reason (from
 * argo-tests.yaml, the environment, or a need the runner cannot meet yet), and the WorkflowTemplates its
 * test creates first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kubectl, kubectlJson, ROOT, SHARED, sleep, stackEnv } from './env.ts';
import { s3Bucket, stackMinio } from './artifact-digest.ts';
import { environmentSkip, needsOwnNetns, parseManifests, variantsByOriginal, withVariants, type Doc, type Example, type ParsedDoc } from './examples.ts';
import { provideAll } from './needs.ts';
import { gitHttpRoot, rewriteInternetForStack } from './stack-hosts.ts';
import { checkAssertions, checkLogs, checkStoreContent, expectationFor, extractArgoTests, loadExpectations, mergePatch, rewriteForStack, writeManifests, type ArgoTestWorkflow, type Expectation, type GcCheck } from './argo-tests.ts';

export interface ArgoTestRow extends Example {
  test: ArgoTestWorkflow;
  expectation: Expectation;
  needs: string[]; // what the runner must provide; a row with needs it cannot meet is reported as skipped
}

export interface ArgoTestSelection {
  rows: ArgoTestRow[];
  templates: Doc[]; // distinct (Cluster)WorkflowTemplates of the tests, to apply before submitting
}

/** The pod of a node (by display name), or the workflow's only pod. */
function podOf(wf: Doc, c: { pod?: string; node?: string }): string | undefined {
  const name = wf.metadata.name as string;
  if (c.pod) return c.pod.split('$WF').join(name);
  const pods = kubectlJson<Doc>(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${name}`])?.items ?? [];
  if (!c.node) return pods.length === 1 ? pods[0].metadata.name : name;
  const node = Object.values((wf.status?.nodes ?? {}) as Record<string, Doc>).find((n) => n.displayName === c.node && n.type === 'Pod');
  return pods.find((p: Doc) => p.metadata.annotations?.['workflows.argoproj.io/node-name'] === node?.name)?.metadata.name;
}

/** Argo's assertions on the finished workflow, its containers' logs and the objects it stored. */
async function checkAll(e: Expectation, wf: Doc, originalName?: string): Promise<string[]> {
  // Argo's assertions name nodes after the workflow's own fixed name; the pods and objects keep the real one.
  const asWritten = originalName ? JSON.parse(JSON.stringify(wf).split(wf.metadata.name as string).join(originalName)) as Doc : wf;
  const failures = checkAssertions(e, asWritten);
  for (const c of e.containerLogs ?? []) {
    const pod = podOf(wf, c);
    let log = '';
    try {
      log = pod ? kubectl(['logs', pod, '-c', c.container]) : '';
    } catch (err) {
      failures.push(`logs of ${pod}/${c.container}: ${String((err as { stderr?: string }).stderr ?? err).trim().split('\n')[0]}`);
      continue;
    }
    failures.push(...checkLogs(c, log));
  }
  if (e.storeArtifacts?.length) {
    const s3 = stackMinio();
    try {
      for (const c of e.storeArtifacts) {
        const name = wf.metadata.name as string;
        let key = c.key?.split('$WF').join(name);
        if (!key) {
          const want = (c.node ?? '$WF').split('$WF').join(name);
          const node = Object.values((wf.status?.nodes ?? {}) as Record<string, Doc>).find((n) => n.name === want || n.displayName === want);
          const a = (node?.outputs?.artifacts ?? []).find((x: Doc) => x.name === c.artifact);
          key = a?.s3?.key ?? a?.plugin?.key;
        }
        if (!key) { failures.push(`${c.bucket}: no key for ${c.node ?? '$WF'}:${c.artifact}`); continue; }
        failures.push(...checkStoreContent(c, await s3Bucket(s3, c.bucket).get(key)));
      }
    } finally {
      s3.destroy();
    }
  }
  return failures;
}

/** The need of TestArtifactGC's rows, met by gcAtCompletion and gcAfterDeletion. */
const GC_WATCH = 'watch: after completion wait until status.artifactGCStatus.podsRecouped';

interface GcObject { check: GcCheck; key?: string }
/** The objects of a row's `gc` checks: its key, or the key of a template's node's output artifact. */
function gcObjects(e: Expectation, wf: Doc): GcObject[] {
  return (e.gc ?? []).map((check) => {
    if (check.key) return { check, key: check.key };
    const nodes = Object.values((wf.status?.nodes ?? {}) as Record<string, Doc>).filter((n) => n.templateName === check.templateName);
    const a = nodes.flatMap((n) => (n.outputs?.artifacts ?? []) as Doc[]).find((x) => x.name === check.artifact);
    return { check, key: a?.s3?.key ?? a?.plugin?.key };
  });
}

async function gcPresence(objects: GcObject[]): Promise<Map<GcObject, boolean>> {
  const s3 = stackMinio();
  try {
    const out = new Map<GcObject, boolean>();
    for (const o of objects) if (o.key) out.set(o, (await s3Bucket(s3, o.check.bucket).get(o.key)) !== null);
    return out;
  } finally {
    s3.destroy();
  }
}

const where = (o: GcObject): string => `${o.check.bucket}/${o.key ?? `${o.check.templateName}:${o.check.artifact}`}`;

/**
 * Argo's TestArtifactGC after completion: once the completion GC pods are recouped (at most 90 s), the
 * objects marked deletedOnCompletion are gone and the others are still there.
 */
async function gcAtCompletion(e: Expectation, wf: Doc): Promise<string[]> {
  const name = wf.metadata.name as string;
  const objects = gcObjects(e, wf);
  const failures = objects.filter((o) => !o.key).map((o) => `gc: no key for ${where(o)}`);
  const until = Date.now() + 90_000;
  let present = await gcPresence(objects);
  for (;;) {
    const now = kubectlJson<Doc>(['get', 'workflow', name]);
    const recouped = Object.values((now?.status?.artifactGCStatus?.podsRecouped ?? {}) as Record<string, boolean>);
    const done = objects.every((o) => !o.key || !o.check.deletedOnCompletion || !present.get(o)) && recouped.every(Boolean);
    if (done || Date.now() > until) break;
    await sleep(2000);
    present = await gcPresence(objects);
  }
  for (const o of objects) {
    if (!o.key) continue;
    if (o.check.deletedOnCompletion && present.get(o)) failures.push(`gc: ${where(o)} still present 90 s after completion`);
    if (!o.check.deletedOnCompletion && !present.get(o)) failures.push(`gc: ${where(o)} deleted at completion`);
  }
  return failures;
}

/** And after the workflow is deleted: deletedOnDeletion objects are gone, the rest not deleted at completion stay. */
async function gcAfterDeletion(e: Expectation, wf: Doc): Promise<string[]> {
  const objects = gcObjects(e, wf).filter((o) => o.key && !o.check.deletedOnCompletion);
  const present = await gcPresence(objects);
  const failures: string[] = [];
  for (const o of objects) {
    if (o.check.deletedOnDeletion && present.get(o)) failures.push(`gc: ${where(o)} still present after the workflow was deleted`);
    if (!o.check.deletedOnDeletion && !present.get(o)) failures.push(`gc: ${where(o)} deleted with the workflow`);
  }
  return failures;
}

/** Argo's RemoveFinalizers once it has checked: a workflow whose finalizer stays by design can then go. */
const REMOVE_FINALIZERS = "action: after the checks, remove the workflow's finalizers (Argo's RemoveFinalizers)";

/** Needs the selection meets itself: TestArtifactGC's watch (gcAtCompletion, gcAfterDeletion, untilRecouped), Given's decoding, finalizer removal (the runner). */
function metHere(need: string, given: boolean): boolean {
  return need.startsWith(GC_WATCH) || need === REMOVE_FINALIZERS || (need.startsWith('decode: ') && given);
}

/** The workflow once status.artifactGCStatus.podsRecouped has an entry (Argo's TestInsufficientRole waits for it), at most 90 s. */
async function untilRecouped(wf: Doc): Promise<Doc> {
  const until = Date.now() + 90_000;
  for (;;) {
    const now = kubectlJson<Doc>(['get', 'workflow', wf.metadata.name as string]) ?? wf;
    if (Object.keys((now.status?.artifactGCStatus?.podsRecouped ?? {}) as Doc).length >= 1 || Date.now() > until) return now;
    await sleep(2000);
  }
}

export function selectArgoTests(dir = join(SHARED, 'argo-v4.1.2/test-e2e'), expectationsFile = join(ROOT, 'test/e2e/argo-tests.yaml'), include = new Set<string>()): ArgoTestSelection {
  const all = loadExpectations(expectationsFile);
  const env = stackEnv();
  const buckets = new Set((env.S3_BUCKETS ?? '').split(' ').filter(Boolean));
  const tmp = mkdtempSync(join(tmpdir(), 'argo-tests-'));
  try {
    const peers = { minio: env.S3_MINIO_ENDPOINT, httpbin: env.HTTPBIN_URL, gitHttp: gitHttpRoot(env.GIT_HTTP_URL) };
    // Argo's CI hosts, then the tests' internet URLs (stack-hosts.ts INTERNET_STAND_INS), point at the stack's peers
    const rewrite = (text: string) => rewriteInternetForStack(rewriteForStack(text, peers), peers);
    const workflows = extractArgoTests(dir).map((w) => ({ ...w, yaml: rewrite(w.yaml), templates: w.templates.map((t) => ({ ...t, yaml: rewrite(t.yaml) })) }));
    const { files, templates } = writeManifests(workflows, tmp);
    const parsed = parseManifests([...files.keys(), ...[...templates.values()].flat()]);
    const rows: ArgoTestRow[] = [];
    const variantsOf = variantsByOriginal();
    const examplesDir = resolve(dir, '../examples');
    const support = new Map<string, Doc>();
    const addSupport = (d: Doc) => support.set(`${d.kind}/${d.metadata?.name}/${JSON.stringify(d)}`, d);
    const parseOne = (f: string) => (parseManifests([f]).get(f) ?? []).flatMap((d) => (d.json ? [d.json] : []));
    for (const [file, w] of files) {
      const expectation = expectationFor(w, all);
      // as Argo's Given reads them (non-strict) when the test needs that: the strict form may not exist
      const decode = (expectation.needs ?? []).some((n) => n.startsWith('decode: '));
      const form = (d: ParsedDoc) => (decode ? d.given : d.json);
      for (const tf of templates.get(file) ?? []) {
        // one copy per distinct template; two tests defining one name differently both appear (needs: alone)
        for (const d of parsed.get(tf) ?? []) { const j = form(d); if (j) addSupport(j); }
      }
      const wfs = (parsed.get(file) ?? []).filter((d) => d.kind === 'Workflow');
      if (!wfs.length) {
        rows.push({ file: w.id, index: 0, doc: {}, id: w.id, expect: expectation.phase ?? [], random: false, parseError: 'no Workflow document', test: w, expectation, needs: expectation.needs ?? [] });
        continue;
      }
      const rowsOf = (d: ParsedDoc, index: number, baseId: string): [string, Expectation, Doc][] => [
        [baseId, expectation, form(d) ?? d.json ?? {}],
        // the same workflow again with a change, as the test runs it (argo-tests.yaml `from`, `patch`)
        ...Object.entries(all).filter(([, e]) => e.from === baseId).map(([id, e]): [string, Expectation, Doc] => [id, { ...e, phase: e.phase ?? expectation.phase }, mergePatch(form(d) ?? d.json ?? {}, e.patch ?? {}) as Doc]),
      ];
      wfs.forEach((d, index) => rowsOf(d, index, wfs.length > 1 ? `${w.id}@${index}` : w.id).forEach(([id, expectation, doc]) => {
        const row: ArgoTestRow = {
          file: w.id, index, doc, id, expect: expectation.phase ?? [], random: /random|RANDOM/.test(w.yaml),
          test: w, expectation, needs: expectation.needs ?? [],
        };
        // Argo waits for the artifact GC pods to be recouped before it checks (TestInsufficientRole: the GC's condition)
        const recouped = !expectation.gc && row.needs.some((n) => n.startsWith(GC_WATCH));
        row.check = async (wf: Doc, originalName?: string) => [...await checkAll(expectation, recouped ? await untilRecouped(wf) : wf, originalName), ...expectation.gc ? await gcAtCompletion(expectation, wf) : []];
        // the GC is meant to fail (ArtifactGCError): its objects stay, which is not a failure of the row
        if (expectation.conditions?.includes('ArtifactGCError')) row.artifactGcFails = true;
        if (row.needs.includes(REMOVE_FINALIZERS)) row.removeFinalizers = true;
        if (expectation.from || Object.values(all).some((e) => e.from === id)) row.serial = w.id;
        if (expectation.gc) row.checkAfterDeletion = (wf: Doc) => gcAfterDeletion(expectation, wf);
        // Argo runs TestArtifactGC's table one row after another; its rows reuse keys such as my-bucket-2/on-completion
        if (w.id.includes(':TestArtifactGC#')) row.serial = 'TestArtifactGC';
        const templatesByName = new Map<string, Doc>();
        for (const tf of templates.get(file) ?? []) for (const t of parsed.get(tf) ?? []) { const j = form(t); if (j) templatesByName.set(`${t.kind}/${j.metadata?.name}`, j); }
        const given = Boolean(d.given) && (templates.get(file) ?? []).every((tf) => (parsed.get(tf) ?? []).every((t) => !t.json || t.given));
        const needs = provideAll(row.needs, { buckets, parse: parseOne, httpbin: env.HTTPBIN_URL }, (n) => metHere(n, given));
        if (expectation.skip) row.skip = expectation.skip;
        else if ('unmet' in needs) row.skip = `needs ${needs.unmet} (not provided by the runner yet)`;
        else {
          // a fixture that links to an example (functional/arguments-artifacts.yaml → examples/…) has the example's variants
          const example = w.path?.startsWith(`${examplesDir}/`) ? w.path.slice(examplesDir.length + 1) : undefined;
          row.skip = withVariants(environmentSkip(row.doc, templatesByName, include), variantsOf, row.id, example);
          if (needsOwnNetns(row.doc) || [...templatesByName.values()].some(needsOwnNetns)) row.podNetns = true;
          const p = needs.provision;
          if (!row.skip) for (const o of p.support ?? []) addSupport(o);
          if (p.alone) row.alone = true;
          if (p.podNetns) row.podNetns = true;
          if (p.before) row.before = p.before;
          if (p.after) row.after = p.after;
          if (p.watch) row.watch = p.watch;
        }
        // Argo's Given decodes non-strictly: for those rows a strict parse error is a need, not a failure
        if (d.error && !decode) row.parseError = d.error;
        rows.push(row);
      }));
    }
    return { rows, templates: [...support.values()] };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
