/**
 * SSH remotes as go-git reads them (plumbing/transport.NewEndpoint, internal/url): `ssh://[user@]host[:port]/path` and
 * scp-like `[user@]host:[port:]path` (no scheme, no `/` before the first `:`; port 22 by default), and the command
 * line it runs there (`git-upload-pack '<path>'`, quoted as git's sq_quote_buf).
 */
import { posix } from 'node:path';

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
  return { user, host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port ? Number(u.port) : 22, path: decodeURIComponent(u.pathname) + (u.search ?? '') };
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
