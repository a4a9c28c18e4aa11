/**
 * The runtime executor's Kill (emissary.go Kill): create each container's ctr dir, run the file-signal
 * protocol (15, grace, 9, 10 s) and fail with Go's `context deadline exceeded` if a container never
 * wrote its exitcode. Also KillArtifactSidecars (lifecycle §7.7).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { killContainers } from '../../core/kill-protocol.ts';
import { ctrDir, ctrFile } from '../../core/paths.ts';
import type { ExecutorState } from './state.ts';

export async function killContainersChecked(names: string[], graceMs: number): Promise<void> {
  if (names.length === 0) return;
  for (const n of names) mkdirSync(ctrDir(n), { recursive: true, mode: 0o777 });
  await killContainers(names, graceMs);
  if (!names.every((n) => existsSync(ctrFile(n, 'exitcode')))) throw new Error('context deadline exceeded');
}

export async function killArtifactSidecars(state: ExecutorState): Promise<void> {
  const { cfg, log } = state;
  if (cfg.artifactPluginNames === '') {
    log.info('no artifact sidecars to kill');
    return;
  }
  const sidecars = cfg.artifactPluginNames.split(',').map((s) => s.trim()).filter((s) => s !== '');
  log.info('killing artifact sidecars', { numSidecars: sidecars.length, artifactSidecars: sidecars });
  try {
    await killContainersChecked(sidecars, cfg.terminationGraceMs);
  } catch (err) {
    log.error('failed to kill artifact sidecars', { artifactSidecars: sidecars, error: (err as Error).message });
    throw err;
  }
  log.info('artifact sidecars killed', { artifactSidecars: sidecars });
}
