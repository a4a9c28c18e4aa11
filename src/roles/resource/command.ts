/**
 * `argoexec resource ACTION` (lifecycle §10.2; cmd/argoexec/commands/resource.go, workflow/executor/resource.go):
 *
 *   bootstrap → InitializeOutput → StageFiles (/tmp/manifest.yaml, not for manifestFrom) → refuse conditions/
 *   outputs on delete → the kubectl action (the real kubectl binary: ./kubectl.ts), retried on transient errors with client-go's
 *   DefaultBackoff → (not delete) wait for the success/failure conditions → output parameters (jsonPath /
 *   jqFilter) + ReportOutputs → deferred FinalizeOutput (unless logs are archived: wait finalizes then) and
 *   the first error as termination message. Any error → exit 64.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandContext } from '../../cli/context.ts';
import { bootstrap, type Backoff } from '../../core/bootstrap.ts';
import type { Logger } from '../../core/log.ts';
import { logExecutorInitialized, logExecutorStart } from '../../core/executor-init-log.ts';
import { openTracing } from '../../core/tracing/tracing.ts';
import { pathError } from '../../core/errors.ts';
import { timerMs } from '../../core/go-duration.ts';
import type { KubeClient } from '../../core/kube/client.ts';
import { isNotFound, isTransientErrorLogged } from '../../core/kube/errors.ts';
import { retryOnError } from '../../core/retry.ts';
import { kubeTaskResultApi } from '../../core/task-result/api.ts';
import { TaskResultReporter } from '../../core/task-result/reporter.ts';
import { archivesLogs, type Parameter, type Template } from '../../core/template.ts';
import { writeTerminationMessage } from '../../core/termination.ts';
import { jqEngine } from '../../core/engines/jq.ts';
import { openKube, SECRETS_DIR } from '../wait/command.ts';
import { addError, type ExecutorState } from '../wait/state.ts';
import { matches, parseSelector, requirementGoString, requirementString, type Requirement } from './conditions.ts';
import { kubectlPath, runKubectl } from './kubectl.ts';

export const MANIFEST_PATH = '/tmp/manifest.yaml';

/** client-go retry.DefaultBackoff. */
const DEFAULT_BACKOFF: Backoff = { steps: 4, durationMs: 10, factor: 5, jitter: 0.1 };

interface ResourceTemplate {
  action?: string;
  manifest?: string;
  manifestFrom?: { artifact?: { name?: string } };
  flags?: string[];
  mergeStrategy?: string;
  successCondition?: string;
  failureCondition?: string;
}

const resourceOf = (t: Template): ResourceTemplate => (t.resource && typeof t.resource === 'object' ? t.resource as ResourceTemplate : {});

/** StageFiles for resource templates: the manifest at /tmp/manifest.yaml (0644), unless it comes from an artifact. */
function stageManifest(t: Template, path: string, log: Logger): void {
  const r = resourceOf(t);
  if (r.manifestFrom?.artifact) {
    log.info('manifest already staged', { name: r.manifestFrom.artifact.name });
    return;
  }
  log.info('Loading manifest', { path });
  try {
    writeFileSync(path, r.manifest ?? '', { mode: 0o644 });
  } catch (err) {
    throw new Error(pathError('open', path, err));
  }
}

/** gengo's lowercase plural namer (what Go's inferObjectSelfLink uses when discovery is not at hand). */
export function pluralKind(kind: string): string {
  const s = kind;
  let plural: string;
  if (s.length < 2) return s.toLowerCase();
  const last = s[s.length - 1] as string;
  const prev = s[s.length - 2] as string;
  const consonant = (c: string): boolean => !'aeiou'.includes(c.toLowerCase());
  if ('sxz'.includes(last)) plural = `${s}es`;
  else if (last === 'y') plural = consonant(prev) ? `${s.slice(0, -1)}ies` : `${s}s`;
  else if (last === 'h') plural = prev === 'c' || prev === 's' ? `${s}es` : `${s}s`;
  else if (last === 'e') plural = prev === 'f' ? `${s.slice(0, -2)}ves` : `${s}s`;
  else if (last === 'f') plural = `${s.slice(0, -1)}ves`;
  else plural = `${s}s`;
  return plural.toLowerCase();
}

