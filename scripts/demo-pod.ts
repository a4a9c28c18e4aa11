/**
 * The embedded default job: a script template (Argo's `scripts-bash` shape, with an output parameter
 * and an output artifact) run through the real `argoexec init` and `argoexec emissary` in a test pod,
 * then the files the wait container would pick up are printed.
 *
 *   make demo-pod    (or: node scripts/demo-pod.ts [template.json])
 */
import { readFileSync } from 'node:fs';
import { PodSandbox, DIST_EXE, PROJECT, EMISSARY } from '../test/support/sandbox.ts';
import { readTar } from '../test/support/emissary.ts';
import { join } from 'node:path';

const template = process.argv[2] ? JSON.parse(readFileSync(process.argv[2], 'utf8')) : {
  name: 'gen-random-int',
  script: { image: 'debian:bookworm', command: ['bash'], source: 'echo "hello from $(hostname -s 2>/dev/null || echo a pod)"\necho $((RANDOM % 100 + 1)) | tee /tmp/number\nmkdir -p /tmp/report && date -u > /tmp/report/when.txt\n' },
  outputs: {
    parameters: [{ name: 'number', valueFrom: { path: '/tmp/number' } }],
    artifacts: [{ name: 'report', path: '/tmp/report' }],
  },
};

const pod = new PodSandbox('argoexec-demo-');
pod.write('/argo/staging/.keep', ''); // the argo-staging emptyDir
const env = { ARGO_POD_NAME: 'demo', ARGO_TEMPLATE: JSON.stringify(template), ARGO_DEADLINE: '0001-01-01T00:00:00Z', ARGO_CONTAINER_NAME: 'init', PATH: '/usr/bin:/bin' };
const init = await pod.run([DIST_EXE, 'init', '--loglevel', 'info'], { env, binds: [`${join(PROJECT, 'dist')}:ro`] });
process.stdout.write(`--- init (exit ${init.code})\n${init.stderr}`);
if (init.code !== 0) process.exit(1);
const command = [...((template.script?.command ?? template.container?.command ?? []) as string[]), ...(template.script ? ['/argo/staging/script'] : (template.container?.args ?? []))];
// /argo/staging is an emptyDir shared by init and main; the sandbox's /argo volume plays that role.
const main = await pod.run([EMISSARY, 'emissary', '--', ...command], { env: { ARGO_CONTAINER_NAME: 'main', ARGO_INCLUDE_SCRIPT_OUTPUT: 'true', PATH: '/usr/local/bin:/usr/bin:/bin' } });
process.stdout.write(`--- main (exit ${main.code})\n${main.stdout}${main.stderr}`);
process.stdout.write(`--- what wait would read\n`);
process.stdout.write(`ctr/main/exitcode: ${pod.read('/var/run/argo/ctr/main/exitcode')}\n`);
process.stdout.write(`ctr/main/stdout (outputs.result): ${JSON.stringify(pod.read('/var/run/argo/ctr/main/stdout').replace(/\n$/, ''))}\n`);
for (const p of template.outputs?.parameters ?? []) {
  const path = `/var/run/argo/outputs/parameters/${p.valueFrom.path}`;
  process.stdout.write(`parameter ${p.name}: ${pod.exists(path) ? JSON.stringify(pod.read(path).replace(/\n$/, '')) : '(not produced)'}\n`);
}
for (const a of template.outputs?.artifacts ?? []) {
  const path = `/var/run/argo/outputs/artifacts/${a.path.replace(/\/+$/, '')}.tar`;
  if (!pod.exists(path)) { process.stdout.write(`artifact ${a.name}: (not produced)\n`); continue; }
  const entries = await readTar(pod.file(path));
  process.stdout.write(`artifact ${a.name}: ${entries.map((e) => `${e.name} (${e.type}, ${e.mode.toString(8)})`).join(', ')}\n`);
}
pod.cleanup();
process.exit(main.code ?? 1);
