/**
 * What a row of Argo's e2e suites needs before and while it runs (argo-tests.yaml `needs`), as the runner
 * provides it. Each need is one of:
 *   - met by the stack itself (a host rewritten to the stack's peer, a bucket the stack creates, the
 *     quick-start roles cluster-up binds, the kubelet's memory limits, the runner's own resume);
 *   - support objects applied before the runs (a Secret, a ServiceAccount and its binding), taken from
 *     Argo's quick-start manifests where Argo's CI takes them;
 *   - a step before each run (a bucket that must not exist yet);
 *   - actions while the workflow runs (set spec.shutdown, exec into main as the test does) or
 *     observations checked afterwards (node progress as it goes);
 *   - running alone (nothing else in the namespace at the same time);
 *   - or unmet: the row is reported as skipped with the need as its reason.
 */
import { join } from 'node:path';
import { DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { stackMinio } from './artifact-digest.ts';
import { kubectl, kubectlJson, log, SHARED, sleep } from './env.ts';
import type { Doc } from './examples.ts';
import { rewriteForStack } from './stack-hosts.ts';
import { watchWorkflow } from './watch-workflow.ts';

/**
 * Per run of a row: called on each poll while the workflow runs; failures() after it finished. A watch is made with
 * the workflow's own fixed name when the runner generated one instead: Argo's tests name the root node after it.
 */
export interface RowWatch {
  onPoll(wf: Doc): Promise<void> | void;
  failures?(): string[];
  /** Right after the workflow was created, with its generated name. */
  started?(name: string): Promise<void> | void;
  /** The last version it saw, for when the workflow is gone before the runner's poll read it finished. */
  lastVersion?(): Doc | undefined;
  /** Once the workflow finished: until what it must see after the end (a deletion) has come, or may no longer. */
  settled?(): Promise<void>;
  /** After the run, whatever its outcome. */
  stop?(): void;
}

/** Makes a row's watch for one run; originalName: the workflow's fixed name, when the runner generated one. */
export type WatchFactory = (originalName?: string) => RowWatch;

export interface Provision {
  /** Objects in the namespace before any run (applied with the examples' ConfigMaps and templates). */
  support?: Doc[];
  /** Before each executor's run of the row. */
  before?: () => Promise<void>;
  /** After each run, whatever its outcome (what `before` made that must not outlive the row). */
  after?: () => Promise<void>;
  /** A new watch for each run. */
  watch?: WatchFactory;
  /** The row runs with no other row running. */
  alone?: boolean;
  /** Its pods (the agent pod too) get a network namespace of their own: something in them serves on a port. */
  podNetns?: boolean;
}

export type NeedResult = { provision: Provision } | { unmet: string };

/** The quick-start manifests of v4.1.2, where Argo's CI takes its secrets and service accounts from. */
const QUICK_START = () => join(process.env.ARGO_MANIFESTS ?? join(SHARED, 'argo-v4.1.2/manifests'), 'quick-start/base');

/** The names of the workflow's pods (as the controller labels them). */
function podsOf(workflow: string): Doc[] {
  return kubectlJson<Doc>(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${workflow}`])?.items ?? [];
}

function mainRunning(pod: Doc): boolean {
  return ((pod.status?.containerStatuses ?? []) as Doc[]).some((c) => c.name === 'main' && c.state?.running);
}

/**
 * Argo's WaitForWorkflow + Wait(3 s) + ExpectWorkflowDeleted: a watch from creation keeps the workflow's last version
 * (the runner's poll may never see it finished) and fails the row unless the deletion came within `seconds` of the
 * first finished version.
 */
function deletedAfterCompletion(seconds: number, keep: 'last' | 'first-finished' = 'last'): WatchFactory {
  return () => {
    let last: Doc | undefined;
    let firstFinished: Doc | undefined;
    let finishedAt: number | undefined;
    let deletedAt: number | undefined;
    let stop: (() => void) | undefined;
    return {
      async started(name) {
        stop = await watchWorkflow(name, (e) => {
          if (e.type === 'DELETED') { deletedAt ??= e.at; return; }
          if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
          last = e.object;
          if (['Succeeded', 'Failed', 'Error'].includes(e.object.status?.phase)) { finishedAt ??= e.at; firstFinished ??= e.object; }
        });
      },
      onPoll() { /* the watch sees everything */ },
      async settled() {
        const until = (finishedAt ?? Date.now()) + seconds * 1000 + 1000;
        while (deletedAt === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
      },
      // first-finished: the workflow as it completed (a self-deleting one then loses its finalizer before it goes)
      lastVersion: () => (keep === 'first-finished' ? firstFinished ?? last : last),
      failures() {
        if (finishedAt === undefined) return ['the watch never saw the workflow finished'];
        if (deletedAt === undefined) return [`ExpectWorkflowDeleted: the workflow was not deleted within ${seconds} s of finishing`];
        const s = (deletedAt - finishedAt) / 1000;
        return s <= seconds ? [] : [`ExpectWorkflowDeleted: deleted ${s.toFixed(1)} s after it finished (Argo's test allows ${seconds} s)`];
      },
      stop: () => stop?.(),
    };
  };
}

