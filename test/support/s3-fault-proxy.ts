/**
 * A loopback HTTP proxy in front of an S3 endpoint (MinIO of the stack) that answers a share of the requests
 * with S3's `503 SlowDown` (what AWS S3 returns when a prefix is throttled) and forwards the others unchanged.
 * Toxiproxy works on TCP and cannot produce HTTP statuses; this is the one fault it lacks.
 *
 * Requests are signed for the proxy's address (the executor talks to it as its endpoint), and the Host header is
 * passed through unchanged, so MinIO verifies the signatures as usual. The failing requests are spread evenly:
 * request i (from 0) fails when ⌊(i+1)·share⌋ > ⌊i·share⌋ — deterministic, so runs are reproducible.
 * The request body of a failing request is read to its end first (as S3 does before it answers a PUT).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class S3FaultProxy {
  /** Share of requests answered 503 (0…1). */
  share: number;
  requests = 0;
  injected = 0;
  private readonly server: Server;

  private constructor(upstream: URL, share: number) {
    this.share = share;
    this.server = createServer((req, res) => {
      const i = this.requests++;
      if (Math.floor((i + 1) * this.share) > Math.floor(i * this.share)) {
        this.injected++;
        req.resume();
        req.on('end', () => {
          const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><Resource>${escapeXml(req.url ?? '/')}</Resource><RequestId>FAULT${i}</RequestId></Error>`;
          res.writeHead(503, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body), 'x-amz-request-id': `FAULT${i}` });
          res.end(body);
        });
        return;
      }
      const up = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.rawHeaders);
        upRes.pipe(res);
        upRes.on('error', () => res.destroy());
      });
      up.on('error', () => res.destroy());
      req.on('error', () => up.destroy());
      req.pipe(up);
    });
    this.server.keepAliveTimeout = 30_000;
  }

  static async start(upstream: string, share: number): Promise<S3FaultProxy> {
    const p = new S3FaultProxy(new URL(upstream), share);
    await new Promise<void>((res, rej) => { p.server.once('error', rej); p.server.listen(0, '127.0.0.1', () => res()); });
    return p;
  }

  /** `127.0.0.1:<port>`, an S3 endpoint for templates. */
  get host(): string { return `127.0.0.1:${(this.server.address() as AddressInfo).port}`; }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((res) => this.server.close(() => res()));
  }
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
