/**
 * Host-key verification as Go's argoexec does it (go-git transport/ssh NewKnownHostsDb over x/crypto
 * ssh/knownhosts): which known_hosts files are read, how their lines name a host, and the verdict with its message.
 */
import { createHmac } from 'node:crypto';
import { statSync } from 'node:fs';
import { posix } from 'node:path';

export interface KnownLine { revoked: boolean; ca: boolean; hosts: string; key: Buffer; type: string }

export class KnownHostsError extends Error {}

function sshString(buf: Buffer, off = 0): string {
  if (buf.length < off + 4) return '';
  const n = buf.readUInt32BE(off);
  return buf.subarray(off + 4, off + 4 + n).toString('latin1');
}

/** The files go-git reads (getDefaultKnownHostsFiles + filterKnownHostsFiles). */
export function knownHostsFiles(env: NodeJS.ProcessEnv): string[] {
  let files = (env.SSH_KNOWN_HOSTS ?? '').split(':');
  if (env.SSH_KNOWN_HOSTS === undefined || env.SSH_KNOWN_HOSTS === '') {
    const home = env.HOME ?? '';
    if (home === '') throw new KnownHostsError('cannot create known hosts callback: $HOME is not defined');
    files = [posix.join(home, '/.ssh/known_hosts'), '/etc/ssh/ssh_known_hosts'];
  }
  const out: string[] = [];
  for (const f of files) {
    try {
      statSync(f);
      out.push(f);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new KnownHostsError(`cannot create known hosts callback: stat ${f}: ${(err as Error).message}`);
    }
  }
  if (out.length === 0) throw new KnownHostsError('cannot create known hosts callback: unable to find any valid known_hosts file, set SSH_KNOWN_HOSTS env variable');
  return out;
}

export function parseKnownHosts(text: string, file = 'known_hosts'): KnownLine[] {
  const out: KnownLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const f = line.split(/[ \t]+/);
    let marker = '';
    if (f[0]?.startsWith('@')) marker = f.shift() as string;
    if (marker !== '' && marker !== '@revoked' && marker !== '@cert-authority') {
      throw new KnownHostsError(`cannot create known hosts callback: knownhosts: ${file}:${i + 1}: unknown marker ${JSON.stringify(marker)}`);
    }
    const [hosts, , b64] = f;
    if (!hosts || !b64) throw new KnownHostsError(`cannot create known hosts callback: knownhosts: ${file}:${i + 1}: missing host pattern or key`);
    const key = Buffer.from(b64, 'base64');
    if (key.length < 5) throw new KnownHostsError(`cannot create known hosts callback: knownhosts: ${file}:${i + 1}: illegal key`);
    out.push({ revoked: marker === '@revoked', ca: marker === '@cert-authority', hosts, key, type: sshString(key) });
  });
  return out;
}

function wildcard(pattern: string, s: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(s);
}

/** `host` for port 22, else `[host]:port` (knownhosts.Normalize). */
export function normalizeHost(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(patterns: string, host: string, port: number): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(normalizeHost(host, port)).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const p0 of patterns.split(',')) {
    const negate = p0.startsWith('!');
    const p = negate ? p0.slice(1) : p0;
    let ph = p;
    let pp = '22';
    const br = /^\[(.*)\]:(\d+)$/.exec(p);
    if (br) { ph = br[1] as string; pp = br[2] as string; }
    if (!(wildcard(ph, host) && pp === String(port))) continue;
    if (negate) return false;
    matched = true;
  }
  return matched;
}

/** x/crypto knownhosts: revoked → error; the first key per type among the host's lines must equal the presented key. */
export function checkHostKey(lines: KnownLine[], host: string, port: number, key: Buffer): void {
  for (const l of lines) if (l.revoked && l.key.equals(key)) throw new KnownHostsError('knownhosts: key is revoked');
  const byType = new Map<string, Buffer>();
  for (const l of lines) {
    if (l.revoked || l.ca || !patternMatches(l.hosts, host, port)) continue;
    if (!byType.has(l.type)) byType.set(l.type, l.key);
  }
  if (byType.size === 0) throw new KnownHostsError('knownhosts: key is unknown');
  const known = byType.get(sshString(key));
  if (!known || !known.equals(key)) throw new KnownHostsError('knownhosts: key mismatch');
}
