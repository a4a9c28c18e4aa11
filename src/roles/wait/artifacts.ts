/**
 * SaveArtifacts (lifecycle §7.5, artifacts spec §4.2–§4.3): stage every output artifact into
 * /tmp/argo/outputs/artifacts and upload it. Our emissary hands over an UNCOMPRESSED tar
 * (`<path>.tar`); the tar strategy gzips it here while uploading (tar → parallel gzip → driver
 * saveStream, no `.tgz` on disk), none/zip extract it first — so what lands in the store has Go's
 * names and archive layout.
 */
import { createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { tarGzPath, unpackTo, zipPath } from '../../core/archive/index.ts';
import { MAIN_CTR_FS, OUTPUT_ARTIFACTS_DIR } from '../../core/paths.ts';
import type { Artifact } from '../../core/template.ts';
import type { Span } from '../../core/tracing/tracing.ts';
import { stagedArtifactPath } from '../emissary/stage-outputs.ts';
import { cleanArtifactPath } from './location.ts';
import { errnoCode, pathError } from '../../core/errors.ts';
import { mkdirAll } from '../../core/io/mkdir-all.ts';
import { isBaseImagePath } from './parameters.ts';
import { isNotFoundError, NotFoundError, type ExecutorState } from './state.ts';
import { saveArtifactFromFile, type StagedTree } from './upload.ts';
import { scanTarFileTree } from '../../core/archive/tar-scan.ts';

export const TEMP_OUT_ART_DIR = '/tmp/argo/outputs/artifacts';

async function toFile(path: string, write: (out: Writable) => Promise<unknown>): Promise<void> {
  const out = createWriteStream(path, { mode: 0o666 });
  await once(out, 'open');
  try {
    await write(out);
  } catch (err) {
    out.destroy();
    // A failed write (ENOSPC, EIO) names the file, as Go's *PathError: `write <path>: no space left on device`.
    if ((err as NodeJS.ErrnoException).syscall === 'write' && !(err as NodeJS.ErrnoException).path && errnoCode(err)) throw Object.assign(new Error(pathError('write', path, err)), { code: errnoCode(err) });
    throw err;
  }
  if (!out.writableEnded) out.end();
  if (!out.closed) await once(out, 'close');
}

/** The gzip level of a tar.gz written from a mounted path: the artifact's, else the operator's default (D37). */
function gzipLevel(art: Artifact, defaultLevel: number): number {
  const s = art.archive;
  if (!s) return defaultLevel;
  if (s.tar) return s.tar.compressionLevel ?? defaultLevel;
  return 0; // `archive: {}`: Go's gzip.NoCompression
}

function notFoundWrap(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || isNotFoundError(err)) return new NotFoundError((err as Error).message);
  return err;
}

/**
 * stageArchiveFile: returns [fileName, localPath, gzipLevel]. With a gzip level, `localPath` is the emissary's
 * uncompressed hand-over tar and the upload gzips it on the fly (`fileName` is still `<name>.tgz`). With a tree,
 * `localPath` is where the directory would be extracted: the upload reads the files from the tar instead.
 */