/** getKubectlArguments: kubectl's command line for the action, as Go builds it. */
async function kubectlArguments(state: ExecutorState, action: string, manifestPath: string): Promise<string[]> {
  const r = resourceOf(state.template);
  const flags = r.flags ?? [];
  let manifest: string;
  try {
    manifest = readFileSync(manifestPath, 'utf8');
  } catch (err) {
    throw new Error(pathError('open', manifestPath, err));
  }
  if (manifest.length === 0 && flags.length === 0) throw new Error('Must provide at least one of flags or manifest.');

  const argv = ['kubectl', action];
  let output = 'json';
  if (action === 'delete') { argv.push('--ignore-not-found'); output = 'name'; }
  let useFile = true;
  if (action === 'patch') {
    const strategy = r.mergeStrategy || 'strategic';
    argv.push('--type', strategy, '--patch-file', manifestPath);
    if (strategy === 'json') useFile = false;
    else {
      let obj: unknown;
      try {
        const { load } = await import('js-yaml');
        obj = load(manifest);
      } catch (err) {
        throw new Error((err as Error).message);
      }
      if (obj !== null && obj !== undefined && (typeof obj !== 'object' || Array.isArray(obj))) {
        throw new Error(`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(obj) ? 'array' : typeof obj} into Go value of type map[string]interface {}`);
      }
      if (flags.length !== 0 && (obj as Record<string, unknown> | null)?.kind === undefined) useFile = false;
    }
  }
  argv.push(...flags);
  if (manifest.length !== 0 && useFile) argv.push('-f', manifestPath);
  argv.push('-o', output);
  return argv;
}

/** runKubectl: the kubectl call, logged as Go logs it. */
function kubectl(state: ExecutorState, argv: string[]): Promise<string> {
  state.log.info(argv.join(' '));
  return runKubectl(argv, kubectlPath());
}

interface ResourceRef { namespace: string; name: string; selfLink: string }

/** ExecResource: the kubectl call, retried on transient errors; the object it printed identifies the resource. */
async function execResource(state: ExecutorState, action: string, manifestPath: string): Promise<ResourceRef | undefined> {
  const argv = await kubectlArguments(state, action, manifestPath);
  let out: string;
  try {
    // Go classifies kubectl's fatal message (an error without an API status) with IsTransientErr.
    out = await retryOnError(DEFAULT_BACKOFF, (err) => isTransientErrorLogged(err, state.log), () => kubectl(state, argv));
  } catch (err) {
    throw new Error(`no more retries ${(err as Error).message}`);
  }
  if (action === 'delete') return undefined;
  if (action === 'get' && out.length === 0) return { namespace: '', name: '', selfLink: '' };
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(out) as Record<string, unknown>;
  } catch (err) {
    throw new Error(goUnmarshalError(out) ?? (err as Error).message);
  }
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const meta = (obj.metadata ?? {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  if (name === '' || kind === '') throw new Error('Kind and name are both required but at least one of them is missing from the manifest');
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const fullName = `${kind.toLowerCase()}.${group}/${name}`;
  // inferObjectSelfLink: the plural guessed from the kind by gengo's namer, as Go does.
  const plural = pluralKind(kind);
  const prefix = group === '' ? 'api' : 'apis';
  const selfLink = namespace === '' ? `${prefix}/${apiVersion}/${plural}/${name}` : `${prefix}/${apiVersion}/namespaces/${namespace}/${plural}/${name}`;
  state.log.info('Resource', { namespace, resource: fullName, selfLink });
  return { namespace, name: fullName, selfLink };
}

/**
 * encoding/json's error for kubectl output that is not one JSON value: `kubectl create -f` of several objects
 * prints one object after another ("invalid character '{' after top-level value"), empty output ("unexpected end of
 * JSON input"). Undefined for other malformed output (then the parser's own message).
 */
export function goUnmarshalError(text: string): string | undefined {
  let i = 0;
  const ws = (): void => { while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++; };
  ws();
  if (i === text.length) return 'unexpected end of JSON input';
  const open = text[i];
  if (open !== '{' && open !== '[') return undefined;
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) { i++; break; }
    }
  }
  if (depth !== 0) return 'unexpected end of JSON input';
  ws();
  if (i === text.length) return undefined;
  const c = text[i] as string;
  return `invalid character ${c === "'" ? "'\\''" : `'${c}'`} after top-level value`;
}

