/**
 * The main job on an embedded default: Argo's `artifact-passing` example (one step writes an artifact
 * to MinIO, the next reads it) submitted to the real workflow-controller on the local e2e cluster with
 * argoexec-ts as executor; prints the workflow's phase, each step's outputs and the artifact's content.
 *
 *   make demo        (builds, starts the stack and the cluster with EXECUTOR=ts, then runs this)
 *   node scripts/demo-cluster.ts [workflow.yaml]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import * as yaml from 'js-yaml';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readStackEnv } from '../bench/stack-env.ts';

const EMBEDDED = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: artifact-passing-
spec:
  entrypoint: artifact-example
  templates:
  - name: artifact-example
    steps:
    - - name: generate-artifact
        template: hello-world-to-file
    - - name: consume-artifact
        template: print-message-from-file
        arguments:
          artifacts:
          - name: message
            from: "{{steps.generate-artifact.outputs.artifacts.hello-art}}"
  - name: hello-world-to-file
    container:
      image: busybox
      command: [sh, -c]
      args: ["sleep 1; echo hello world | tee /tmp/hello_world.txt"]
    outputs:
      artifacts:
      - name: hello-art
        path: /tmp/hello_world.txt
  - name: print-message-from-file
    inputs:
      artifacts:
      - name: message
        path: /tmp/message
    container:
      image: busybox
      command: [sh, -c]
      args: ["cat /tmp/message"]
`;

interface Node { displayName: string; type: string; phase: string; message?: string; outputs?: Record<string, unknown> }
interface Workflow { metadata: { name: string }; status?: { phase?: string; message?: string; nodes?: Record<string, Node> } }

const env = readStackEnv();
if (!env.KUBECTL || !env.KUBECONFIG) throw new Error('no .stack/env: run `make cluster-up EXECUTOR=ts` first (make demo does)');
const kubectl = (args: string[], input?: string): string =>
  execFileSync(env.KUBECTL as string, ['--kubeconfig', env.KUBECONFIG as string, '-n', 'argo', ...args], { encoding: 'utf8', input });

const source = process.argv[2] ? readFileSync(process.argv[2], 'utf8') : EMBEDDED;
const name = kubectl(['create', '-f', '-', '-o', 'jsonpath={.metadata.name}'], JSON.stringify(yaml.load(source))).trim();
console.log(`submitted workflow ${name} (executor: argoexec-ts)`);
let wf: Workflow | undefined;
for (const deadline = Date.now() + 300_000; Date.now() < deadline; await sleep(1000)) {
  wf = JSON.parse(kubectl(['get', 'workflow', name, '-o', 'json'])) as Workflow;
  const phase = wf.status?.phase;
  if (phase && !['Pending', 'Running'].includes(phase)) break;
}
const status = wf?.status;
console.log(`phase: ${status?.phase ?? 'unknown'}${status?.message ? ` (${status.message})` : ''}`);
for (const node of Object.values(status?.nodes ?? {}).filter((n) => n.type === 'Pod')) {
  console.log(`- ${node.displayName}: ${node.phase}${node.message ? ` (${node.message})` : ''}`);
  if (node.outputs) console.log(`  outputs: ${JSON.stringify(node.outputs)}`);
  for (const art of (node.outputs?.artifacts ?? []) as { name: string; s3?: { key?: string } }[]) {
    if (!art.s3?.key) continue;
    const s3 = new S3Client({ endpoint: env.S3_MINIO_ENDPOINT, region: env.S3_MINIO_REGION ?? 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: env.S3_MINIO_ACCESS_KEY ?? '', secretAccessKey: env.S3_MINIO_SECRET_KEY ?? '' } });
    const obj = await s3.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: art.s3.key }));
    const bytes = Buffer.from(await (obj.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    if (!art.s3.key.endsWith('.tgz')) {
      console.log(`  artifact ${art.name} = s3://my-bucket/${art.s3.key}: ${JSON.stringify(bytes.toString('utf8'))}`);
      continue;
    }
    const tar = gunzipSync(bytes);
    // A one-file tar: 512-byte header (name at 0, size in octal at 124), then the content.
    const size = parseInt(tar.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    const entry = tar.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    console.log(`  artifact ${art.name} = s3://my-bucket/${art.s3.key}: tar.gz entry ${JSON.stringify(entry)} = ${JSON.stringify(tar.subarray(512, 512 + size).toString('utf8'))}`);
  }
}
process.exit(status?.phase === 'Succeeded' ? 0 : 1);
