/**
 * Archive toolkit used by the init and wait roles (artifacts spec §3.3–§3.6, §4.3, §8).
 *
 * - `gzipFile`: turn the emissary's uncompressed tar into the `.tgz` Argo uploads (parallel, multi-member gzip).
 * - `tarGzPath`: TarGzToWriter — tar.gz straight from a file or directory (mirrored/volume paths).
 * - `zipPath`: ZipToWriter — zip of a file or directory (`archive: zip`).
 * - `isTarball`, `untar`, `unzip`, `unarchiveArtifact`: input extraction with Go's placement rules and strict
 *   containment checks (nothing is ever written outside the target).
 */
import type { Writable } from 'node:stream';

export { writeTarTree, NotFoundError } from './tar-tree.ts';

/** `archive` member of an Artifact (artifacts spec §2.2). */
export interface ArchiveStrategy {
  tar?: { compressionLevel?: number } | null;
  none?: object | null;
  zip?: object | null;
}

export interface GzipOptions {
  /** Uncompressed bytes per gzip member compressed concurrently (default 4 MiB). */
  chunkBytes?: number;
  /** Members compressed at the same time (default: libuv threadpool size). */
  concurrency?: number;
  /** Called with the cumulative number of input bytes compressed. */
  progress?: (bytes: number) => void;
}

/** Gzip the file at `srcPath` into `out` (level −1 = default 6, 0 = stored … 9). Resolves when `out` has finished. */
export async function gzipFile(_srcPath: string, _out: Writable, _level = -1, _opts: GzipOptions = {}): Promise<void> {
  throw new Error('gzipFile: not implemented');
}

/** TarGzToWriter: tar `source` (file or directory) with Argo's layout and gzip it at `level`; returns the entry count. */
export async function tarGzPath(_source: string, _out: Writable, _level = -1, _opts: GzipOptions = {}): Promise<number> {
  throw new Error('tarGzPath: not implemented');
}

/** ZipToWriter: zip `source` (directory → `<basename>/<rel>` file entries; file → one entry). */
export async function zipPath(_source: string, _out: Writable): Promise<void> {
  throw new Error('zipPath: not implemented');
}

/** isTarball: gzip header parses and the first tar header parses (artifacts spec §3.3). */
export async function isTarball(_path: string): Promise<boolean> {
  throw new Error('isTarball: not implemented');
}

export interface UntarOptions {
  /** true: the input is gzip'd (default); false: a plain tar (our emissary's hand-over). */
  gzip?: boolean;
}

/** Extract the tar at `src` into the existing directory `destDir`, refusing any entry that escapes it. */
export async function untar(_src: string, _destDir: string, _opts: UntarOptions = {}): Promise<void> {
  throw new Error('untar: not implemented');
}

/** Extract the zip at `src` into the existing directory `destDir`, refusing any entry that escapes it. */
export async function unzip(_src: string, _destDir: string): Promise<void> {
  throw new Error('unzip: not implemented');
}

/**
 * unarchiveArtifact (artifacts spec §3.3–§3.6): place the downloaded `tmp` (file or directory) at `artPath`
 * according to `archive` — rename (none / auto-detected non-tarball), or extract into `<artPath>.tmpdir` and apply
 * the single-top-level-entry rule. `tmp` is removed after extraction.
 */
export async function unarchiveArtifact(_archive: ArchiveStrategy | undefined, _tmp: string, _artPath: string): Promise<void> {
  throw new Error('unarchiveArtifact: not implemented');
}

/**
 * Extract an archive (our emissary's plain tar, or a tgz) into `<dest>.tmpdir` and move it to `dest` with the
 * single-top-level-entry rule (used by the wait for `archive: none`/`zip` on base-image paths, §4.3).
 */
export async function unpackTo(_src: string, _dest: string, _opts: UntarOptions = {}): Promise<void> {
  throw new Error('unpackTo: not implemented');
}
