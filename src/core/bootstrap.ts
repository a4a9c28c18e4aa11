/**
 * Executor bootstrap shared by init / wait / supervisor / resource / data (lifecycle §4,
 * cmd/argoexec/executor/init.go): everything the roles read from the environment, parsed once.
 *
 * Failures map to Go's outcomes: a missing ARGO_POD_NAME is a fatal log (exit 1); an unreadable template
 * or an unparsable ARGO_DEADLINE is `CheckErr` (termination message + panic, exit 2); malformed retry
 * values panic like util/env (exit 2). The Kubernetes client is built lazily by the roles that need it.
 */
import { readFileSync } from 'node:fs';
import { defaultGzipLevel } from './archive/default-level.ts';
import { FatalError, PanicError, errorText, pathError } from './errors.ts';
import { goQuote, parseGoDuration } from './go-duration.ts';
import { terminationGraceMs } from './kill-protocol.ts';
import { TEMPLATE_FILE } from './paths.ts';
import { parseTemplate, resolveTemplateEnvValue, TEMPLATE_ENV, type Template } from './template.ts';

export interface Backoff {
  steps: number;
  durationMs: number;
  factor: number;
  jitter: number;
  capMs?: number;
}

export interface ExecutorConfig {
  podName: string;
  podUid: string;
  workflowName: string;
  workflowUid: string;
  nodeId: string;
  template: Template;
  includeScriptOutput: boolean;
  /** The deadline instant (ms since epoch), or undefined for Go's zero time (no deadline). */
  deadline: number | undefined;
  progressPatchTickMs: number;
  progressFileTickMs: number;
  progressFile: string;
  instanceId: string;
  terminationGraceMs: number;
  artifactPluginNames: string;
  removeLocalArtPath: boolean;
  initlessPod: boolean;
  /** The gzip level of a tar artifact without `compressionLevel` (ARGOEXEC_DEFAULT_GZIP, decision D37). */
  defaultGzipLevel: number;
  retryBackoff: Backoff;
  resourceStateCheckIntervalMs: number;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z) as ms since the epoch. */
export const GO_ZERO_TIME_MS = -62135596800000;

const RFC3339 = '2006-01-02T15:04:05Z07:00';

/**
 * time.Parse(time.RFC3339, s), element by element as Go's generic parser reports errors: a layout mismatch is
 * `parsing time "x" as "2006-01-02T15:04:05Z07:00": cannot parse "x" as "2006"`; a month/hour/minute/second out of
 * range is reported as soon as that element is read, extra text before the day is checked against the month.
 * Returns Unix milliseconds (sub-millisecond digits dropped, as Time.UnixMilli).
 */
export function parseRfc3339(s: string): number {
  const fail = (rest: string, elem: string): never => {
    throw new Error(`parsing time ${goQuote(s)} as ${goQuote(RFC3339)}: cannot parse ${goQuote(rest)} as ${goQuote(elem)}`);
  };
  const range = (what: string): never => {
    throw new Error(`parsing time ${goQuote(s)}: ${what} out of range`);
  };
  let rest = s;
  const digits = (n: number, elem: string): number => {
    const m = new RegExp(`^[0-9]{${n}}`).exec(rest);
    if (!m) fail(rest, elem);
    rest = rest.slice(n);
    return Number((m as RegExpExecArray)[0]);
  };
  const literal = (lit: string): void => {
    if (!rest.startsWith(lit)) fail(rest, lit);
    rest = rest.slice(lit.length);
  };
  const year = digits(4, '2006');
  literal('-');
  const month = digits(2, '01');
  if (month < 1 || month > 12) range('month');
  literal('-');
  const day = digits(2, '02');
  literal('T');
  const hour = digits(2, '15');
  if (hour > 23) range('hour');
  literal(':');
  const min = digits(2, '04');
  if (min > 59) range('minute');
  literal(':');
  const sec = digits(2, '05');
  if (sec > 59) range('second');
  let fracMs = 0;
  const frac = /^[.,]([0-9]+)/.exec(rest);
  if (frac) {
    fracMs = Number((frac[1] as string).slice(0, 3).padEnd(3, '0'));
    rest = rest.slice(frac[0].length);
  }
  let offsetMin = 0;
  if (rest.startsWith('Z')) rest = rest.slice(1);
  else {
    const z = /^([+-])([0-9]{2}):([0-9]{2})/.exec(rest);
    if (!z) fail(rest, 'Z07:00');
    const zz = z as RegExpExecArray;
    // Go accepts offsets of 24 hours or 60 minutes ("some people do write them").
    if (Number(zz[2]) > 24) range('time zone offset hour');
    if (Number(zz[3]) > 60) range('time zone offset minute');
    offsetMin = (zz[1] === '-' ? -1 : 1) * (Number(zz[2]) * 60 + Number(zz[3]));
    rest = rest.slice(zz[0].length);
  }
  if (rest !== '') throw new Error(`parsing time ${goQuote(s)}: extra text: ${goQuote(rest)}`);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysIn = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
  if (day < 1 || day > daysIn) range('day');
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, fracMs);
  return d.getTime() - offsetMin * 60_000;
}

