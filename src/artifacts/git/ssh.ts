/**
 * The SSH transport of git artifacts (`sshPrivateKeySecret`, `insecureIgnoreHostKey`; artifacts spec §6.4), with the
 * `ssh2` package (pure JS here: its optional native bindings are not built). Behaviour follows Go's argoexec v4.1.2
 * (go-git v5 `plumbing/transport/ssh` over `x/crypto/ssh`):
 *
 * - Remotes: `ssh://[user@]host[:port]/path` and scp-like `[user@]host:[port:]path` (port 22 by default). The login
 *   user is `GetUser(repo)` of git.go (the `user@` of the URL, else `git`). Each request runs
 *   `git-upload-pack '<path>'` (git's sq-quoting) in an exec channel; one SSH connection per remote per load.
 * - Host keys: `insecureIgnoreHostKey` accepts any key (no known_hosts is read). Otherwise known_hosts files are read
 *   where go-git reads them — `$SSH_KNOWN_HOSTS` (a `:`-separated list), else `$HOME/.ssh/known_hosts` and
 *   `/etc/ssh/ssh_known_hosts` (missing files are skipped; none at all is an error) — and the key is checked as
 *   `x/crypto/ssh/knownhosts` does: the host as `host` (port 22) or `[host]:port`, plain, wildcard (`*`, `?`), negated
 *   (`!`) and hashed (`|1|salt|hmac`) patterns, `@revoked` lines; no line for the host → "key is unknown", lines of
 *   other keys → "key mismatch". Host-key algorithms are offered in x/crypto's default order, so a server with several
 *   host keys presents the one Go would check.
 * - Errors carry Go's texts (`ssh: handshake failed: knownhosts: key is unknown`, `… unable to authenticate …`,
 *   `dial tcp …: connect: connection refused`, `repository not found`, key parse errors), so messages match the Go
 *   executor. The private key never appears in a message or a log line.
 */
