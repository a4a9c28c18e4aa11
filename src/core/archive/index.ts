/**
 * Archive toolkit used by the init and wait roles (artifacts spec §3.3–§3.6, §4.3, §8).
 *
 * - `gzipFile`: turn the emissary's uncompressed tar into the `.tgz` Argo uploads (parallel gzip, one member).
 * - `tarGzPath`: TarGzToWriter — tar.gz straight from a file or directory (mirrored/volume paths).
 * - `zipPath`: ZipToWriter — zip of a file or directory (`archive: zip`).
 * - `isTarball`, `untar`, `unzip`, `unarchiveArtifact`, `unpackTo`: extraction with Go's placement rules and
 *   strict containment checks (nothing is ever written outside the target).
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { FillerSink, fileFiller, pumpTo } from '../io/fill.ts';
import { ParallelGzip, type GzipOptions } from './gzip.ts';
import { writeTarTree } from './tar-tree.ts';

export { writeTarTree, NotFoundError } from './tar-tree.ts';
export { ParallelGzip, type GzipOptions } from './gzip.ts';
export { zipPath } from './zip.ts';
export {
  isTarball,
  startsAsTarball,
  untar,
  unzip,
  unpack,
  unpackTo,
  unarchiveArtifact,
  archiveKind,
  type ArchiveKind,
  IllegalPathError,
  type ArchiveStrategy,
  type UntarOptions,
} from './extract.ts';

/** Gzip the file at `srcPath` into `out` (Go levels: −1 default = 6, −2 Huffman only, 0 stored … 9). */
export async function gzipFile(srcPath: string, out: Writable, level = -1, opts: GzipOptions = {}): Promise<void> {
  const fh = await open(srcPath, 'r');
  try {
    const gz = new ParallelGzip(fileFiller(fh), level, opts);
    try {
      await pumpTo(gz.fill, out);
    } catch (err) {
      gz.destroy(err as Error);
      out.destroy();
      throw err;
    }
  } finally {
    await fh.close();
  }
}

/** TarGzToWriter: tar `source` (file or directory) with Argo's layout and gzip it at `level`; returns the entry count. */
export async function tarGzPath(source: string, out: Writable, level = -1, opts: GzipOptions = {}): Promise<number> {
  const sink = new FillerSink();
  const gz = new ParallelGzip(sink.fill, level, opts);
  // A failed output (ENOSPC, a closed upload) stops the tar writer too: its next write would wait for a pull that never
  // comes, and with nothing else pending the process would end as if all were done.
  let outputError: unknown;
  const pumping = pumpTo(gz.fill, out).catch((err: unknown) => {
    outputError = err;
    sink.destroy(); // no error argument: nobody listens for the sink's 'error' event
    throw err;
  });
  pumping.catch(() => undefined);
  try {
    const n = await writeTarTree(source, sink);
    await pumping;
    return n;
  } catch (err) {
    sink.destroy();
    gz.destroy(err as Error);
    out.destroy();
    await pumping.catch(() => undefined);
    throw outputError ?? err;
  }
}
