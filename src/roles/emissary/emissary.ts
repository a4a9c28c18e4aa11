/**
 * `argoexec emissary -- CMD ARGS…` — PID 1 of every user container (lifecycle §6.1). Runs the command
 * as a child, relays signals, writes ctr/<name>/exitcode when it returns, stages main's outputs.
 */
import { existsSync, mkdirSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCodeError, ExitCodeWithCauseError, errorText, pathError, strerror } from '../../core/errors.ts';
import { ctrDir, ctrFile } from '../../core/paths.ts';
import { holdAliveLock } from '../../core/alive-lock.ts';
import { archivesLogs, mainContainerNames, parseTemplate, readEmissaryTemplate, sidecarNames, type Template } from '../../core/template.ts';
import { lookPath } from '../../core/look-path.ts';
import { waitForFile } from '../../core/watch-file.ts';
import { killContainers, terminationGraceMs } from '../../core/kill-protocol.ts';
import type { Logger } from '../../core/log.ts';
import { applyArgsFile } from './args-file.ts';
import { waitForSupervisorReady } from './readiness.ts';
import { stageInputArtifacts } from './link-inputs.ts';
import { SignalRelay } from './signal-relay.ts';
import { awaitDependencies } from './dependencies.ts';
import { retryAttempts } from './retry-strategy.ts';
import { startChild } from './child.ts';
import type { CaptureFds } from './output-tee.ts';
import { watchSignalFile } from './file-signal.ts';
import { openCapture } from './capture.ts';
import { stageOutputs } from './stage-outputs.ts';
import { startOrphanReaper } from '../../core/runtime/reaper.ts';
import { timerMs } from '../../core/go-duration.ts';
import { openTracing, type Span, type Tracing } from '../../core/tracing/tracing.ts';
import { envFor } from '../../core/tracing/trace-context.ts';

/** Exit code of an init-less pre-main failure (common.ExitCodeSupervisorPreMainFailure). */
export const EXIT_PRE_MAIN_FAILURE = 65;

export interface EmissaryOptions {
  container: string;
  includeScriptOutput: boolean;
  command: string[];
  env: NodeJS.ProcessEnv;
  terminated: AbortSignal;
  log: Logger;
}

/** Outcome of the attempt loop: an exit status, or an error that is not a child exit (start failure). */
type RunResult = { status: number } | { error: Error } | { neverRan: true };

/** The pod's namespace as Go's emissary reads it for its span (empty when the ServiceAccount is not mounted). */
function serviceAccountNamespace(): string {
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8');
  } catch {
    return '';
  }
}

export async function runEmissary(o: EmissaryOptions): Promise<void> {
  let exitCode = 64;
  const { log, container } = o;
  let tracing: Tracing | undefined;
  let span: Span | undefined;
  try {
    // Go: tracing first, the runMainContainer span under TRACEPARENT, and the span handed to the command as its
    // TRACEPARENT (with tracing off too: the ids cost nothing, the SDK is not loaded).
    tracing = await openTracing(o.env, log);
    span = tracing.startRole('runMainContainer', o.env.ARGO_WORKFLOW_NAME ?? '', serviceAccountNamespace());
    Object.assign(o.env, envFor(span.context));
    await emissaryBody(o, (code) => { exitCode = code; });
  } finally {
    span?.end();
    try {
      writeFileSync(ctrFile(container, 'exitcode'), String(exitCode), { mode: 0o644 });
    } catch (err) {
      log.error('failed to write exit code', { error: strerror(err) });
    }
    // Differs from Go, only improves: Go flushes the spans before writing `exitcode`, so an unreachable collector
    // holds the wait container (and the step) for the export timeout; here `wait` goes on while we flush.
    await tracing?.shutdown();
  }
}

