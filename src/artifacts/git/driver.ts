/**
 * Git input artifacts (artifacts spec §6.4, workflow/artifacts/git/git.go) with isomorphic-git — pure JS, because the
 * executor image has no `git` binary (Go uses pure-Go go-git for the same reason). Loaded lazily by the registry.
 *
 * Load, as Go: the SSH key is parsed first (its errors end the load as they are); `singleBranch` without `branch`
 * fails; clone into `path` (`depth`, `singleBranch` → only `refs/heads/<branch>`), an empty remote gives an
 * initialised repository with remote `origin` and a branch named `revision` (or `master`); then each `fetch` refspec
 * (with `depth`); then, with `revision`, fetch every branch (or the single one) without depth into `refs/heads/*`,
 * resolve the revision (hash, short hash, branch, tag, remote branch, `HEAD`, with `~n`/`^n` suffixes) and check it
 * out detached; finally submodules are cloned recursively unless `disableSubmodules`, with the same credentials.
 * The result is a working tree including `.git`.
 *
 * Auth as Go: `sshPrivateKeySecret` → SSH public-key auth (ssh.ts: user from the URL, known_hosts unless
 * `insecureIgnoreHostKey`); else username or password → HTTP Basic (sent up front, like go-git); else anonymous.
 * Transports: http(s) (`insecureSkipTLS`), git:// and SSH (`ssh://…`, scp-like `user@host:path`), all through
 * transport.ts. A credential the remote's transport cannot use fails with go-git's "invalid auth method" (SSH key
 * with http(s) or git://, basic auth with git:// or SSH); an SSH remote without a key would need an SSH agent.
 */
import { goGitFs as fs } from './go-git-modes.ts';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, posix, relative, resolve } from 'node:path';
import git from 'isomorphic-git';
import type { Artifact } from '../../core/template.ts';
import type { ArtifactDriver, DriverContext } from '../driver.ts';
import { DELETE_NOT_SUPPORTED, NotImplementedError, NotSupportedError } from '../common.ts';
import { hasSecret, readSecret, type SecretKeySelector } from '../secrets.ts';
import { gitDaemonOpener, makeHttpClient, tunnelUrl, type StreamOpener } from './transport.ts';
import { SshConnections } from './ssh.ts';
import { parsePrivateKey } from './ssh-key.ts';
import { isScpLike, isSshRemote, resolveScpLike, sshEndpoint } from './ssh-url.ts';

export interface GitLocation {
  repo?: string;
  revision?: string;
  depth?: number;
  fetch?: string[];
  usernameSecret?: SecretKeySelector;
  passwordSecret?: SecretKeySelector;
  sshPrivateKeySecret?: SecretKeySelector;
  insecureIgnoreHostKey?: boolean;
  insecureSkipTLS?: boolean;
  disableSubmodules?: boolean;
  singleBranch?: boolean;
  branch?: string;
}

export class GitBadRequestError extends Error {}

const SSH_URL = /^(ssh:\/\/)?([^/:]*?)@[^@]+$/;

/** git.go GetUser: the user of `[ssh://]user@host…`, default `git`. */
export function sshUser(url: string): string {
  const m = SSH_URL.exec(url);
  return m && m[2] !== undefined ? m[2] : 'git';
}

type Scheme = 'http' | 'git' | 'ssh';

/** The transport of a remote, or a clear error for what neither Go nor we support here. */
function schemeOf(repo: string): Scheme {
  if (isSshRemote(repo)) return 'ssh';
  let u: URL | undefined;
  try {
    u = new URL(repo);
  } catch {
    u = undefined;
  }
  if (u && (u.protocol === 'http:' || u.protocol === 'https:')) return 'http';
  if (u && u.protocol === 'git:') return 'git';
  if (u && u.protocol === 'file:') throw new Error(`failed to clone "${redact(repo)}": file:// remotes are not supported`);
  throw new Error(`failed to clone "${redact(repo)}": unsupported repository URL`);
}

/** How isomorphic-git must address the remote (http(s) as is; git:// and SSH through the tunnel). */
function remoteUrl(repo: string): string {
  return schemeOf(repo) === 'http' ? repo : tunnelUrl(repo);
}

/** A URL with any user:password removed (for messages). */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

interface Auth { username: string; password: string }

