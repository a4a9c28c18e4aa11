/**
 * Argo's own e2e suites (test/e2e of v4.1.2, read from ../shared/argo-v4.1.2/test-e2e at run time,
 * never copied) as workflows for our runner, with the assertions Argo's tests make ported to data
 * (test/e2e/argo-tests.yaml):
 *
 * - `extractArgoTests` reads the executor-relevant *_test.go files and returns every workflow a test
 *   submits: `Workflow("@functional/…")` (and `@expectedfailures/`, `@testdata/`, `@smoke/`) file
 *   references, inline raw strings `Workflow(\`…\`)` (`fmt.Sprintf` ones with the auxiliary container
 *   name filled in), table-driven `workflowFile: "@…"` rows, package-level raw strings a test passes
 *   on, and the workflows `SubmitWorkflowsFromWorkflowTemplates` makes from a test's templates. Then
 *   every fixture of functional/ and expectedfailures/ that none of those tests references, with the
 *   directory's default expectation.
 * - `checkAssertions` checks one finished workflow object against a ported expectation and returns
 *   the failures (empty when it passes). It is pure: no cluster, no store.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { load } from 'js-yaml';
import { functions, packageStrings, tokenize, type GoToken } from './go-source.ts';
import { walk } from './examples.ts';

/** The Go test files whose workflows exercise the executor (issue 9). */
export const ARGO_TEST_FILES = [
  'artifacts_test.go', 'signals_test.go', 'daemon_pod_test.go', 'failed_main_test.go', 'pod_restart_test.go',
  'progress_test.go', 'retry_test.go', 'run_as_not_root_test.go', 'agent_test.go', 'executor_plugins_test.go',
  'http_artifacts_test.go', 'resource_template_test.go', 'invalid_command_test.go', 'functional_test.go', 'hooks_test.go',
] as const;

/** Fixture directories whose every workflow runs, referenced by a test or not. */
export const FIXTURE_DIRS = { functional: ['Succeeded'], expectedfailures: ['Failed', 'Error'] } as const;

/** What `fixtures.AuxContainerName()` returns without E2E_INITLESS (Argo's default layout). */
const AUX_CONTAINER = 'wait';

export interface SupportDoc {
  kind: 'WorkflowTemplate' | 'ClusterWorkflowTemplate';
  yaml: string;
  ref?: string; // `@testdata/…` when read from a file
}

export interface ArgoTestWorkflow {
  id: string; // e2e/<file>.go:<Test>[#n] or e2e/<fixture dir>/<file>
  yaml: string; // the workflow as Argo's test submits it (may hold several documents for a fixture file)
  source: string; // the Go file, or the fixture's path, relative to the test-e2e dir
  test?: string; // the Go test function
  suite?: string; // its receiver (the testify suite)
  buildTag?: string; // the file's //go:build tag
  ref?: string; // `@dir/file.yaml` when the workflow comes from a file
  path?: string; // absolute path the YAML was read from (after following link files)
  from: 'inline' | 'file' | 'package-var' | 'workflow-template' | 'cluster-workflow-template';
  templates: SupportDoc[]; // (Cluster)WorkflowTemplates the test creates before submitting
  defaultExpect: string[]; // phases expected when argo-tests.yaml has no entry
  submissions: number; // how often the test submits this same workflow
  noTest?: string; // a fixture's `workflows.argoproj.io/no-test` label (examples' convention)
}

/**
 * Read a fixture, following git symlinks. In ../shared they are stored as small text files holding the
 * link target (`../../examples/hello-world.yaml`); a real symlink is followed by the OS.
 */
export function readFixture(path: string): { text: string; path: string } {
  for (let hops = 0; hops < 8; hops++) {
    const text = readFileSync(path, 'utf8');
    const target = text.trim();
    if (text.length < 256 && !target.includes('\n') && /^[\w./-]+\.(ya?ml|json)$/.test(target) && !target.includes(':')) {
      path = resolve(dirname(path), target);
      continue;
    }
    return { text, path };
  }
  throw new Error(`too many link hops from ${path}`);
}

interface Call {
  method: 'Workflow' | 'WorkflowTemplate' | 'ClusterWorkflowTemplate';
  literal?: string; // the argument's string value
  format?: string[]; // fmt.Sprintf arguments (source text)
  expr?: string; // a non-literal argument
  literalTokens: GoToken[]; // tokens consumed as the argument
}

