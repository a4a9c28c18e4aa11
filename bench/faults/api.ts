/**
 * The API server down for N seconds at each phase of `wait`'s TaskResult protocol (lifecycle §7.3): a loopback
 * HTTPS proxy in front of the real kube-apiserver (credentials forwarded, so the quick-start executor Role is what
 * authorizes) that, at the chosen request, starts an outage: every connection is reset (new ones at accept, open
 * ones at once) until N seconds have passed.
 *
 *   before-create          the POST of the TaskResult is reset, outage starts
 *   after-create           the POST is served, outage starts right after its response
 *   during-outputs-patch   the outputs PATCH reaches the apiserver, its response is lost (reset), outage starts
 *   before-completed-label the PATCH of report-outputs-completed=true is reset, outage starts
 *
 * Stuck = wait never exits, or the TaskResult never gets report-outputs-completed=true.
 * Lost  = the TaskResult lacks the output parameter's value or the output artifact.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK, type Executor } from '../../test/support/pod-sim.ts';
import { S3_SECRETS, archiveLocation, admin, deleteTaskResult } from '../../test/wait/helpers.ts';
import { NAMESPACE } from '../../test/support/pod-sim.ts';
import { API_RUNS, EXECUTORS, failureLine, keepLog, note, ownerWorkflow, row } from './common.ts';
import { executorPod } from './s3.ts';

export const PHASES = ['before-create', 'after-create', 'during-outputs-patch', 'before-completed-label'] as const;
type Phase = (typeof PHASES)[number];
const DOWN_S = Number(process.env.FAULTS_API_DOWN_S ?? 30);

class ApiDownProxy {
  readonly caPem: string;
  readonly log: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private downUntil = 0;
  private triggered = false;
  private readonly upstream = new URL(STACK.KUBE_APISERVER_URL ?? 'https://127.0.0.1:6443');
  private readonly upstreamCa = readFileSync(STACK.KUBE_CA_FILE as string);

  private constructor(key: Buffer, cert: Buffer, phase: Phase, downMs: number) {
    this.caPem = cert.toString();
    this.server = createServer({ key, cert });
    this.server.on('connection', (s: Socket) => {
      if (this.down()) { s.destroy(); return; }
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    const trigger = (why: string): void => {
      this.triggered = true;
      this.downUntil = Date.now() + downMs;
      this.log.push(`${new Date().toISOString()} outage ${downMs / 1000} s starts (${why})`);
      for (const s of this.sockets) s.destroy();
    };
    this.server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const what = `${req.method} ${req.url}`;
        if (this.down()) { this.log.push(`${what} → reset (down)`); req.socket.destroy(); return; }
        const tr = (req.url ?? '').includes('/workflowtaskresults');
        let mode: 'forward' | 'reset' | 'after' | 'lose-response' = 'forward';
        if (tr && !this.triggered) {
          const text = body.toString();
          if (phase === 'before-create' && req.method === 'POST') mode = 'reset';
          if (phase === 'after-create' && req.method === 'POST') mode = 'after';
          if (phase === 'during-outputs-patch' && req.method === 'PATCH' && text.includes('"outputs"')) mode = 'lose-response';
          if (phase === 'before-completed-label' && req.method === 'PATCH' && text.includes('"workflows.argoproj.io/report-outputs-completed":"true"')) mode = 'reset';
        }
        if (mode === 'reset') { trigger(what); this.log.push(`${what} → reset`); req.socket.destroy(); return; }
        const up = request({
          hostname: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.upstream.host }, ca: this.upstreamCa,
        }, (upRes) => {
          this.log.push(`${what} → ${upRes.statusCode}${mode === 'lose-response' ? ' (response lost)' : ''}`);
          if (mode === 'lose-response') { upRes.resume(); upRes.on('end', () => { trigger(what); req.socket.destroy(); }); return; }
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          if (mode === 'after') res.on('finish', () => setImmediate(() => trigger(`after ${what}`)));
        });
        up.on('error', (err) => { res.writeHead(502); res.end(String(err)); });
        up.end(body);
      });
    });
  }

  private down(): boolean { return Date.now() < this.downUntil; }

  static async start(phase: Phase, downMs: number): Promise<ApiDownProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'api-down-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'),
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    const p = new ApiDownProxy(readFileSync(join(dir, 'k')), readFileSync(join(dir, 'c')), phase, downMs);
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((res, rej) => { p.server.once('error', rej); p.server.listen(0, '127.0.0.1', () => res()); });
    return p;
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((res) => this.server.close(() => res()));
  }
}

const VALUE = 'fault-value-42';

async function apiRun(ex: Executor, phase: Phase, i: number, runId: string): Promise<{ phase: Phase; outcome: 'ok' | 'stuck' | 'reported' | 'lost'; line: string }> {
  const proxy = await ApiDownProxy.start(phase, DOWN_S * 1000);
  const template = {
    name: 'faults-api',
    container: { image: 'x' },
    outputs: {
      parameters: [{ name: 'p', valueFrom: { path: '/tmp/p' } }],
      artifacts: [{ name: 'a', path: '/tmp/a' }],
    },
    archiveLocation: archiveLocation(`faults/${runId}/api/${ex.name}/${phase}/${i}`),
  };
  const owner = await ownerWorkflow(`faults-api-${runId}-${ex.name}-${phase}-${i}`);
  const pod = executorPod({ template, secrets: S3_SECRETS, executor: ex, kubePort: String(proxy.port) }, { workflowName: owner.name, workflowUid: owner.uid });
  writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
  chmodSync(pod.path('sa', 'ca.crt'), 0o644);
  const tag = `api-${phase}-${ex.name}-${i}`;
  try {
    const init = await pod.runInit();
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr.slice(-500)}`);
    const wait = pod.startWait({}, (DOWN_S + 180) * 1000);
    const main = await pod.startMain(['sh', '-c', `printf ${VALUE} > /tmp/p; printf data > /tmp/a`]).done;
    const res = await wait.done;
    keepLog(`${tag}-main`, main);
    keepLog(`${tag}-wait`, res, `termination-log: ${pod.terminationMessage('wait')}\n--- proxy\n${proxy.log.join('\n')}\n`);
    const r = await admin.req('GET', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults/${pod.nodeId}`);
    const tr = r.status === 200 ? r.body : undefined;
    const completed = tr?.metadata?.labels?.['workflows.argoproj.io/report-outputs-completed'] === 'true';
    const hasOutputs = tr?.outputs?.parameters?.some((p: { name: string; value?: string }) => p.name === 'p' && p.value === VALUE)
      && tr?.outputs?.artifacts?.some((a: { name: string; s3?: unknown }) => a.name === 'a' && a.s3);
    await deleteTaskResult(pod.nodeId).catch(() => undefined);
    const line = res.code === 0 ? '' : failureLine(pod, 'wait', res);
    if (res.signal === 'SIGKILL') return { phase, outcome: 'stuck', line: `wait did not exit in ${DOWN_S + 180} s` };
    if (!completed) return { phase, outcome: 'stuck', line: `TaskResult ${tr ? 'never labelled complete' : 'never created'}; wait: ${line || 'exit 0'}` };
    if (!hasOutputs) return { phase, outcome: res.code === 0 ? 'lost' : 'reported', line: `TaskResult complete without the outputs; wait: ${line || 'exit 0'}` };
    return { phase, outcome: res.code === 0 ? 'ok' : 'reported', line };
  } finally {
    await proxy.close();
    await owner.remove();
    pod.cleanup();
  }
}

export async function apiFaults(runId: string, log: (s: string) => void): Promise<void> {
  for (const ex of EXECUTORS) {
    const t0 = Date.now();
    const jobs = PHASES.flatMap((phase) => Array.from({ length: API_RUNS }, (_, i) => apiRun(ex, phase, i, runId)));
    for (const o of await Promise.all(jobs)) {
      const r = row(`API down ${DOWN_S} s`, o.phase, ex.name);
      r.runs++;
      if (o.outcome === 'ok') r.ok++;
      if (o.outcome === 'stuck') r.stuck++;
      if (o.outcome === 'reported') r.reported++;
      if (o.outcome === 'lost') r.lost++;
      note(r, o.line);
    }
    log(`api faults ${ex.name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}
