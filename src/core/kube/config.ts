/**
 * Kubernetes client configuration with client-go's deferred-loading rules (lifecycle §1.6): an explicit
 * --kubeconfig, else KUBECONFIG (colon-separated, first definition wins), else ~/.kube/config, else the
 * in-cluster service account. The kubectl override flags the controller may pass (--server, --token,
 * --certificate-authority, --namespace, --context, …) are applied on top. TLS is always verified unless
 * insecure-skip-tls-verify is set explicitly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { load as loadYaml } from 'js-yaml';

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConnection {
  server: URL;
  ca?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  /** Bearer token, re-read from `tokenFile` on every request when that is set (projected tokens rotate). */
  token?: string;
  tokenFile?: string;
  cert?: Buffer;
  key?: Buffer;
  username?: string;
  password?: string;
  impersonate?: { user?: string; uid?: string; groups?: string[] };
  namespace: string;
  /** Request timeout from --request-timeout (0 = none). */
  timeoutMs: number;
}

export type KubeFlags = Map<string, string | string[]>;

interface NamedCluster { name: string; cluster: Record<string, unknown> }
interface NamedUser { name: string; user: Record<string, unknown> }
interface NamedContext { name: string; context: Record<string, unknown> }
interface KubeconfigDoc {
  'current-context'?: string;
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: NamedContext[];
}
interface MergedKubeconfig {
  currentContext?: string;
  clusters: Map<string, { data: Record<string, unknown>; dir: string }>;
  users: Map<string, { data: Record<string, unknown>; dir: string }>;
  contexts: Map<string, Record<string, unknown>>;
}

function flag(flags: KubeFlags, name: string): string | undefined {
  const v = flags.get(name);
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return s === '' ? undefined : s;
}

function flagList(flags: KubeFlags, name: string): string[] | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}

function readKubeconfig(path: string, into: MergedKubeconfig): void {
  let doc: KubeconfigDoc;
  try {
    doc = (loadYaml(readFileSync(path, 'utf8')) ?? {}) as KubeconfigDoc;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
    throw new Error(`stat ${path}: ${reason}`);
  }
  const dir = dirname(path);
  if (into.currentContext === undefined && doc['current-context']) into.currentContext = doc['current-context'];
  for (const c of doc.clusters ?? []) if (!into.clusters.has(c.name)) into.clusters.set(c.name, { data: c.cluster ?? {}, dir });
  for (const u of doc.users ?? []) if (!into.users.has(u.name)) into.users.set(u.name, { data: u.user ?? {}, dir });
  for (const c of doc.contexts ?? []) if (!into.contexts.has(c.name)) into.contexts.set(c.name, c.context ?? {});
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function fileOrData(data: Record<string, unknown>, fileKey: string, dataKey: string, dir: string): Buffer | undefined {
  const inline = str(data[dataKey]);
  if (inline) return Buffer.from(inline, 'base64');
  const file = str(data[fileKey]);
  if (file) return readFileSync(isAbsolute(file) ? file : join(dir, file));
  return undefined;
}

function parseTimeout(v: string | undefined): number {
  if (!v || v === '0') return 0;
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v);
  if (!m) return 0;
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] as number);
}

function serverUrl(host: string, port: string): URL {
  const h = host.includes(':') ? `[${host}]` : host;
  return new URL(`https://${h}:${port}`);
}

