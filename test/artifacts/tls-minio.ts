/**
 * A private MinIO served over TLS with a throw-away CA (SSE-C needs TLS; caSecret needs a custom CA). Uses the
 * minio binary the test stack installed ($STACK_BIN/minio).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stack, tmp } from './helpers.ts';

export interface TlsMinio { host: string; ca: string; access: string; secret: string; stop(): Promise<void> }

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

export async function startTlsMinio(): Promise<TlsMinio> {
  const bin = join(stack.STACK_BIN ?? '/var/cache/argoexec-ts/bin', 'minio');
  const dir = tmp('tls-minio-');
  const certs = join(dir, 'certs');
  mkdirSync(certs);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=argoexec-ts test CA'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'certs/private.key', '-out', 'srv.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'certs/public.crt', '-days', '2', '-extfile', 'ext.cnf'], dir);
  const port = await freePort();
  const console = await freePort();
  const access = 'tlsadmin';
  const secret = `tls-secret-${Date.now()}`;
  const child: ChildProcess = spawn(bin, ['server', join(dir, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${console}`, '--certs-dir', certs], {
    env: { ...process.env, MINIO_ROOT_USER: access, MINIO_ROOT_PASSWORD: secret, MINIO_BROWSER: 'off' },
    stdio: 'ignore',
  });
  const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', join(dir, 'ca.crt'), `https://127.0.0.1:${port}/minio/health/live`], { encoding: 'utf8' });
    if (r.stdout === '200') break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`private TLS minio did not come up on ${port}`);
    }
    await sleep(200);
  }
  return {
    host: `127.0.0.1:${port}`,
    ca,
    access,
    secret,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    },
  };
}