/** util/env LookupEnv{Int,Float,Duration}Or: a malformed value panics with that helper's message. */
function lookupNumber(env: NodeJS.ProcessEnv, key: string, fallback: number, parse: (v: string) => number | undefined, what: string): number {
  const v = env[key];
  if (v === undefined || v === '') return fallback;
  const n = parse(v);
  if (n === undefined) throw new PanicError(what);
  return n;
}

/** strconv.Atoi: optional sign, decimal digits, within int64. */
const asInt = (v: string): number | undefined => {
  if (!/^[-+]?\d+$/.test(v)) return undefined;
  const n = BigInt(v);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? Number(n) : undefined;
};
/** strconv.ParseFloat(v, 64) for decimal and inf/nan spellings; out of range (±1e400) is an error as in Go. */
const asFloat = (v: string): number | undefined => {
  if (/^[-+]?(inf|infinity|nan)$/i.test(v)) return v.toLowerCase().includes('nan') ? Number.NaN : v.startsWith('-') ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};
const asDuration = (v: string): number | undefined => {
  try { return parseGoDuration(v); } catch { return undefined; }
};

/** util/retry ExecutorRetry: EXECUTOR_RETRY_BACKOFF_{STEPS,DURATION,FACTOR,JITTER} (5, 1s, 1.6, 0.5). */
export function executorRetryBackoff(env: NodeJS.ProcessEnv): Backoff {
  return {
    steps: lookupNumber(env, 'EXECUTOR_RETRY_BACKOFF_STEPS', 5, asInt, 'failed to convert to int'),
    durationMs: lookupNumber(env, 'EXECUTOR_RETRY_BACKOFF_DURATION', 1000, asDuration, 'failed to parse'),
    factor: lookupNumber(env, 'EXECUTOR_RETRY_BACKOFF_FACTOR', 1.6, asFloat, 'failed to convert to float'),
    jitter: lookupNumber(env, 'EXECUTOR_RETRY_BACKOFF_JITTER', 0.5, asFloat, 'failed to convert to float'),
  };
}

/** The template: ARGO_TEMPLATE (resolving `offloaded`) when set, else /var/run/argo/template. */
export function loadExecutorTemplate(env: NodeJS.ProcessEnv, templateFile = TEMPLATE_FILE): Template {
  const value = env[TEMPLATE_ENV];
  let json: string;
  try {
    json = value !== undefined ? resolveTemplateEnvValue(value) : readFileSync(templateFile, 'utf8');
  } catch (err) {
    const path = value !== undefined ? '/argo/config/ARGO_TEMPLATE' : templateFile;
    throw new PanicError(pathError('open', path, err));
  }
  try {
    return parseTemplate(json);
  } catch (err) {
    throw new PanicError(errorText(err));
  }
}

function durationOrZero(v: string | undefined): number {
  try { return parseGoDuration(v ?? ''); } catch { return 0; }
}

export function bootstrap(env: NodeJS.ProcessEnv): ExecutorConfig {
  const podName = env.ARGO_POD_NAME;
  if (podName === undefined) throw new FatalError('Unable to determine pod name from environment variable ARGO_POD_NAME');
  const template = loadExecutorTemplate(env);
  let deadlineMs: number;
  try {
    deadlineMs = parseRfc3339(env.ARGO_DEADLINE ?? '');
  } catch (err) {
    throw new PanicError(errorText(err));
  }
  return {
    podName,
    podUid: env.ARGO_POD_UID ?? '',
    workflowName: env.ARGO_WORKFLOW_NAME ?? '',
    workflowUid: env.ARGO_WORKFLOW_UID ?? '',
    nodeId: env.ARGO_NODE_ID ?? '',
    template,
    includeScriptOutput: env.ARGO_INCLUDE_SCRIPT_OUTPUT === 'true',
    deadline: deadlineMs === GO_ZERO_TIME_MS ? undefined : deadlineMs,
    progressPatchTickMs: durationOrZero(env.ARGO_PROGRESS_PATCH_TICK_DURATION),
    progressFileTickMs: durationOrZero(env.ARGO_PROGRESS_FILE_TICK_DURATION),
    progressFile: env.ARGO_PROGRESS_FILE ?? '',
    instanceId: env.ARGO_INSTANCE_ID ?? '',
    terminationGraceMs: terminationGraceMs(env),
    artifactPluginNames: env.ARGO_ARTIFACT_PLUGIN_NAMES ?? '',
    removeLocalArtPath: env.REMOVE_LOCAL_ART_PATH === 'true',
    initlessPod: env.ARGO_INITLESS_POD === 'true',
    defaultGzipLevel: defaultGzipLevel(env.ARGOEXEC_DEFAULT_GZIP),
    retryBackoff: executorRetryBackoff(env),
    resourceStateCheckIntervalMs: lookupNumber(env, 'RESOURCE_STATE_CHECK_INTERVAL', 5000, asDuration, 'failed to parse'),
  };
}
