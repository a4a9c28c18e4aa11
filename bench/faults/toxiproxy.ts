/**
 * Toxiproxy (built by bench/faults/build-toxiproxy.sh from the Go module proxy) as a child process on
 * 127.0.0.1, and the few calls of its HTTP API the fault runner uses.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Toxic { name: string; type: string; stream: 'upstream' | 'downstream'; toxicity: number; attributes: Record<string, number> }

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', () => res()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

export class Toxiproxy {
  readonly version: string;
  private readonly child: ChildProcess;
  private readonly api: string;
  private constructor(child: ChildProcess, api: string, version: string) { this.child = child; this.api = api; this.version = version; }

  static async start(logDir: string): Promise<Toxiproxy> {
    const server = execFileSync(join(import.meta.dirname, 'build-toxiproxy.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const version = execFileSync(server, ['-version'], { encoding: 'utf8' }).trim();
    const port = await freePort();
    const log = createWriteStream(join(logDir, 'toxiproxy.log'));
    const child = spawn(server, ['-host', '127.0.0.1', '-port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const t = new Toxiproxy(child, `http://127.0.0.1:${port}`, version);
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(`${t.api}/version`)).ok) return t; } catch { /* not up yet */ }
      await sleep(100);
    }
    child.kill('SIGKILL');
    throw new Error('toxiproxy did not start');
  }

  private async call(method: string, path: string, body?: unknown): Promise<any> {
    const r = await fetch(`${this.api}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    const text = await r.text();
    if (!r.ok) throw new Error(`toxiproxy ${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** A proxy on a free loopback port to `upstream` (`host:port`); returns its `127.0.0.1:<port>`. */
  async proxy(name: string, upstream: string): Promise<string> {
    const p = await this.call('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream, enabled: true });
    return p.listen as string;
  }

  async setToxics(proxy: string, toxics: Toxic[]): Promise<void> {
    const current = (await this.call('GET', `/proxies/${proxy}/toxics`)) as { name: string }[];
    for (const t of current) await this.call('DELETE', `/proxies/${proxy}/toxics/${t.name}`);
    for (const t of toxics) await this.call('POST', `/proxies/${proxy}/toxics`, t);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((res) => this.child.once('exit', res));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }
}
