/**
 * `argoexec agent init` and `argoexec agent main` (lifecycle §10.4; cmd/argoexec/commands/agent.go),
 * the init container and main container of a workflow's agent pod.
 *
 * init: for every name in ARGO_PLUGIN_NAMES (a JSON array, `null` = none) create
 * `/var/run/argo/<name>/` (0770 before umask) and its `token` (32 random characters of
 * apimachinery's rand.String alphabet, 0440).
 * main: ARGO_WORKFLOW_NAME / ARGO_WORKFLOW_UID must be set (else fatal), plugins from
 * ARGO_PLUGIN_ADDRESSES + ARGO_PLUGIN_NAMES with their token files, ARGO_AGENT_TASK_WORKERS (16),
 * ARGO_AGENT_PATCH_RATE (10s), then the watch loop of agent.ts.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CommandContext } from '../../cli/context.ts';
import { versionInfo } from '../../core/version-info.ts';
import { FatalError, PanicError, pathError } from '../../core/errors.ts';
import { parseGoDuration } from '../../core/go-duration.ts';
import { KubeClient } from '../../core/kube/client.ts';
import { loadKubeConnection } from '../../core/kube/config.ts';
import { Agent } from './agent.ts';
import type { Plugin } from './plugin-task.ts';

const VAR_RUN_ARGO = '/var/run/argo';
/** k8s.io/apimachinery/pkg/util/rand's alphabet (no vowels, no confusable digits). */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export const tokenFilename = (name: string): string => join(VAR_RUN_ARGO, name, 'token');

/** Go's json.Unmarshal of the env var into []string; failure is fatal (exit 1). */
function jsonStrings(env: NodeJS.ProcessEnv, key: string, what: string): string[] {
  const raw = env[key] ?? '';
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new FatalError(`Failed to unmarshal plugin ${what}: ${raw.trim() === '' ? 'unexpected end of JSON input' : (err as Error).message}`);
  }
  if (v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new FatalError(`Failed to unmarshal plugin ${what}: json: cannot unmarshal ${JSON.stringify(v).slice(0, 40)} into Go value of type []string`);
  }
  return v as string[];
}

function randomToken(): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return s;
}

export async function runAgentInitCommand(ctx: CommandContext): Promise<void> {
  for (const name of jsonStrings(ctx.env, 'ARGO_PLUGIN_NAMES', 'names')) {
    const filename = tokenFilename(name);
    ctx.log.info('creating token file for plugin', { plugin: name, filename });
    try {
      mkdirSync(dirname(filename), 0o770);
    } catch (err) {
      throw new Error(pathError('mkdir', dirname(filename), err));
    }
    try {
      writeFileSync(filename, randomToken(), { mode: 0o440, flag: 'w' });
    } catch (err) {
      throw new Error(pathError('open', filename, err));
    }
  }
}

/** util/env LookupEnvIntOr / LookupEnvDurationOr: malformed values panic (exit 2). */
function envInt(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const v = env[key];
  if (v === undefined || v === '') return fallback;
  if (!/^[+-]?\d+$/.test(v)) throw new PanicError('failed to convert to int');
  return Number.parseInt(v, 10);
}

function envDuration(env: NodeJS.ProcessEnv, key: string, fallbackMs: number): number {
  const v = env[key];
  if (v === undefined || v === '') return fallbackMs;
  try { return parseGoDuration(v); } catch { throw new PanicError('failed to parse'); }
}

export async function runAgentMainCommand(ctx: CommandContext): Promise<void> {
  const { log, env } = ctx;
  log.info('Starting Workflow Executor', { version: versionInfo().version });
  let kube: KubeClient;
  try {
    kube = new KubeClient(loadKubeConnection(ctx.args.flags, env), `argo-workflows/${versionInfo().version} argo-executor/agent Executor`);
  } catch (err) {
    throw new PanicError((err as Error).message);
  }
  try {
    if (env.ARGO_WORKFLOW_NAME === undefined) throw new FatalError('Unable to determine workflow name from environment variable ARGO_WORKFLOW_NAME');
    if (env.ARGO_WORKFLOW_UID === undefined) throw new FatalError('Unable to determine workflow Uid from environment variable ARGO_WORKFLOW_UID');
    const addresses = jsonStrings(env, 'ARGO_PLUGIN_ADDRESSES', 'addresses');
    const names = jsonStrings(env, 'ARGO_PLUGIN_NAMES', 'names');
    const plugins: Plugin[] = addresses.map((address, i) => {
      const name = names[i];
      if (name === undefined) throw new PanicError(`runtime error: index out of range [${i}] with length ${names.length}`);
      const filename = tokenFilename(name);
      log.info('loading token file for plugin', { plugin: name, filename });
      let token: string;
      try {
        token = readFileSync(filename, 'utf8');
      } catch (err) {
        throw new FatalError(`Failed to read token file: ${pathError('open', filename, err)}`);
      }
      return { name, address, token, invalid: new Set<string>() };
    });
    const workers = envInt(env, 'ARGO_AGENT_TASK_WORKERS', 16);
    const patchRateMs = envDuration(env, 'ARGO_AGENT_PATCH_RATE', 10_000);
    if (patchRateMs <= 0) throw new PanicError('non-positive interval for NewTicker');
    await new Agent({
      kube, namespace: kube.namespace, workflowName: env.ARGO_WORKFLOW_NAME, workflowUid: env.ARGO_WORKFLOW_UID,
      plugins, workers, patchRateMs, log, env, terminated: ctx.terminated,
    }).run();
  } finally {
    kube.close();
  }
}
