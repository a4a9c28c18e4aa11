/**
 * The three lines Go's executor.Init logs for every role it starts (cmd/argoexec/executor/init.go and
 * NewExecutor): "Starting Workflow Executor" with the version fields, "Using executor retry strategy" with
 * the retry backoff, and "Executor initialized". For a resource or data template they are the first lines of
 * the archived main.log, so a user reading it sees the same story with either executor.
 */
import type { ExecutorConfig } from './bootstrap.ts';
import { formatGoDuration } from './go-duration.ts';
import type { Logger } from './log.ts';
import { versionInfo } from './version-info.ts';

/** Go's zero time.Time, as slog prints it. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

function versionFields(): Record<string, string> {
  const v = versionInfo();
  return { version: v.version, buildDate: v.buildDate, gitCommit: v.gitCommit, gitTag: v.gitTag, gitTreeState: v.gitTreeState, goVersion: v.runtimeVersion };
}

export function logExecutorInit(log: Logger, cfg: ExecutorConfig, namespace: string): void {
  logExecutorStart(log, cfg);
  logExecutorInitialized(log, cfg, namespace);
}

/** The first two lines (Go's NewExecutor then opens tracing, which may log "Starting OTLP tracing exporter"). */
export function logExecutorStart(log: Logger, cfg: ExecutorConfig): void {
  log.info('Starting Workflow Executor', versionFields());
  const b = cfg.retryBackoff;
  log.info('Using executor retry strategy', { Steps: b.steps, Duration: formatGoDuration(b.durationMs), Factor: b.factor, Jitter: b.jitter });
}

export function logExecutorInitialized(log: Logger, cfg: ExecutorConfig, namespace: string): void {
  log.info('Executor initialized', {
    ...versionFields(), namespace, podName: cfg.podName, templateName: cfg.template.name ?? '', includeScriptOutput: cfg.includeScriptOutput,
    deadline: cfg.deadline === undefined ? GO_ZERO_TIME : new Date(cfg.deadline).toISOString().replace(/\.000Z$/, 'Z'),
  });
}