function parseRefspec(spec: string): { force: boolean; src: string; dst: string } {
  let s = spec;
  const force = s.startsWith('+');
  if (force) s = s.slice(1);
  const i = s.indexOf(':');
  if (i < 0) throw new Error(`failed to validate fetch [${spec}]: malformed refspec, separators are wrong`);
  const src = s.slice(0, i);
  const dst = s.slice(i + 1);
  if ((src.split('*').length - 1) !== (dst.split('*').length - 1) || src.split('*').length > 2) {
    throw new Error(`failed to validate fetch [${spec}]: malformed refspec, asterisks are wrong`);
  }
  return { force, src, dst };
}

function matchRefspec(src: string, dst: string, ref: string): string | undefined {
  const star = src.indexOf('*');
  if (star < 0) return ref === src ? dst : undefined;
  const pre = src.slice(0, star);
  const post = src.slice(star + 1);
  if (!ref.startsWith(pre) || !ref.endsWith(post) || ref.length < pre.length + post.length) return undefined;
  return dst.replace('*', ref.slice(pre.length, ref.length - post.length));
}

interface GitModule { name: string; path: string; url: string; branch?: string }

/** A tiny parser for the INI subset `.gitmodules` uses. */
export function parseGitmodules(text: string): GitModule[] {
  const mods = new Map<string, Partial<GitModule>>();
  let cur: Partial<GitModule> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const sec = /^\[\s*submodule\s+"(.*)"\s*\]$/.exec(line);
    if (sec) {
      const name = sec[1] as string;
      cur = mods.get(name) ?? { name };
      mods.set(name, cur);
      continue;
    }
    if (line.startsWith('[')) { cur = undefined; continue; }
    const kv = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/.exec(line);
    if (!kv || !cur) continue;
    const key = (kv[1] as string).toLowerCase();
    const value = (kv[2] as string).replace(/^"(.*)"$/, '$1');
    if (key === 'path' || key === 'url' || key === 'branch') cur[key] = value;
  }
  return [...mods.values()].filter((m): m is GitModule => !!m.name && !!m.path && !!m.url);
}

/** Relative submodule URLs (`./x`, `../x`) resolve against the superproject's URL, as git does. */
function resolveSubmoduleUrl(parent: string, url: string): string {
  if (!url.startsWith('./') && !url.startsWith('../')) return url;
  if (isScpLike(parent)) return resolveScpLike(parent, url);
  const u = new URL(parent);
  u.pathname = posix.normalize(posix.join(u.pathname.replace(/\/+$/, ''), url));
  return u.toString();
}

export class GitArtifactDriver implements ArtifactDriver {
  readonly #ctx: DriverContext;
  readonly #auth: Auth | undefined;
  readonly #sshKey: string;
  readonly #insecureIgnoreHostKey: boolean;
  readonly #insecureSkipTLS: boolean;
  /** The SSH connections of the load in progress (one load per driver at a time). */
  #ssh: SshConnections | undefined;
  #sshUser = 'git';

  constructor(artifact: Artifact, ctx: DriverContext) {
    this.#ctx = ctx;
    const a = (artifact.git ?? {}) as GitLocation;
    const username = hasSecret(a.usernameSecret) ? readSecret(ctx, a.usernameSecret) : '';
    const password = hasSecret(a.passwordSecret) ? readSecret(ctx, a.passwordSecret) : '';
    this.#sshKey = hasSecret(a.sshPrivateKeySecret) ? readSecret(ctx, a.sshPrivateKeySecret) : '';
    this.#insecureIgnoreHostKey = a.insecureIgnoreHostKey === true;
    this.#auth = username !== '' || password !== '' ? { username, password } : undefined;
    this.#insecureSkipTLS = a.insecureSkipTLS === true;
  }

