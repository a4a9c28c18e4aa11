/**
 * Where the executable finds its loader and libraries: a directory `argoexec.d` next to it, named by
 * absolute path inside the executable (ELF interpreter + rpath).
 */
export const RUNTIME_DIR_SUFFIX = '.d';
export const LOADER_NAME = 'ld-linux-x86-64.so.2';
/**
 * The kubectl binary of the `resource` role, in the runtime directory of dist/argoexec (at /bin/kubectl in the
 * executor image). Never copied by `init` (installExecutable): copies in user containers do not run `resource`.
 */
export const KUBECTL_NAME = 'kubectl';

export function runtimeDirFor(executable: string): string {
  return `${executable}${RUNTIME_DIR_SUFFIX}`;
}

export function elfPathsFor(runtimeDir: string): { interpreter: string; rpath: string } {
  return { interpreter: `${runtimeDir}/${LOADER_NAME}`, rpath: runtimeDir };
}

/** In the executor image: the image is mounted at /argo-bin in init-less pods; the image has /argo-bin/bin -> ../bin. */
export const IMAGE_EXECUTABLE = '/argo-bin/bin/argoexec';
export const IMAGE_RUNTIME_DIR = runtimeDirFor(IMAGE_EXECUTABLE);