/**
 * Argo's TestEvictedPodRestarts: while the pod's init container `initName` runs, its status is merge-patched to what an
 * eviction leaves (phase Failed, reason Evicted, init containers terminated, main Waiting) — the test's own patch.
 */
function evictWhileInitRuns(initName: string): WatchFactory {
  return () => {
    let patched: string | undefined;
    let error: string | undefined;
    return {
      async onPoll(wf) {
        if (patched) return;
        const pod = podsOf(wf.metadata.name).find((p) => ((p.status?.initContainerStatuses ?? []) as Doc[]).some((c) => c.name === initName && c.state?.running));
        if (!pod) return;
        const terminated = (name: string, exitCode: number, reason: string, ready: boolean) => ({ name, image: 'alpine:latest', state: { terminated: { exitCode, reason } }, ready, restartCount: 0 });
        const status = {
          phase: 'Failed', reason: 'Evicted', message: 'The node had condition: [DiskPressure]',
          initContainerStatuses: [terminated('init', 0, 'Completed', true), terminated(initName, 137, 'Error', false)],
          containerStatuses: [{ name: 'main', image: 'alpine:latest', state: { waiting: { reason: 'PodInitializing' } }, ready: false, restartCount: 0 }],
        };
        try {
          kubectl(['patch', 'pod', pod.metadata.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
          patched = pod.metadata.name;
          log(`${wf.metadata.name}: pod ${patched} patched to look evicted`);
        } catch (e) {
          error = String((e as { stderr?: string }).stderr ?? e).trim().split('\n')[0];
        }
      },
      failures: () => (patched ? [] : [`the pod was never patched to look evicted while ${initName} ran${error ? ` (${error})` : ''}`]),
    };
  };
}

function patchShutdown(workflow: string, shutdown: string): void {
  kubectl(['patch', 'workflow', workflow, '--type=merge', '-p', JSON.stringify({ spec: { shutdown } })]);
  log(`${workflow}: spec.shutdown=${shutdown}`);
}

/** Argo's fixtures.ToHaveRunningPod: some Pod node is Running. */
function hasRunningPodNode(wf: Doc): boolean {
  return Object.values((wf.status?.nodes ?? {}) as Record<string, Doc>).some((n) => n.type === 'Pod' && n.phase === 'Running');
}

function nodeByDisplayName(wf: Doc, name: string, originalName?: string): Doc | undefined {
  const want = originalName && name === originalName ? wf.metadata.name : name;
  return Object.values((wf.status?.nodes ?? {}) as Record<string, Doc>).find((n) => n.displayName === want);
}

/**
 * Once main runs, set spec.shutdown (Argo's tests: WaitForWorkflow(ToHaveRunningPod), then ShutdownWorkflow; our
 * scenarios: the annotation argoexec-ts.e2e/shutdown-when-running).
 */
export function shutdownOncePodRuns(shutdown: string): WatchFactory {
  return () => {
    let done = false;
    return {
      onPoll(wf) {
        if (done) return;
        if (!podsOf(wf.metadata.name).some(mainRunning)) return;
        patchShutdown(wf.metadata.name, shutdown);
        done = true;
      },
    };
  };
}

function shutdownOnceNodeSucceeded(node: string, shutdown: string): WatchFactory {
  return (originalName) => {
    let done = false;
    return {
      onPoll(wf) {
        if (done || nodeByDisplayName(wf, node, originalName)?.phase !== 'Succeeded') return;
        patchShutdown(wf.metadata.name, shutdown);
        done = true;
      },
    };
  };
}

/**
 * TestPauseBefore/After: once a Pod node runs, wait 5 s, then touch the emissary's pause files from inside the
 * main container (`kubectl exec … -c main -- touch /proc/1/root/run/argo/ctr/main/<file>`), in order.
 */
function touchPauseFiles(files: string[]): WatchFactory {
  return () => {
    let since: number | undefined;
    let next = 0;
    let failed = 0;
    const errors: string[] = [];
    return {
      onPoll(wf) {
        if (next >= files.length) return;
        if (since === undefined) {
          if (hasRunningPodNode(wf)) since = Date.now();
          return;
        }
        if (Date.now() - since < 5000) return;
        const pod = podsOf(wf.metadata.name).find(mainRunning);
        if (!pod) return;
        while (next < files.length) {
          const path = `/proc/1/root/run/argo/ctr/main/${files[next]}`;
          try {
            kubectl(['exec', pod.metadata.name, '-c', 'main', '--', 'touch', path]);
            log(`${wf.metadata.name}: touched ${path} in ${pod.metadata.name}/main`);
            next++;
          } catch (e) {
            const why = `kubectl exec touch ${path}: ${String((e as { stderr?: string }).stderr ?? e).trim().split('\n')[0]}`;
            log(`${wf.metadata.name}: ${why}`);
            if (++failed >= 3) { errors.push(why); next++; }
            return; // the next poll tries again
          }
        }
      },
      failures: () => errors,
    };
  };
}

/**
 * TestLoggedProgress: while it runs, the workflow's root node and node `progress` must both reach each of the
 * given progress values, in order (Argo waits for each with WaitForWorkflow(Condition)).
 */
function progressSequence(node: string, values: string[]): WatchFactory {
  return (originalName) => {
    let reached = 0;
    return {
      onPoll(wf) {
        if (reached >= values.length) return;
        const root = wf.status?.nodes?.[wf.metadata.name];
        const n = nodeByDisplayName(wf, node, originalName);
        if (root?.progress === values[reached] && n?.progress === values[reached]) reached++;
      },
      failures: () => (reached < values.length ? [`progress: the root node and node ${node} never both showed ${values[reached]} while it ran (seen in order: ${values.slice(0, reached).join(', ') || 'none'})`] : []),
    };
  };
}

/** Argo's fixtures label what a test creates with this; the runner's quotas carry it too. */
const QUOTA_LABEL = { 'argo-e2e': 'true', 'argoexec-ts/e2e': 'quota' };

/**
 * The executor containers' memory limit in Argo's e2e controller config (test-e2e/manifests/components/base/
 * workflow-controller-configmap.yaml: executor.resources.limits.memory 256Mi), which its memory-quota tests rely
 * on. The stack's controller sets no executor limits, so while such a row runs alone a LimitRange gives every
 * container without a memory limit that one (the LimitRanger admission runs before ResourceQuota's).
 */
const ARGO_E2E_EXECUTOR_MEMORY_LIMIT = '256Mi';

/** Wait until the quota controller has computed a quota's status (until then the admission refuses every pod). */
async function quotaReady(name: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const q = kubectlJson<Doc>(['get', 'resourcequota', name]);
    if (q?.status?.hard && Object.keys(q.status.hard).length > 0) return;
    await sleep(500);
  }
  throw new Error(`ResourceQuota ${name}: no status after 30 s (is the kube-controller-manager's resourcequota controller on?)`);
}

const EXECUTOR_PLUGIN_SELECTOR = 'workflows.argoproj.io/configmap-type=ExecutorPlugin';

/** Delete every executor plugin ConfigMap of the namespace (a killed run's too: while one exists, every agent pod runs its server). */
export function deleteExecutorPlugins(): void {
  kubectl(['delete', 'configmap', '-l', EXECUTOR_PLUGIN_SELECTOR, '--ignore-not-found', '--wait=true']);
}

/**
 * Argo's executor plugin ConfigMaps (hello: port 4355, massive) while the row runs. Every agent pod of the namespace
 * gets their sidecars while they exist, and the sidecars serve on every interface: the row runs alone, its pods in a
 * network namespace of their own, and the ConfigMaps are deleted after it.
 */
function executorPlugins(ctx: NeedContext): Provision {
  const dir = join(QUICK_START(), '../../../test-e2e/manifests/plugins'); // as cluster-up finds the plugin's ServiceAccount
  const configMaps = ['hello-executor-plugin-configmap.yaml', 'massive-executor-plugin-configmap.yaml'].flatMap((f) => ctx.parse(join(dir, f)));
  return {
    alone: true,
    podNetns: true,
    before: async () => {
      for (const cm of configMaps) kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=argoexec-ts-e2e', '-f', '-'], JSON.stringify(cm));
      await sleep(2000); // the controller's ConfigMap informer
      log(`executor plugins: ${configMaps.map((c) => c.metadata?.name).join(', ')}`);
    },
    after: async () => {
      deleteExecutorPlugins();
      await sleep(2000);
    },
  };
}

/** Argo's When.PodsQuota / MemoryQuota: a ResourceQuota while the row runs (alone), deleted after. */
function quota(kind: 'pods' | 'memory', amount: string, deleteWhenPending?: string[]): Provision {
  const name = kind === 'pods' ? 'pods-quota' : 'memory-quota';
  const remove = () => {
    kubectl(['delete', 'resourcequota', name, '--ignore-not-found']);
    kubectl(['delete', 'limitrange', 'argo-e2e-executor-limits', '--ignore-not-found']);
  };
  return {
    alone: true,
    before: async () => {
      remove();
      let hard: Record<string, string>;
      if (kind === 'pods') {
        // PodsQuota(n): n more than the pods the namespace has now
        const pods = kubectlJson<Doc>(['get', 'pods'])?.items?.length ?? 0;
        hard = { pods: String(Number(amount) + pods) };
      } else {
        hard = { 'limits.memory': amount };
        kubectl(['apply', '-f', '-'], JSON.stringify({
          apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'argo-e2e-executor-limits', labels: QUOTA_LABEL },
          spec: { limits: [{ type: 'Container', default: { memory: ARGO_E2E_EXECUTOR_MEMORY_LIMIT } }] },
        }));
      }
      kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, labels: QUOTA_LABEL }, spec: { hard } }));
      await quotaReady(name);
      log(`ResourceQuota ${name}: ${JSON.stringify(hard)}`);
    },
    after: async () => remove(),
    watch: deleteWhenPending ? (originalName) => {
      let done = false;
      return {
        onPoll(wf) {
          if (done || !deleteWhenPending.every((n) => nodeByDisplayName(wf, n, originalName)?.phase === 'Pending')) return;
          remove();
          log(`${wf.metadata.name}: nodes ${deleteWhenPending.join(', ')} Pending: quota deleted`);
          done = true;
        },
      };
    } : undefined,
  };
}

