/**
 * The file system isomorphic-git checks out through, with go-git's modes: a regular file 0644, an executable 0755 and
 * a directory 0755 (go-git's worktree and go-billy's osfs), where isomorphic-git asks for 0666 / 0777 / 0777 and
 * leaves the rest to the umask. The executor runs under umask 0 (as Go's does), so without this every checked-out
 * file was world-writable (`-rw-rw-rw-` where Go's `ls -l` shows `-rw-r--r--`: Argo's TestGitArtifactDepthClone).
 */
import * as nodeFs from 'node:fs';
import type { Mode, ObjectEncodingOptions } from 'node:fs';

type WriteOptions = (ObjectEncodingOptions & { mode?: Mode }) | BufferEncoding | null | undefined;

const fileMode = (o: WriteOptions): number => {
  const asked = typeof o === 'object' && o?.mode !== undefined ? Number(o.mode) : 0o666;
  return asked & 0o111 ? 0o755 : 0o644;
};

export const goGitFs = {
  ...nodeFs,
  promises: {
    ...nodeFs.promises,
    writeFile: (file: string, data: string | Uint8Array, o?: WriteOptions): Promise<void> =>
      nodeFs.promises.writeFile(file, data, { ...(typeof o === 'string' ? { encoding: o } : o ?? {}), mode: fileMode(o) }),
    mkdir: (path: string, o?: nodeFs.MakeDirectoryOptions | Mode | null): Promise<string | undefined> =>
      nodeFs.promises.mkdir(path, { ...(typeof o === 'object' && o !== null ? o : {}), mode: 0o755 }),
  },
};
