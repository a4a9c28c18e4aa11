/**
 * Extract a tar.gz input while its download is still filling `<dest>.tmp` (decision D33).
 *
 * Go downloads the whole object, then reads it back through gunzip and the tar reader; inflating is serial, so the
 * two phases add up. Here the extractor follows the contiguous prefix the (ranged, out-of-order) download has
 * written (GrowingFile): the same bytes, from the same file, in the same order, so the result and every error are
 * those of extracting the finished file. The caller keeps Go's order of errors: a failed download is reported as
 * such even when the extraction failed first, and an extraction error only once the download has succeeded.
 *
 * It declines (`'later'`) what it cannot do while the bytes arrive — a driver that does not report its writes, a
 * directory, an input that is not a tarball — and a download that starts over makes it fail with
 * DownloadRestartedError: in both cases the caller extracts the finished file as before.
 */
import { open, rm } from 'node:fs/promises';
import { archiveKind, startsAsTarball, unarchiveArtifact, unpack, untar, type ArchiveStrategy } from '../../core/archive/index.ts';
import { DownloadRestartedError, GrowingFile, type WriteObserver } from '../../core/io/growing-file.ts';
import type { Span } from '../../core/tracing/tracing.ts';

/** Whether an input's archive strategy allows extracting before the download ends (tar, or auto-detection). */
export function canExtractWhileDownloading(archive: ArchiveStrategy | undefined | null): boolean {
  return !archive?.none && !archive?.zip;
}

/**
 * Follows `growing` (the observer handed to the driver's load) and unpacks the tarball at `tmp` into `dest` as it
 * grows. Resolves 'done' once `dest` is in place, or 'later' when the finished file must be placed as usual.
 */
export async function extractWhileDownloading(growing: GrowingFile, archive: ArchiveStrategy | undefined | null, tmp: string, dest: string, span: Span): Promise<'done' | 'later'> {
  if (!(await growing.whenBegun())) return 'later';
  if (!archive?.tar) {
    const fh = await open(tmp, 'r');
    try {
      if (!(await startsAsTarball(growing.filler(fh)))) return 'later';
    } finally {
      await fh.close();
    }
  }
  await span.in('unarchiveArtifact', { archive: 'tar' }, () => unpack(dest, (dir) => untar(tmp, dir, { filler: (fh) => growing.filler(fh) })));
  return 'done';
}

/** The download itself failed (`cause`): the caller words it (Go: `artifact <name> failed to load: …`). */
export class DownloadFailedError extends Error {
  constructor(cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
  }
}

/**
 * Download an input with `download` (the driver's load into `tmp`, handed an observer when extracting early is
 * possible) and place it at `dest` as Go's unarchiveArtifact does. A failed download throws DownloadFailedError,
 * whatever the extraction did meanwhile (its partial `<dest>.tmpdir` is removed); an extraction error is thrown
 * once the download has succeeded. `<dest>.tmp` is removed after an extraction.
 */
export async function downloadAndPlace(download: (observer: WriteObserver | undefined) => Promise<void>, archive: ArchiveStrategy | undefined | null, tmp: string, dest: string, span: Span): Promise<void> {
  const growing = canExtractWhileDownloading(archive) ? new GrowingFile() : undefined;
  const early = growing
    ? extractWhileDownloading(growing, archive, tmp, dest, span).then((r) => ({ r }), (err: unknown) => ({ err }))
    : undefined;
  try {
    await download(growing);
    growing?.end();
  } catch (err) {
    growing?.fail(err instanceof Error ? err : new Error(String(err)));
    await early;
    throw new DownloadFailedError(err);
  }
  const extracted = await early;
  if (extracted && 'r' in extracted && extracted.r === 'done') {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    return;
  }
  // After a restart the extraction may have failed on the first attempt's file in any way (even ENOENT between the
  // retry's removal and re-creation): the finished file is extracted from the start instead.
  if (extracted && 'err' in extracted && !(extracted.err instanceof DownloadRestartedError) && !growing?.restarted) throw extracted.err;
  const kind = await archiveKind(archive, tmp);
  await span.in('unarchiveArtifact', { archive: kind }, () => unarchiveArtifact(archive, tmp, dest, kind));
}
