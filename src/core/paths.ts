/** Well-known paths of the pod contract (lifecycle §2.5, §3). */
export const VAR_RUN_ARGO = '/var/run/argo';
export const TEMPLATE_FILE = `${VAR_RUN_ARGO}/template`;
export const STATUS_FILE = `${VAR_RUN_ARGO}/status`;
export const OUTPUTS_DIR = `${VAR_RUN_ARGO}/outputs`;
export const OUTPUT_PARAMETERS_DIR = `${OUTPUTS_DIR}/parameters`;
export const OUTPUT_ARTIFACTS_DIR = `${OUTPUTS_DIR}/artifacts`;
export const CONFIG_DIR = '/argo/config';
export const OFFLOADED_TEMPLATE_FILE = `${CONFIG_DIR}/ARGO_TEMPLATE`;
export const INPUT_ARTIFACTS_DIR = '/argo/inputs/artifacts';
export const STAGING_SCRIPT = '/argo/staging/script';
export const MAIN_CTR_FS = '/mainctrfs';
export const TERMINATION_LOG = '/dev/termination-log';
/** Large values are offloaded beyond this many bytes (common.MaxEnvVarLen). */
export const MAX_ENV_VAR_LEN = 131072;

export function ctrDir(container: string): string {
  return `${VAR_RUN_ARGO}/ctr/${container}`;
}
export function ctrFile(container: string, file: 'exitcode' | 'stdout' | 'combined' | 'signal' | 'before' | 'after'): string {
  return `${ctrDir(container)}/${file}`;
}

/** Artifact plugin sockets (ArtifactPluginName.SocketDir/SocketPath): the `artifact-plugin-<name>` volume. */
export const ARTIFACT_PLUGINS_DIR = '/tmp/artifact-plugins';
export function pluginSocketDir(plugin: string): string {
  return `${ARTIFACT_PLUGINS_DIR}/${plugin}`;
}
export function pluginSocketPath(plugin: string): string {
  return `${pluginSocketDir(plugin)}/socket`;
}
