/**
 * Why the e2e runner skips a workflow (test/e2e/lib/examples.ts environmentSkip): images without a local stand-in,
 * templated images resolved from the workflow's own literal values, (Cluster)WorkflowTemplates that must exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { environmentSkip, servesOnAPort, variantsByOriginal, withVariants } from '../e2e/lib/examples.ts';

const wf = (image: string, list: { image: string; tag: string }[]) => ({
  metadata: { generateName: 'x-' },
  spec: {
    arguments: { parameters: [{ name: 'os-list', value: JSON.stringify(list) }] },
    templates: [{ name: 'cat', container: { image, command: ['cat', '/etc/os-release'] } }],
  },
});

test('a templated image runs when every literal value it is chosen from has a stand-in', () => {
  const ok = wf('{{inputs.parameters.image}}:{{inputs.parameters.tag}}', [{ image: 'debian', tag: '9.1' }, { image: 'alpine', tag: '3.6' }]);
  assert.equal(environmentSkip(ok, new Map(), new Set()), undefined);
  const notLocal = wf('{{inputs.parameters.image}}:{{inputs.parameters.tag}}', [{ image: 'debian', tag: '9.1' }, { image: 'fedora', tag: '40' }]);
  assert.equal(environmentSkip(notLocal, new Map(), new Set()), 'image not available locally: fedora:40');
  const noValues = wf('{{inputs.parameters.image}}', []);
  assert.match(environmentSkip(noValues, new Map(), new Set()) ?? '', /^image chosen at run time/);
});

test('ClusterWorkflowTemplates run when defined; an undefined one is the reason', () => {
  const ref = { metadata: { generateName: 'x-' }, spec: { workflowTemplateRef: { name: 'cluster-workflow-template-whalesay-template', clusterScope: true } } };
  assert.equal(environmentSkip(ref, new Map([['ClusterWorkflowTemplate/cluster-workflow-template-whalesay-template', { spec: { templates: [] } }]]), new Set()), undefined);
  assert.equal(environmentSkip(ref, new Map(), new Set()), 'references ClusterWorkflowTemplate cluster-workflow-template-whalesay-template, which is not defined');
});

test('a daemon that only sleeps keeps the host network; one that listens (ports, probes, a server command) gets its own', () => {
  const daemon = (container: Record<string, unknown>) => ({ metadata: { generateName: 'd-' }, spec: { templates: [{ name: 'd', daemon: true, container: { image: 'argoproj/argosay:v2', ...container } }] } });
  assert.equal(servesOnAPort(daemon({ args: ['sleep', '100s'] })), false);
  assert.equal(environmentSkip(daemon({ args: ['sleep', '100s'] }), new Map(), new Set()), undefined);
  for (const listening of [
    { command: ['sh', '-c'], args: ['nc -l -p 9999 -e /bin/true'] },
    { args: ['sleep', '100s'], readinessProbe: { tcpSocket: { port: 9999 } } },
    { args: ['sleep', '100s'], ports: [{ containerPort: 80 }] },
    { command: ['python', '-m', 'http.server'] },
  ]) {
    assert.equal(servesOnAPort(daemon(listening)), true, JSON.stringify(listening));
    assert.equal(environmentSkip(daemon(listening), new Map(), new Set()), undefined, 'it runs');
  }
  // `nc -k` has no stand-in (Debian's static busybox): a reason, not a run
  assert.match(environmentSkip(daemon({ command: ['sh', '-c'], args: ['nc -lk -p 9999 -e /bin/true'] }), new Map(), new Set()) ?? '', /^runs `nc -k`/);
});

test('a serving workflow is labelled for a pod namespace of its own, its network probes run inside the pod', async () => {
  const { withPodNetns, NETNS_LABEL } = await import('../e2e/lib/pod-netns.ts');
  const wf = {
    metadata: { generateName: 'd-' },
    spec: {
      podMetadata: { labels: { keep: 'me' } },
      templates: [
        { name: 'nginx', daemon: true, container: { image: 'nginx:1.13', readinessProbe: { httpGet: { path: 'ready', port: 80 }, initialDelaySeconds: 2, timeoutSeconds: 1 } } },
        { name: 'svc', container: { image: 'alpine:3.23', livenessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 3 } } },
      ],
    },
  };
  const out = withPodNetns(wf);
  assert.deepEqual(out.spec.podMetadata.labels, { keep: 'me', [NETNS_LABEL]: 'pod' });
  assert.deepEqual(out.spec.templates[0].container.readinessProbe, { initialDelaySeconds: 2, timeoutSeconds: 1, exec: { command: ['sh', '-c', "wget -q -O /dev/null 'http://127.0.0.1:80/ready'"] } });
  assert.deepEqual(out.spec.templates[1].container.livenessProbe, { periodSeconds: 3, exec: { command: ['sh', '-c', 'nc -w 1 127.0.0.1 9999 < /dev/null'] } });
  assert.equal(wf.spec.templates[0]!.container.readinessProbe!.httpGet.port, 80, 'the original is not changed');
});

test('a skipped example names the variants that run it on the stack (their first line: "# variant of …")', () => {
  const v = variantsByOriginal();
  assert.deepEqual(v.get('input-artifact-git.yaml')?.sort(), ['variant/input-artifact-git-ssh.yaml', 'variant/input-artifact-git.yaml']);
  assert.deepEqual(v.get('output-artifact-s3.yaml'), ['variant/artifact-s3-versitygw.yaml'], 'each file of "X + Y"');
  assert.deepEqual(v.get('input-artifact-s3.yaml'), ['variant/artifact-s3-versitygw.yaml']);
  assert.deepEqual(v.get('artifactory-artifact.yaml'), ['variant/artifactory-artifact.yaml']);
  assert.deepEqual(v.get('e2e/functional/param-sub-with-artifacts.yaml'), ['variant/functional-param-sub-with-artifacts.yaml'], 'Argo\'s fixtures by their row id');
  assert.equal(v.has('initless-user-images.yaml'), false, 'a file that is no variant');
  assert.equal(withVariants('needs the internet: https://x', v, 'output-artifact-s3.yaml'), 'needs the internet: https://x; variant/artifact-s3-versitygw.yaml runs it on the stack');
  assert.equal(withVariants(undefined, v, 'output-artifact-s3.yaml'), undefined, 'a row that runs stays unskipped');
  assert.equal(withVariants('x', v, 'e2e/functional/none.yaml', 'output-artifact-s3.yaml', undefined), 'x; variant/artifact-s3-versitygw.yaml runs it on the stack', 'a fixture linking to an example: the example\'s variants');
});

test('what is off this machine is the reason before a missing image (a stand-in could replace the image, not the internet)', () => {
  const doc = {
    metadata: { generateName: 'x-' },
    spec: { templates: [{ name: 'a', inputs: { artifacts: [{ name: 's', path: '/src', git: { repo: 'https://github.com/argoproj/argo-workflows.git', revision: 'cfe12d6' } }] }, container: { image: 'golang:1.8' } }] },
  };
  assert.equal(environmentSkip(doc, new Map(), new Set()), 'needs a store off this machine: https://github.com');
});

test('a workflow that requests a DRA device (resourceClaims) is skipped with the reason', () => {
  const doc = { metadata: { generateName: 'x-' }, spec: { resourceClaims: [{ name: 'a', resourceClaimTemplateName: 't' }], templates: [{ name: 'm', container: { image: 'busybox', resources: { claims: [{ name: 'a' }] } } }] } };
  assert.match(environmentSkip(doc, new Map(), new Set()) ?? '', /Dynamic Resource Allocation/);
});

test('a GCS artifact with a service-account key is off this machine even in the stack\'s bucket (fake-gcs takes no key)', () => {
  const doc = { metadata: { generateName: 'x-' }, spec: { templates: [{ name: 'm', container: { image: 'busybox' }, outputs: { artifacts: [{ name: 'a', path: '/tmp', gcs: { bucket: 'my-bucket', key: 'k', serviceAccountKeySecret: { name: 'my-gcs-credentials', key: 'serviceAccountKey' } } }] } }] } };
  assert.equal(environmentSkip(doc, new Map(), new Set()), 'needs a store off this machine: storage.googleapis.com (a service-account key from Secret my-gcs-credentials)');
});
