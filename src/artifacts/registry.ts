/**
 * Driver selection (artifacts spec §2.3, workflow/artifacts/artifacts.go newDriver): one driver per location kind.
 * Kinds without an implementation fail with a clear error. Secrets are read when the driver is created.
 */
import type { Artifact } from '../core/template.ts';
import { locationKind, saveStreamWith, type ArtifactDriver, type DriverContext, type LocationKind } from './driver.ts';
import { newS3Driver } from './s3/driver.ts';
import { HttpArtifactDriver } from './http/driver.ts';
import { newArtifactoryDriver } from './artifactory/driver.ts';
import { RawArtifactDriver } from './raw/driver.ts';

export class UnsupportedArtifactError extends Error {}

type Factory = (artifact: Artifact, ctx: DriverContext) => ArtifactDriver;

/**
 * A driver whose module is imported on first use (dynamic import), so roles that never meet the kind never load
 * its SDK. Construction errors (e.g. a missing secret) surface on `open` or the first operation.
 */
function lazy(load: () => Promise<Factory>): Factory {
  return (artifact, ctx) => {
    let drv: Promise<ArtifactDriver> | undefined;
    const get = (): Promise<ArtifactDriver> => (drv ??= load().then((f) => f(artifact, ctx)));
    return {
      open: async (signal) => { await (await get()).open?.(signal); },
      saveStream: async (source, a, progress, opts) => saveStreamWith(await get(), source, a, progress, opts),
      load: async (a, path, progress, signal) => (await get()).load(a, path, progress, signal),
      save: async (path, a, progress) => (await get()).save(path, a, progress),
      listObjects: async (a) => (await get()).listObjects(a),
      delete: async (a) => (await get()).delete(a),
      isDirectory: async (a) => (await get()).isDirectory(a),
    };
  };
}

const factories: Partial<Record<LocationKind | string, Factory>> = {
  s3: newS3Driver,
  gcs: lazy(async () => (await import('./gcs/driver.ts')).newGcsDriver),
  azure: lazy(async () => (await import('./azure/driver.ts')).newAzureDriver),
  git: lazy(async () => (await import('./git/driver.ts')).newGitDriver),
  hdfs: lazy(async () => (await import('./hdfs/driver.ts')).newHdfsDriver),
  plugin: lazy(async () => (await import('./plugin/driver.ts')).newPluginDriver),
  oss: lazy(async () => (await import('./oss/driver.ts')).newOssDriver),
  http: (a, ctx) => new HttpArtifactDriver(a, ctx, 'http'),
  artifactory: newArtifactoryDriver,
  raw: () => new RawArtifactDriver(),
};

/** Register (or replace) a driver factory for a location kind. */
export function registerDriver(kind: string, factory: Factory): void {
  factories[kind] = factory;
}

export function driverFor(artifact: Artifact, ctx: DriverContext): ArtifactDriver {
  const kind = locationKind(artifact);
  if (kind === undefined) {
    throw new Error('artifact storage is not configured; see the docs for setting up artifact storage');
  }
  const factory = factories[kind];
  if (!factory) throw new UnsupportedArtifactError(`artifact '${artifact.name}': the ${kind} artifact driver is not implemented`);
  return factory(artifact, ctx);
}

/**
 * InitDriver: the driver, connected when it connects (plugins). Creation errors are thrown as they are, before any
 * operation, so callers report them unwrapped like Go (`failed to create plugin driver for <name>: …`).
 */
export async function openDriver(artifact: Artifact, ctx: DriverContext, signal?: AbortSignal): Promise<ArtifactDriver> {
  const driver = driverFor(artifact, ctx);
  await driver.open?.(signal);
  return driver;
}
