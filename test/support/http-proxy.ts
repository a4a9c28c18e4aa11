/**
 * A minimal recording HTTP forward proxy on 127.0.0.1 for tests of clients that honour a proxy setting: absolute-form
 * requests (`GET http://host/path HTTP/1.1`) are forwarded to their host; CONNECT is refused (405). Each request is
 * recorded as `METHOD absolute-url`.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class HttpProxy {
  readonly requests: string[] = [];
  #server: Server;

  private constructor() {
    this.#server = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      let target: URL;
      try { target = new URL(req.url ?? ''); } catch { res.writeHead(400).end('absolute-form request expected'); return; }
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', (err) => { res.writeHead(502).end(String(err)); });
      req.pipe(up);
    });
    this.#server.on('connect', (req, socket) => { this.requests.push(`CONNECT ${req.url}`); socket.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n'); });
  }

  static async start(): Promise<HttpProxy> {
    const p = new HttpProxy();
    await new Promise<void>((res) => p.#server.listen(0, '127.0.0.1', res));
    return p;
  }

  get url(): string { return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`; }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((res) => this.#server.close(() => res()));
  }
}
