/**
 * A legacy-layout pod with an artifact plugin (lifecycle §2.3–§2.5, §10.6–§10.7; workflowpod.go
 * addArtifactPluginsLegacy) on top of PodSim, with the test plugin (test/support/artifact-plugin/server.ts) as the
 * plugin image's entrypoint:
 *
 *   init                    argoexec init (installs /var/run/argo/argoexec, skips plugin inputs)
 *   init-artifact-<p>       /var/run/argo/argoexec artifact-plugin-init --plugin-name <p> -- node server.ts SOCKET
 *                           (init's mounts, own /tmp, the socket volume)
 *   main                    the emissary
 *   wait                    + the socket volume, ARGO_ARTIFACT_PLUGIN_NAMES=artifact-plugin-<p>
 *   artifact-plugin-<p>     /var/run/argo/argoexec artifact-plugin-sidecar -- node server.ts SOCKET
 *                           (/var/run/argo, own /tmp, wait's /tmp/argo/outputs, the socket volume, wait's /mainctrfs)
 *
 * SOCKET = /tmp/artifact-plugins/<p>/socket on the `artifact-plugin-<p>` volume. The plugin containers also get
 * the repository read-only (Node and the server) and the plugin's store at /store.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodSim, type Mount, type PodSpec } from './pod-sim.ts';
import { PROJECT, type RunResult, type Running } from './sandbox.ts';

export const PLUGIN_SERVER = join(PROJECT, 'test/support/artifact-plugin/server.ts');
const LOG_OPTS = ['--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'];

export interface PluginPodSpec extends PodSpec {
  /** Plugin name (default `test`). */
  plugin?: string;
  /** Host directory of the plugin's store (shared between pods to load what another pod saved). */
  store?: string;
  /** Extra environment of the plugin containers (e.g. TEST_PLUGIN_STREAMING). */
  pluginEnv?: Record<string, string>;
  /** The plugin image's entrypoint (default: node server.ts); the socket path is appended. */
  pluginCommand?: string[];
}

export interface PluginPodResult { init: RunResult; pluginInit?: RunResult; main?: RunResult; wait?: RunResult; sidecar?: RunResult }

export class PluginPod {
  readonly sim: PodSim;
  readonly plugin: string;
  readonly store: string;
  readonly socket: string;
  readonly #ownStore: boolean;
  readonly #spec: PluginPodSpec;

  constructor(spec: PluginPodSpec) {
    const plugin = spec.plugin ?? 'test';
    const sim = new PodSim(spec);
    this.sim = sim;
    this.plugin = plugin;
    this.#spec = spec;
    this.socket = `/tmp/artifact-plugins/${plugin}/socket`;
    this.#ownStore = spec.store === undefined;
    this.store = spec.store ?? mkdtempSync(join(tmpdir(), 'argoexec-plugin-store-'));
    chmodSync(this.store, 0o777);
    for (const d of [`artifact-plugin-${plugin}`, `tmp-init-artifact-${plugin}`, `tmp-artifact-plugin-${plugin}`, 'tmp-wait/argo/outputs']) {
      mkdirSync(sim.path(d), { recursive: true });
      chmodSync(sim.path(d), 0o1777);
    }
    for (const c of [`init-artifact-${plugin}`, `artifact-plugin-${plugin}`]) writeFileSync(sim.path(`termination-log-${c}`), '', { mode: 0o666 });
    const socketVolume: Mount = [sim.path(`artifact-plugin-${plugin}`), `/tmp/artifact-plugins/${plugin}`, 'rw'];
    spec.extraMounts = { ...spec.extraMounts, wait: [...(spec.extraMounts?.wait ?? []), socketVolume] };
    spec.waitEnv = { ARGO_ARTIFACT_PLUGIN_NAMES: `artifact-plugin-${plugin}`, ...spec.waitEnv };
  }

  get nodeId(): string { return this.sim.nodeId; }
  path(volume: string, rel = ''): string { return this.sim.path(volume, rel); }
  /** Host path of an object in the plugin's store. */
  object(key: string): string { return join(this.store, 'objects', key); }

  #pluginMounts(container: string, base: Mount[]): Mount[] {
    const own = (dst: string): boolean => dst === '/tmp' || dst === '/dev/termination-log';
    const list: Mount[] = [
      ...base.filter(([, dst]) => !own(dst)),
      [this.sim.path(`tmp-${container}`), '/tmp', 'rw'],
      [this.sim.path(`termination-log-${container}`), '/dev/termination-log', 'rw'],
      [this.sim.path(`artifact-plugin-${this.plugin}`), `/tmp/artifact-plugins/${this.plugin}`, 'rw'],
      [PROJECT, PROJECT, 'ro'],
      [this.store, '/store', 'rw'],
    ];
    return list.sort((a, b) => a[1].split('/').length - b[1].split('/').length);
  }

  #pluginCommand(): string[] {
    return [...(this.#spec.pluginCommand ?? [process.execPath, PLUGIN_SERVER]), this.socket];
  }

  #pluginEnv(container: string): Record<string, string> {
    return { ...this.sim.executorEnv(container), TEST_PLUGIN_STORE: '/store', ...(this.#spec.pluginEnv ?? {}) };
  }

  /** `init-artifact-<p>`: the plugin's inputs (legacy init containers get ARGO_TEMPLATE). */
  startPluginInit(timeoutMs = 200_000): Running {
    const c = `init-artifact-${this.plugin}`;
    const env = { ...this.#pluginEnv(c), ARGO_TEMPLATE: JSON.stringify(this.sim.template) };
    return this.sim.start(c, ['/var/run/argo/argoexec', 'artifact-plugin-init', '--plugin-name', this.plugin, ...LOG_OPTS, '--', ...this.#pluginCommand()],
      env, timeoutMs, this.#pluginMounts(c, this.sim.mounts('init')));
  }

  /**
   * `artifact-plugin-<p>`: serves wait; ended by wait's file signal. Artifact-GC pods wrap the plugin with
   * `emissary` instead (artifact_gc.go artifactSidecarGCContainer).
   */
  startSidecar(role: 'artifact-plugin-sidecar' | 'emissary' = 'artifact-plugin-sidecar', timeoutMs = 200_000): Running {
    const c = `artifact-plugin-${this.plugin}`;
    const waitSide = this.sim.mounts('wait').filter(([, dst]) => dst.startsWith('/mainctrfs') || dst === '/var/run/argo');
    const mounts = this.#pluginMounts(c, [...waitSide, [this.sim.path('tmp-wait/argo/outputs'), '/tmp/argo/outputs', 'rw']]);
    return this.sim.start(c, ['/var/run/argo/argoexec', role, ...LOG_OPTS, '--', ...this.#pluginCommand()], this.#pluginEnv(c), timeoutMs, mounts);
  }

  /** The whole pod: init, init-artifact-<p>, then main, wait and the plugin sidecar together. */
  async run(cmd: string[]): Promise<PluginPodResult> {
    const init = await this.sim.runInit();
    if (init.code !== 0) return { init };
    const pluginInit = await this.startPluginInit().done;
    if (pluginInit.code !== 0) return { init, pluginInit };
    const sidecar = this.startSidecar();
    const wait = this.sim.startWait({}, 200_000);
    const main = this.sim.startMain(cmd);
    return { init, pluginInit, main: await main.done, wait: await wait.done, sidecar: await sidecar.done };
  }

  cleanup(): void {
    this.sim.cleanup();
    if (this.#ownStore) rmSync(this.store, { recursive: true, force: true });
  }
}
