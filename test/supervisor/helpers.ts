/**
 * An init-less pod (lifecycle §2, §9; workflowpod_layout.go initlessLayout) on top of PodSim: no init
 * container; `supervisor` (the executor on PATH, ServiceAccount, secrets) and `main` start together.
 *
 *   supervisor  /var/run/argo, own /tmp, /argo/inputs/artifacts (input-artifacts), /argo/staging (script),
 *               user volumes at /mainctrfs/<mountPath>, mirrors of main's mounts under /mainctrfs
 *   main        /var/run/argo, own /tmp, the whole input-artifacts volume at /argo/inputs/artifacts,
 *               /argo/staging (script), user volumes, the executor image at /argo-bin (read-only),
 *               runs `/argo-bin/bin/argoexec emissary` with ARGO_WAIT_FOR_READY=true
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PodSim, type Mount, type PodSpec } from '../support/pod-sim.ts';
import { PROJECT, type Running } from '../support/sandbox.ts';

export const IMAGE_ROOT = join(PROJECT, 'build/image/rootfs');
const LOG_OPTS = ['--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'];

function volumeMountsOf(t: Record<string, unknown>): { name: string; mountPath: string }[] {
  const c = (t.container ?? t.script ?? t.containerSet) as { volumeMounts?: { name: string; mountPath: string }[] } | undefined;
  return c?.volumeMounts ?? [];
}

const byDepth = (m: Mount[]): Mount[] => m.sort((a, b) => a[1].split('/').length - b[1].split('/').length);

export class InitlessPod {
  readonly sim: PodSim;

  constructor(spec: PodSpec, ids: ConstructorParameters<typeof PodSim>[1] = {}) {
    this.sim = new PodSim(spec, ids);
    mkdirSync(this.path('tmp-supervisor'));
    chmodSync(this.path('tmp-supervisor'), 0o1777);
    writeFileSync(this.path('termination-log-supervisor'), '');
    chmodSync(this.path('termination-log-supervisor'), 0o666);
  }

  get nodeId(): string { return this.sim.nodeId; }
  path(volume: string, rel = ''): string { return this.sim.path(volume, rel); }
  terminationMessage(c: 'main' | 'supervisor'): string { return this.sim.terminationMessage(c); }

  private get template(): Record<string, unknown> { return this.sim.spec.template; }
  private get isScript(): boolean { return this.template.script !== undefined; }

  private commonEnv(): Record<string, string> {
    return { ARGO_NODE_ID: this.sim.nodeId, ARGO_INCLUDE_SCRIPT_OUTPUT: 'false', ARGO_DEADLINE: '0001-01-01T00:00:00Z', ARGO_WORKFLOW_NAME: this.sim.workflowName };
  }

  private supervisorMounts(): Mount[] {
    const d = this.sim.dir;
    const m: Mount[] = [
      [join(d, 'var-run-argo'), '/var/run/argo', 'rw'],
      [join(d, 'tmp-supervisor'), '/tmp', 'rw'],
      [join(d, 'termination-log-supervisor'), '/dev/termination-log', 'rw'],
      [join(d, 'input-artifacts'), '/argo/inputs/artifacts', 'rw'],
      [join(d, 'input-artifacts'), '/mainctrfs/argo/inputs/artifacts', 'rw'],
      [join(d, 'sa'), '/var/run/secrets/kubernetes.io/serviceaccount', 'ro'],
      [this.sim.executor.binDir, this.sim.executor.binDir, 'ro'],
    ];
    if (this.isScript) m.push([join(d, 'argo-staging'), '/argo/staging', 'rw'], [join(d, 'argo-staging'), '/mainctrfs/argo/staging', 'rw']);
    for (const v of volumeMountsOf(this.template)) m.push([join(d, `vol-${v.name}`), `/mainctrfs${v.mountPath}`, 'rw']);
    for (const n of Object.keys(this.sim.spec.secrets ?? {})) m.push([join(d, 'secrets', n), `/argo/secret/${n}`, 'ro']);
    m.push(...(this.sim.spec.extraMounts?.wait ?? [])); // e.g. an artifact plugin's socket volume
    return byDepth(m);
  }

  private mainMounts(): Mount[] {
    const d = this.sim.dir;
    const m: Mount[] = [
      [join(d, 'var-run-argo'), '/var/run/argo', 'rw'],
      [join(d, 'tmp-main'), '/tmp', 'rw'],
      [join(d, 'termination-log-main'), '/dev/termination-log', 'rw'],
      [join(d, 'input-artifacts'), '/argo/inputs/artifacts', 'rw'],
      [IMAGE_ROOT, '/argo-bin', 'ro'],
    ];
    if (this.isScript) m.push([join(d, 'argo-staging'), '/argo/staging', 'rw']);
    for (const v of volumeMountsOf(this.template)) m.push([join(d, `vol-${v.name}`), v.mountPath, 'rw']);
    return byDepth(m);
  }

  startSupervisor(extraEnv: Record<string, string> = {}, timeoutMs?: number): Running {
    const spec = this.sim.spec;
    const env = {
      ARGO_POD_NAME: `${this.sim.nodeId}-pod`,
      ARGO_POD_UID: '11111111-2222-4333-8444-555555555555',
      ARGO_WORKFLOW_UID: this.sim.workflowUid,
      ARGO_CONTAINER_NAME: 'supervisor',
      ARGO_TEMPLATE: JSON.stringify(this.template),
      ARGO_INITLESS_POD: 'true',
      ...this.commonEnv(),
      KUBERNETES_SERVICE_HOST: spec.kubeHost ?? '127.0.0.1',
      KUBERNETES_SERVICE_PORT: spec.kubePort ?? '6443',
      PATH: `${this.sim.executor.binDir}:/usr/local/bin:/usr/bin:/bin`,
      ...(spec.env ?? {}), ...(spec.waitEnv ?? {}), ...extraEnv,
    };
    return this.sim.start('supervisor', ['argoexec', 'supervisor', ...LOG_OPTS], env, timeoutMs, this.supervisorMounts());
  }

  startMain(cmd: string[], extraEnv: Record<string, string> = {}, timeoutMs?: number): Running {
    const spec = this.sim.spec;
    const env = {
      ARGO_CONTAINER_NAME: 'main', ARGO_WAIT_FOR_READY: 'true', ...this.commonEnv(), PATH: '/usr/local/bin:/usr/bin:/bin',
      ...(spec.env ?? {}), ...(spec.mainEnv ?? {}), ...extraEnv,
    };
    return this.sim.start('main', ['/argo-bin/bin/argoexec', 'emissary', ...LOG_OPTS, '--', ...cmd], env, timeoutMs, this.mainMounts());
  }

  cleanup(): void { this.sim.cleanup(); }
}

/**
 * The TaskResult `name` as the apiserver last showed it before any deletion: a watch opened before the executor
 * starts. Needed when a kube-controller-manager shares the apiserver (the e2e cluster): its garbage collector deletes
 * a TaskResult whose owner Workflow (our fake ARGO_WORKFLOW_UID) does not exist, often before a GET could see it.
 */
