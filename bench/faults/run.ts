/**
 * `make faults`: the fault suite of issue 13, run with our executor (dist/argoexec) and the Go reference
 * (argoexec v4.1.2) side by side in simulated pods (test/support/pod-sim.ts) against the real peers of the
 * stack (MinIO, kube-apiserver), writes the figures into docs/reliability.md between the `faults` markers.
 *
 *   make build stack-up && node bench/faults/run.ts      (root: namespaces, mounts)
 *
 * Env: FAULTS_BIG_MIB (1024: 1 GiB as in the issue), FAULTS_FILES (10000), FAULTS_RUNS (5: ours, per S3 fault and
 * direction, 50 in all), FAULTS_GO_RUNS (1: Go's), FAULTS_S3_POOL (2: ours' runs at once), FAULTS_S3_TIMEOUT_S (120),
 * FAULTS_API_RUNS (13 per phase and executor), FAULTS_CTL_TIMEOUT_S (240), FAULTS_API_DOWN_S (30), FAULTS_DRIP_KBPS (1024), FAULTS_EXECUTORS (ts,go),
 * FAULTS_ONLY (comma list of parts: s3,api,term,res,ctl,secrets), FAULTS_S3 (comma list of S3 faults: none,reset,latency,slow-drip,slowdown-503), FAULTS_WAIT_MEMORY_MIB (192: wait's memory limit).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT } from '../../test/support/sandbox.ts';
import { STACK } from '../../test/support/pod-sim.ts';
import { API_RUNS, EXECUTORS, GO_RUNS, LOG_DIR, MiB, RUNS, deletePrefix, executorToken, leastPrivilegeAccount, makeData, rows, uploadSource, type Row } from './common.ts';
import { S3_FAULTS, S3_TIMEOUT_S, s3Faults } from './s3.ts';
import { apiFaults } from './api.ts';
import { outcomeTable, resources, termination } from './lifecycle.ts';
import { Toxiproxy } from './toxiproxy.ts';
import { clusterDown, controllerFaults, ctlTable } from './controller.ts';
import { collectSecrets, defaultPaths, scan } from './secrets-scan.ts';
import { Kube } from '../../test/stack/kube.ts';
import { gitCommit } from '../lib.ts';

const BIG_MIB = Number(process.env.FAULTS_BIG_MIB ?? 1024);
const FILES = Number(process.env.FAULTS_FILES ?? 10000);
const PARTS = 's3,api,term,res,ctl,secrets';
const ONLY = new Set((process.env.FAULTS_ONLY ?? PARTS).split(','));

const started = Date.now();
const commit = gitCommit(); // read now: the checkout may move on while the parts run
const log = (s: string): void => { console.error(`[faults ${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${s}`); };

export const sections: { title: string; text: string }[] = [];

function table(group: (g: string) => boolean): string {
  const rs = rows.filter((r) => group(r.group));
  const scen = [...new Set(rs.map((r) => `${r.group}\u0000${r.scenario}`))];
  const cell = (r: Row | undefined): string => (r ? `${r.runs} | ${r.ok} | ${r.stuck} | ${r.reported} | ${r.lost} | ${r.corrupted}` : 'n/a | | | | |');
  const lines = [
    '| part | scenario | ours: runs | ok | stuck | failed, reported | outputs lost | corrupted | Go: runs | ok | stuck | failed, reported | outputs lost | corrupted |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const k of scen) {
    const [g, s] = k.split('\u0000') as [string, string];
    const ts = rs.find((r) => r.group === g && r.scenario === s && r.executor === 'ts');
    const go = rs.find((r) => r.group === g && r.scenario === s && r.executor === 'go');
    lines.push(`| ${g} | ${s} | ${cell(ts)} | ${cell(go)} |`);
  }
  return lines.join('\n');
}

function notes(group: (g: string) => boolean): string {
  const out: string[] = [];
  for (const r of rows.filter((x) => group(x.group) && x.notes.length > 0)) out.push(`* ${r.group} / ${r.scenario} / ${r.executor === 'ts' ? 'ours' : 'Go'}: ${r.notes.map((n) => `\`${n.replace(/`/g, "'")}\``).join('; ')}`);
  return out.join('\n');
}

function totals(ex: 'ts' | 'go'): string {
  const rs = rows.filter((r) => r.executor === ex);
  const sum = (k: 'runs' | 'ok' | 'stuck' | 'reported' | 'lost' | 'corrupted'): number => rs.reduce((a, r) => a + r[k], 0);
  return `${sum('runs')} runs, ${sum('ok')} completed correctly, ${sum('stuck')} stuck, ${sum('reported')} failed with a message, ${sum('lost')} with outputs lost, ${sum('corrupted')} artifacts corrupted`;
}

function writeReport(): void {
  const doc = join(PROJECT, 'docs/reliability.md');
  const goVersion = STACK.ARGO_REFERENCE_VERSION ?? '';
  const body = [
    '<!-- faults:begin (written by `make faults`, bench/faults/run.ts; do not edit by hand) -->',
    '## Fault suite (`make faults`)',
    '',
    `One run of \`make faults\` on ${new Date().toISOString().slice(0, 16)}Z (${cpus().length} CPUs; ${((Date.now() - started) / 60000).toFixed(1)} min; our commit \`${commit}\`): ` +
      `ours = \`dist/argoexec\`, Go = argoexec ${goVersion} (the reference), the same scenarios in simulated pods (test/support/pod-sim.ts: ` +
      'init, main and wait as separate processes in their own namespaces, init and wait as UID 8737 with the quick-start executor Role\'s ' +
      `token) against the real MinIO and kube-apiserver of the stack. Data: one ${BIG_MIB} MiB random file and a directory of ${FILES} ` +
      `files (0–16 KiB, 20 subdirectories), archive \`none\`; S3: ${RUNS} runs of ours per fault and direction (${RUNS * 10} in all, ${process.env.FAULTS_S3_POOL ?? 2} at a time), ${GO_RUNS} of Go's per fault and direction (its upload and download side by side); API: ${API_RUNS} workflows per phase and executor, all at once.`,
    '',
    '* **ok**: the container exited 0 and every output/input verified (sha256 of every object or file against its source, or the TaskResult holds the outputs and is labelled complete).',
    `* **stuck**: the container never exited (killed by the runner at its timeout: ${S3_TIMEOUT_S} s for an S3 run, over 3 times Go\'s clean run and 4 times ours), or the TaskResult was never labelled complete.`,
    '* **failed, reported**: non-zero exit with a message (the one line is quoted below): the node fails visibly, nothing is lost silently.',
    '* **outputs lost**: exit 0 but an output missing in S3 or in the TaskResult. **corrupted**: objects/files whose sha256 differs (a count of objects).',
    '',
    `Totals of the S3 and API tables — ours: ${totals('ts')}. Go: ${totals('go')}.`,
    '',
    ...sections.flatMap((s) => [`### ${s.title}`, '', s.text, '']),
    `Re-run: \`make faults\` (root; builds Toxiproxy ${toxiproxyVersion} once from the Go module proxy into /var/cache/argoexec-ts). ` +
      'Smaller or larger: `FAULTS_BIG_MIB`, `FAULTS_FILES`, `FAULTS_RUNS` (ours), `FAULTS_GO_RUNS`, `FAULTS_API_RUNS`; a subset: `FAULTS_ONLY=s3,api,term,res,ctl,secrets`, `FAULTS_S3=none,reset,latency,slow-drip,slowdown-503` (a subset prints its tables and leaves this file alone). ' +
      'Logs of every container are kept in `.stack/faults/logs/` (scanned for secrets by the last step).',
    '<!-- faults:end -->',
  ].join('\n');
  // A subset (FAULTS_ONLY, FAULTS_S3) is a probe: printed, never written over the report of a whole run.
  if ([...PARTS.split(',')].some((p) => !ONLY.has(p)) || process.env.FAULTS_S3) { console.log(body); return; }
  const text = readFileSync(doc, 'utf8');
  const re = /<!-- faults:begin[\s\S]*<!-- faults:end -->/;
  writeFileSync(doc, re.test(text) ? text.replace(re, body) : `${text.trimEnd()}\n\n${body}\n`);
  console.log(body);
}

let toxiproxyVersion = '';

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (namespaces, mounts)');
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  // A cluster left running (make demo, e2e) would garbage-collect the simulated pods' TaskResults mid-run.
  clusterDown();
  const runId = `${Date.now()}`;
  const base = join(tmpdir(), `argoexec-faults-${runId}`);
  await leastPrivilegeAccount();
  const tp = await Toxiproxy.start(LOG_DIR);
  let cleanup: Promise<number> = Promise.resolve(0);
  toxiproxyVersion = tp.version.replace(/^toxiproxy-server version /, '');
  log(`toxiproxy ${toxiproxyVersion}; executors ${EXECUTORS.map((e) => e.name).join(',')}; S3 runs per cell: ours ${RUNS}, Go ${GO_RUNS}; API runs per phase ${API_RUNS}`);
  try {
    const ds = await makeData(base, BIG_MIB * MiB, FILES);
    const source = `faults/${runId}/source`;
    await uploadSource(ds, source);
    log(`data: ${BIG_MIB} MiB + ${FILES} files, uploaded to ${source}`);
    if (ONLY.has('s3')) {
      await s3Faults(tp, ds, runId, source, log);
      // The uploads of the S3 part (verified, ~300,000 objects at the default sizes) go while the next parts,
      // which mostly wait for outages and the controller, run; the source stays for the termination part.
      if (process.env.FAULTS_KEEP_OBJECTS !== '1') {
        cleanup = Promise.all(Object.keys(S3_FAULTS).map((f) => deletePrefix(`faults/${runId}/${f}/`))).then((n) => n.reduce((a, b) => a + b, 0))
          .catch((e: Error) => { log(`deleting the S3 part's objects: ${e.message}`); return 0; });
      }
      sections.push({
        title: 'Network faults to S3',
        text: [
          'Through Toxiproxy (TCP) or the 503 proxy (test/support/s3-fault-proxy.ts) in front of MinIO; upload = `wait` saving both outputs, download = `init` loading both as inputs (sources uploaded once, cleanly). Faults: ' +
            Object.entries(S3_FAULTS).map(([k, v]) => `**${k}** ${v.text}`).join('; ') + '.',
          '',
          table((g) => g.startsWith('S3')),
          '',
          notes((g) => g.startsWith('S3')),
        ].join('\n'),
      });
    }
    if (ONLY.has('api')) {
      await apiFaults(runId, log);
      sections.push({
        title: `API server down at each phase of wait`,
        text: [
          `A loopback HTTPS proxy in front of kube-apiserver (bench/faults/api.ts) starts an outage of ${process.env.FAULTS_API_DOWN_S ?? 30} s at one request of the TaskResult protocol ` +
            '(every connection reset, new ones at accept): **before-create** the POST is reset; **after-create** right after the POST\'s response; ' +
            '**during-outputs-patch** the outputs PATCH reaches the apiserver but its response is lost; **before-completed-label** the final label PATCH is reset. ' +
            'The pod has an output parameter and an output artifact; ok = the TaskResult holds both and is labelled complete, and wait exited 0.',
          '',
          table((g) => g.startsWith('API')),
          '',
          notes((g) => g.startsWith('API')),
        ].join('\n'),
      });
    }
    if (ONLY.has('term')) {
      await termination(tp, ds, source, runId, log);
      sections.push({
        title: 'Termination',
        text: 'SIGTERM to the container\'s PID 1, SIGKILL after the grace period, as the kubelet does (bench/faults/lifecycle.ts); the big file over Toxiproxy links where one connection needs 15 s (wait, grace 60 s) or 120 s (init and the init-less supervisor; wait, grace 3 s) for it. One run each; the cell is what happened, in one line.\n\n' + outcomeTable('Termination'),
      });
    }
    if (ONLY.has('res')) {
      await resources(ds, runId, log);
      sections.push({
        title: 'Resources',
        text: 'One run each (bench/faults/lifecycle.ts); tmpfs mounts stand for the full emptyDirs, a memory cgroup (test/support/memory-cgroup.ts: the limit the kubelet gives a container, page cache included, the kernel\'s OOM killer inside it) for the executor\'s memory limit. ok = wait ends, the TaskResult is complete, and an output either is saved or its failure is reported.\n\n' + outcomeTable('Resources'),
      });
    }
    if (ONLY.has('ctl')) {
      await controllerFaults(tp, runId, log);
      sections.push({
        title: 'Stop, terminate and pod deletion through the controller',
        text: 'The real workflow-controller v4.1.2 and kubelet (stack/cluster/up.sh, one cluster per executor), one workflow each (bench/faults/controller.ts): main (busybox) writes 64 MiB of random bytes and prints their sha256; wait saves them to MinIO over a Toxiproxy link whose bandwidth makes the upload last (~10 s per 16 MiB part; ~80 s where there is no time). The fault comes 1.5 s after main ended (or, for "while main runs", after it wrote the file). ' +
          'On `stop`/`terminate` the controller fails the node at once and sends SIGTERM to every running container of the pod, wait included (`argoexec kill 15 1`), SIGKILL after the grace period; on pod deletion the kubelet does the same. ok = the workflow reached a final phase, the fault hit while wait was uploading, and the object matches the sha256 main printed (where there was no time: no object, and the node says why). The workflows ran under the least-privilege ServiceAccount below.\n\n' + ctlTable(),
      });
    }
  } finally {
    await tp.stop();
    rmSync(base, { recursive: true, force: true });
    // The objects of this run (verified above): several GiB that nothing reads again.
    if (process.env.FAULTS_KEEP_OBJECTS !== '1') {
      const n = (await cleanup) + (await deletePrefix(`faults/${runId}/`));
      log(`deleted ${n} objects of this run from MinIO (FAULTS_KEEP_OBJECTS=1 keeps them)`);
    }
  }
  let secretHits = 0;
  if (ONLY.has('secrets')) {
    const paths = defaultPaths();
    const secrets = collectSecrets();
    const r = scan(paths, secrets);
    secretHits = r.hits.length;
    const byDir = new Map<string, number>();
    for (const h of r.hits) byDir.set(h.file.replace(/\/[^/]*$/, ''), (byDir.get(h.file.replace(/\/[^/]*$/, '')) ?? 0) + 1);
    sections.push({
      title: 'Secrets in logs',
      text: `\`bench/faults/secrets-scan.ts\` (also \`node bench/faults/secrets-scan.ts\` alone; exits 1 on any hit; test/faults/secrets-scan.test.ts checks it finds each kind) searched ${r.files} log files ` +
        `(${(r.bytes / MiB).toFixed(1)} MiB: every container log of this run, .stack/logs, .stack/e2e, the cluster's /var/log/pods, archived main.log objects, build logs) for ${secrets.length} secret values and patterns ` +
        '(S3 keys, Azure key, git password, SSH and TLS private-key lines, the executor token, the quick-start secrets). ' +
        (r.hits.length === 0 ? '**0 hits.**' : `**${r.hits.length} hits**:\n\n${r.hits.map((h) => `* ${h.file.replace(PROJECT + '/', '')}:${h.line} — ${h.secret}`).join('\n')}`),
    });
  }
  sections.push({ title: 'Least privilege', text: await leastPrivilege() });
  writeReport();
  log('done');
  if (secretHits > 0) { console.error(`[faults] secrets scan: ${secretHits} hits`); process.exitCode = 1; }
}

/** What the executor's token may do, as the apiserver says (SelfSubjectRulesReview with that token). */
async function leastPrivilege(): Promise<string> {
  // The executor's kubeconfig (a bearer token, no client certificate) with our token in place of its own.
  const kube = new Kube(STACK.EXECUTOR_KUBECONFIG as string, executorToken.value);
  const r = await kube.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'argo' } });
  const rules = ((r.body?.status?.resourceRules ?? []) as { apiGroups?: string[]; resources?: string[]; verbs: string[] }[])
    .filter((x) => !(x.apiGroups ?? []).includes('authorization.k8s.io') && !(x.apiGroups ?? []).includes('authentication.k8s.io'))
    .map((x) => `${(x.resources ?? []).join(',')}.${(x.apiGroups ?? ['']).join(',') || 'core'}: ${x.verbs.join(',')}`);
  return 'Every executor container above (init, wait) ran as UID 8737, GID 0 (the image\'s USER 8737:0, as upstream\'s; main as root, as a user image may) ' +
    `with a bound token (TokenRequest) of ServiceAccount ${executorToken.account}, created by the runner and bound to the quick-start's emissary executor Role only ` +
    '(the stack\'s argo/default is also bound to the agent, artifactgc, memoizer, pod-manager and workflow-manager Roles for the e2e examples). ' +
    `The apiserver's SelfSubjectRulesReview for that token in namespace argo (HTTP ${r.status}): ${rules.length ? rules.map((x) => `\`${x}\``).join('; ') : 'no rules'} ` +
    '(plus the self-review rules every authenticated user has). Nothing more was granted for any scenario.';
}

await main();