const DELETE_QUOTA_WHEN_PENDING = /^action: once nodes (.+) are both Pending, delete the quota$/;

/** A `quota:` need, and the nodes whose Pending phase deletes the quota (the test's DeleteMemoryQuota). */
function provideQuota(need: string, deleteWhenPending?: string[]): NeedResult {
  const text = need.slice('quota:'.length).trim();
  const pods = /^ResourceQuota pods: (\d+) in namespace argo while it runs/.exec(text);
  if (pods && !deleteWhenPending) return { provision: quota('pods', pods[1]!) };
  const memory = /^ResourceQuota memory (\S+) \(limits\) while it runs/.exec(text);
  if (memory) return { provision: quota('memory', memory[1]!, deleteWhenPending) };
  return { unmet: need };
}

/** Argo's quick-start Secret my-httpbin-cred, its tokenURL pointed at the stack's httpbin. */
function httpbinSecret(ctx: NeedContext): Doc[] {
  return ctx.parse(join(QUICK_START(), 'httpbin/my-httpbin-cred-secret.yaml')).map((d) => JSON.parse(rewriteForStack(JSON.stringify(d), { httpbin: ctx.httpbin })) as Doc);
}

/** A Role allowing `verbs` on pods or workflows, bound to one ServiceAccount of the namespace (named after both). */
export function verbsFor(serviceAccount: string, resource: 'pods' | 'workflows', verbs: string[]): Doc[] {
  const name = `e2e-${serviceAccount}-${resource}-${[...verbs].sort().join('-')}`;
  const apiGroups = [resource === 'pods' ? '' : 'argoproj.io'];
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules: [{ apiGroups, resources: [resource], verbs: [...verbs].sort() }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name: serviceAccount }] },
  ];
}

