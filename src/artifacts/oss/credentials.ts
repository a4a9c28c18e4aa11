/**
 * `useSDKCreds`: the part of Alibaba Cloud's default credential chain (aliyun/credentials-go, as argoexec v4.1.2 uses
 * it through `credentials.NewCredential(nil)`) that works without a cloud: tried in Go's order, the first that answers
 * is kept for later requests (the chain's `lastUsedProvider`).
 *
 *   1. environment: ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN
 *   2. profile file: ALIBABA_CLOUD_CREDENTIALS_FILE or $HOME/.alibabacloud/credentials (ini), section
 *      ALIBABA_CLOUD_PROFILE or `default`, `type = access_key` with `access_key_id` / `access_key_secret`
 *   3. credentials URI: ALIBABA_CLOUD_CREDENTIALS_URI → JSON {AccessKeyId, AccessKeySecret, SecurityToken, Expiration},
 *      fetched again when the credentials expire within 3 minutes
 *
 * Not built (Go's chain has them between 1 and 3): OIDC (ack-pod-identity-webhook: an STS call to *.aliyuncs.com), the
 * aliyun CLI's config.json, ECS instance RAM roles (the metadata service). Go's texts when a provider fails are kept;
 * the driver logs the chain's error and signs with empty keys, as Go's wrapper does.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { OssCredentials } from './client.ts';

type Provider = { name: string; get: () => Promise<OssCredentials> };

function envProvider(env: NodeJS.ProcessEnv): Provider {
  return {
    name: 'env',
    get: async () => {
      const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '';
      if (id === '') throw new Error('unable to get credentials from enviroment variables, Access key ID must be specified via environment variable (ALIBABA_CLOUD_ACCESS_KEY_ID)');
      const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '';
      if (secret === '') throw new Error('unable to get credentials from enviroment variables, Access key secret must be specified via environment variable (ALIBABA_CLOUD_ACCESS_KEY_SECRET)');
      const token = env.ALIBABA_CLOUD_SECURITY_TOKEN ?? '';
      return { accessKeyId: id, accessKeySecret: secret, ...(token ? { securityToken: token } : {}) };
    },
  };
}

/** The sections of an ini file: name → key → value (`;`/`#` comments, `key = value`). */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let cur: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) { cur = new Map(); out.set((sec[1] ?? '').trim(), cur); continue; }
    const eq = line.indexOf('=');
    if (eq < 0 || !cur) continue;
    cur.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

function profileProvider(env: NodeJS.ProcessEnv): Provider {
  return {
    name: 'profile',
    get: async () => {
      let file = env.ALIBABA_CLOUD_CREDENTIALS_FILE ?? '';
      if (file === '') {
        if (!env.HOME) throw new Error('cannot found home dir');
        file = join(env.HOME, '.alibabacloud/credentials');
      }
      let text: string;
      try { text = await readFile(file, 'utf8'); } catch (err) { throw new Error(`ERROR: Can not open file${(err as Error).message}`); }
      const name = env.ALIBABA_CLOUD_PROFILE || 'default';
      const section = parseIni(text).get(name);
      if (!section) throw new Error(`ERROR: Can not load sectionsection "${name}" does not exist`);
      const type = section.get('type');
      if (type === undefined) throw new Error(`ERROR: Can not find credential typekey "type" not exists in section "${name}"`);
      if (type !== 'access_key') throw new Error(`credential type ${type} is not supported by argoexec-ts (only access_key)`);
      const id = section.get('access_key_id');
      const secret = section.get('access_key_secret');
      if (id === undefined || secret === undefined) throw new Error('ERROR: Failed to get value');
      if (id === '' || secret === '') throw new Error("ERROR: Value can't be empty");
      return { accessKeyId: id, accessKeySecret: secret };
    },
  };
}

function uriProvider(env: NodeJS.ProcessEnv): Provider | undefined {
  const url = env.ALIBABA_CLOUD_CREDENTIALS_URI ?? '';
  if (url === '') return undefined;
  let cached: { creds: OssCredentials; expires: number } | undefined;
  return {
    name: 'credential_uri',
    get: async () => {
      if (cached && cached.expires - Date.now() > 180_000) return cached.creds;
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { method: 'GET', timeout: 10_000 }, (res) => {
          let data = '';
          res.setEncoding('utf8').on('data', (d: string) => { data += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: data })).on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`Get "${url}": i/o timeout`)));
        req.on('error', reject);
        req.end();
      });
      if (status !== 200) throw new Error(`get credentials from ${url} failed: ${body}`);
      let r: { AccessKeyId?: string; AccessKeySecret?: string; SecurityToken?: string; Expiration?: string };
      try { r = JSON.parse(body) as typeof r; } catch (err) { throw new Error(`get credentials from ${url} failed with error, json unmarshal fail: ${(err as Error).message}`); }
      if (typeof r.AccessKeyId !== 'string' || typeof r.AccessKeySecret !== 'string' || typeof r.SecurityToken !== 'string' || typeof r.Expiration !== 'string') {
        throw new Error(`refresh credentials from ${url} failed: ${body}`);
      }
      const creds = { accessKeyId: r.AccessKeyId, accessKeySecret: r.AccessKeySecret, ...(r.SecurityToken ? { securityToken: r.SecurityToken } : {}) };
      cached = { creds, expires: Date.parse(r.Expiration) || 0 };
      return creds;
    },
  };
}

/** The chain; `get` throws Go's `unable to get credentials from any of the providers in the chain: …`. */
export function defaultChain(env: NodeJS.ProcessEnv): () => Promise<OssCredentials> {
  const providers = [envProvider(env), profileProvider(env), uriProvider(env)].filter((p): p is Provider => p !== undefined);
  let last: Provider | undefined;
  return async () => {
    if (last) return last.get();
    const errors: string[] = [];
    for (const p of providers) {
      try {
        const c = await p.get();
        last = p;
        return c;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    throw new Error(`unable to get credentials from any of the providers in the chain: ${errors.join(', ')}`);
  };
}
