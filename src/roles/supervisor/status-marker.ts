/**
 * The supervisor side of the init-less status marker (lifecycle §3, §9; supervisor.go): `RUNNING\n`
 * as a heartbeat while pre-main runs, then `READY\n` or `FAILED\n<message>`. Every write goes to
 * `status.tmp` (0644, no fsync) and is renamed over `status`, so the emissary never reads a torn file.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { strerror } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { STATUS_FILE } from '../../core/paths.ts';

export const STATUS_RUNNING = 'RUNNING';
export const STATUS_READY = 'READY';
export const STATUS_FAILED = 'FAILED';
export const HEARTBEAT_INTERVAL_MS = 5_000;

/** Go's *os.PathError / *os.LinkError texts for the two syscalls. */
export function writeStatusMarker(body: string, path = STATUS_FILE): void {
  const tmp = `${path}.tmp`;
  try {
    writeFileSync(tmp, body, { mode: 0o644 });
  } catch (err) {
    throw new Error(`failed to write marker tmp ${tmp}: open ${tmp}: ${strerror(err)}`);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    throw new Error(`failed to rename marker ${path}: rename ${tmp} ${path}: ${strerror(err)}`);
  }
}

export const writeRunningStatus = (path = STATUS_FILE): void => writeStatusMarker(`${STATUS_RUNNING}\n`, path);
export const writeReadyStatus = (path = STATUS_FILE): void => writeStatusMarker(`${STATUS_READY}\n`, path);

/** Best effort: `FAILED` plus `\n<message>` when the message is not empty; a write failure is only logged. */
export function writeFailedStatus(message: string, log: Logger, path = STATUS_FILE): void {
  try {
    writeStatusMarker(message === '' ? STATUS_FAILED : `${STATUS_FAILED}\n${message}`, path);
  } catch (err) {
    log.error('failed to write failure status marker', { error: (err as Error).message });
  }
}

export interface Heartbeat { stop(): void }

/**
 * startStatusHeartbeat: the first RUNNING write is synchronous and its failure is returned as
 * `failed to write initial status marker: …`; then RUNNING is rewritten every interval (failures only
 * logged) until stop(). Writes are synchronous, so once stop() returns no heartbeat can race the
 * terminal write.
 */
export function startStatusHeartbeat(log: Logger, path = STATUS_FILE, intervalMs = HEARTBEAT_INTERVAL_MS): Heartbeat {
  try {
    writeRunningStatus(path);
  } catch (err) {
    throw new Error(`failed to write initial status marker: ${(err as Error).message}`);
  }
  const timer = setInterval(() => {
    try {
      writeRunningStatus(path);
    } catch (err) {
      log.warn('failed to write status heartbeat', { error: (err as Error).message });
    }
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
