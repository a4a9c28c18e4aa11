/**
 * Hand-over of outputs from the emissary of `main` to `wait` (lifecycle §6.15), through /var/run/argo:
 *
 * - parameters: byte copy at outputs/parameters/<path> (as Go);
 * - artifacts: an UNCOMPRESSED tar at outputs/artifacts/<path>.tar — our own format (docs/decisions.md):
 *   the emissary only captures file metadata and bytes; compression happens in `wait`, in parallel
 *   with the upload, and is skipped entirely for `archive: none`.
 */
import { closeSync, createWriteStream, mkdirSync, openSync, readSync, writeSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OUTPUT_ARTIFACTS_DIR, OUTPUT_PARAMETERS_DIR } from '../../core/paths.ts';
import { findOverlappingVolume } from '../../core/volumes.ts';
import { NotFoundError, writeTarTree } from '../../core/archive/tar-tree.ts';
import { strerror } from '../../core/errors.ts';
import type { Template } from '../../core/template.ts';
import type { Logger } from '../../core/log.ts';

export const STAGED_ARTIFACT_SUFFIX = '.tar';

/** Where the hand-over tar of an output artifact path lives. */
export function stagedArtifactPath(path: string): string {
  return join(OUTPUT_ARTIFACTS_DIR, `${path.replace(/\/+$/, '')}${STAGED_ARTIFACT_SUFFIX}`);
}

/** Where the hand-over copy of an output parameter lives (path appended verbatim, as Go). */
export function stagedParameterPath(path: string): string {
  return `${OUTPUT_PARAMETERS_DIR}/${path}`;
}

function copyFileBytes(src: number, dst: number): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const n = readSync(src, buf, 0, buf.length, null);
    if (n === 0) return;
    let off = 0;
    while (off < n) off += writeSync(dst, buf, off, n - off);
  }
}

export function saveParameter(t: Template, src: string, log: Logger): void {
  if (findOverlappingVolume(t, src)) {
    log.info('no need to save parameter - on overlapping volume', { src });
    return;
  }
  let fd: number;
  try {
    fd = openSync(src, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      log.warn('cannot save parameter, does not exist', { src });
      return;
    }
    throw new Error(`failed to open ${src}: open ${src}: ${strerror(err)}`);
  }
  const dst = stagedParameterPath(src);
  try {
    log.info('saving parameter', { src, dst });
    mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
    let out: number;
    try {
      out = openSync(dst, 'w', 0o666);
    } catch (err) {
      throw new Error(`failed to create ${src}: open ${dst}: ${strerror(err)}`);
    }
    try {
      copyFileBytes(fd, out);
    } catch (err) {
      throw new Error(`failed to copy ${src} to ${dst}: read ${src}: ${strerror(err)}`);
    } finally {
      closeSync(out);
    }
  } finally {
    closeSync(fd);
  }
}

export async function saveArtifact(t: Template, src: string, log: Logger): Promise<void> {
  if (findOverlappingVolume(t, src)) {
    log.info('no need to save artifact - on overlapping volume', { srcPath: src });
    return;
  }
  try {
    statSync(src);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      log.warn('cannot save artifact', { srcPath: src, error: `stat ${src}: no such file or directory` });
      return;
    }
  }
  const dst = stagedArtifactPath(src);
  log.info('saving artifact', { src, dst });
  try {
    mkdirSync(dirname(dst), { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new Error(`failed to create directory ${dirname(dst)}: ${strerror(err)}`);
  }
  const out = createWriteStream(dst, { mode: 0o666 });
  try {
    const count = await writeTarTree(src, out);
    log.info('archived files/dirs', { count, source: src });
  } catch (err) {
    const detail = err instanceof NotFoundError ? err.message : strerror(err);
    throw new Error(`failed to tarball the output ${src} to ${dst}: ${detail}`);
  }
}

/** Stage every output of `main`, parameters first, in template order; the first failure is thrown. */
export async function stageOutputs(t: Template, log: Logger): Promise<void> {
  for (const p of t.outputs?.parameters ?? []) {
    if (p.valueFrom?.path) saveParameter(t, p.valueFrom.path, log);
  }
  for (const a of t.outputs?.artifacts ?? []) {
    if (a.path) await saveArtifact(t, a.path, log);
  }
}
