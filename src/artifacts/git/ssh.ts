/**
 * The SSH transport of git artifacts (`sshPrivateKeySecret`, `insecureIgnoreHostKey`; artifacts spec §6.4), with the
 * `ssh2` package (pure JS here: its optional native bindings are not built). Behaviour follows Go's argoexec v4.1.2
 * (go-git v5 `plumbing/transport/ssh` over `x/crypto/ssh`). This file holds the connections; the URL forms are in
 * ssh-url.ts, host-key checking in known-hosts.ts, key parsing in ssh-key.ts.
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
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { checkHostKey, knownHostsFiles, parseKnownHosts, type KnownLine } from './known-hosts.ts';
import { parsePrivateKey } from './ssh-key.ts';
import { shellQuote, type SshEndpoint } from './ssh-url.ts';
import { goTransportText, isDialError } from '../../core/go-net-errors.ts';

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
        reject(new Error(goDialError(err, hostKeyError, addr)));
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
function goDialError(err: Error & { level?: string; code?: string }, hostKeyError: Error | undefined, addr: string): string {
  if (hostKeyError) return `ssh: handshake failed: ${hostKeyError.message}`;
  if (err.level === 'client-authentication') return 'ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain';
  if (isDialError(err)) return goTransportText(err, addr);
  if (err.level === 'client-timeout') return `dial tcp ${addr}: i/o timeout`;
  return `ssh: handshake failed: ${err.message}`;
}