import { createHash, createHmac, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

export interface SshEndpoint { user: string; host: string; port: number; path: string }

const SCP_LIKE = /^(?:([^@]+)@)?([^:\s]+):(?:([0-9]{1,5}):)?([^\\].*)$/;
const HAS_SCHEME = /^[^:]+:\/\//;

/** Whether `repo` is an scp-like SSH address (go-git MatchesScpLike: no scheme, no `/` before the first `:`). */
export function isScpLike(repo: string): boolean {
  if (HAS_SCHEME.test(repo) || !SCP_LIKE.test(repo)) return false;
  return !repo.slice(0, repo.indexOf(':')).includes('/');
}

export function isSshRemote(repo: string): boolean {
  return repo.startsWith('ssh://') || isScpLike(repo);
}

/** go-git's endpoint of an SSH remote: host, port, path (the user comes from GetUser, see sshUser). */
export function sshEndpoint(repo: string, user: string): SshEndpoint {
  if (isScpLike(repo)) {
    const m = SCP_LIKE.exec(repo) as RegExpExecArray;
    const port = m[3] ? Number(m[3]) : 22;
    return { user, host: m[2] as string, port, path: m[4] as string };
  }
  const u = new URL(repo);
  return { user, host: u.hostname, port: u.port ? Number(u.port) : 22, path: decodeURIComponent(u.pathname) + (u.search ?? '') };
}

/** git's sq_quote_buf (as go-git's writeShellQuote): '…' with ' and ! escaped. */
export function shellQuote(s: string): string {
  return `'${s.replace(/['!]/g, (c) => `'\\${c}'`)}'`;
}

/** The URL a relative submodule URL (`./x`, `../x`) resolves to against an SSH superproject (as git does). */
export function resolveScpLike(parent: string, rel: string): string {
  const m = SCP_LIKE.exec(parent) as RegExpExecArray;
  const prefix = parent.slice(0, parent.length - (m[4] as string).length);
  const base = (m[4] as string).replace(/\/+$/, '');
  const joined = posix.normalize(posix.join(base, rel));
  return prefix + joined;
}

// ------------------------------------------------------------------------------------------------ known_hosts

interface KnownLine { revoked: boolean; ca: boolean; hosts: string; key: Buffer; type: string }

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

// ---------------------------------------------------------------------------------------------- private keys

/**
 * x/crypto's ssh.ParsePrivateKey, as far as its errors go: the key text as ssh2 takes it (PKCS#8 re-encoded), or an
 * error with Go's text.
 */
export function parsePrivateKey(pem: string): string {
  let text = pem;
  let parsed = ssh2.utils.parseKey(pem);
  if (parsed instanceof Error && /BEGIN (ENCRYPTED )?PRIVATE KEY/.test(pem)) {
    // PKCS#8, which Go accepts and ssh2 does not: re-encode RSA and EC keys in their traditional PEM form.
    if (pem.includes('BEGIN ENCRYPTED PRIVATE KEY')) throw new Error('ssh: this private key is passphrase protected');
    try {
      const k = createPrivateKey(pem);
      if (k.asymmetricKeyType === 'rsa') text = k.export({ format: 'pem', type: 'pkcs1' }) as string;
      else if (k.asymmetricKeyType === 'ec') text = k.export({ format: 'pem', type: 'sec1' }) as string;
      else throw new Error(`ssh: unsupported key type "${k.asymmetricKeyType ?? ''}"`);
      parsed = ssh2.utils.parseKey(text);
    } catch (err) {
      if ((err as Error).message.startsWith('ssh: ')) throw err;
      throw new Error('ssh: no key found');
    }
  }
  if (Array.isArray(parsed)) parsed = parsed[0] as ParsedKey;
  if (parsed instanceof Error) {
    const m = parsed.message;
    if (/passphrase|encrypted/i.test(m) || /Proc-Type: 4,ENCRYPTED/.test(pem)) throw new Error('ssh: this private key is passphrase protected');
    if (!/-----BEGIN /.test(pem)) throw new Error('ssh: no key found');
    const t = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1] ?? '';
    if (t === 'OPENSSH PRIVATE KEY' || t === 'RSA PRIVATE KEY' || t === 'EC PRIVATE KEY' || t === 'DSA PRIVATE KEY') throw new Error(`ssh: failed to parse ${t.toLowerCase()}`);
    throw new Error(`ssh: unsupported key type "${t}"`);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------- connections

export interface SshOptions {
  privateKey: string;
  insecureIgnoreHostKey: boolean;
  env: NodeJS.ProcessEnv;
}

/** x/crypto's default host-key algorithm preference (Go offers these, in this order, when no algorithms are set). */
const GO_HOST_KEY_ALGOS = [
  'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-256', 'rsa-sha2-512', 'ssh-rsa', 'ssh-ed25519',
] as const;

const NOT_FOUND = [
  'Repository not found.', 'repository does not exist.', 'does not appear to be a git repository', 'no such repository',
  'access denied', 'Repository does not exist or you do not have access', 'The project you were looking for could not be found',
];

export type SshStream = Duplex & { failure?: () => Promise<string> };

/**
 * SSH connections of one artifact load: one client per user@host:port, reused by every request (clone, fetches,
 * submodules on the same server); `close()` ends them all.
 */
export class SshConnections {
  readonly #opts: SshOptions;
  readonly #clients = new Map<string, Promise<InstanceType<typeof ssh2.Client>>>();
  #known: KnownLine[] | undefined;

  constructor(opts: SshOptions) {
    this.#opts = opts;
  }

  #knownHosts(): KnownLine[] {
    if (!this.#known) {
      const lines: KnownLine[] = [];
      for (const f of knownHostsFiles(this.#opts.env)) lines.push(...parseKnownHosts(readFileSync(f, 'utf8'), f));
      this.#known = lines;
    }
    return this.#known;
  }

  #connect(ep: SshEndpoint): Promise<InstanceType<typeof ssh2.Client>> {
    const id = `${ep.user}@${ep.host}:${ep.port}`;
    let p = this.#clients.get(id);
    if (!p) {
      p = this.#dial(ep);
      this.#clients.set(id, p);
      p.catch(() => this.#clients.delete(id));
    }
    return p;
  }

  #dial(ep: SshEndpoint): Promise<InstanceType<typeof ssh2.Client>> {
    const key = parsePrivateKey(this.#opts.privateKey);
    const known = this.#opts.insecureIgnoreHostKey ? undefined : this.#knownHosts();
    const addr = ep.host.includes(':') ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      let hostKeyError: Error | undefined;
      let settled = false;
      const fail = (err: Error & { level?: string; code?: string }): void => {
        if (settled) return;
        settled = true;
        client.end();
        reject(new Error(goDialError(err, hostKeyError, addr, ep.host)));
      };
      client.once('ready', () => {
        settled = true;
        client.removeAllListeners('error');
        client.on('error', () => { /* a late connection error surfaces on the channel */ });
        resolve(client);
      });
      client.on('error', fail);
      client.on('close', () => fail(new Error('EOF')));
      client.connect({
        host: ep.host,
        port: ep.port,
        username: ep.user,
        privateKey: key,
        tryKeyboard: false,
        agent: undefined,
        readyTimeout: 120_000,
        algorithms: { serverHostKey: [...GO_HOST_KEY_ALGOS] },
        hostVerifier: (hostKey: Buffer): boolean => {
          if (!known) return true;
          try {
            checkHostKey(known, ep.host, ep.port, hostKey);
            return true;
          } catch (err) {
            hostKeyError = err as Error;
            return false;
          }
        },
      });
    });
  }

  /** A duplex running `git-upload-pack '<path>'` on the remote; `failure()` explains an empty answer as go-git does. */
  async open(ep: SshEndpoint): Promise<SshStream> {
    const client = await this.#connect(ep);
    const channel = await new Promise<ssh2.ClientChannel>((resolve, reject) => {
      client.exec(`git-upload-pack ${shellQuote(ep.path)}`, (err, ch) => (err ? reject(new Error(`ssh: ${err.message}`)) : resolve(ch)));
    });
    let stderr = '';
    channel.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
    const closed = new Promise<void>((r) => channel.once('close', () => r()));
    const stream = channel as unknown as SshStream;
    stream.failure = async () => {
      await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000).unref())]);
      const first = stderr.split('\n').find((l) => l.trim() !== '') ?? '';
      if (first === '') return 'unexpected EOF';
      if (NOT_FOUND.some((s) => first.includes(s))) return 'repository not found';
      return `unknown error: ${first}`;
    };
    return stream;
  }

  close(): void {
    for (const p of this.#clients.values()) p.then((c) => c.end(), () => undefined);
    this.#clients.clear();
  }
}

/** Go's message for a failed connection (x/crypto ssh.NewClientConn / net.Dial). */
function goDialError(err: Error & { level?: string; code?: string }, hostKeyError: Error | undefined, addr: string, host: string): string {
  if (hostKeyError) return `ssh: handshake failed: ${hostKeyError.message}`;
  if (err.level === 'client-authentication') return 'ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain';
  if (err.code === 'ECONNREFUSED') return `dial tcp ${addr}: connect: connection refused`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `dial tcp: lookup ${host}: no such host`;
  if (err.level === 'client-timeout') return `dial tcp ${addr}: i/o timeout`;
  return `ssh: handshake failed: ${err.message}`;
}

/** A fingerprint for log lines (never the key itself): SHA256:<base64> of the public key, as ssh-keygen -l. */
export function fingerprint(key: ParsedKey): string {
  return `SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
}