class RetryableError extends Error {}

/** WaitResource: poll the object until a failure condition matches (error) or every success requirement does. */
async function waitResource(state: ExecutorState, kube: KubeClient, ref: ResourceRef, terminated: AbortSignal): Promise<void> {
  const r = resourceOf(state.template);
  if (!r.successCondition && !r.failureCondition) return;
  let success: Requirement[] = [];
  let failure: Requirement[] = [];
  if (r.successCondition) {
    try { success = parseSelector(r.successCondition); } catch (err) {
      throw new Error(`success condition '${r.successCondition}' failed to parse: ${(err as Error).message}`);
    }
    state.log.info('Waiting for conditions', { conditions: success.map(requirementString).join(',') });
  }
  if (r.failureCondition) {
    try { failure = parseSelector(r.failureCondition); } catch (err) {
      throw new Error(`fail condition '${r.failureCondition}' failed to parse: ${(err as Error).message}`);
    }
    state.log.info('Failing for conditions', { conditions: failure.map(requirementString).join(',') });
  }
  const interval = state.cfg.resourceStateCheckIntervalMs;
  // SIGTERM (`argo stop`/`terminate`): Go's PollUntilContextCancel returns the context's error, which wait.Interrupted
  // reports as a timeout.
  const interrupted = (): Error => {
    state.log.warn('Waiting for resource resulted in timeout due to repeated errors', { name: ref.name });
    return new Error('context canceled');
  };
  for (;;) {
    if (terminated.aborted) throw interrupted();
    try {
      await checkResourceState(state, kube, ref.selfLink, success, failure);
      state.log.info('Returning from successful wait for resource', { name: ref.name, namespace: ref.namespace });
      return;
    } catch (err) {
      if (err instanceof RetryableError || isTransientErrorLogged(err, state.log)) {
        state.log.info('Waiting for resource resulted in retryable error', { name: ref.name, namespace: ref.namespace, error: (err as Error).message });
      } else {
        state.log.warn('Waiting for resource resulted in non-retryable error', { name: ref.name, namespace: ref.namespace, error: (err as Error).message });
        state.log.warn('Waiting for resource resulted in error', { name: ref.name, error: (err as Error).message });
        throw err;
      }
    }
    try {
      await sleep(timerMs(interval), undefined, { signal: terminated });
    } catch {
      throw interrupted();
    }
  }
}

async function checkResourceState(state: ExecutorState, kube: KubeClient, selfLink: string, success: Requirement[], failure: Requirement[]): Promise<void> {
  let obj: unknown;
  try {
    obj = await kube.request({ method: 'GET', path: `/${selfLink}` });
  } catch (err) {
    if (isNotFound(err)) throw new Error(`The resource has been deleted while its status was still being checked. Will not be retried: ${(err as Error).message}`);
    throw err;
  }
  if (typeof obj === 'string') throw new Error(`Encountered invalid JSON response when checking resource status. Will not be retried: ${JSON.stringify(obj)}`);
  for (const req of failure) {
    const failed = matches(req, obj);
    const msg = `failure condition '${requirementGoString(req)}' evaluated ${failed}`;
    state.log.info(msg);
    if (failed) throw new Error(msg);
  }
  let matched = 0;
  for (const req of success) {
    const m = matches(req, obj);
    state.log.info('success condition evaluated', { condition: requirementString(req), matched: m });
    if (m) matched++;
  }
  state.log.info('success conditions matched', { numMatched: matched, total: success.length });
  if (matched >= success.length) return;
  throw new RetryableError('Neither success condition nor the failure condition has been matched. Retrying...');
}

