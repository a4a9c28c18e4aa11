/**
 * The artifact-driver port (artifacts spec §2–§6). Each storage kind (s3, http, raw, git, gcs, azure,
 * …) implements it in its own folder under src/artifacts/<kind>/; roles only see this interface.
 *
 * Drivers stream: `load` writes the object's bytes to a local path (file or directory) without holding
 * it in memory; `save` reads a local file or directory. Errors that mean "the object does not exist"
 * are ArtifactNotFoundError, so `optional` inputs can be skipped.
 */
import type { Artifact } from '../core/template.ts';
import type { Logger } from '../core/log.ts';

export class ArtifactNotFoundError extends Error {
  readonly notFound = true;
}

export interface TransferProgress {
  /** Called with the cumulative number of bytes moved, at most every few hundred ms. */
  (bytes: number, totalBytes?: number): void;
}

export interface ArtifactDriver {
  /** Download `artifact` to `path` (a file, or a directory for directory keys). */
  load(artifact: Artifact, path: string, progress?: TransferProgress): Promise<void>;
  /** Upload the local file or directory at `path` to `artifact`'s location. */
  save(path: string, artifact: Artifact, progress?: TransferProgress): Promise<void>;
  /** Keys below the artifact's key (data templates, directory artifacts). */
  listObjects(artifact: Artifact): Promise<string[]>;
  delete(artifact: Artifact): Promise<void>;
  /** Whether the key is a "directory" (prefix with children). */
  isDirectory(artifact: Artifact): Promise<boolean>;
}

export interface DriverContext {
  log: Logger;
  /** Root of mounted secrets: /argo/secret/<secretName>/<key> (overridable for tests). */
  secretsDir: string;
  env: NodeJS.ProcessEnv;
}

/** Which location member an artifact uses (`s3`, `http`, …), or undefined when it has none. */
export const LOCATION_KINDS = ['s3', 'git', 'http', 'artifactory', 'hdfs', 'raw', 'oss', 'gcs', 'azure', 'plugin'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

export function locationKind(a: Artifact): LocationKind | undefined {
  return LOCATION_KINDS.find((k) => a[k] !== undefined && a[k] !== null);
}
