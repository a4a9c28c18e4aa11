// Minimal Kubernetes REST helper for the smoke tests: credentials come from a kubeconfig file
// (parsed by @kubernetes/client-node's KubeConfig), requests go through node:https so status codes
// (403, 404, 409) are plain numbers to assert on.
import { request } from 'node:https';
import type { RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeResponse {
  status: number;
  body: any;
  text: string;
}

export class Kube {
  readonly kc: KubeConfig;
  readonly server: URL;

  /** tokenOverride replaces the kubeconfig's credentials with this bearer token. */
  readonly tokenOverride: string | undefined;

  constructor(kubeconfigPath: string, tokenOverride?: string) {
    this.tokenOverride = tokenOverride;
    this.kc = new KubeConfig();
    this.kc.loadFromFile(kubeconfigPath);
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error(`no current cluster in ${kubeconfigPath}`);
    this.server = new URL(cluster.server);
  }

  /** One request; retries a 429 (e.g. "storage is (re)initializing") a few times, as client-go does. */
  async req(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.once(method, path, body, contentType);
      if (r.status !== 429 || attempt >= 10) return r;
      const after = Number(r.body?.details?.retryAfterSeconds ?? 1);
      await new Promise((res) => setTimeout(res, Math.min(after, 2) * 1000));
    }
  }

  private async once(method: string, path: string, body: unknown, contentType: string): Promise<KubeResponse> {
    const opts: RequestOptions = {
      method,
      hostname: this.server.hostname,
      port: this.server.port,
      path,
      headers: { Accept: 'application/json' },
    };
    await this.kc.applyToHTTPSOptions(opts);
    if (this.tokenOverride !== undefined) {
      (opts.headers as Record<string, string>).Authorization = `Bearer ${this.tokenOverride}`;
      delete opts.cert;
      delete opts.key;
    }
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    if (payload) {
      (opts.headers as Record<string, string | number>)['Content-Type'] = contentType;
      (opts.headers as Record<string, string | number>)['Content-Length'] = payload.length;
    }
    return await new Promise<KubeResponse>((resolve, reject) => {
      const r = request(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = undefined;
          try { parsed = JSON.parse(text); } catch { parsed = undefined; }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      });
      r.setTimeout(15000, () => r.destroy(new Error(`timeout: ${method} ${path}`)));
      r.on('error', reject);
      if (payload) r.write(payload);
      r.end();
    });
  }
}
