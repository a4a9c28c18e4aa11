/**
 * Whole `data` and `resource` runs for bench/engines.ts: the executable in BENCH_BEFORE's directory (built without
 * the engines), dist/argoexec and the Go reference, in the pod simulator against the stack (MinIO, apiserver);
 * wall time and peak RSS (VmHWM) of the role's process, median of `runs`.
 */
import { GO_EXECUTOR, PodSim, STACK, TS_EXECUTOR, type Executor } from '../test/support/pod-sim.ts';
import type { Running } from '../test/support/sandbox.ts';
import { runWithPeakRss } from './peak-rss.ts';
import { createConfigMap, deleteConfigMap, deleteOwnerWorkflow, grantExecutor, ownerWorkflow, rand } from '../test/resource/helpers.ts';
import { archiveLocation, deleteTaskResult, s3Put, S3_SECRETS } from '../test/wait/helpers.ts';

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };

async function watch(r: Running): Promise<{ ms: number; peakMiB: number; code: number | null }> {
  const started = Date.now();
  const { peakMiB, code } = await runWithPeakRss(r, 5);
  return { ms: Date.now() - started, peakMiB, code };
}

async function once(exec: Executor, role: string[], template: Record<string, unknown>, secrets?: Record<string, Record<string, string>>): Promise<{ ms: number; peakMiB: number; code: number | null }> {
  const wf = await ownerWorkflow();
  const pod = new PodSim({ template, executor: exec, ...(secrets ? { secrets } : {}) }, { workflowName: wf.name, workflowUid: wf.uid });
  const env: Record<string, string> = {
    ARGO_POD_NAME: `${pod.nodeId}-pod`, ARGO_POD_UID: '11111111-2222-4333-8444-555555555555', ARGO_WORKFLOW_NAME: pod.workflowName, ARGO_WORKFLOW_UID: pod.workflowUid,
    ARGO_NODE_ID: pod.nodeId, ARGO_DEADLINE: '0001-01-01T00:00:00Z', ARGO_TEMPLATE: JSON.stringify(template),
    KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443', PATH: `${exec.binDir}:/usr/bin:/bin`, RESOURCE_STATE_CHECK_INTERVAL: '100ms',
  };
  try {
    return await watch(pod.start('wait', ['argoexec', ...role, '--loglevel', 'info'], env));
  } finally {
    pod.cleanup();
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
  }
}

export async function runRoles(beforeDir: string, runs: number): Promise<void> {
  const prefix = `bench-engines/${rand()}`;
  for (const k of ['a/main.log', 'b/main.log', 'c.txt']) await s3Put(`${prefix}/${k}`, k);
  const cm = `bench-engines-${rand()}`;
  const revoke = await grantExecutor(`bench-engines-${rand()}`, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }]);
  await createConfigMap(cm, { a: '1', some: '{"l":[1,"x"]}' });
  const dataTemplate = (transformation: unknown[]): Record<string, unknown> => ({
    data: { source: { artifactPaths: { name: 'files', s3: { bucket: 'my-bucket', key: prefix } } }, transformation },
    archiveLocation: archiveLocation('unused'),
  });
  const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\n`;
  const resourceTemplate = (parameters: unknown[]): Record<string, unknown> => ({ resource: { action: 'get', manifest }, outputs: { parameters } });
  const cases: [string, string[], Record<string, unknown>, Record<string, Record<string, string>>?][] = [
    ['data, no transformation', ['data', '{}'], dataTemplate([]), S3_SECRETS],
    ['data, two expressions', ['data', '{}'], dataTemplate([{ expression: 'filter(data, # endsWith ".log")' }, { expression: 'map(data, upper(#))' }]), S3_SECRETS],
    ['resource get, jsonPath parameter', ['resource', 'get'], resourceTemplate([{ name: 'p', valueFrom: { jsonPath: '{.data.a}' } }])],
    ['resource get, jqFilter parameter', ['resource', 'get'], resourceTemplate([{ name: 'p', valueFrom: { jqFilter: '.data.some | fromjson | .l[]' } }])],
  ];
  const executors: [string, Executor][] = [['before (hand-written subsets)', { binDir: beforeDir, name: 'ts' }], ['after (engines)', TS_EXECUTOR]];
  if (STACK.REFERENCE_ARGOEXEC) executors.push(['Go reference', GO_EXECUTOR]);
  console.log(`\n| run | ${executors.map(([n]) => n).join(' | ')} |`);
  console.log(`|---|${executors.map(() => '---|').join('')}`);
  try {
    for (const [name, role, template, secrets] of cases) {
      const cells: string[] = [];
      for (const [, exec] of executors) {
        const ms: number[] = [];
        const rss: number[] = [];
        for (let i = 0; i < runs; i++) {
          const r = await once(exec, role, template, secrets);
          if (r.code !== 0) throw new Error(`${name} with ${exec.name}: exit ${r.code}`);
          ms.push(r.ms);
          rss.push(r.peakMiB);
        }
        cells.push(`${median(ms)} ms, ${median(rss).toFixed(1)} MiB`);
      }
      console.log(`| ${name} | ${cells.join(' | ')} |`);
    }
  } finally {
    await deleteConfigMap(cm);
    await revoke();
    await deleteOwnerWorkflow();
  }
}