export interface TaskResultWatch {
  /** The object of the last ADDED/MODIFIED event. */
  last(): Record<string, any> | undefined;
  /** Whether the last event was DELETED (the garbage collector, or the test's own cleanup). */
  deleted(): boolean;
  events: string[];
  close(): void;
}

export async function watchTaskResult(name: string): Promise<TaskResultWatch> {
  const { admin } = await import('../wait/helpers.ts');
  const { NAMESPACE } = await import('../support/pod-sim.ts');
  const { request } = await import('node:https');
  const opts: import('node:https').RequestOptions = {
    method: 'GET', hostname: admin.server.hostname, port: admin.server.port, headers: { Accept: 'application/json' },
    path: `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults?watch=true&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`,
  };
  await admin.kc.applyToHTTPSOptions(opts);
  let latest: Record<string, any> | undefined;
  let gone = false;
  const events: string[] = [];
  let buf = '';
  const req = request(opts);
  const ready = new Promise<void>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) { reject(new Error(`watch taskresults: ${res.statusCode}`)); return; }
      res.setEncoding('utf8').on('data', (d: string) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const ev = JSON.parse(buf.slice(0, i)) as { type: string; object: Record<string, any> };
          buf = buf.slice(i + 1);
          events.push(`${ev.type} completed=${ev.object?.metadata?.labels?.['workflows.argoproj.io/report-outputs-completed']}`);
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') { latest = ev.object; gone = false; }
          if (ev.type === 'DELETED') gone = true;
        }
      });
      res.on('error', () => undefined);
      resolve();
    });
  });
  req.end();
  await ready;
  return { last: () => latest, deleted: () => gone, events, close: () => { req.destroy(); } };
}

/**
 * After the executor exited: the TaskResult as ReportOutputs left it (the last version with `outputs`), and whether
 * FinalizeOutput's `report-outputs-completed=true` was seen. It must have been; when the garbage collector of a
 * kube-controller-manager sharing the apiserver deleted the object first (see watchTaskResult): the test then fails
 * with a message that says so.
 */
export async function reportedTaskResult(w: TaskResultWatch, t: { diagnostic(msg: string): void }, what: string): Promise<Record<string, any>> {
  const { until } = await import('../support/emissary.ts');
  const completed = (): boolean => w.last()?.metadata?.labels?.['workflows.argoproj.io/report-outputs-completed'] === 'true';
  const reported = (): boolean => w.last()?.outputs !== undefined || completed();
  await until(() => reported() && (completed() || w.deleted()), 10_000, `the reported TaskResult (${what})`)
    .catch((err: unknown) => { throw new Error(`${(err as Error).message}; watch events: ${w.events.join(', ')}`); });
  // Strict: a TaskResult deleted before it was finalized fails the test (make test stops the e2e cluster, whose
  // kube-controller-manager would garbage-collect TaskResults of workflows that do not exist).
  if (!completed()) throw new Error(`${what}: the TaskResult was deleted before FinalizeOutput marked it completed (${w.events.join(', ')}); is a kube-controller-manager running (make cluster-down)?`);
  void t;
  return w.last() as Record<string, any>;
}