export async function stageArchiveFile(state: ExecutorState, art: Artifact, path: string): Promise<[string, string, number?, StagedTree?]> {
  const { log, template, cfg } = state;
  log.info('Staging artifact', { name: art.name });
  const strategy = art.archive ?? { tar: {} };
  if (!isBaseImagePath(template, path, cfg.initlessPod)) {
    const mounted = join(MAIN_CTR_FS, path);
    log.info('Staging from mirrored volume mount', { path, mountedArtPath: mounted });
    if (strategy.none) {
      if (!existsSync(mounted)) throw new NotFoundError(`${path} no such file or directory`);
      return [basename(path), mounted];
    }
    if (strategy.zip) {
      const fileName = `${art.name}.zip`;
      const local = join(TEMP_OUT_ART_DIR, fileName);
      try { await toFile(local, (out) => zipPath(mounted, out)); } catch (err) { throw notFoundWrap(err); }
      return [fileName, local];
    }
    const fileName = `${art.name}.tgz`;
    const local = join(TEMP_OUT_ART_DIR, fileName);
    try { await toFile(local, (out) => tarGzPath(mounted, out, gzipLevel(art, cfg.defaultGzipLevel))); } catch (err) { throw notFoundWrap(err); }
    return [fileName, local];
  }

  const staged = stagedArtifactPath(path);
  const goName = join(OUTPUT_ARTIFACTS_DIR, `${path.replace(/\/+$/, '')}.tgz`);
  log.info('Copying from container base image layer', { path, source: staged });
  if (!existsSync(staged)) throw new NotFoundError(`open ${goName}: no such file or directory`);
  if (strategy.tar) {
    // Streamed: tar → gzip → store (saveArtifactFromFile with a level); no second on-disk copy.
    return [`${art.name}.tgz`, staged, gzipLevel(art, cfg.defaultGzipLevel)];
  }
  const unarchived = join(TEMP_OUT_ART_DIR, art.name);
  // none / zip / `{}`: extract the hand-over tar (single top-level entry rule) before upload.
  const extract = async (): Promise<string> => {
    log.info('Untarring archive before upload', { path: staged });
    await unpackTo(staged, unarchived, { gzip: false });
    return unarchived;
  };
  if (strategy.none && !cfg.removeLocalArtPath) {
    // A plain directory: its files are uploaded as ranges of the hand-over tar, nothing extracted (D29); a driver
    // without saveTree gets the extracted directory, as below.
    const tree = await scanTarFileTree(staged);
    if (tree) {
      log.info('Uploading the directory from the hand-over tar', { path: staged, files: tree.files.length });
      return [basename(path), unarchived, undefined, { tree, materialize: extract }];
    }
  }
  await extract();
  let fileName = basename(path);
  let local = unarchived;
  if (!statSync(unarchived).isDirectory()) {
    local = join(TEMP_OUT_ART_DIR, fileName);
    renameSync(unarchived, local);
  }
  if (strategy.zip) {
    fileName = `${art.name}.zip`;
    const zipLocal = join(TEMP_OUT_ART_DIR, fileName);
    await toFile(zipLocal, (out) => zipPath(local, out));
    log.info('Successfully zipped', { unarchivedArtPath: local, localArtPath: zipLocal });
    return [fileName, zipLocal];
  }
  return [fileName, local];
}

/** saveArtifact: stage (the archiveArtifact span), then upload; false when an optional artifact is absent. */
async function saveArtifact(state: ExecutorState, span: Span, art: Artifact, path: string): Promise<boolean> {
  const { log } = state;
  let fileName: string;
  let local: string;
  let level: number | undefined;
  let tree: StagedTree | undefined;
  try {
    [fileName, local, level, tree] = await span.in('archiveArtifact', {}, () => stageArchiveFile(state, art, path));
  } catch (err) {
    if (art.optional && isNotFoundError(err)) {
      log.warn('Ignoring optional artifact which does not exist in path', { name: art.name, path, error: (err as Error).message });
      return false;
    }
    throw err;
  }
  if (tree) {
    await saveArtifactFromFile(state, art, fileName, local, { tree });
    return true;
  }
  const st = statSync(local);
  if (st.isFile() && st.size === 0) log.warn('The file is empty. It may not be uploaded successfully depending on the artifact driver', { path: local });
  await saveArtifactFromFile(state, art, fileName, local, level === undefined ? {} : { gzipLevel: level });
  return true;
}

/** Upload every output artifact in order; returns the saved ones and the aggregated error text. */
export async function saveArtifacts(state: ExecutorState): Promise<[Artifact[], Error | undefined]> {
  const { template, log } = state;
  return state.span.in('saveArtifacts', {}, (span) => saveEachArtifact(state, span));
}

async function saveEachArtifact(state: ExecutorState, span: Span): Promise<[Artifact[], Error | undefined]> {
  const { template, log } = state;
  const saved: Artifact[] = [];
  const arts = template.outputs?.artifacts ?? [];
  if (arts.length === 0) {
    log.info('No output artifacts');
    return [saved, undefined];
  }
  log.info('Saving output artifacts');
  mkdirAll(TEMP_OUT_ART_DIR, 0o777);
  let aggregate = '';
  for (const original of arts) {
    span.addEvent('upload artifact', { file: original.name });
    const art = structuredClone(original);
    try {
      const path = cleanArtifactPath(art);
      art.path = path;
      if (await span.in('saveArtifact', {}, (saveSpan) => saveArtifact(state, saveSpan, art, path))) saved.push(art);
    } catch (err) {
      aggregate += `${(err as Error).message}; `;
    }
  }
  return [saved, aggregate === '' ? undefined : new Error(aggregate)];
}
