import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodSim, NAMESPACE } from '../support/pod-sim.ts';
import { deleteTaskResult, getTaskResult, stripServerFields } from './helpers.ts';

test('smoke: a container pod reports a parameter and the result', async () => {
  const pod = new PodSim({
    template: { name: 't', container: { image: 'x' }, outputs: { parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }] } },
    env: { ARGO_INCLUDE_SCRIPT_OUTPUT: 'true' },
  });
  const r = await pod.run(['sh', '-c', 'printf "v\\n" > /tmp/p; echo hello']);
  assert.equal(r.init.code, 0, r.init.stderr);
  assert.equal(r.main?.code, 0, r.main?.stderr);
  assert.equal(r.wait?.code, 0, r.wait?.stderr);
  const tr = stripServerFields(await getTaskResult(pod.nodeId));
  assert.deepEqual(tr, {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTaskResult',
    metadata: {
      name: pod.nodeId, namespace: NAMESPACE,
      labels: { 'workflows.argoproj.io/report-outputs-completed': 'true', 'workflows.argoproj.io/workflow': pod.workflowName },
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: pod.workflowName, uid: pod.workflowUid }],
    },
    outputs: { parameters: [{ name: 'p', value: 'v', valueFrom: { path: '/tmp/p' } }], result: 'hello' },
  });
  await deleteTaskResult(pod.nodeId);
  pod.cleanup();
});
