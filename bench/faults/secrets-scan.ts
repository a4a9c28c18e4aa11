/**
 * Scan every log the tests, the e2e runs and the fault runs leave for every secret value the stack uses.
 * Exits 1 (listing file, line, which secret — never the value) on any hit, 0 when clean.
 *
 *   node bench/faults/secrets-scan.ts [PATH…]      (default: the log locations below)
 *
 * Secrets: every secret, password, account-key and connection-string value of .stack/env (S3 access and secret keys, the
 * Azure account key and connection string, git password), the executor token, every private key file of the stack
 * (the .key files of .stack/pki, the SSH keys: each base64 line of their bodies), and the quick-start's artifact secrets.
 * Values of 12 characters or more are searched literally. Short dictionary values (the stack's `admin`/`password`)
 * would match ordinary words, so they are searched where a leaked credential would stand: after a credential name
 * (`secretKey: password`, `AWS_SECRET_ACCESS_KEY=password`, `"password":"password"`), as `user:password` (URL or
 * Basic auth, also base64), and an access key in a logged SigV4 `Credential=<key>/` header. Any PEM/OpenSSH
 * `PRIVATE KEY-----` marker is a hit too.
 *
 * Default paths: .stack/logs, .stack/faults/logs, .stack/e2e, .stack/test-logs (test output, when kept),
 * /var/log/pods (the cluster's pod logs), the archived main.log objects under .stack/data/minio,
 * /var/cache/argoexec-ts/logs (builds).
 */
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readStackEnv } from '../stack-env.ts';

const PROJECT = resolve(import.meta.dirname, '../..');

export interface Secret { name: string; literal?: string; pattern?: RegExp }


const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Lines of a key file's body that are themselves secret (base64 of key material, 20+ characters). */
function keyLines(path: string): string[] {
  try { return readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length >= 20 && !l.startsWith('-----')); } catch { return []; }
}

export function collectSecrets(env = readStackEnv()): Secret[] {
  const out: Secret[] = [{ name: 'private key marker', pattern: /PRIVATE KEY-----/ }];
  const weak = new Map<string, string>(); // value → name
  const users = new Set<string>();
  const add = (name: string, v: string | undefined): void => {
    if (!v) return;
    if (v.length >= 12) out.push({ name, literal: v });
    else weak.set(v, weak.has(v) ? `${weak.get(v)}, ${name}` : name);
  };
  for (const [k, v] of Object.entries(env)) {
    if (/(SECRET|PASSWORD|ACCOUNT_KEY|CONNECTION_STRING)/.test(k)) add(k, v);
    if (/ACCESS_KEY$|_USER$/.test(k) && v) users.add(v);
    if (/ACCESS_KEY$/.test(k) && v) out.push({ name: `${k} in a logged SigV4 header`, pattern: new RegExp(`Credential=${esc(v)}/`) });
  }
  // The quick-start's artifact secrets (my-minio-cred, my-httpbin-cred) hold the same kind of values.
  const qs = join(PROJECT, '../shared/argo-v4.1.2/manifests/quick-start/base');
  for (const f of ['minio/my-minio-cred-secret.yaml', 'httpbin/my-httpbin-cred-secret.yaml']) {
    try {
      for (const m of readFileSync(join(qs, f), 'utf8').matchAll(/^\s+(\w+):\s*(\S+)\s*$/gm)) {
        if (/^(accesskey|secretkey|user|pass|password|username)$/i.test(m[1] as string)) {
          const v = m[2] as string;
          const plain = /^[A-Za-z0-9+/=]+$/.test(v) && v.length % 4 === 0 ? Buffer.from(v, 'base64').toString() : v;
          if (/secret|pass/i.test(m[1] as string)) add(`${f} ${m[1]}`, /^[\x20-\x7e]+$/.test(plain) ? plain : v);
          else users.add(plain);
        }
      }
      // Private keys inside the secret (my-httpbin-cred's key.pem for client-certificate auth).
      const text = readFileSync(join(qs, f), 'utf8');
      for (const m of text.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END/g)) {
        for (const l of (m[1] as string).split('\n').map((x) => x.trim()).filter((x) => x.length >= 20)) out.push({ name: `private key in ${f}`, literal: l });
      }
    } catch { /* not there */ }
  }
  for (const [v, name] of weak) {
    const cred = '(?:secret[_-]?(?:access[_-]?)?key|secretkey|password|passwd|pwd|pass|token|account[_-]?key)';
    out.push({ name: `${name} after a credential name`, pattern: new RegExp(`${cred}["']?\\s*[:=]\\s*["']?${esc(v)}(?![A-Za-z0-9])`, 'i') });
    for (const u of users) {
      out.push({ name: `${name} as user:password`, pattern: new RegExp(`${esc(u)}:${esc(v)}(?![A-Za-z0-9])`) });
      out.push({ name: `${name} as Basic credentials`, literal: Buffer.from(`${u}:${v}`).toString('base64').replace(/=+$/, '') });
    }
  }
  if (env.EXECUTOR_TOKEN_FILE) { try { out.push({ name: 'executor token', literal: readFileSync(env.EXECUTOR_TOKEN_FILE, 'utf8').trim().split('.').slice(1).join('.') }); } catch { /* none */ } }
  const keyFiles = [env.GIT_SSH_KEY_FILE, env.GIT_SSH_RSA_KEY_FILE, env.KUBE_ADMIN_KEY_FILE, env.KUBE_SA_KEY_FILE];
  const pki = join(PROJECT, '.stack/pki');
  try { for (const f of readdirSync(pki)) if (f.endsWith('.key')) keyFiles.push(join(pki, f)); } catch { /* none */ }
  for (const f of new Set(keyFiles.filter(Boolean) as string[])) for (const l of keyLines(f)) out.push({ name: `private key ${basename(f)}`, literal: l });
  return out.filter((s) => s.pattern || (s.literal && s.literal.length >= 8));
}

