/**
 * Executor-plugin tasks (lifecycle §10.4; workflow/executor/agent.go executePluginTemplate,
 * workflow/util/plugin Client): `POST <address>/api/v1/template.execute` with
 * `Authorization: Bearer <token>` and `{workflow:{metadata:{name,namespace,uid}},template}`; 200 → the
 * reply `{node, requeue}`, 404 → the plugin does not implement the method (never asked again),
 * 503 → transient, other → `<status>: <body>`. Calls retry transient failures (and connection refused)
 * 5 times from 1 s (factor 2, jitter 0.2), each call limited to 30 s. The first plugin that returns a
 * node wins; a node that has not succeeded is re-executed after `requeue` when that is > 0.
 */
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseGoDuration } from '../../core/go-duration.ts';
import { isTransientError } from '../../core/kube/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { NodeResult } from './node-result.ts';
import { goTransportText } from '../../core/go-net-errors.ts';

export interface Plugin { name: string; address: string; token: string; invalid: Set<string> }

interface Reply { node?: NodeResult | null; requeue?: string | null }

class TransientError extends Error { readonly transient = true; }

function post(address: string, token: string, method: string, body: string): Promise<Reply> {
  const url = `${address}/api/v1/${method}`;
  return new Promise((resolve, reject) => {
    let target: URL;
    try { target = new URL(url); } catch { reject(new Error(`parse ${JSON.stringify(url)}: invalid URL`)); return; }
    const req = request(target, {
      method: 'POST', agent: false, timeout: 30_000,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'Go-http-client/1.1' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status === 200) {
          try { resolve((JSON.parse(text) ?? {}) as Reply); } catch (err) { reject(new Error((err as Error).message)); }
        } else if (status === 404) {
          resolve({ notFound: true } as Reply & { notFound: true });
        } else if (status === 503) {
          reject(new TransientError(text));
        } else {
          reject(new Error(`${status} ${res.statusMessage ?? ''}: ${text}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('Client.Timeout exceeded while awaiting headers'), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(Object.assign(new Error(`Post ${JSON.stringify(url)}: ${goTransportText(err, target)}`), { code: err.code }));
    });
    req.end(body);
  });
}

async function call(p: Plugin, method: string, args: unknown, log: Logger, env: NodeJS.ProcessEnv): Promise<Reply> {
  if (p.invalid.has(method)) return {};
  const body = JSON.stringify(args);
  let duration = 1000;
  for (let step = 5; ; step--) {
    try {
      const reply = await post(p.address, p.token, method, body);
      if ((reply as { notFound?: boolean }).notFound) {
        log.info('method not found, not calling again', { address: p.address, method });
        p.invalid.add(method);
        return {};
      }
      return reply;
    } catch (err) {
      const text = (err as Error).message;
      const retriable = (err as { transient?: boolean }).transient === true || text.includes('connection refused') || isTransientError(err, env);
      log.debug('Plugin returned error', { address: p.address, method, error: text });
      if (!retriable || step <= 1) throw err;
      await sleep(duration + Math.random() * 0.2 * duration);
      duration *= 2;
    }
  }
}

export interface PluginTaskDeps { plugins: Plugin[]; workflow: { name: string; namespace: string; uid: string }; log: Logger; env: NodeJS.ProcessEnv }

/** Result and requeue delay (ms) of one plugin task; errors become a Failed result. */
export async function executePluginTask(template: unknown, deps: PluginTaskDeps): Promise<{ result: NodeResult; requeueMs: number }> {
  const args = { workflow: { metadata: deps.workflow }, template };
  try {
    for (const p of deps.plugins) {
      const reply = await call(p, 'template.execute', args, deps.log, deps.env);
      if (reply.node) {
        if (reply.node.phase === 'Succeeded') return { result: reply.node, requeueMs: 0 };
        let requeueMs = 0;
        if (typeof reply.requeue === 'string' && reply.requeue !== '') {
          try { requeueMs = parseGoDuration(reply.requeue); } catch { requeueMs = 0; }
        }
        return { result: reply.node, requeueMs };
      }
    }
    throw new Error('no plugin executed the template');
  } catch (err) {
    return { result: { phase: 'Failed', message: (err as Error).message }, requeueMs: 0 };
  }
}