function fromKubeconfig(files: string[], flags: KubeFlags, env: NodeJS.ProcessEnv): KubeConnection | undefined {
  const merged: MergedKubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const f of files) readKubeconfig(f, merged);
  const contextName = flag(flags, 'context') ?? merged.currentContext;
  const context = contextName ? merged.contexts.get(contextName) ?? {} : {};
  const clusterName = flag(flags, 'cluster') ?? str(context.cluster);
  const userName = flag(flags, 'user') ?? str(context.user);
  const cluster = clusterName ? merged.clusters.get(clusterName) : undefined;
  const user = userName ? merged.users.get(userName) : undefined;
  const server = flag(flags, 'server') ?? str(cluster?.data.server);
  if (!server) return undefined;
  const cd = cluster?.data ?? {};
  const ud = user?.data ?? {};
  const caFlag = flag(flags, 'certificate-authority');
  const conn: KubeConnection = {
    server: new URL(server),
    ca: caFlag ? readFileSync(caFlag) : fileOrData(cd, 'certificate-authority', 'certificate-authority-data', cluster?.dir ?? '.'),
    insecureSkipTlsVerify: flags.has('insecure-skip-tls-verify') ? /^(1|t|true|TRUE|True)$/.test(flag(flags, 'insecure-skip-tls-verify') ?? '') : cd['insecure-skip-tls-verify'] === true,
    tlsServerName: flag(flags, 'tls-server-name') ?? str(cd['tls-server-name']),
    token: flag(flags, 'token') ?? str(ud.token),
    tokenFile: flag(flags, 'token') ? undefined : str(ud.tokenFile),
    cert: flag(flags, 'client-certificate') ? readFileSync(flag(flags, 'client-certificate') as string) : fileOrData(ud, 'client-certificate', 'client-certificate-data', user?.dir ?? '.'),
    key: flag(flags, 'client-key') ? readFileSync(flag(flags, 'client-key') as string) : fileOrData(ud, 'client-key', 'client-key-data', user?.dir ?? '.'),
    username: flag(flags, 'username') ?? str(ud.username),
    password: flag(flags, 'password') ?? str(ud.password),
    namespace: flag(flags, 'namespace') ?? str(context.namespace) ?? env.POD_NAMESPACE ?? readNamespaceFile() ?? 'default',
    timeoutMs: parseTimeout(flag(flags, 'request-timeout')),
  };
  if (conn.tokenFile && !isAbsolute(conn.tokenFile)) conn.tokenFile = join(user?.dir ?? '.', conn.tokenFile);
  return conn;
}

function readNamespaceFile(): string | undefined {
  try {
    const ns = readFileSync(`${SA_DIR}/namespace`, 'utf8').trim();
    return ns === '' ? undefined : ns;
  } catch {
    return undefined;
  }
}

function inCluster(flags: KubeFlags, env: NodeJS.ProcessEnv): KubeConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const server = flag(flags, 'server');
  if (!server && (!host || !port)) {
    throw new Error('invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable');
  }
  const token = flag(flags, 'token');
  if (!token && !existsSync(`${SA_DIR}/token`)) {
    throw new Error(`open ${SA_DIR}/token: no such file or directory`);
  }
  const caFile = flag(flags, 'certificate-authority') ?? `${SA_DIR}/ca.crt`;
  let ca: Buffer | undefined;
  try { ca = readFileSync(caFile); } catch { ca = undefined; }
  return {
    server: server ? new URL(server) : serverUrl(host as string, port as string),
    ca,
    insecureSkipTlsVerify: /^(1|t|true|TRUE|True)$/.test(flag(flags, 'insecure-skip-tls-verify') ?? ''),
    tlsServerName: flag(flags, 'tls-server-name'),
    token,
    tokenFile: token ? undefined : `${SA_DIR}/token`,
    namespace: flag(flags, 'namespace') ?? env.POD_NAMESPACE ?? readNamespaceFile() ?? 'default',
    timeoutMs: parseTimeout(flag(flags, 'request-timeout')),
  };
}

/** Resolve the connection the executor talks to (client-go deferred loading, lib). */
export function loadKubeConnection(flags: KubeFlags, env: NodeJS.ProcessEnv): KubeConnection {
  let files: string[] = [];
  const explicit = flag(flags, 'kubeconfig');
  if (explicit) files = [explicit];
  else if (env.KUBECONFIG) files = env.KUBECONFIG.split(':').filter((f) => f !== '' && existsSync(f));
  else {
    const home = env.HOME ?? homedir();
    const def = join(home, '.kube', 'config');
    if (home && existsSync(def)) files = [def];
  }
  let conn: KubeConnection | undefined;
  if (files.length > 0) conn = fromKubeconfig(files, flags, env);
  if (!conn) conn = inCluster(flags, env);
  const as = flag(flags, 'as');
  const asUid = flag(flags, 'as-uid');
  const asGroups = flagList(flags, 'as-group');
  if (as || asUid || asGroups) conn.impersonate = { user: as, uid: asUid, groups: asGroups };
  return conn;
}
