/**
 * A recording HTTPS proxy in front of the real kube-apiserver for the agent tests: like
 * test/wait/api-proxy.ts (every request forwarded unchanged, credentials included, so RBAC stays real;
 * optionally answered with an injected status instead), but streaming-aware: a WATCH is piped as it
 * arrives, and the upstream request is torn down when the agent's connection closes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:https';
import type { ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK } from '../support/pod-sim.ts';

export interface Recorded { method: string; path: string; contentType: string | undefined; userAgent: string | undefined; body: string; status?: number }
export type Decision = 'forward' | { status: number; body?: unknown };

export class ApiRecorder {
  readonly requests: Recorded[] = [];
  readonly caPem: string;
  decide: (r: Recorded) => Decision = () => 'forward';
  private readonly server: Server;
  private readonly upstream = new URL(STACK.KUBE_APISERVER_URL ?? 'https://127.0.0.1:6443');
  private readonly agent = new Agent({ ca: readFileSync(STACK.KUBE_CA_FILE as string), keepAlive: false });
  private readonly open = new Set<ClientRequest>();

  private constructor(key: Buffer, cert: Buffer) {
    this.caPem = cert.toString();
    this.server = createServer({ key, cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const rec: Recorded = { method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], userAgent: req.headers['user-agent'], body: body.toString() };
        this.requests.push(rec);
        const d = this.decide(rec);
        if (d !== 'forward') {
          rec.status = d.status;
          res.writeHead(d.status, { 'Content-Type': 'application/json' });
          res.end(d.body === undefined ? '' : JSON.stringify(d.body));
          return;
        }
        const up = request({
          hostname: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.upstream.host }, agent: this.agent,
        }, (upRes) => {
          rec.status = upRes.statusCode;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        });
        this.open.add(up);
        up.on('close', () => this.open.delete(up));
        res.on('close', () => up.destroy());
        up.on('error', (err) => { if (!res.headersSent) { res.writeHead(502); res.end(String(err)); } });
        up.end(body);
      });
    });
  }

  static async start(): Promise<ApiRecorder> {
    const dir = mkdtempSync(join(tmpdir(), 'api-recorder-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'),
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    const p = new ApiRecorder(readFileSync(join(dir, 'k')), readFileSync(join(dir, 'c')));
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((res, rej) => { p.server.once('error', rej); p.server.listen(0, '127.0.0.1', () => res()); });
    return p;
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }

  close(): Promise<void> {
    for (const up of this.open) up.destroy();
    this.server.closeAllConnections();
    this.agent.destroy();
    return new Promise((res) => this.server.close(() => res()));
  }
}
