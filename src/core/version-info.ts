/** Build-time facts, injected by esbuild's `define` (see scripts/build.mjs). */
declare const __ARGOEXEC_VERSION__: string | undefined;
declare const __ARGOEXEC_BUILD_DATE__: string | undefined;
declare const __ARGOEXEC_GIT_COMMIT__: string | undefined;
declare const __ARGOEXEC_GIT_TREE_STATE__: string | undefined;
declare const __ARGOEXEC_GIT_TAG__: string | undefined;

export interface VersionInfo {
  version: string;
  buildDate: string;
  gitCommit: string;
  gitTreeState: string;
  gitTag: string;
  runtimeVersion: string;
  compiler: string;
  platform: string;
}

export function versionInfo(): VersionInfo {
  return {
    version: typeof __ARGOEXEC_VERSION__ === 'string' ? __ARGOEXEC_VERSION__ : 'untagged',
    buildDate: typeof __ARGOEXEC_BUILD_DATE__ === 'string' ? __ARGOEXEC_BUILD_DATE__ : '1970-01-01T00:00:00Z',
    gitCommit: typeof __ARGOEXEC_GIT_COMMIT__ === 'string' ? __ARGOEXEC_GIT_COMMIT__ : 'unknown',
    gitTreeState: typeof __ARGOEXEC_GIT_TREE_STATE__ === 'string' ? __ARGOEXEC_GIT_TREE_STATE__ : 'unknown',
    gitTag: typeof __ARGOEXEC_GIT_TAG__ === 'string' ? __ARGOEXEC_GIT_TAG__ : '',
    runtimeVersion: `node${process.versions.node}`,
    compiler: 'esbuild',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/** The exact lines of Go's PrintVersion (util/cmd/cmd.go), with our runtime in the GoVersion slot. */
export function formatVersion(v: VersionInfo, short: boolean): string {
  let out = `argoexec: ${v.version}\n`;
  if (short) return out;
  out += `  BuildDate: ${v.buildDate}\n`;
  out += `  GitCommit: ${v.gitCommit}\n`;
  out += `  GitTreeState: ${v.gitTreeState}\n`;
  if (v.gitTag !== '') out += `  GitTag: ${v.gitTag}\n`;
  out += `  GoVersion: ${v.runtimeVersion}\n`;
  out += `  Compiler: ${v.compiler}\n`;
  out += `  Platform: ${v.platform}\n`;
  return out;
}