export function defaultPaths(): string[] {
  const s = join(PROJECT, '.stack');
  const paths = [join(s, 'logs'), join(s, 'faults/logs'), join(s, 'e2e'), join(s, 'test-logs'), '/var/log/pods', '/var/cache/argoexec-ts/logs'];
  const minio = join(s, 'data/minio');
  const mains: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 6) return;
    let es;
    try { es = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of es) {
      if (e.isDirectory()) { if (e.name === 'main.log' || e.name.endsWith('.log')) mains.push(join(d, e.name)); else walk(join(d, e.name), depth + 1); }
    }
  };
  walk(minio, 0); // MinIO keeps each object as a directory <key>/ holding xl.meta and its data
  return [...paths, ...mains].filter((p) => existsSync(p));
}

export interface Hit { file: string; line: number; secret: string }

function files(p: string, out: string[]): void {
  let st;
  try { st = lstatSync(p); } catch { return; }
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) { for (const e of readdirSync(p)) files(join(p, e), out); return; }
  if (st.isFile()) out.push(p);
}

/** Scan files in 4 MiB windows (overlapping by the longest secret) so large logs stay bounded in memory. */
export function scan(paths: string[], secrets: Secret[]): { hits: Hit[]; files: number; bytes: number } {
  const hits: Hit[] = [];
  const list: string[] = [];
  for (const p of paths) files(p, list);
  const overlap = Math.max(256, ...secrets.map((s) => s.literal?.length ?? 0)) + 16;
  const buf = Buffer.alloc(4 * 1024 * 1024);
  let bytes = 0;
  for (const f of list) {
    let fd: number;
    try { fd = openSync(f, 'r'); } catch { continue; }
    try {
      let carry = '';
      let carryLines = 0;
      let pos = 0;
      const seen = new Set<string>();
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        pos += n;
        bytes += n;
        const text = carry + buf.toString('latin1', 0, n);
        for (const s of secrets) {
          const idx = s.literal !== undefined ? text.indexOf(s.literal) : (s.pattern?.exec(text)?.index ?? -1);
          if (idx < 0 || seen.has(s.name)) continue;
          seen.add(s.name);
          hits.push({ file: f, line: carryLines + text.slice(0, idx).split('\n').length, secret: s.name });
        }
        const cut = Math.max(0, text.length - overlap);
        carryLines += text.slice(0, cut).split('\n').length - 1;
        carry = text.slice(cut);
      }
    } finally { closeSync(fd); }
  }
  return { hits, files: list.length, bytes };
}

if (import.meta.main) {
  const paths = process.argv.length > 2 ? process.argv.slice(2) : defaultPaths();
  const secrets = collectSecrets();
  const r = scan(paths, secrets);
  for (const h of r.hits) console.log(`SECRET ${h.secret}: ${h.file}:${h.line}`);
  console.error(`[secrets-scan] ${secrets.length} secret values/patterns, ${r.files} files (${(r.bytes / 1048576).toFixed(1)} MiB) in ${paths.length} locations: ${r.hits.length} hits`);
  process.exit(r.hits.length > 0 ? 1 : 0);
}
