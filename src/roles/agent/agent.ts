/**
 * `agent main`'s loop (lifecycle §10.4; workflow/executor/agent.go Agent, taskWorker, patchWorker):
 *
 *   WATCH workflowtasksets (fieldSelector metadata.name=<workflow>), re-watching when the stream ends;
 *   DELETED → done; label workflows.argoproj.io/completed=true → done; otherwise every spec.tasks[id]
 *   not considered yet goes to one of `workers` task workers (HTTP or plugin). Results accumulate and,
 *   every `patchRateMs`, are merge-patched into the status subresource (5 tries from 1 s on transient
 *   errors; a non-transient failure turns the pending results into Error nodes, sent at the next tick).
 */
import { type KubeClient, KubeApiError } from '../../core/kube/client.ts';
import { isTransientErrorLogged } from '../../core/kube/errors.ts';
import { retryOnError } from '../../core/retry.ts';
import { watchStream } from '../../core/kube/watch.ts';
import type { Logger } from '../../core/log.ts';
import { executeHttpTask, type HttpTemplate } from './http-task.ts';
import { type NodeResult, statusPatchBody } from './node-result.ts';
import { executePluginTask, type Plugin } from './plugin-task.ts';
import { timerMs } from '../../core/go-duration.ts';

export const LABEL_COMPLETED = 'workflows.argoproj.io/completed';
const RESOURCE = 'workflowtasksets.argoproj.io';

export interface AgentConfig {
  kube: KubeClient;
  namespace: string;
  workflowName: string;
  workflowUid: string;
  plugins: Plugin[];
  workers: number;
  patchRateMs: number;
  log: Logger;
  env: NodeJS.ProcessEnv;
  terminated: AbortSignal;
}

interface TaskTemplate { http?: HttpTemplate | null; plugin?: unknown; [k: string]: unknown }
interface TaskSet { metadata?: { labels?: Record<string, string> | null }; spec?: { tasks?: Record<string, TaskTemplate> | null } | null }
interface WatchEvent { type: string; object: unknown }

/** Go's Template.GetType for the error of a task the agent cannot run. */
function templateType(t: TaskTemplate): string {
  for (const [key, type] of [['container', 'Container'], ['containerSet', 'ContainerSet'], ['steps', 'Steps'], ['dag', 'DAG'], ['script', 'Script'], ['resource', 'Resource'], ['data', 'Data'], ['suspend', 'Suspend'], ['http', 'HTTP'], ['plugin', 'Plugin']] as const) {
    if (t[key] !== undefined && t[key] !== null) return type;
  }
  return 'Unknown';
}

export class Agent {
  private readonly cfg: AgentConfig;
  private readonly considered = new Set<string>();
  private readonly queue: [string, TaskTemplate][] = [];
  private readonly waiters: (() => void)[] = [];
  private pending = new Map<string, NodeResult>();
  private patching = false;
  private readonly basePath: string;

  constructor(cfg: AgentConfig) {
    this.cfg = cfg;
    const ns = cfg.namespace === '' ? '' : `/namespaces/${encodeURIComponent(cfg.namespace)}`;
    this.basePath = `/apis/argoproj.io/v1alpha1${ns}/workflowtasksets`;
  }

  async run(): Promise<void> {
    const { log } = this.cfg;
    log.info('Starting Agent', { taskWorkers: this.cfg.workers, requeueTime: `${this.cfg.patchRateMs / 1000}s` });
    const ticker = setInterval(() => { void this.tick(); }, timerMs(this.cfg.patchRateMs));
    for (let i = 0; i < this.cfg.workers; i++) void this.worker();
    try {
      for (;;) {
        if (this.cfg.terminated.aborted) throw this.canceled();
        const done = await this.watchOnce();
        if (done) return;
      }
    } finally {
      clearInterval(ticker);
    }
  }

  private watchPath(): string {
    return `${this.basePath}?${new URLSearchParams({ fieldSelector: `metadata.name=${this.cfg.workflowName}`, watch: 'true' }).toString()}`;
  }

  /** SIGTERM cancels the root context: the (re-)watch fails as client-go's request does. */
  private canceled(): Error {
    const server = this.cfg.kube.conn.server;
    return new Error(`Get "${server.origin}${server.pathname.replace(/\/+$/, '')}${this.watchPath()}": context canceled`);
  }

