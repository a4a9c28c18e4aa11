/**
 * A loopback fault injector in front of the real kube-apiserver: an HTTPS server (its own throw-away
 * certificate, which the pod trusts as its service-account CA) that records every request and then,
 * per request, forwards it unchanged (credentials included, so RBAC stays real), answers with an
 * injected status, or delays it. Not a mock: every forwarded call is served by the apiserver.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK } from '../support/pod-sim.ts';

export interface Recorded { method: string; path: string; contentType: string | undefined; userAgent: string | undefined; body: string; status?: number }
export type Decision = 'forward' | { status: number; body?: unknown } | { delayMs: number } | { before: () => Promise<unknown> };

export class ApiProxy {
  readonly requests: Recorded[] = [];
  readonly caPem: string;
  decide: (r: Recorded, index: number) => Decision = () => 'forward';
  private readonly server: Server;
  private readonly upstream = new URL(STACK.KUBE_APISERVER_URL ?? 'https://127.0.0.1:6443');
  private readonly upstreamCa = readFileSync(STACK.KUBE_CA_FILE as string);

  private constructor(key: Buffer, cert: Buffer) {
    this.caPem = cert.toString();
    this.server = createServer({ key, cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const rec: Recorded = { method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], userAgent: req.headers['user-agent'], body: body.toString() };
        const index = this.requests.push(rec) - 1;
        const d = this.decide(rec, index);
        const forward = (): void => {
          const up = request({
            hostname: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.upstream.host }, ca: this.upstreamCa,
          }, (upRes) => {
            rec.status = upRes.statusCode;
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          });
          up.on('error', (err) => { res.writeHead(502); res.end(String(err)); });
          up.end(body);
        };
        if (d === 'forward') forward();
        else if ('delayMs' in d) setTimeout(forward, d.delayMs);
        else if ('before' in d) d.before().then(forward, forward);
        else {
          rec.status = d.status;
          res.writeHead(d.status, { 'Content-Type': 'application/json' });
          res.end(d.body === undefined ? '' : JSON.stringify(d.body));
        }
      });
    });
  }

  static async start(port = 0): Promise<ApiProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'api-proxy-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'),
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    const p = new ApiProxy(readFileSync(join(dir, 'k')), readFileSync(join(dir, 'c')));
    rmSync(dir, { recursive: true, force: true });
    await p.listen(port);
    return p;
  }

  listen(port: number): Promise<void> {
    return new Promise((res, rej) => { this.server.once('error', rej); this.server.listen(port, '127.0.0.1', () => res()); });
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }

  /** Only the TaskResult calls, as `METHOD path`. */
  taskResultCalls(): Recorded[] { return this.requests.filter((r) => r.path.includes('/workflowtaskresults')); }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((res) => this.server.close(() => res()));
  }
}

/** A Status body like the apiserver's. */
export function status(code: number, reason: string, message: string): { status: number; body: unknown } {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code } };
}
