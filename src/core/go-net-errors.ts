/**
 * Go's words for Node's socket and TLS errors — what net.Dial, crypto/tls and net/http's url.Error print — so a
 * node's message names a failed connection as argoexec does: `Get "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1:
 * connect: connection refused`. Shared by the HTTP artifact driver, the OSS client, the agent's HTTP and plugin
 * requests and the git SSH transport.
 */

/** url.Error's Op: `Get`, `Put`, `Post`, … */
export const goOp = (method: string): string => method.slice(0, 1) + method.slice(1).toLowerCase();

const STRERR: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  ECONNRESET: 'read: connection reset by peer',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
};

const UNKNOWN_AUTHORITY = ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT'];

type NetError = NodeJS.ErrnoException & { address?: string; port?: number; errors?: unknown[] };

/**
 * The address Go's dialer names: the resolved IP Node reports on the error (`[::1]:4355` for `localhost`, as Go
 * prints it), else the host and port of `target` (a URL, or `host:port`).
 */
export function dialAddress(err: NetError, target: URL | string): string {
  // Node tries each address of a name (autoSelectFamily) and throws an AggregateError; Go names the first it tried.
  const first = err.errors?.[0] as NetError | undefined;
  if (!err.address && first?.address) return dialAddress(first, target);
  if (err.address && err.port !== undefined) return err.address.includes(':') ? `[${err.address}]:${err.port}` : `${err.address}:${err.port}`;
  if (typeof target === 'string') return target;
  return `${target.hostname}:${target.port || (target.protocol === 'https:' ? 443 : 80)}`;
}

/** The transport's words: `dial tcp <addr>: connect: connection refused`, `dial tcp: lookup <host>: no such host`, … */
export function goTransportText(err: NetError, target: URL | string): string {
  const code = err.code ?? '';
  const host = typeof target === 'string' ? target.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1') : target.hostname;
  if (STRERR[code]) return `${code === 'ECONNRESET' ? 'read' : 'dial'} tcp ${dialAddress(err, target)}: ${STRERR[code]}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${host}: no such host`;
  if (code === 'ECONNABORTED' || err.message === 'socket hang up') return 'EOF';
  if (UNKNOWN_AUTHORITY.includes(code)) return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  if (code.startsWith('ERR_TLS') || code.startsWith('CERT_')) return `tls: failed to verify certificate: ${err.message}`;
  return err.message;
}

/** True for the errors the dialer reports (Go prefixes them with `proxyconnect tcp: ` behind a proxy). */
export function isDialError(err: NetError): boolean {
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(err.code ?? '');
}

/** net/http's url.Error: `Get "<url>": <transport words>`; the Node error stays as `cause`, its code as `code`. */
export function goUrlError(method: string, url: string, err: NetError): Error {
  const out = new Error(`${goOp(method)} ${JSON.stringify(url)}: ${goTransportText(err, new URL(url))}`);
  return Object.assign(out, { code: err.code, cause: err });
}
