/**
 * The artifact-driver port (artifacts spec §2–§6). Each storage kind (s3, http, raw, git, gcs, azure,
 * …) implements it in its own folder under src/artifacts/<kind>/; roles only see this interface.
 *
 * Drivers stream: `load` writes the object's bytes to a local path (file or directory) without holding
 * it in memory; `save` reads a local file or directory. Errors that mean "the object does not exist"
 * are ArtifactNotFoundError, so `optional` inputs can be skipped.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isPullSource, pumpTo, type PullSource } from '../core/io/fill.ts';
import type { WriteObserver } from '../core/io/growing-file.ts';
import type { Artifact } from '../core/template.ts';
import type { Logger } from '../core/log.ts';

export class ArtifactNotFoundError extends Error {
  readonly notFound = true;
}

/** A load its context canceled, worded as the Go driver's client words it (see cancelCause). */
export class CanceledError extends Error {
  readonly canceled = true;
}

/**
 * Go's context.Cause of a canceled context, which net/http (hence the HTTP and S3 drivers) reports instead of
 * `context canceled`: the abort reason's message — `terminated signal received` after SIGTERM (Go 1.26
 * signal.NotifyContext), the first error after an errgroup failure — or `context canceled` without one.
 */
export function cancelCause(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error && !(r.name === 'AbortError') && r.message !== '' ? r.message : 'context canceled';
}

export interface TransferProgress {
  /** Called with the cumulative number of bytes moved, at most every few hundred ms. */
  (bytes: number, totalBytes?: number): void;
}

export interface ArtifactDriver {
  /**
   * Optional: connect before the first operation (plugins: wait for the socket, then a READY connection). Its
   * errors are driver-creation errors, reported unwrapped as Go's InitDriver does; `openDriver` calls it.
   */
  open?(signal?: AbortSignal): Promise<void>;
  /**
   * Download `artifact` to `path` (a file, or a directory for directory keys). `signal` is Go's context: drivers
   * whose Go counterpart honours the context stop their transfer when it aborts and fail with Go's text for a
   * canceled context (see CanceledError); the others ignore it, as in Go. `observer`, when the driver supports it,
   * hears of every completed write of a single-file download, so that a reader can follow the file as it fills
   * (GrowingFile; drivers that ignore it are read once they have finished).
   */
  load(artifact: Artifact, path: string, progress?: TransferProgress, signal?: AbortSignal, observer?: WriteObserver): Promise<void>;
  /** Upload the local file or directory at `path` to `artifact`'s location. */
  save(path: string, artifact: Artifact, progress?: TransferProgress): Promise<void>;
  /**
   * Optional: upload a byte stream of unknown length to `artifact`'s location (one object) without a local copy.
   * Drivers without it go through `saveStreamWith` (spools to a temporary file, then `save`). The stream is
   * consumed (or destroyed on failure) and cannot be replayed: retries happen per request inside the driver.
   */
  saveStream?(source: Readable | PullSource, artifact: Artifact, progress?: TransferProgress, opts?: SaveStreamOptions): Promise<void>;
  /**
   * Optional: upload a directory given as byte ranges of local files (`<key>/<rel>` ← `size` bytes of `path` at
   * `offset`), e.g. the files of a hand-over tar without extracting it. Drivers without it go through `saveTreeWith`.
   */
  saveTree?(tree: FileTree, artifact: Artifact, progress?: TransferProgress): Promise<void>;
  /** Keys below the artifact's key (data templates, directory artifacts). */
  listObjects(artifact: Artifact): Promise<string[]>;
  delete(artifact: Artifact): Promise<void>;
  /** Whether the key is a "directory" (prefix with children). */
  isDirectory(artifact: Artifact): Promise<boolean>;
  /**
   * Optional: release the driver's sockets and clients (keep-alive agents, SDK clients). A role that keeps drivers
   * for a while (artifact GC: one per storage location, D32) closes them when done.
   */
  close?(): void;
}

/** One file of a directory upload: `size` bytes of the local file `path` from `offset`, stored under `rel`. */
export interface FileRange {
  rel: string;
  path: string;
  offset: number;
  size: number;
}

/** A directory to upload as byte ranges of local files (a walk gives one whole file per range; a tar, many ranges of one file). */
export interface FileTree {
  files: FileRange[];
  totalBytes: number;
}

export interface SaveStreamOptions {
  /** Name used for the Content-Type (by extension), e.g. `out.tgz`; default: the object key. */
  fileName?: string;
  /** Upper bound of the stream's length, if known (lets S3 pick a part size that fits 10,000 parts). */
  sizeHint?: number;
  /** Where a driver that spools keeps its copy: Go's staging directory (/tmp/argo/outputs/artifacts) in `wait`. */
  tmpDir?: string;
}

/**
 * Upload `source` through `driver.saveStream` when the driver has one; otherwise spool it to a temporary file
 * (named `opts.fileName`, so drivers see the usual extension) under `tmpDir` and call `save` — the documented
 * fallback for drivers other than S3 (one on-disk copy, removed afterwards).
 */
export async function saveStreamWith(
  driver: ArtifactDriver,
  source: Readable | PullSource,
  artifact: Artifact,
  progress?: TransferProgress,
  opts: SaveStreamOptions = {},
): Promise<void> {
  if (driver.saveStream) return driver.saveStream(source, artifact, progress, opts);
  const dir = await mkdtemp(join(opts.tmpDir ?? tmpdir(), 'spool-'));
  try {
    const file = join(dir, opts.fileName ?? 'artifact');
    await spoolTo(file, source);
    await driver.save(file, artifact, progress);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Upload `tree` through `driver.saveTree` when the driver has one; otherwise `materialize` writes it as a directory
 * (e.g. extracts the tar its ranges come from) and that directory is saved.
 */
export async function saveTreeWith(
  driver: ArtifactDriver,
  tree: FileTree,
  artifact: Artifact,
  materialize: () => Promise<string>,
  progress?: TransferProgress,
): Promise<void> {
  if (driver.saveTree) return driver.saveTree(tree, artifact, progress);
  await driver.save(await materialize(), artifact, progress);
}

/** Write all of `source` to a new file at `file` (mode 0644: a plugin sidecar may run as another user). */
export async function spoolTo(file: string, source: Readable | PullSource): Promise<void> {
  const out = createWriteStream(file, { mode: 0o644 });
  if (isPullSource(source)) await pumpTo(source.fill, out);
  else await pipeline(source, out);
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