function serviceAccount(name: string): Doc {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } };
}

/** Delete a bucket of the stack's MinIO, with its objects, so that the workflow must create it. */
async function deleteMinioBucket(bucket: string): Promise<void> {
  const s3 = stackMinio();
  try {
    for (;;) {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      for (const o of page.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key! }));
      if (!page.IsTruncated) break;
    }
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    log(`deleted bucket ${bucket} (the workflow must create it)`);
  } catch (e) {
    const code = (e as { name?: string }).name;
    if (code !== 'NoSuchBucket') throw e;
  } finally {
    s3.destroy();
  }
}

export interface NeedContext {
  buckets: Set<string>; // the buckets the stack creates in MinIO
  parse: (file: string) => Doc[]; // Argo's manifest parser (argo-parse-manifests), for the quick-start files
  httpbin?: string; // the stack's httpbin URL
}

/** What the runner does for one need. */
export function provide(need: string, ctx: NeedContext): NeedResult {
  const { buckets, parse } = ctx;
  const [kind] = need.split(':', 1);
  const text = need.slice(kind!.length + 1).trim();
  const ok = (provision: Provision = {}): NeedResult => ({ provision });
  switch (kind) {
    case 'stack':
      return ok(); // rewriteForStack points minio:9000 and httpbin:9100 at the stack's peers
    case 'bucket': {
      const bucket = /^(\S+)/.exec(text)?.[1] ?? '';
      if (/must NOT exist/.test(text)) return ok({ before: () => deleteMinioBucket(bucket) });
      return buckets.has(bucket) ? ok() : { unmet: need };
    }
    case 'rbac': {
      // cluster-up binds the quick-start pod-manager and workflow-manager roles to the default ServiceAccount
      if (/pod-manager|workflow-manager/.test(text)) return ok();
      // "rbac: the default ServiceAccount may list and delete pods (…)": a Role of exactly those verbs, bound to it
      const m = /^the (\S+) ServiceAccount may ((?:\w+)(?:(?:, | and )\w+)*) (pods|workflows)\b/.exec(text);
      return m ? ok({ support: verbsFor(m[1]!, m[3] as 'pods' | 'workflows', m[2]!.split(/, | and /)) }) : { unmet: need };
    }
    case 'cluster':
      // cluster-up writes failedPodRestart into the controller's configmap from v4.1 (v4.0.x refuses the key)
      if (/^failedPodRestart /.test(text)) return (process.env.ARGO_VERSION ?? '').startsWith('v4.0.') ? { unmet: need } : ok();
      // the kubelet runs each container in its own memory cgroup with the pod's limits (runc): an OOM kill is real
      return /enforces memory limits/.test(text) ? ok() : { unmet: need };
    case 'secret':
      return text.startsWith('my-httpbin-cred') ? ok({ support: httpbinSecret(ctx) }) : { unmet: need };
    case 'serviceaccount': {
      if (text.startsWith('github.com')) {
        // quick-start webhooks: the github.com ServiceAccount bound to submit-workflow-template only
        const files = ['github.com-sa.yaml', 'submit-workflow-template-role.yaml', 'github.com-rolebinding.yaml'];
        return ok({ support: files.flatMap((f) => parse(join(QUICK_START(), 'webhooks', f))) });
      }
      if (text.startsWith('argo and default')) return ok({ support: [serviceAccount('argo')] }); // default exists
      const m = /^(\S+), bound to no role/.exec(text);
      return m ? ok({ support: [serviceAccount(m[1]!.replace(/,$/, ''))] }) : { unmet: need };
    }
    case 'action': {
      if (/^resume the suspended node/.test(text)) return ok(); // the runner resumes every suspend node after 5 s
      let m = /^once a pod runs, set spec\.shutdown=(Stop|Terminate)$/.exec(text);
      if (m) return ok({ watch: shutdownOncePodRuns(m[1]!) });
      m = /^once node (\S+) is Succeeded\b.*set spec\.shutdown=(Stop|Terminate)$/.exec(text);
      if (m) return ok({ watch: shutdownOnceNodeSucceeded(m[1]!, m[2]!) });
      if (/^while the init container `delay` runs, patch the pod's status subresource to phase Failed, reason Evicted/.test(text)) return ok({ watch: evictWhileInitRuns('delay') });
      if (/^once a pod runs, wait 5 s, then kubectl exec into its main container: touch/.test(text)) {
        const files = [...text.matchAll(/\/main\/(before|after)\b/g)].map((x) => x[1]!);
        return ok({ watch: touchPauseFiles(files) });
      }
      return { unmet: need };
    }
    case 'watch': {
      const m = /^while it runs, the workflow node and node `(\S+)` must reach progress (\S+), then (\S+) /.exec(text);
      if (m) return ok({ watch: progressSequence(m[1]!, [m[2]!, m[3]!]) });
      const ttl = /^ttlStrategy\.secondsAfterCompletion 0 deletes the workflow as it completes; .* within (\d+) s/.exec(text);
      if (ttl) return ok({ watch: deletedAfterCompletion(Number(ttl[1])) });
      const self = /^a step deletes the workflow while it runs; .* within (\d+) s/.exec(text);
      if (self) return ok({ watch: deletedAfterCompletion(Number(self[1]), 'first-finished') });
      return { unmet: need };
    }
    case 'plugins':
      // Argo's plugins profile: the executor plugin ConfigMaps of test-e2e/manifests/plugins (controller env in cluster-up)
      return /^the executor plugin ConfigMaps of test-e2e\/manifests\/plugins/.test(text) ? ok(executorPlugins(ctx)) : { unmet: need };
    case 'alone':
      return ok({ alone: true });
    case 'quota':
      return provideQuota(need);
    default:
      return { unmet: need };
  }
}

/** All needs of a row: the first unmet one, or everything combined. */
export function provideAll(needs: string[], ctx: NeedContext, skip: (need: string) => boolean = () => false): NeedResult {
  const all: Provision[] = [];
  const wanted = needs.filter((n) => !skip(n));
  // "action: once nodes … are both Pending, delete the quota" belongs to the row's quota need
  const pendingNodes = wanted.map((n) => DELETE_QUOTA_WHEN_PENDING.exec(n)?.[1]).find(Boolean)?.split(' and ');
  for (const n of wanted) {
    if (DELETE_QUOTA_WHEN_PENDING.test(n) && wanted.some((q) => q.startsWith('quota: '))) continue;
    const r = n.startsWith('quota: ') ? provideQuota(n, pendingNodes) : provide(n, ctx);
    if ('unmet' in r) return r;
    all.push(r.provision);
  }
  const befores = all.flatMap((p) => (p.before ? [p.before] : []));
  const afters = all.flatMap((p) => (p.after ? [p.after] : []));
  const watches = all.flatMap((p) => (p.watch ? [p.watch] : []));
  return {
    provision: {
      support: all.flatMap((p) => p.support ?? []),
      alone: all.some((p) => p.alone),
      podNetns: all.some((p) => p.podNetns),
      before: befores.length ? async () => { for (const b of befores) await b(); } : undefined,
      after: afters.length ? async () => { for (const a of afters) await a(); } : undefined,
      watch: watches.length ? (originalName) => {
        const ws = watches.map((w) => w(originalName));
        return {
          onPoll: async (wf) => { for (const w of ws) await w.onPoll(wf); },
          failures: () => ws.flatMap((w) => w.failures?.() ?? []),
          started: async (name) => { for (const w of ws) await w.started?.(name); },
          lastVersion: () => ws.map((w) => w.lastVersion?.()).find(Boolean),
          ...ws.some((w) => w.settled) ? { settled: async () => { for (const w of ws) await w.settled?.(); } } : {},
          stop: () => { for (const w of ws) w.stop?.(); },
        };
      } : undefined,
    },
  };
}
