/**
 * deleteArtifacts (lifecycle §10.5, artifacts spec §7.2): for every task, every node and every
 * artifact — relocate to the node's archiveLocation, make a driver, delete with DefaultRetry (the last
 * attempt's outcome is the result) — then merge-patch the task's status with all results. A relocate
 * or driver-construction error aborts the whole command (no patch for that task); failed deletions
 * only live in the task status.
 */
import { DELETE_NOT_SUPPORTED, NotSupportedError } from '../../artifacts/common.ts';
import type { ArtifactDriver, DriverContext } from '../../artifacts/driver.ts';
import { driverFor, UnsupportedArtifactError } from '../../artifacts/registry.ts';
import type { Artifact } from '../../core/template.ts';
import { exposeGc } from '../../core/runtime/transfer-gc.ts';
import { relocate, type Location } from '../wait/location.ts';
import type { GCTaskApi, WorkflowArtifactGCTask } from './gc-tasks.ts';
import { backoff, type SimpleBackoff } from './retry.ts';
import { statusPatchBody, type ArtifactResult, type ResultsByNode } from './status-patch.ts';

/** Go has a driver for every kind; those it cannot delete with say so. Kinds we lack a driver for fail the same way per artifact. */
const NO_DELETE_KINDS = ['git', 'hdfs'];

async function makeDriver(art: Artifact, ctx: DriverContext): Promise<ArtifactDriver> {
  let driver: ArtifactDriver;
  try {
    driver = driverFor(art, ctx);
  } catch (err) {
    if (!(err instanceof UnsupportedArtifactError)) throw err;
    const message = NO_DELETE_KINDS.some((k) => art[k] !== undefined && art[k] !== null) ? DELETE_NOT_SUPPORTED : err.message;
    const fail = async (): Promise<never> => { throw new NotSupportedError(message); };
    return { load: fail, save: fail, listObjects: fail, delete: fail, isDirectory: fail };
  }
  await driver.open?.(); // plugins: a socket that never appears is a creation error and aborts, as in Go
  return driver;
}

async function deleteOne(art: Artifact, driver: ArtifactDriver, retry: SimpleBackoff): Promise<ArtifactResult> {
  const name = typeof art.name === 'string' ? art.name : '';
  let result: ArtifactResult = { name, success: false };
  await backoff(retry, async () => {
    try {
      await driver.delete(art);
      result = { name, success: true };
      return true;
    } catch (err) {
      result = { name, success: false, error: err instanceof Error ? err.message : String(err) };
      return false;
    }
  });
  return result;
}

/**
 * Go makes a driver per artifact. For the object stores whose driver takes the key per call (S3, OSS) we make one per
 * location (everything but the key) and reuse it: a GC pod deletes thousands of artifacts of one repository inside
 * 64Mi, and a client with its own connection per artifact grew past that (1,000 artifacts: OOM-killed after ~560). Each
 * artifact still gets its own driver for the other kinds.
 */
export class DriverCache {
  readonly #drivers = new Map<string, ArtifactDriver>();

  async get(art: Artifact, ctx: DriverContext): Promise<ArtifactDriver> {
    const kind = (['s3', 'oss'] as const).find((k) => art[k] !== undefined && art[k] !== null);
    if (!kind) return makeDriver(art, ctx);
    const { key: _key, ...where } = art[kind] as Record<string, unknown>;
    const id = `${kind}\u0000${JSON.stringify(where)}`;
    let d = this.#drivers.get(id);
    if (!d) {
      d = await makeDriver(art, ctx);
      this.#drivers.set(id, d);
    }
    return d;
  }

  #deleted = 0;

  /**
   * After each deletion. Every 100th a full GC: V8 sizes its heap for the machine, not for the pod's 64Mi, and lets
   * the garbage of each request pile up (with it: 1,000 artifacts peaked at ~51 MiB, 2,000 at ~53).
   */
  afterDelete(): void {
    if (++this.#deleted % 100 === 0) exposeGc()?.({ type: 'major' });
  }

  close(): void {
    for (const d of this.#drivers.values()) d.close?.();
    this.#drivers.clear();
  }
}

export async function deleteTaskArtifacts(task: WorkflowArtifactGCTask, ctx: DriverContext, retry: SimpleBackoff, drivers = new DriverCache()): Promise<ResultsByNode> {
  const results: ResultsByNode = new Map();
  for (const [node, spec] of Object.entries(task.spec?.artifactsByNode ?? {})) {
    const archiveLocation = (spec?.archiveLocation ?? undefined) as Location | undefined;
    const nodeResults = new Map<string, ArtifactResult>();
    for (const original of Object.values(spec?.artifacts ?? {})) {
      const art = archiveLocation ? relocate(original as Location, archiveLocation) as Artifact : structuredClone(original);
      const driver = await drivers.get(art, ctx);
      const r = await deleteOne(art, driver, retry);
      drivers.afterDelete();
      ctx.log.info(r.success ? 'deleted artifact' : 'failed to delete artifact', { task: task.metadata.name, node, artifact: r.name, ...(r.error !== undefined ? { error: r.error } : {}) });
      nodeResults.set(r.name, r);
    }
    results.set(node, nodeResults);
  }
  return results;
}

/** Every task in list order; the first API/relocate/driver error stops here and is returned. */
export async function deleteArtifacts(api: GCTaskApi, labelSelector: string, ctx: DriverContext, retry: SimpleBackoff): Promise<void> {
  const tasks = await api.list(labelSelector);
  const drivers = new DriverCache();
  try {
    for (const task of tasks) {
      const results = await deleteTaskArtifacts(task, ctx, retry, drivers);
      await api.patchStatus(task.metadata.name, statusPatchBody(results));
    }
  } finally {
    drivers.close();
  }
}