async function emissaryBody(o: EmissaryOptions, setExitCode: (code: number) => void): Promise<void> {
  const { log, container, env } = o;
  process.umask(0);
  try {
    mkdirSync(ctrDir(container), { recursive: true, mode: 0o777 });
  } catch (err) {
    throw new Error(`failed to create ctr directory: mkdir ${ctrDir(container)}: ${strerror(err)}`);
  }
  holdAliveLock(container); // the wait container sees this process die even when it leaves no exitcode
  if (o.command.length === 0) throw new Error('no command given: usage is `argoexec emissary -- COMMAND [ARGS…]`');
  const [name, ...initialArgs] = o.command as [string, ...string[]];
  let args = initialArgs;
  if (env.ARGO_CONTAINER_ARGS_FILE) args = applyArgsFile(args, env.ARGO_CONTAINER_ARGS_FILE, log);

  const waitForReady = env.ARGO_WAIT_FOR_READY === 'true';
  if (waitForReady) {
    try {
      await waitForSupervisorReady(o.terminated);
    } catch (err) {
      setExitCode(EXIT_PRE_MAIN_FAILURE);
      log.error('supervisor failed before main container started', { error: errorText(err) });
      throw new ExitCodeWithCauseError(EXIT_PRE_MAIN_FAILURE, errorText(err));
    }
  }

  let templateJson: string;
  try {
    templateJson = readEmissaryTemplate(env);
  } catch (err) {
    const sys = err as NodeJS.ErrnoException;
    throw new Error(`failed to read template: ${sys.code && sys.path ? pathError('open', sys.path, err) : errorText(err)}`);
  }
  let template: Template;
  try {
    template = parseTemplate(templateJson);
  } catch (err) {
    throw new Error(`failed to unmarshal template: ${errorText(err)}`);
  }

  if (waitForReady && container === 'main') {
    try {
      stageInputArtifacts(template, log);
    } catch (err) {
      setExitCode(EXIT_PRE_MAIN_FAILURE);
      log.error('failed to stage input artifacts before main container started', { error: errorText(err) });
      throw new ExitCodeWithCauseError(EXIT_PRE_MAIN_FAILURE, errorText(err));
    }
  }

  const relay = new SignalRelay(log);
  try {
    await awaitDependencies(template, container, relay, log, setExitCode);

    let path: string;
    try {
      path = lookPath(name, env);
    } catch (err) {
      throw new Error(`failed to find name in PATH: ${errorText(err)}`);
    }

    if (env.ARGO_DEBUG_PAUSE_BEFORE === 'true') await debugPause(container, 'before', o.terminated);

    let plan;
    try {
      plan = retryAttempts(template);
    } catch (err) {
      throw new Error(`failed to get retry strategy: ${errorText(err)}`);
    }

    const capture = o.includeScriptOutput || archivesLogs(template);
    let result: RunResult = { neverRan: true };
    for (let attempt = 1; attempt <= plan.attempts; attempt++) {
      result = await runAttempt(path, args, template, o, relay, capture);
      if ('status' in result && result.status === 0) break;
      if (attempt < plan.attempts && plan.delayMs > 0) await sleep(timerMs(plan.delayMs));
    }
    log.info('sub-process exited', 'status' in result ? { exitCode: result.status } : 'error' in result ? { error: result.error.message } : {});

    if (env.ARGO_DEBUG_PAUSE_AFTER === 'true') await debugPause(container, 'after', o.terminated);

    if ('status' in result) setExitCode(result.status);
    else if ('neverRan' in result) setExitCode(0);

    if (container === 'main') await stageOutputs(template, log);
    else log.info('not saving outputs - not main container');

    if ('error' in result) throw result.error;
    if ('status' in result && result.status !== 0) throw new ExitCodeError(result.status);
  } finally {
    relay.close();
  }
}

async function debugPause(container: string, which: 'before' | 'after', terminated: AbortSignal): Promise<void> {
  const marker = ctrFile(container, which);
  try {
    await waitForFile(marker, () => (existsSync(marker) ? true : undefined), terminated);
  } catch (err) {
    throw new Error(`failed waiting for debug-pause-${which} marker: ${errorText(err)}`);
  }
}

async function runAttempt(path: string, args: string[], t: Template, o: EmissaryOptions, relay: SignalRelay, capture: boolean): Promise<RunResult> {
  const { log, container } = o;
  let fds: CaptureFds | undefined;
  try {
    if (capture) {
      log.info('capturing logs');
      fds = openCapture(container);
    }
    let child;
    try {
      child = await startChild(path, args, o.env, fds, log);
    } catch (err) {
      return { error: new Error(`failed to start command: ${errorText(err)}`) };
    }
    relay.attach(child.pid);
    const stopReaper = startOrphanReaper(() => child.pid, log);
    const fileSignals = watchSignalFile(container, child.pid, log);
    const stopSidecar = new AbortController();
    if (sidecarNames(t).includes(container)) void terminateSidecarAfterMain(t, container, o.env, stopSidecar.signal, log);
    try {
      return { status: await child.exited };
    } finally {
      stopSidecar.abort();
      stopReaper();
      fileSignals.close();
      relay.detach();
    }
  } catch (err) {
    return { error: err as Error };
  } finally {
    if (fds) { closeSync(fds.stdout); closeSync(fds.combined); }
  }
}

/** A user sidecar ends itself once every main container has exited (lifecycle §6.13). */
async function terminateSidecarAfterMain(t: Template, container: string, env: NodeJS.ProcessEnv, stop: AbortSignal, log: Logger): Promise<void> {
  const mains = mainContainerNames(t);
  const allDone = (): true | undefined => (mains.every((m) => existsSync(ctrFile(m, 'exitcode'))) ? true : undefined);
  try {
    for (const m of mains) mkdirSync(ctrDir(m), { recursive: true, mode: 0o777 });
    const first = mains[0] as string;
    await waitForFile(ctrFile(first, 'exitcode'), allDone, stop, 1000);
  } catch {
    return; // our own command ended first
  }
  log.info('main container(s) exited, terminating container', { mainContainerNames: mains, containerName: container });
  try {
    await killContainers([container], terminationGraceMs(env));
  } catch (err) {
    log.error('failed to terminate/kill container', { containerName: container, error: errorText(err) });
  }
}