/** SaveResourceParameters: `kubectl get -o jsonpath=…` prints the value; `-o json` feeds the jqFilter; then ReportOutputs. */
async function saveResourceParameters(state: ExecutorState, ref: ResourceRef): Promise<void> {
  const params: Parameter[] = state.template.outputs?.parameters ?? [];
  if (params.length === 0) { state.log.info('No output parameters'); return; }
  state.log.info('Saving resource output parameters');
  for (const param of params) {
    const vf = param.valueFrom as (Parameter['valueFrom'] & { jsonPath?: string; jqFilter?: string; default?: unknown }) | undefined;
    if (!vf) continue;
    if (ref.namespace === '' && ref.name === '') {
      param.value = vf.default === undefined || vf.default === null ? '' : String(vf.default);
      continue;
    }
    let format: string;
    if (vf.jsonPath) format = `jsonpath=${vf.jsonPath}`;
    else if (vf.jqFilter) format = 'json';
    else continue;
    const argv = ['kubectl', '-n', ref.namespace, 'get', ref.name, '-o', format];
    let out: string;
    try {
      out = await kubectl(state, argv);
    } catch (err) {
      state.log.info('kubectl', { error: (err as Error).message, out: '', args: `[${argv.join(' ')}]` });
      throw err;
    }
    state.log.info('kubectl', { out, args: `[${argv.join(' ')}]` });
    let value: string;
    if (vf.jsonPath) {
      value = out;
    } else {
      try {
        value = jqEngine().filter(out, vf.jqFilter as string);
      } catch (err) {
        state.log.info('gojq', { error: (err as Error).message, out, filter: vf.jqFilter });
        throw err;
      }
      state.log.info('gojq', { out, filter: vf.jqFilter });
    }
    param.value = value;
    state.log.info('Saved output parameter', { name: param.name, value });
  }
  await state.reporter.report({ outputs: { ...structuredClone(state.template.outputs ?? {}), artifacts: [] } });
}

export async function runResourceCommand(ctx: CommandContext): Promise<void> {
  const { log, env } = ctx;
  const positional = ctx.args.positional;
  if (positional.length !== 1) throw new Error(`accepts 1 arg(s), received ${positional.length}`);
  const action = positional[0] as string;
  const cfg = bootstrap(env);
  const kube = openKube(ctx);
  logExecutorStart(log, cfg);
  const tracing = await openTracing(env, log);
  logExecutorInitialized(log, cfg, kube.namespace);
  // Go runs these commands' spans straight under the emissary's (TRACEPARENT).
  const span = tracing.fromEnv();
  const reporter = new TaskResultReporter(kubeTaskResultApi(kube), {
    nodeId: cfg.nodeId, workflowName: cfg.workflowName, workflowUid: cfg.workflowUid, instanceId: cfg.instanceId,
  }, log, { env });
  const state: ExecutorState = { cfg, template: cfg.template, log, reporter, errors: [], driverCtx: { log, secretsDir: SECRETS_DIR, env }, span };
  reporter.traceUnder(span);

  const initErr = await reporter.initializeOutput();
  if (initErr) addError(state, initErr);
  let result: Error | undefined;
  try {
    result = await (async (): Promise<Error | undefined> => {
      const fail = (err: unknown): Error => { addError(state, err); return state.errors[state.errors.length - 1] as Error; };
      try { await span.in('stageFiles', {}, () => { stageManifest(cfg.template, MANIFEST_PATH, log); }); } catch (err) { return fail(err); }
      const r = resourceOf(cfg.template);
      const isDelete = action === 'delete';
      if (isDelete && (r.successCondition || r.failureCondition || (cfg.template.outputs?.parameters ?? []).length > 0)) {
        return fail(new Error('successCondition, failureCondition and outputs are not supported for delete action'));
      }
      let manifestPath = MANIFEST_PATH;
      const from = r.manifestFrom?.artifact?.name;
      if (r.manifestFrom) {
        const art = (cfg.template.inputs?.artifacts ?? []).find((a) => a.name === from);
        if (art) manifestPath = art.path ?? '';
      }
      let ref: ResourceRef | undefined;
      try { ref = await execResource(state, action, manifestPath); } catch (err) { return fail(err); }
      if (!isDelete && ref) {
        try { await waitResource(state, kube, ref, ctx.terminated); } catch (err) { return fail(err); }
        try { await saveResourceParameters(state, ref); } catch (err) { return fail(err); }
      }
      return undefined;
    })();
  } finally {
    if (!archivesLogs(cfg.template)) {
      const finErr = await reporter.finalizeOutput();
      if (finErr) addError(state, finErr);
    }
    if (state.errors.length > 0) writeTerminationMessage((state.errors[0] as Error).message);
    kube.close();
    await tracing.shutdown();
  }
  if (result) throw result;
}
