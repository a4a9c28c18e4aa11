/**
 * WorkflowTaskResult reporting (lifecycle §8.4, §8.5; workflow/executor/taskresult.go, executor.go
 * InitializeOutput/reportResult/FinalizeOutput): upsert with a per-process "created" flag, retries on
 * transient errors only (1 s ×2, cap 30 s, jitter 0.1 / 0.2), Forbidden (and NotFound for the label
 * patch) fail at once with a warning pointing at the RBAC docs.
 */
import type { Backoff } from '../bootstrap.ts';
import { isAlreadyExists, isForbidden, isNotFound, isTransientErrorLogged } from '../kube/errors.ts';
import { retryOnError } from '../retry.ts';
import type { Logger } from '../log.ts';
import type { TaskResultApi } from './api.ts';
import { untracedSpan, type Span } from '../tracing/tracing.ts';
import { createBody, LABEL_COMPLETED, labelsPatchBody, patchBody, type NodeResult, type TaskResultIdentity } from './body.ts';

export const RBAC_DOC = 'https://argo-workflows.readthedocs.io/en/latest/workflow-rbac/';

const backoff = (jitter: number): Backoff => ({ steps: 2 ** 31 - 1, durationMs: 1000, factor: 2, jitter, capMs: 30_000 });

export interface ReporterOptions {
  env?: NodeJS.ProcessEnv;
  /** Override the retry schedule (tests). */
  backoff?: (jitter: number) => Backoff;
}

export class TaskResultReporter {
  private created = false;
  private readonly api: TaskResultApi;
  private readonly id: TaskResultIdentity;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly backoff: (jitter: number) => Backoff;
  /** Parent of the createTaskResult / patchTaskResult / patchTaskResultLabels spans (one per API call, as in Go). */
  private span: Span = untracedSpan();

  constructor(api: TaskResultApi, id: TaskResultIdentity, log: Logger, opts: ReporterOptions = {}) {
    this.api = api;
    this.id = id;
    this.log = log;
    this.env = opts.env ?? process.env;
    this.backoff = opts.backoff ?? backoff;
  }

  /** Open the API calls' spans under `span` from now on (the role's top span). */
  traceUnder(span: Span): void {
    this.span = span;
  }

  private async create(result: NodeResult): Promise<void> {
    try {
      await this.span.in('createTaskResult', {}, () => this.api.create(createBody(this.id, result)));
      this.created = true;
    } catch (err) {
      if (isAlreadyExists(err)) this.created = true;
      throw err;
    }
  }

  private patch(result: NodeResult): Promise<unknown> {
    return this.span.in('patchTaskResult', {}, () => this.api.patch(this.id.nodeId, patchBody(result)));
  }

  /** upsertTaskResult: create (AlreadyExists → patch), or patch (NotFound → create). */
  async upsert(result: NodeResult): Promise<void> {
    if (!this.created) {
      try {
        await this.create(result);
      } catch (err) {
        if (isAlreadyExists(err)) { await this.patch(result); return; }
        throw err;
      }
      return;
    }
    try {
      await this.patch(result);
    } catch (err) {
      if (isNotFound(err)) { await this.create(result); return; }
      throw err;
    }
  }

  private async retrying(jitter: number, op: () => Promise<void>, forbiddenLike: (err: unknown) => boolean): Promise<void> {
    await retryOnError(this.backoff(jitter), (err) => isTransientErrorLogged(err, this.log, this.env), op, {
      capForever: true,
      onError: (err, attempt) => {
        if (forbiddenLike(err)) this.log.warn(`failed to patch task result, see ${RBAC_DOC}`, { error: err, attempt });
        else if (attempt % 20 === 0) this.log.warn('failed to patch task result', { error: err, attempt });
      },
    });
  }

  /** InitializeOutput: the placeholder result; returns the error to record (never throws). */
  async initializeOutput(): Promise<Error | undefined> {
    try {
      await this.retrying(0.1, () => this.upsert({}), isForbidden);
      return undefined;
    } catch (err) {
      return err as Error;
    }
  }

  /** reportResult: outputs / progress; throws the final error. */
  async report(result: NodeResult): Promise<void> {
    await this.retrying(0.2, () => this.upsert(result), isForbidden);
  }

  /** FinalizeOutput: label report-outputs-completed=true (plain patch); returns the error to record. */
  async finalizeOutput(): Promise<Error | undefined> {
    try {
      await this.retrying(0.1, async () => {
        await this.span.in('patchTaskResultLabels', {}, () => this.api.patch(this.id.nodeId, labelsPatchBody({ [LABEL_COMPLETED]: 'true' })));
      },
        (err) => isForbidden(err) || isNotFound(err));
      return undefined;
    } catch (err) {
      return err as Error;
    }
  }
}
