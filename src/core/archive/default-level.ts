/**
 * The gzip level of a tar artifact that sets no `compressionLevel`, chosen by the operator with the executor's
 * ARGOEXEC_DEFAULT_GZIP (decision D37). Its own module without imports: the configuration reads it in every role,
 * the emissary's bundle included.
 *
 * `fast` (or unset): −1, which the parallel gzip compresses with ISA-L's igzip level 3 (compressorFor in gzip.ts);
 * `zlib`: zlib level 6, the size Go's compress/gzip writes, for ~3× the CPU.
 */
export function defaultGzipLevel(setting: string | undefined): number {
  if (setting === undefined || setting === '' || setting === 'fast') return -1;
  if (setting === 'zlib') return 6;
  throw new Error(`ARGOEXEC_DEFAULT_GZIP=${JSON.stringify(setting)}: expected "fast" (the default) or "zlib"`);
}
