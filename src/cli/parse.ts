/**
 * Command-line parsing with cobra's rules (lifecycle §1.2): persistent flags anywhere (also after
 * positional arguments), `--flag value` and `--flag=value`, and everything after `--` positional.
 */

export interface FlagSpec {
  name: string;
  short?: string;
  kind: 'string' | 'int' | 'bool' | 'stringArray';
  default?: string;
}

/** Root flags: log options and the kubectl override flags the controller may pass (client-go). */
export const ROOT_FLAGS: FlagSpec[] = [
  { name: 'loglevel', kind: 'string', default: 'info' },
  { name: 'gloglevel', kind: 'int', default: '0' },
  { name: 'log-format', kind: 'string', default: 'text' },
  { name: 'kubeconfig', kind: 'string' },
  { name: 'namespace', short: 'n', kind: 'string' },
  { name: 'context', kind: 'string' },
  { name: 'cluster', kind: 'string' },
  { name: 'user', kind: 'string' },
  { name: 'server', short: 's', kind: 'string' },
  { name: 'token', kind: 'string' },
  { name: 'certificate-authority', kind: 'string' },
  { name: 'client-certificate', kind: 'string' },
  { name: 'client-key', kind: 'string' },
  { name: 'insecure-skip-tls-verify', kind: 'bool' },
  { name: 'tls-server-name', kind: 'string' },
  { name: 'proxy-url', kind: 'string' },
  { name: 'disable-compression', kind: 'bool' },
  { name: 'as', kind: 'string' },
  { name: 'as-uid', kind: 'string' },
  { name: 'as-group', kind: 'stringArray' },
  { name: 'username', kind: 'string' },
  { name: 'password', kind: 'string' },
  { name: 'request-timeout', kind: 'string', default: '0' },
];

export interface ParsedArgs {
  /** Sub-command path, e.g. ['emissary'] or ['artifact', 'delete']. */
  command: string[];
  positional: string[];
  flags: Map<string, string | string[]>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parse argv (without node/binary). `commandTree` maps a command name to its sub-commands (or null for
 * a leaf), `localFlags` maps a leaf's joined path to its own flags.
 */
export function parseArgs(argv: string[], commandTree: Record<string, string[] | null>, localFlags: Record<string, FlagSpec[]>): ParsedArgs {
  const command: string[] = [];
  const positional: string[] = [];
  const flags = new Map<string, string | string[]>();
  let specs = ROOT_FLAGS;
  const findSpec = (token: string): FlagSpec | undefined =>
    token.startsWith('--') ? specs.find((f) => f.name === token.slice(2)) : specs.find((f) => f.short !== undefined && f.short === token.slice(1));

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const token = eq >= 0 ? arg.slice(0, eq) : arg;
      const spec = findSpec(token);
      if (!spec) throw new UsageError(`unknown ${token.startsWith('--') ? 'flag' : 'shorthand flag'}: ${JSON.stringify(token.replace(/^-+/, ''))} in ${arg}`);
      let value: string;
      if (eq >= 0) value = arg.slice(eq + 1);
      else if (spec.kind === 'bool') value = 'true';
      else {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: ${token}`);
        value = argv[++i] as string;
      }
      if (spec.kind === 'int' && !/^[-+]?\d+$/.test(value)) {
        throw new UsageError(`invalid argument ${JSON.stringify(value)} for "${token}" flag: strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
      }
      if (spec.kind === 'bool' && !/^(1|0|t|f|true|false|TRUE|FALSE|True|False)$/.test(value)) {
        throw new UsageError(`invalid argument ${JSON.stringify(value)} for "${token}" flag: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
      }
      if (spec.kind === 'stringArray') {
        const prev = flags.get(spec.name);
        flags.set(spec.name, [...(Array.isArray(prev) ? prev : []), value]);
      } else flags.set(spec.name, value);
      continue;
    }
    // A bare word: a (sub-)command name while we are still descending the tree, else positional.
    const children = command.length === 0 ? Object.keys(commandTree) : command.length === 1 ? commandTree[command[0] as string] : null;
    if (positional.length === 0 && children?.includes(arg)) {
      command.push(arg);
      specs = [...ROOT_FLAGS, ...(localFlags[command.join(' ')] ?? [])];
      continue;
    }
    positional.push(arg);
  }
  return { command, positional, flags };
}

export function flagString(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function flagBool(p: ParsedArgs, name: string): boolean {
  const v = flagString(p, name);
  return v !== undefined && /^(1|t|true|TRUE|True)$/.test(v);
}