  /** One WATCH; true when the agent is done (task set deleted or workflow completed). */
  private async watchOnce(): Promise<boolean> {
    const { log, kube } = this.cfg;
    const res = await watchStream(kube, this.watchPath());
    const onAbort = (): void => { res.destroy(); };
    this.cfg.terminated.addEventListener('abort', onAbort, { once: true });
    try {
      let buf = '';
      for await (const chunk of res) {
        buf += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line === '') continue;
          const event = JSON.parse(line) as WatchEvent;
          log.info('TaskSet Event', { event_type: event.type });
          if (event.type === 'DELETED') return true;
          const obj = event.object as TaskSet & { kind?: string; reason?: string; message?: string; code?: number };
          if (event.type === 'ERROR' || obj?.kind === 'Status') {
            throw new KubeApiError(obj?.code ?? 500, obj?.reason ?? 'InternalError', obj?.message ?? 'watch error', obj);
          }
          if (obj?.metadata?.labels?.[LABEL_COMPLETED] === 'true') {
            log.info('Workflow completed... stopping agent');
            return true;
          }
          for (const [id, tmpl] of Object.entries(obj?.spec?.tasks ?? {})) this.enqueue(id, tmpl);
        }
      }
    } catch (err) {
      if (err instanceof KubeApiError) throw err;
      if (this.cfg.terminated.aborted) throw this.canceled();
      log.info('watch stream ended', { error: (err as Error).message });
    } finally {
      this.cfg.terminated.removeEventListener('abort', onAbort);
      res.destroy();
    }
    return false;
  }

  private enqueue(id: string, tmpl: TaskTemplate): void {
    this.queue.push([id, tmpl]);
    this.waiters.shift()?.();
  }

  private async worker(): Promise<void> {
    for (;;) {
      const item = this.queue.shift();
      if (!item) {
        await new Promise<void>((res) => this.waiters.push(res));
        continue;
      }
      const [id, tmpl] = item;
      const log = this.cfg.log.with({ nodeID: id });
      // A task is only ever executed once (unless a plugin asks for a requeue): never call an endpoint twice.
      if (this.considered.has(id)) {
        log.info('Task is already considered');
        continue;
      }
      this.considered.add(id);
      log.info('Processing task');
      let result: NodeResult;
      let requeueMs = 0;
      if (tmpl.http) {
        result = await executeHttpTask(tmpl.http, { kube: this.cfg.kube, namespace: this.cfg.namespace, env: this.cfg.env });
      } else if (tmpl.plugin) {
        ({ result, requeueMs } = await executePluginTask(tmpl, {
          plugins: this.cfg.plugins, workflow: { name: this.cfg.workflowName, namespace: this.cfg.namespace, uid: this.cfg.workflowUid }, log, env: this.cfg.env,
        }));
      } else {
        const message = `error processing task: agent cannot execute: unknown task type: ${templateType(tmpl)}`;
        log.error('Error in agent task', { error: message });
        result = { phase: 'Error', message };
      }
      log.info('Sending result', { phase: result.phase ?? '', message: result.message ?? '', requeue: `${requeueMs / 1000}s` });
      if (result.phase) this.pending.set(id, result);
      if (requeueMs > 0) {
        setTimeout(() => { this.considered.delete(id); this.enqueue(id, tmpl); }, timerMs(requeueMs)).unref();
      }
    }
  }

  /** patchWorker's tick: send everything accumulated since the last successful patch. */
  private async tick(): Promise<void> {
    if (this.patching || this.pending.size === 0) return;
    this.patching = true;
    const { log, kube, env } = this.cfg;
    const sent = this.pending;
    this.pending = new Map();
    const body = statusPatchBody(sent);
    log.info('Processing Patch');
    try {
      await retryOnError({ durationMs: 1000, factor: 2, jitter: 0.1, steps: 5, capMs: 30_000 }, (err) => isTransientErrorLogged(err, log, env), () => kube.request({
        method: 'PATCH', path: `${this.basePath}/${encodeURIComponent(this.cfg.workflowName)}/status`, body, contentType: 'application/merge-patch+json',
        resource: `patch ${RESOURCE} ${this.cfg.workflowName}`,
      }));
      log.info('Patched TaskSet');
    } catch (err) {
      const transient = isTransientErrorLogged(err, log, env);
      log.error('TaskSet Patch Failed', { error: (err as Error).message });
      // Results that arrived during the patch are newer than the ones sent.
      const merged = new Map<string, NodeResult>();
      for (const id of sent.keys()) {
        merged.set(id, transient ? (sent.get(id) as NodeResult) : {
          phase: 'Error', message: `HTTP request completed successfully but an error occurred when patching its result: ${(err as Error).message}`,
        });
      }
      for (const [id, r] of this.pending) merged.set(id, r);
      this.pending = merged;
    } finally {
      this.patching = false;
    }
  }
}
