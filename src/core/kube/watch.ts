/**
 * A WATCH (streaming GET) on the connection of a KubeClient (client-go's Request.Watch): resolves with
 * the open 2xx response, whose body is newline-delimited JSON events; a non-2xx answer rejects with
 * KubeApiError (the apiserver's Status), a transport failure with KubeNetworkError. No timeout applies.
 * Kept apart from client.ts so the buffered client stays untouched.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { KubeApiError, type KubeClient, KubeNetworkError } from './client.ts';

export function watchStream(client: KubeClient, path: string): Promise<IncomingMessage> {
  const conn = client.conn;
  const base = conn.server;
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = `${base.origin}${prefix}${path}`;
  const headers: Record<string, string> = { Accept: 'application/json, */*', 'User-Agent': client.userAgent };
  let token = conn.token;
  if (conn.tokenFile) {
    try { token = readFileSync(conn.tokenFile, 'utf8').trim(); } catch { /* keep the static token */ }
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (conn.username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${conn.username}:${conn.password ?? ''}`).toString('base64')}`;
  if (conn.impersonate?.user) headers['Impersonate-User'] = conn.impersonate.user;
  if (conn.impersonate?.uid) headers['Impersonate-Uid'] = conn.impersonate.uid;
  const agent = new Agent({ ca: conn.ca, cert: conn.cert, key: conn.key, rejectUnauthorized: !conn.insecureSkipTlsVerify, servername: conn.tlsServerName });
  return new Promise<IncomingMessage>((resolve, reject) => {
    const r = request({ method: 'GET', hostname: base.hostname.replace(/^\[|\]$/g, ''), port: base.port || 443, path: `${prefix}${path}`, headers, agent }, (res) => {
      const status = res.statusCode ?? 0;
      res.once('close', () => agent.destroy());
      if (status >= 200 && status < 300) { resolve(res); return; }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new KubeNetworkError(`Get "${url}": ${err.message}`, (err as NodeJS.ErrnoException).code)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        const st = body as { kind?: string; reason?: string; message?: string } | null;
        if (st && typeof st === 'object' && st.kind === 'Status' && typeof st.message === 'string') reject(new KubeApiError(status, st.reason ?? 'Unknown', st.message, body));
        else reject(new KubeApiError(status, 'Unknown', `an error on the server (${JSON.stringify(text.trim())}) has prevented the request from succeeding`, body));
      });
    });
    r.on('error', (err: NodeJS.ErrnoException) => {
      agent.destroy();
      const hostPort = `${base.hostname}:${base.port || 443}`;
      const detail = err.code === 'ECONNREFUSED' ? `dial tcp ${hostPort}: connect: connection refused` : err.message;
      reject(new KubeNetworkError(`Get "${url}": ${detail}`, err.code));
    });
    r.end();
  });
}