  #http(): ReturnType<typeof makeHttpClient> {
    const openers: Record<string, StreamOpener> = { git: gitDaemonOpener };
    const conns = this.#ssh;
    // go-git uses the superproject's credentials, and so its user, for every submodule.
    if (conns) openers.ssh = async (real) => conns.open(sshEndpoint(real, this.#sshUser));
    return makeHttpClient({ insecureSkipTLS: this.#insecureSkipTLS, openers });
  }

  /** go-git's transport/auth pairing: a credential its transport cannot use is "invalid auth method". */
  #checkAuth(repo: string): void {
    const scheme = schemeOf(repo);
    const kind = this.#sshKey !== '' ? 'ssh' : this.#auth ? 'basic' : undefined;
    if (scheme === 'ssh') {
      if (kind === 'basic') throw new Error('invalid auth method');
      if (kind === undefined) {
        if (!this.#ctx.env.SSH_AUTH_SOCK) throw new Error('error creating SSH agent: "SSH agent requested but SSH_AUTH_SOCK not-specified"');
        throw new Error('SSH agent authentication is not supported by this executor: set sshPrivateKeySecret');
      }
    } else if (scheme === 'git' ? kind !== undefined : kind === 'ssh') {
      throw new Error('invalid auth method');
    }
  }

  #headers(): Record<string, string> {
    if (!this.#auth || this.#sshKey !== '') return {};
    return { authorization: `Basic ${Buffer.from(`${this.#auth.username}:${this.#auth.password}`).toString('base64')}` };
  }

  #describe(what: string, repo: string, err: unknown): Error {
    const e = err as Error & { code?: string; data?: { statusCode?: number; statusMessage?: string } };
    let msg = e?.message ?? String(err);
    if (e?.code === 'HttpError' && e.data?.statusCode === 401) {
      msg = `authentication required (HTTP 401)${this.#auth ? ': the credentials in usernameSecret/passwordSecret were refused' : ': set usernameSecret/passwordSecret'}`;
    } else if (e?.code === 'HttpError' && e.data?.statusCode) {
      msg = `HTTP ${e.data.statusCode} ${e.data.statusMessage ?? ''}`.trim();
    }
    msg = msg.split('\n')[0] ?? msg;
    if (this.#auth?.password) msg = msg.split(this.#auth.password).join('***');
    return Object.assign(new Error(`${what} "${redact(repo)}": ${msg}`), { cause: err });
  }

  async load(artifact: Artifact, path: string): Promise<void> {
    const a = (artifact.git ?? {}) as GitLocation;
    const repo = a.repo ?? '';
    if (repo === '') throw new Error('git artifact has no repo');
    // Go parses the key before anything else; its errors (x/crypto texts) end the load unwrapped.
    if (this.#sshKey !== '') parsePrivateKey(this.#sshKey);
    if (a.singleBranch && !a.branch) throw new Error('single branch mode without a branch specified');
    this.#ctx.log.info('Git Load', { repo: redact(repo), path });
    this.#sshUser = sshUser(repo);
    this.#ssh = this.#sshKey !== '' ? new SshConnections({ privateKey: this.#sshKey, insecureIgnoreHostKey: this.#insecureIgnoreHostKey, env: this.#ctx.env }) : undefined;
    try {
      await this.#loadRepo(repo, a, resolve(path), undefined, 0);
    } finally {
      this.#ssh?.close();
      this.#ssh = undefined;
    }
  }

  async #loadRepo(repo: string, a: GitLocation, dir: string, gitdir: string | undefined, level: number): Promise<void> {
    const url = remoteUrl(repo);
    try {
      this.#checkAuth(repo);
    } catch (err) {
      throw this.#describe('failed to clone', repo, err);
    }
    const http = this.#http();
    const headers = this.#headers();
    const depth = a.depth && a.depth > 0 ? a.depth : undefined;
    const base = { fs, http, dir, ...(gitdir ? { gitdir } : {}), headers };
    const gd = gitdir ?? join(dir, '.git');

    await mkdir(dir, { recursive: true });
    let empty = false;
    try {
      const refs = await git.listServerRefs({ http, url, headers, protocolVersion: 1 });
      empty = refs.length === 0;
    } catch (err) {
      throw this.#describe('failed to clone', repo, err);
    }
    if (empty) {
      // An empty remote: init + remote origin + branch config, like Go.
      this.#ctx.log.info('Cloned an empty repository');
      await git.init({ fs, dir, ...(gitdir ? { gitdir } : {}), defaultBranch: a.revision || 'master' });
      await git.addRemote({ fs, dir, ...(gitdir ? { gitdir } : {}), remote: 'origin', url: repo });
      const branch = a.revision || 'master';
      await git.setConfig({ fs, dir, ...(gitdir ? { gitdir } : {}), path: `branch.${branch}.remote`, value: 'origin' });
      await git.setConfig({ fs, dir, ...(gitdir ? { gitdir } : {}), path: `branch.${branch}.merge`, value: 'refs/heads/master' });
      return;
    }
    try {
      await git.clone({ ...base, url, ...(depth ? { depth } : {}), singleBranch: a.singleBranch === true, ...(a.singleBranch ? { ref: a.branch } : {}) });
    } catch (err) {
      throw this.#describe('failed to clone', repo, err);
    }
    // isomorphic-git writes Windows-style core defaults; a Linux work tree wants git's own.
    const g0 = { fs, dir, ...(gitdir ? { gitdir } : {}) };
    // A single-branch clone fetches only that branch later too (go-git and git write the same refspec).
    if (a.singleBranch) await git.setConfig({ ...g0, path: 'remote.origin.fetch', value: `+refs/heads/${a.branch}:refs/remotes/origin/${a.branch}` });
    await git.setConfig({ ...g0, path: 'core.filemode', value: true });
    await git.setConfig({ ...g0, path: 'core.symlinks', value: undefined });
    await git.setConfig({ ...g0, path: 'core.ignorecase', value: undefined });

    if (a.fetch && a.fetch.length > 0) {
      const specs = a.fetch.map(parseRefspec);
      try {
        const remoteRefs = await git.listServerRefs({ http, url, headers, protocolVersion: 1 });
        for (const spec of specs) {
          for (const r of remoteRefs) {
            const dst = matchRefspec(spec.src, spec.dst, r.ref);
            if (dst === undefined) continue;
            const res = await git.fetch({ ...base, url, remoteRef: r.ref, singleBranch: true, tags: false, ...(depth ? { depth } : {}) });
            if (res.fetchHead) await git.writeRef({ fs, dir, ...(gitdir ? { gitdir } : {}), ref: dst, value: res.fetchHead, force: true });
          }
        }
      } catch (err) {
        throw this.#describe(`failed to fetch [${a.fetch.join(' ')}] from`, repo, err);
      }
    }

    if (a.revision) {
      try {
        // Go: fetch refs/heads/*:refs/heads/* (or the single branch) without depth.
        await git.fetch({ ...base, url, singleBranch: a.singleBranch === true, ...(a.singleBranch ? { ref: a.branch } : {}), tags: true });
        const current = await git.currentBranch({ fs, dir, ...(gitdir ? { gitdir } : {}), fullname: false }).catch(() => undefined);
        // The remote's branches (not every local remote-tracking ref: `fetch` refspecs may have added others).
        const branches = a.singleBranch
          ? [a.branch as string]
          : (await git.listServerRefs({ http, url, headers, protocolVersion: 1, prefix: 'refs/heads/' })).map((r) => r.ref.slice('refs/heads/'.length));
        for (const b of branches) {
          if (b === 'HEAD' || b === current) continue;
          const oid = await git.resolveRef({ fs, dir, ...(gitdir ? { gitdir } : {}), ref: `refs/remotes/origin/${b}` }).catch(() => undefined);
          if (oid) await git.writeRef({ fs, dir, ...(gitdir ? { gitdir } : {}), ref: `refs/heads/${b}`, value: oid, force: true });
        }
      } catch (err) {
        throw this.#describe('failed to fetch [refs/heads/*:refs/heads/*] from', repo, err);
      }
      let oid: string;
      try {
        oid = await this.#resolveRevision(dir, gitdir, a.revision);
      } catch (err) {
        throw new Error(`failed to get resolve revision: ${(err as Error).message}`);
      }
      try {
        await git.checkout({ fs, dir, ...(gitdir ? { gitdir } : {}), ref: oid, force: true });
      } catch (err) {
        throw new Error(`failed to checkout "${oid}": ${(err as Error).message}`);
      }
    }

    // go-git's clone has no remote HEAD ref (isomorphic-git writes one).
    await git.deleteRef({ ...g0, ref: 'refs/remotes/origin/HEAD' }).catch(() => undefined);
    if (!a.disableSubmodules) await this.#submodules(repo, dir, gd, level);
    // The placeholder URL of tunnelled transports must not stay in .git/config.
    if (url !== repo) await git.setConfig({ fs, dir, ...(gitdir ? { gitdir } : {}), path: 'remote.origin.url', value: repo });
  }

  async #resolveRevision(dir: string, gitdir: string | undefined, revision: string): Promise<string> {
    const g = { fs, dir, ...(gitdir ? { gitdir } : {}) };
    const m = /^(.*?)((?:[~^]\d*)*)$/.exec(revision);
    const name = m?.[1] || revision;
    const suffix = m?.[2] ?? '';
    let oid: string | undefined;
    if (/^[0-9a-f]{40}$/i.test(name)) oid = name.toLowerCase();
    for (const ref of oid ? [] : [name, `refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`, `refs/remotes/origin/${name}`]) {
      try {
        oid = await git.resolveRef({ ...g, ref });
        break;
      } catch { /* next */ }
    }
    if (!oid && /^[0-9a-f]{4,39}$/i.test(name)) oid = await git.expandOid({ ...g, oid: name.toLowerCase() }).catch(() => undefined);
    if (!oid) throw new Error('reference not found');
    // Peel annotated tags.
    for (let i = 0; i < 10; i++) {
      const cur: string = oid;
      const obj: { type: string; object: unknown } | undefined = await git.readObject({ ...g, oid: cur, format: 'parsed' }).catch(() => undefined);
      if (!obj) throw new Error(`object not found: ${oid}`);
      if (obj.type !== 'tag') break;
      oid = (obj.object as { object: string }).object;
    }
    for (const step of suffix.match(/[~^]\d*/g) ?? []) {
      const n = step.length > 1 ? Number(step.slice(1)) : 1;
      if (step[0] === '~') {
        for (let i = 0; i < n; i++) oid = await this.#parent(g, oid, 1);
      } else if (n > 0) {
        oid = await this.#parent(g, oid, n);
      }
    }
    return oid;
  }

  async #parent(g: { fs: typeof fs; dir: string; gitdir?: string }, oid: string, n: number): Promise<string> {
    const { commit } = await git.readCommit({ ...g, oid });
    const p = commit.parent[n - 1];
    if (!p) throw new Error(`commit ${oid} has no parent ${n}`);
    return p;
  }

  /** `git submodule update --init --recursive`: each gitlink cloned into its path, its repository in .git/modules. */
  async #submodules(repo: string, dir: string, gitdir: string, level: number): Promise<void> {
    let text: string;
    try {
      text = await readFile(join(dir, '.gitmodules'), 'utf8');
    } catch {
      return;
    }
    if (level >= 10) throw new Error('failed to update submodules: nesting deeper than 10 levels');
    const head = await git.resolveRef({ fs, dir, gitdir, ref: 'HEAD' });
    for (const m of parseGitmodules(text)) {
      const oid = await this.#gitlink(dir, gitdir, head, m.path);
      if (!oid) continue; // listed in .gitmodules but not in the tree: git skips it as well
      const subdir = resolve(dir, m.path);
      if (!subdir.startsWith(`${dir}/`)) throw new Error(`failed to update submodules: path ${JSON.stringify(m.path)} is outside the work tree`);
      const subgit = join(gitdir, 'modules', m.name);
      const url = resolveSubmoduleUrl(repo, m.url);
      this.#ctx.log.info('Git submodule', { name: m.name, path: m.path, url: redact(url) });
      await rm(subgit, { recursive: true, force: true });
      try {
        await this.#loadRepo(url, { revision: oid }, subdir, subgit, level + 1);
      } catch (err) {
        throw new Error(`failed to update submodules: ${(err as Error).message}`);
      }
      await writeFile(join(subdir, '.git'), `gitdir: ${relative(subdir, subgit)}\n`);
      await git.setConfig({ fs, dir: subdir, gitdir: subgit, path: 'core.worktree', value: relative(subgit, subdir) });
      await git.setConfig({ fs, dir, gitdir, path: `submodule.${m.name}.url`, value: url });
      await git.setConfig({ fs, dir, gitdir, path: `submodule.${m.name}.active`, value: true });
    }
  }

  async #gitlink(dir: string, gitdir: string, commit: string, path: string): Promise<string | undefined> {
    const parts = path.split('/').filter(Boolean);
    let tree = (await git.readCommit({ fs, dir, gitdir, oid: commit })).commit.tree;
    for (let i = 0; i < parts.length; i++) {
      const { tree: entries } = await git.readTree({ fs, dir, gitdir, oid: tree });
      const e = entries.find((x) => x.path === parts[i]);
      if (!e) return undefined;
      if (i === parts.length - 1) return e.type === 'commit' ? e.oid : undefined;
      if (e.type !== 'tree') return undefined;
      tree = e.oid;
    }
    return undefined;
  }

  async save(): Promise<void> {
    throw new GitBadRequestError('git output artifacts unsupported');
  }

  async listObjects(): Promise<string[]> {
    throw new NotSupportedError('ListObjects is currently not supported for this artifact type, but it will be in a future version');
  }

  async delete(): Promise<void> {
    throw new NotSupportedError(DELETE_NOT_SUPPORTED);
  }

  async isDirectory(): Promise<boolean> {
    throw new NotImplementedError('IsDirectory currently unimplemented for Git');
  }
}

export function newGitDriver(artifact: Artifact, ctx: DriverContext): ArtifactDriver {
  return new GitArtifactDriver(artifact, ctx);
}
