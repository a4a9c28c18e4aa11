/**
 * What the wait/supervisor PostMain shares between its steps: the bootstrap config, the template
 * (outputs are filled in place, as Go does), the TaskResult reporter and the ordered error list whose
 * first entry becomes the termination message (lifecycle §7.10).
 */
import type { ExecutorConfig } from '../../core/bootstrap.ts';
import type { Logger } from '../../core/log.ts';
import type { TaskResultReporter } from '../../core/task-result/reporter.ts';
import type { Template } from '../../core/template.ts';
import type { DriverContext } from '../../artifacts/driver.ts';
import type { Span } from '../../core/tracing/tracing.ts';

export interface ExecutorState {
  cfg: ExecutorConfig;
  template: Template;
  log: Logger;
  reporter: TaskResultReporter;
  driverCtx: DriverContext;
  errors: Error[];
  /** The role's top span (runWaitContainer, runSupervisorContainer; data/resource: the emissary's): steps open children. */
  span: Span;
}

export function addError(state: ExecutorState, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  state.log.error('executor error', { error: e.message });
  state.errors.push(e);
}

export function firstError(state: ExecutorState): Error | undefined {
  return state.errors[0];
}

/** An error meaning "the thing is not there" (Go's argoerrs CodeNotFound), for optional artifacts. */
export class NotFoundError extends Error {
  readonly notFound = true;
}

export function isNotFoundError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { notFound?: unknown }).notFound === true;
}
