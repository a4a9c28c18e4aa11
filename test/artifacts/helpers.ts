/** Shared helpers for artifact tests: stack env, secrets dir, S3 artifacts against minio and versitygw. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import { readStackEnv } from '../../bench/stack-env.ts';
import { createLogger } from '../../src/core/log.ts';
import type { DriverContext } from '../../src/artifacts/driver.ts';
import type { Artifact } from '../../src/core/template.ts';

export const stack = readStackEnv();

export interface S3Server { name: string; host: string; access: string; secret: string; region: string }

export function s3Servers(): S3Server[] {
  const out: S3Server[] = [];
  for (const [name, prefix] of [['minio', 'S3_MINIO'], ['versitygw', 'S3_VERSITY']] as const) {
    const ep = stack[`${prefix}_ENDPOINT`];
    if (!ep) continue;
    out.push({ name, host: new URL(ep).host, access: stack[`${prefix}_ACCESS_KEY`] ?? '', secret: stack[`${prefix}_SECRET_KEY`] ?? '', region: stack[`${prefix}_REGION`] ?? 'us-east-1' });
  }
  return out;
}

export function tmp(prefix = 'art-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A secrets dir laid out like /argo/secret/<name>/<key>. */
export function secretsDir(secrets: Record<string, Record<string, string | Buffer>>): string {
  const dir = tmp('secrets-');
  for (const [name, keys] of Object.entries(secrets)) {
    mkdirSync(join(dir, name));
    for (const [k, v] of Object.entries(keys)) writeFileSync(join(dir, name, k), v);
  }
  return dir;
}

export function ctxFor(secrets: string, env: NodeJS.ProcessEnv = {}): DriverContext {
  const lines: string[] = [];
  return { log: createLogger('warn', 'text', (l) => lines.push(l)), secretsDir: secrets, env: { EXECUTOR_RETRY_BACKOFF_DURATION: '10ms', ...env } };
}

export function s3Artifact(server: S3Server, key: string, extra: Record<string, unknown> = {}, name = 'a'): Artifact {
  return {
    name,
    path: '/tmp/x',
    s3: {
      endpoint: server.host,
      bucket: 'my-bucket',
      key,
      region: server.region,
      insecure: true,
      accessKeySecret: { name: 'creds', key: 'accesskey' },
      secretKeySecret: { name: 'creds', key: 'secretkey' },
      ...extra,
    },
  };
}

export function credsFor(server: S3Server, secret = server.secret): string {
  return secretsDir({ creds: { accesskey: server.access, secretkey: `${secret}\n` } });
}

export const uniq = (): string => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** A tar entry for makeTar (tar-stream's header fields; device numbers 1,3 for device entries). */
export type TarEntry = { name: string; type?: string; linkname?: string; body?: string | Buffer; mode?: number };
/** A tar archive of `entries`, written by tar-stream (another writer than ours). */
export function makeTar(entries: TarEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pack = tarStream.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
    for (const e of entries) {
      const h = { name: e.name, type: (e.type ?? 'file') as 'file', linkname: e.linkname, mode: e.mode ?? 0o644, devmajor: 1, devminor: 3 };
      if (e.body !== undefined) pack.entry(h, e.body);
      else pack.entry(h);
    }
    pack.finalize();
  });
}