/** The calls `.Workflow(…)`, `.WorkflowTemplate(…)`, `.ClusterWorkflowTemplate(…)` in a body, in order. */
function calls(tokens: GoToken[]): Call[] {
  const out: Call[] = [];
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t]!;
    if (tok.kind !== 'code') continue;
    const re = /\.\s*(Workflow|WorkflowTemplate|ClusterWorkflowTemplate)\s*\(/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(tok.value))) {
      const method = m[1] as Call['method'];
      const rest = tok.value.slice(m.index + m[0].length);
      const next = tokens[t + 1];
      const lit = next && (next.kind === 'raw' || next.kind === 'string') ? next : undefined;
      if (/^\s*$/.test(rest) && lit) {
        out.push({ method, literal: lit.value, literalTokens: [lit] });
      } else if (/^\s*fmt\.Sprintf\(\s*$/.test(rest) && lit) {
        const after = tokens[t + 2];
        out.push({ method, literal: lit.value, format: after?.kind === 'code' ? sprintfArgs(after.value) : [], literalTokens: [lit] });
      } else {
        const expr = /^([^)]*\)?)\)/.exec(rest)?.[1]?.trim() ?? rest.trim();
        out.push({ method, expr, literalTokens: [] });
      }
    }
  }
  return out;
}

/** The arguments after a Sprintf format: `, a, f(b))…` → ['a', 'f(b)'] (up to Sprintf's closing paren). */
function sprintfArgs(code: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of code.replace(/^\s*,/, '')) {
    if (ch === '(') depth++;
    else if (ch === ')' && depth-- === 0) break;
    if (ch === ',' && depth === 0) { args.push(cur.trim()); cur = ''; } else cur += ch;
  }
  if (cur.trim()) args.push(cur.trim());
  return args;
}

/** Fill a fmt.Sprintf format whose only arguments are fixtures.AuxContainerName(). */
function sprintf(format: string, args: string[], aliases: Set<string>): string {
  let i = 0;
  const text = format.replace(/%[sqv%]/g, (verb) => {
    if (verb === '%%') return '%';
    const arg = args[i++];
    if (arg !== 'fixtures.AuxContainerName()' && !aliases.has(arg ?? '')) throw new Error(`fmt.Sprintf argument ${arg} is not known`);
    return verb === '%q' ? JSON.stringify(AUX_CONTAINER) : AUX_CONTAINER;
  });
  if (i !== args.length) throw new Error(`fmt.Sprintf: ${args.length} arguments for ${i} verbs`);
  return text;
}

/**
 * Argo's Given decodes a test's text into a typed object (wfv1.Workflow, WorkflowTemplate, …), so an
 * inline document may leave out apiVersion and kind; the API client adds them on Create. Add them.
 */
export function withKind(text: string, kind: string): string {
  if (/^kind:\s*\S/m.test(text)) return text;
  const head = /^apiVersion:\s*\S/m.test(text) ? '' : 'apiVersion: argoproj.io/v1alpha1\n';
  return `${head}kind: ${kind}\n${text.replace(/^\s*\n/, '')}`;
}

/** Whether a fixture file holds a Workflow document (functional/ also has a PersistentVolumeClaim). */
function hasWorkflow(text: string): boolean {
  return /^kind:\s*['"]?Workflow['"]?\s*$/m.test(text) || /"kind"\s*:\s*"Workflow"/.test(text);
}

function yamlName(text: string): string | undefined {
  return /^\s*name:\s*['"]?([\w.-]+)['"]?\s*$/m.exec(/metadata:\s*\n((?:[ \t]+.*\n?)*)/.exec(text)?.[1] ?? '')?.[1];
}

const GO_FUNC_TEST = /^Test/;

/** Every workflow the listed Go tests submit, then every unreferenced fixture. */
export function extractArgoTests(dir: string, files: readonly string[] = ARGO_TEST_FILES): ArgoTestWorkflow[] {
  const out: ArgoTestWorkflow[] = [];
  const referenced = new Set<string>(); // fixture refs without the @
  const fileRef = (ref: string) => {
    const rel = ref.slice(1);
    referenced.add(rel);
    const r = readFixture(join(dir, rel));
    return { text: r.text, path: r.path };
  };
  for (const file of files) {
    const src = readFileSync(join(dir, file), 'utf8');
    const tokens = tokenize(src);
    const buildTag = /^\/\/go:build\s+(.+)$/m.exec(src)?.[1]?.trim();
    const funcs = functions(src, tokens);
    const vars = packageStrings(src, tokens, funcs);
    for (const fn of funcs) {
      if (!fn.receiver || !GO_FUNC_TEST.test(fn.name)) continue;
      const found: Omit<ArgoTestWorkflow, 'id'>[] = [];
      const base = { source: file, test: fn.name, suite: fn.receiver, ...(buildTag ? { buildTag } : {}) };
      const templates: SupportDoc[] = [];
      const cs = calls(fn.tokens);
      const bodyCode = fn.tokens.filter((t) => t.kind === 'code').map((t) => t.value).join(' ');
      const auxAliases = new Set([...bodyCode.matchAll(/(\w+)\s*:=\s*fixtures\.AuxContainerName\(\)/g)].map((m) => m[1]!));
      const consumed = new Set(cs.flatMap((c) => c.literalTokens));
      const add = (w: Omit<ArgoTestWorkflow, 'id' | 'templates' | 'submissions' | 'defaultExpect' | keyof typeof base>) => {
        const dup = found.find((f) => f.yaml === w.yaml && f.ref === w.ref);
        if (dup) dup.submissions++;
        else found.push({ ...base, ...w, templates, defaultExpect: ['Succeeded'], submissions: 1 });
      };
      for (const c of cs) {
        if (c.literal === undefined) {
          if (c.method !== 'Workflow') throw new Error(`${file}:${fn.name}: ${c.method}(${c.expr}) is not a literal`);
          continue; // resolved below from the body's table rows / package strings
        }
        const text = c.format ? sprintf(c.literal, c.format, auxAliases) : c.literal;
        if (c.method === 'Workflow') {
          if (text.startsWith('@')) add({ from: 'file', ref: text, ...(() => { const r = fileRef(text); return { yaml: r.text, path: r.path }; })() });
          else add({ from: 'inline', yaml: withKind(text, 'Workflow') });
        } else {
          const kind = c.method;
          if (text.startsWith('@')) { const r = fileRef(text); templates.push({ kind, yaml: r.text, ref: text }); }
          else templates.push({ kind, yaml: withKind(text, kind) });
        }
      }
      if (cs.some((c) => c.method === 'Workflow' && c.literal === undefined)) {
        // table-driven tests: `workflowFile: "@…"` rows; or a package-level raw string the test passes on
        for (const tok of fn.tokens) {
          if (tok.kind !== 'string' || consumed.has(tok) || !/^@[\w./-]+\.(ya?ml|json)$/.test(tok.value)) continue;
          const r = fileRef(tok.value);
          add({ from: 'file', ref: tok.value, yaml: r.text, path: r.path });
        }
        for (const [name, value] of vars) if (new RegExp(`\\b${name}\\b`).test(bodyCode)) add({ from: 'package-var', yaml: withKind(value, 'Workflow') });
      }
      for (const [method, kind, from] of [['SubmitWorkflowsFromWorkflowTemplates', 'WorkflowTemplate', 'workflow-template'], ['SubmitWorkflowsFromClusterWorkflowTemplates', 'ClusterWorkflowTemplate', 'cluster-workflow-template']] as const) {
        if (!new RegExp(`\\.\\s*${method}\\s*\\(`).test(bodyCode)) continue;
        // as common.NewWorkflowFromWorkflowTemplate: one workflow per template the test created
        for (const t of templates.filter((x) => x.kind === kind)) {
          const name = yamlName(t.yaml);
          if (!name) throw new Error(`${file}:${fn.name}: a ${kind} without metadata.name`);
          const labelKey = kind === 'WorkflowTemplate' ? 'workflows.argoproj.io/workflow-template' : 'workflows.argoproj.io/cluster-workflow-template';
          const yaml = `apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: ${name}-\n  labels:\n    ${labelKey}: ${name}\nspec:\n  workflowTemplateRef:\n    name: ${name}\n${kind === 'ClusterWorkflowTemplate' ? '    clusterScope: true\n' : ''}`;
          add({ from, yaml });
        }
      }
      found.forEach((f, i) => out.push({ id: `e2e/${file}:${fn.name}${found.length > 1 ? `#${i}` : ''}`, ...f }));
    }
  }
  for (const [fixtureDir, expect] of Object.entries(FIXTURE_DIRS)) {
    for (const path of walk(join(dir, fixtureDir))) {
      const rel = relative(dir, path);
      if (referenced.has(rel)) continue;
      const r = readFixture(path);
      if (!hasWorkflow(r.text)) continue; // a support object (functional/testvolume.yaml: a PVC the examples runner applies)
      const noTest = /workflows\.argoproj\.io\/no-test:\s*['"]?([\w-]+)/.exec(r.text)?.[1];
      out.push({
        id: `e2e/${rel}`, yaml: r.text, source: rel, ref: `@${rel}`, path: r.path, from: 'file', templates: [],
        defaultExpect: noTest === 'expected-failure' ? ['Failed', 'Error'] : [...expect], submissions: 1, ...(noTest ? { noTest } : {}),
      });
    }
  }
  return out;
}


// ---------------------------------------------------------------------------------------------
// Ported assertions

/** A string: equal to it. Otherwise each given test must hold. `$WF` stands for the workflow's name. */
export type TextMatch = string | { equals?: string; contains?: string | string[]; notContains?: string; regex?: string; empty?: boolean; present?: boolean };

export interface NodeCheck {
  // which nodes (exactly one selector)
  displayName?: string;
  name?: string; // `$WF` = the workflow's name
  nameContains?: string;
  where?: { type?: string; phase?: string; templateName?: string; exitNode?: boolean };
  /**
   * all: every selected node must pass (default for name, displayName and nameContains: Go's
   * `Nodes.Find` returns an arbitrary match, so a stable Go test holds for each); any: at least one
   * (default for `where`, the `wfv1.SucceededPodNode`-style selectors).
   */
  match?: 'all' | 'any';
  childOf?: string; // the node is among the children of the node with this name (`$WF` = workflow name)
  absent?: boolean; // no node is selected
  // what must hold of it
  phase?: string | string[];
  type?: string;
  notType?: string;
  message?: TextMatch;
  children?: number;
  outboundNodes?: number;
  progress?: string;
  nodeFlag?: null; // assert.Nil(node.NodeFlag)
  hooked?: boolean;
  retried?: boolean;
  memoizationHit?: boolean;
  failedPodRestarts?: number;
  inputs?: { parameters?: TextMatch[] | Record<string, TextMatch>; parameterCount?: number };
  outputs?: {
    parameters?: TextMatch[] | Record<string, TextMatch>;
    parameterCount?: number;
    result?: TextMatch;
    exitCode?: TextMatch;
    artifacts?: string[]; // these names, in any order, and no others
    artifactKeys?: Record<string, TextMatch>; // name → key (s3, plugin, gcs, …)
    equals?: unknown; // deep equality of node.outputs ($WF substituted)
  };
  fields?: Record<string, TextMatch>; // dotted paths into the node (`inputs.artifacts.0.s3.bucket`)
}

/** A container's log, read by the runner (`kubectl logs`); Argo's ExpectContainerLogs. */
export interface LogCheck {
  pod?: string; // the pod's name; `$WF` (default) is the single pod of a one-node workflow
  node?: string; // or: the pod of the node with this display name
  container: string; // main, wait, or a containerSet container
  contains?: string[];
  notContains?: string[];
  count?: Record<string, number>; // text → number of occurrences
}

/** An object in the artifact store, read by the runner; Argo's ExpectArtifact / checkArtifactContent. */
export interface StoreCheck {
  node?: string; // node name whose output artifact gives the key (`$WF` = the workflow's node)
  artifact?: string; // its output artifact's name
  key?: string; // or the key itself
  bucket: string;
  contains?: string; // after gunzip when gzip-compressed
  equals?: string;
}

/** Artifact GC as Argo's TestArtifactGC checks it: each object gone (or kept) at completion and at deletion. */
export interface GcCheck {
  bucket: string;
  key?: string;
  templateName?: string; // or: the key of this template's node's output artifact `artifact`
  artifact?: string;
  deletedOnCompletion: boolean;
  deletedOnDeletion: boolean;
}

export interface Expectation {
  skip?: string; // why the test cannot run on the local cluster
  needs?: string[]; // setup the runner must provide first
  phase?: string[]; // acceptable final workflow phases
  message?: TextMatch;
  progress?: string;
  nodeCount?: number | { max: number };
  nodes?: NodeCheck[];
  labels?: Record<string, string>;
  finalizers?: { contains?: string[]; notContains?: string[] };
  conditions?: string[]; // condition types that must be present
  artifactRepositoryRef?: Record<string, unknown>; // a subset of status.artifactRepositoryRef
  taskResultsComplete?: boolean; // every status.taskResultsCompletionStatus value is true
  finished?: boolean; // status.finishedAt is set
  anyOutputParameter?: string; // some node has an output parameter with this value
  fields?: Record<string, TextMatch>; // dotted paths into the workflow (`status.progress`, `metadata.labels.x`)
  containerLogs?: LogCheck[]; // checked by the runner with checkLogs
  storeArtifacts?: StoreCheck[]; // checked by the runner with checkStoreContent
  gc?: GcCheck[]; // checked by the runner around completion and deletion
  unported?: string[]; // Argo's assertions that need more than the workflow object (pods, logs, events, store)
  note?: string;
  /** A test that submits one workflow twice with a change (TestInsufficientRole): this entry's workflow is the one of
   *  the row `from`, with `patch` merged into it (RFC 7386 merge patch); its own needs and assertions apply. */
  from?: string;
  patch?: Doc;
}

export type Doc = Record<string, any>;

/** RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Doc = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Doc) } : {};
  for (const [k, v] of Object.entries(patch as Doc)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function sub(text: string, wf: string): string {
  return text.split('$WF').join(wf);
}

function matchText(label: string, actual: unknown, want: TextMatch, wf: string): string[] {
  const s = actual === undefined || actual === null ? undefined : typeof actual === 'string' ? actual : JSON.stringify(actual);
  const show = s === undefined ? 'absent' : JSON.stringify(s);
  if (typeof want === 'string') return s === sub(want, wf) ? [] : [`${label}: want ${JSON.stringify(sub(want, wf))}, got ${show}`];
  const f: string[] = [];
  if (want.present === true && s === undefined) f.push(`${label}: want present, got absent`);
  if (want.present === false && s !== undefined) f.push(`${label}: want absent, got ${show}`);
  if (want.empty === true && s) f.push(`${label}: want empty, got ${show}`);
  if (want.empty === false && !s) f.push(`${label}: want non-empty, got ${show}`);
  if (want.equals !== undefined && s !== sub(want.equals, wf)) f.push(`${label}: want ${JSON.stringify(sub(want.equals, wf))}, got ${show}`);
  for (const c of want.contains === undefined ? [] : Array.isArray(want.contains) ? want.contains : [want.contains]) {
    if (!s?.includes(sub(c, wf))) f.push(`${label}: want it to contain ${JSON.stringify(sub(c, wf))}, got ${show}`);
  }
  if (want.notContains !== undefined && s?.includes(sub(want.notContains, wf))) f.push(`${label}: want it not to contain ${JSON.stringify(want.notContains)}, got ${show}`);
  if (want.regex !== undefined && !new RegExp(sub(want.regex, wf)).test(s ?? '')) f.push(`${label}: want /${want.regex}/, got ${show}`);
  return f;
}

function paramValue(p: Doc | undefined): unknown {
  return p?.value;
}

function matchParams(label: string, params: Doc[] | undefined, want: TextMatch[] | Record<string, TextMatch>, wf: string): string[] {
  const list = params ?? [];
  if (Array.isArray(want)) {
    return want.flatMap((w, i) => (i < list.length ? matchText(`${label}[${i}]`, paramValue(list[i]), w, wf) : [`${label}[${i}]: absent (${list.length} parameters)`]));
  }
  return Object.entries(want).flatMap(([name, w]) => {
    const p = list.find((x) => x.name === name);
    return p ? matchText(`${label}.${name}`, paramValue(p), w, wf) : [`${label}.${name}: absent`];
  });
}

function artifactKey(a: Doc): string | undefined {
  for (const v of Object.values(a)) if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Doc).key === 'string') return (v as Doc).key;
  return undefined;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Doc)[k])]));
  return v;
}

function subDeep(v: unknown, wf: string): unknown {
  return JSON.parse(sub(JSON.stringify(v), wf));
}

/** Go's omitempty: an absent field is its zero value. */
function isSubset(want: unknown, got: unknown): boolean {
  if (got === undefined && (want === false || want === '' || want === 0)) return true;
  if (want && typeof want === 'object' && !Array.isArray(want)) {
    if (!got || typeof got !== 'object') return false;
    return Object.entries(want).every(([k, v]) => isSubset(v, (got as Doc)[k]));
  }
  return deepEqual(want, got);
}

function describe(c: NodeCheck): string {
  if (c.displayName !== undefined) return `node "${c.displayName}"`;
  if (c.name !== undefined) return `node named "${c.name}"`;
  if (c.nameContains !== undefined) return `node whose name contains "${c.nameContains}"`;
  return `node where ${JSON.stringify(c.where ?? {})}`;
}

/** `a.b.0.c` of an object. */
export function pathGet(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Doc)[k];
  }
  return v;
}

function selectNodes(nodes: Doc[], c: NodeCheck, wf: string): Doc[] {
  if (c.displayName !== undefined) return nodes.filter((n) => n.displayName === sub(c.displayName!, wf));
  if (c.name !== undefined) return nodes.filter((n) => n.name === sub(c.name!, wf));
  if (c.nameContains !== undefined) return nodes.filter((n) => String(n.name ?? '').includes(sub(c.nameContains!, wf)));
  const w = c.where ?? {};
  return nodes.filter((n) =>
    (w.type === undefined || n.type === w.type) && (w.phase === undefined || n.phase === w.phase) &&
    (w.templateName === undefined || n.templateName === w.templateName) &&
    (w.exitNode === undefined || String(n.displayName ?? '').endsWith('.onExit') === w.exitNode));
}

/** The failures of one node against the checks (selectors aside). */
function checkNode(n: Doc, c: NodeCheck, wf: string, all: Doc[]): string[] {
  const f: string[] = [];
  const phases = c.phase === undefined ? undefined : Array.isArray(c.phase) ? c.phase : [c.phase];
  if (phases && !phases.includes(n.phase)) f.push(`phase: want ${phases.join('|')}, got ${n.phase ?? 'none'}`);
  if (c.type !== undefined && n.type !== c.type) f.push(`type: want ${c.type}, got ${n.type}`);
  if (c.notType !== undefined && n.type === c.notType) f.push(`type: want other than ${c.notType}`);
  if (c.message !== undefined) f.push(...matchText('message', n.message, c.message, wf));
  if (c.children !== undefined && (n.children ?? []).length !== c.children) f.push(`children: want ${c.children}, got ${(n.children ?? []).length}`);
  if (c.outboundNodes !== undefined && (n.outboundNodes ?? []).length !== c.outboundNodes) f.push(`outboundNodes: want ${c.outboundNodes}, got ${(n.outboundNodes ?? []).length}`);
  if (c.progress !== undefined && n.progress !== c.progress) f.push(`progress: want ${c.progress}, got ${n.progress ?? 'none'}`);
  if (c.nodeFlag === null && n.nodeFlag != null) f.push(`nodeFlag: want none, got ${JSON.stringify(n.nodeFlag)}`);
  for (const flag of ['hooked', 'retried'] as const) {
    if (c[flag] === undefined) continue;
    if (!n.nodeFlag) f.push(`nodeFlag.${flag}: want ${c[flag]}, nodeFlag is absent`);
    else if (Boolean(n.nodeFlag[flag]) !== c[flag]) f.push(`nodeFlag.${flag}: want ${c[flag]}, got ${Boolean(n.nodeFlag[flag])}`);
  }
  if (c.memoizationHit !== undefined && Boolean(n.memoizationStatus?.hit) !== c.memoizationHit) f.push(`memoizationStatus.hit: want ${c.memoizationHit}`);
  if (c.failedPodRestarts !== undefined && (n.failedPodRestarts ?? 0) !== c.failedPodRestarts) f.push(`failedPodRestarts: want ${c.failedPodRestarts}, got ${n.failedPodRestarts ?? 0}`);
  if (c.childOf !== undefined) {
    const parent = all.find((p) => p.name === sub(c.childOf!, wf));
    if (!parent) f.push(`parent ${sub(c.childOf, wf)}: not found`);
    else if (!(parent.children ?? []).includes(n.id)) f.push(`not a child of ${sub(c.childOf, wf)}`);
  }
  for (const [path, want] of Object.entries(c.fields ?? {})) f.push(...matchText(path, pathGet(n, path), want, wf));
  if (c.inputs?.parameters) f.push(...matchParams('inputs.parameters', n.inputs?.parameters, c.inputs.parameters, wf));
  if (c.inputs?.parameterCount !== undefined && (n.inputs?.parameters ?? []).length !== c.inputs.parameterCount) f.push(`inputs.parameters: want ${c.inputs.parameterCount}, got ${(n.inputs?.parameters ?? []).length}`);
  const o = c.outputs;
  if (o) {
    const out = (n.outputs ?? {}) as Doc;
    if (o.parameters) f.push(...matchParams('outputs.parameters', out.parameters, o.parameters, wf));
    if (o.parameterCount !== undefined && (out.parameters ?? []).length !== o.parameterCount) f.push(`outputs.parameters: want ${o.parameterCount}, got ${(out.parameters ?? []).length}`);
    if (o.result !== undefined) f.push(...matchText('outputs.result', out.result, o.result, wf));
    if (o.exitCode !== undefined) f.push(...matchText('outputs.exitCode', out.exitCode, o.exitCode, wf));
    if (o.artifacts) {
      const names = ((out.artifacts ?? []) as Doc[]).map((a) => a.name).sort();
      if (!deepEqual(names, [...o.artifacts].sort())) f.push(`outputs.artifacts: want ${JSON.stringify([...o.artifacts].sort())}, got ${JSON.stringify(names)}`);
    }
    for (const [name, want] of Object.entries(o.artifactKeys ?? {})) {
      const a = ((out.artifacts ?? []) as Doc[]).find((x) => x.name === name);
      if (!a) f.push(`outputs.artifacts.${name}: absent`);
      else f.push(...matchText(`outputs.artifacts.${name} key`, artifactKey(a), want, wf));
    }
    if (o.equals !== undefined && !deepEqual(n.outputs, subDeep(o.equals, wf))) f.push(`outputs: want ${JSON.stringify(subDeep(o.equals, wf))}, got ${JSON.stringify(n.outputs ?? null)}`);
  }
  return f;
}

/** Argo's assertions, ported: the failures of a finished workflow (metadata + status) against one expectation. */
export function checkAssertions(e: Expectation, wf: Doc): string[] {
  const name = String(wf.metadata?.name ?? '');
  const status = (wf.status ?? {}) as Doc;
  const nodes = Object.values((status.nodes ?? {}) as Record<string, Doc>);
  const f: string[] = [];
  if (e.phase && !e.phase.includes(status.phase)) f.push(`workflow phase: want ${e.phase.join('|')}, got ${status.phase ?? 'none'}`);
  if (e.message !== undefined) f.push(...matchText('workflow message', status.message, e.message, name));
  if (e.progress !== undefined && status.progress !== e.progress) f.push(`workflow progress: want ${e.progress}, got ${status.progress ?? 'none'}`);
  if (typeof e.nodeCount === 'number' && nodes.length !== e.nodeCount) f.push(`node count: want ${e.nodeCount}, got ${nodes.length}`);
  if (typeof e.nodeCount === 'object' && nodes.length > e.nodeCount.max) f.push(`node count: want at most ${e.nodeCount.max}, got ${nodes.length}`);
  for (const [k, v] of Object.entries(e.labels ?? {})) {
    const got = wf.metadata?.labels?.[k];
    if (got !== v) f.push(`label ${k}: want ${JSON.stringify(v)}, got ${JSON.stringify(got ?? null)}`);
  }
  const fin = (wf.metadata?.finalizers ?? []) as string[];
  for (const x of e.finalizers?.contains ?? []) if (!fin.includes(x)) f.push(`finalizers: want ${x}, got ${JSON.stringify(fin)}`);
  for (const x of e.finalizers?.notContains ?? []) if (fin.includes(x)) f.push(`finalizers: want no ${x}`);
  const conds = ((status.conditions ?? []) as Doc[]).map((c) => c.type);
  for (const c of e.conditions ?? []) if (!conds.includes(c)) f.push(`conditions: want ${c}, got ${JSON.stringify(conds)}`);
  if (e.artifactRepositoryRef && !isSubset(e.artifactRepositoryRef, status.artifactRepositoryRef)) f.push(`artifactRepositoryRef: want ${JSON.stringify(e.artifactRepositoryRef)} within ${JSON.stringify(status.artifactRepositoryRef ?? null)}`);
  if (e.taskResultsComplete) for (const [k, v] of Object.entries(status.taskResultsCompletionStatus ?? {})) if (v !== true) f.push(`taskResultsCompletionStatus.${k}: want true, got ${v}`);
  if (e.finished && !status.finishedAt) f.push('finishedAt: want set');
  for (const [path, want] of Object.entries(e.fields ?? {})) f.push(...matchText(path, pathGet(wf, path), want, name));
  if (e.anyOutputParameter !== undefined && !nodes.some((n) => ((n.outputs?.parameters ?? []) as Doc[]).some((p) => p.value === e.anyOutputParameter))) f.push(`no node has an output parameter ${JSON.stringify(e.anyOutputParameter)}`);
  for (const c of e.nodes ?? []) {
    const selected = selectNodes(nodes, c, name);
    const what = describe(c);
    if (c.absent) { if (selected.length) f.push(`${what}: want none, found ${selected.length}`); continue; }
    if (!selected.length) { f.push(`${what}: not found`); continue; }
    const mode = c.match ?? (c.where ? 'any' : 'all');
    const results = selected.map((n) => checkNode(n, c, name, nodes));
    if (mode === 'any') {
      if (!results.some((r) => r.length === 0)) f.push(`${what}: none of ${selected.length} passes: ${results[0]!.join('; ')}`);
    } else {
      results.forEach((r, i) => { if (r.length) f.push(`${what}${selected.length > 1 ? ` (${selected[i]!.name})` : ''}: ${r.join('; ')}`); });
    }
  }
  return f;
}

export interface ArgoTestsFile {
  tests: Record<string, Expectation>;
}

/** test/e2e/argo-tests.yaml, parsed. */
export function loadExpectations(file: string): Record<string, Expectation> {
  const doc = load(readFileSync(file, 'utf8')) as ArgoTestsFile | null;
  return doc?.tests ?? {};
}

/** The expectation in force for a workflow: its entry, else the default phases of its origin. */
export function expectationFor(w: ArgoTestWorkflow, all: Record<string, Expectation>): Expectation {
  const e = all[w.id];
  if (!e) return { phase: w.defaultExpect };
  return e.phase || e.skip ? e : { ...e, phase: w.defaultExpect };
}

/** The failures of one container's log against Argo's ExpectContainerLogs checks. */
export function checkLogs(c: LogCheck, log: string): string[] {
  const f: string[] = [];
  const where = `${c.node ?? c.pod ?? '$WF'}/${c.container} log`;
  for (const t of c.contains ?? []) if (!log.includes(t)) f.push(`${where}: want ${JSON.stringify(t)}`);
  for (const t of c.notContains ?? []) if (log.includes(t)) f.push(`${where}: want no ${JSON.stringify(t)}`);
  for (const [t, n] of Object.entries(c.count ?? {})) {
    const got = t ? log.split(t).length - 1 : 0;
    if (got !== n) f.push(`${where}: want ${JSON.stringify(t)} ${n} time(s), got ${got}`);
  }
  return f;
}

/** The failures of a stored object's content (null: absent) against Argo's checkArtifactContent. */
export function checkStoreContent(c: StoreCheck, content: Buffer | null): string[] {
  const where = `${c.bucket}/${c.key ?? `${c.node}:${c.artifact}`}`;
  if (content === null) return [`${where}: absent from the store`];
  const text = (content.length > 2 && content[0] === 0x1f && content[1] === 0x8b ? gunzipSync(content) : content).toString('utf8');
  const f: string[] = [];
  if (c.contains !== undefined && !text.includes(c.contains)) f.push(`${where}: want it to contain ${JSON.stringify(c.contains)}`);
  if (c.equals !== undefined && text !== c.equals) f.push(`${where}: want ${JSON.stringify(c.equals)}, got ${JSON.stringify(text.slice(0, 200))}`);
  return f;
}

/** Entries of argo-tests.yaml that match no extracted workflow, and Go tests without an entry. */
export function coverage(workflows: ArgoTestWorkflow[], all: Record<string, Expectation>): { unknown: string[]; missing: string[] } {
  const ids = new Set(workflows.map((w) => w.id));
  return {
    // an entry that runs another row's workflow again (`from`) must name a row that exists
    unknown: Object.entries(all).filter(([id, e]) => (e.from === undefined ? !ids.has(id) : !ids.has(e.from) || ids.has(id))).map(([id]) => id),
    missing: workflows.filter((w) => w.test && !all[w.id]).map((w) => w.id),
  };
}

/**
 * Write each workflow (and each test's templates) to a file under dir, for Argo's parser
 * (parseManifests in examples.ts takes file paths). Returns file → workflow, file → its templates' files.
 */
export function writeManifests(workflows: ArgoTestWorkflow[], dir: string): { files: Map<string, ArgoTestWorkflow>; templates: Map<string, string[]> } {
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, ArgoTestWorkflow>();
  const templates = new Map<string, string[]>();
  workflows.forEach((w, i) => {
    const base = join(dir, `${String(i).padStart(3, '0')}-${w.id.replace(/[^\w.-]+/g, '_')}`);
    const file = `${base}.yaml`;
    writeFileSync(file, w.yaml);
    files.set(file, w);
    templates.set(file, w.templates.map((t, j) => {
      const tf = `${base}.template-${j}.yaml`;
      writeFileSync(tf, t.yaml);
      return tf;
    }));
  });
  return { files, templates };
}

export { rewriteForStack } from './stack-hosts.ts';
