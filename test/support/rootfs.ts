/**
 * Image roots for portability tests: the kinds of root filesystem a user's main container can have,
 * built once and cached under /var/cache/argoexec-ts/rootfs/<kind>-<recipe hash>/rootfs.
 *
 *   debian   `debootstrap --variant=minbase bookworm` from the mirror apt is configured with (glibc,
 *            dash, coreutils); falls back to a glibc root assembled from host files when debootstrap
 *            cannot run (no reachable mirror) — `ImageRoot.how` says which.
 *   musl     an Alpine-like root: musl's loader /lib/ld-musl-x86_64.so.1 and our test program
 *            (fixtures/tool.c) linked dynamically against it as /bin/tool. No shell: Debian ships no
 *            musl-linked shell, so commands are that program.
 *   busybox  /bin/busybox from busybox-static (statically linked) plus a symlink per applet; no libc.
 *   scratch  nothing but /tool: fixtures/tool.c linked statically (`gcc -static`).
 *
 * A root is built into a temporary directory next to the cache entry and renamed into place, so a
 * cache entry is always complete; the entry's name carries a hash of its recipe (our sources, the host
 * package versions it copies from), so changing either builds a new one (older entries of that kind
 * are removed). Concurrent builders are harmless: the first rename wins, the others discard theirs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type RootKind = 'debian' | 'musl' | 'busybox' | 'scratch';
export const ROOT_KINDS: readonly RootKind[] = ['debian', 'musl', 'busybox', 'scratch'];

export const CACHE_DIR = process.env.ARGOEXEC_ROOTFS_CACHE ?? '/var/cache/argoexec-ts/rootfs';
export const TOOL_SOURCE = join(import.meta.dirname, '../portability/fixtures/tool.c');
/** Docker's default PATH, which runtimes set when the image defines none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImageRoot {
  kind: RootKind;
  /** The root directory, to pass as `base` to `PodSandbox.run`. */
  dir: string;
  /** How it was built, e.g. `debootstrap bookworm from http://deb.debian.org/debian`. */
  how: string;
  /** PATH for processes in this root. */
  path: string;
  /** A shell (`sh`, resolved through PATH) when the root has one; otherwise commands are `tool`. */
  shell: boolean;
  /** How to invoke the test program (fixtures/tool.c) when the root has it, else null. */
  tool: string | null;
}

interface Recipe {
  /** Bump to force a rebuild after changing a builder. */
  version: number;
  inputs: Record<string, string>;
  build: (root: string) => string;
  path: string;
  shell: boolean;
  tool: string | null;
}

const ROOT_PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const ROOT_GROUP = 'root:x:0:\nnogroup:x:65534:\n';

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hostPackageVersion(pkg: string): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : 'absent';
}

function run(cmd: string, args: string[], timeoutMs = 600_000): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${out}`);
  }
}

function dirs(root: string, ...paths: string[]): void {
  for (const p of paths) {
    mkdirSync(join(root, p), { recursive: true, mode: 0o755 });
    if (p === 'tmp') chmodSync(join(root, p), 0o1777);
  }
}

function etc(root: string): void {
  dirs(root, 'etc');
  writeFileSync(join(root, 'etc/passwd'), ROOT_PASSWD, { mode: 0o644 });
  writeFileSync(join(root, 'etc/group'), ROOT_GROUP, { mode: 0o644 });
}

/** Compile fixtures/tool.c with `compiler` and `flags` into `out` (mode 0755). */
function compileTool(compiler: string, flags: string[], out: string): void {
  run(compiler, ['-O2', '-Wall', '-Wextra', '-Werror', '-s', ...flags, '-o', out, TOOL_SOURCE]);
  chmodSync(out, 0o755);
}

// --- Debian ------------------------------------------------------------------------------------

/**
 * The Debian mirror apt uses here (the machine reaches Debian's archive only through what apt is
 * configured with): the first `deb` source for a bookworm suite whose URI is not a security mirror,
 * from /etc/apt/sources.list, *.list and deb822 *.sources under /etc/apt/sources.list.d.
 */
export function debianMirror(suite = 'bookworm'): string | null {
  const candidates: { uri: string; suites: string[] }[] = [];
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort()) {
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(join('/etc/apt/sources.list.d', f));
    }
  } catch { /* no directory */ }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields = new Map<string, string>();
        for (const line of stanza.split('\n')) {
          const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
          if (m?.[1] !== undefined && m[2] !== undefined) fields.set(m[1].toLowerCase(), m[2].trim());
        }
        if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
        if ((fields.get('enabled') ?? 'yes') === 'no') continue;
        for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) {
          candidates.push({ uri, suites: (fields.get('suites') ?? '').split(/\s+/) });
        }
      }
    } else {
      for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*/, '').trim();
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (m?.[1] !== undefined && m[2] !== undefined) candidates.push({ uri: m[1], suites: [m[2]] });
      }
    }
  }
  const found = candidates.find((c) => c.suites.includes(suite) && !/security/.test(c.uri));
  return found ? found.uri.replace(/\/+$/, '') : null;
}

function buildDebootstrap(root: string, mirror: string): string {
  run('debootstrap', ['--variant=minbase', 'bookworm', root, mirror], 900_000);
  // What an image build would drop: the downloaded packages and apt lists.
  for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    for (const f of readdirSync(join(root, d))) if (f.endsWith('.deb') || f.endsWith('_Packages') || f.endsWith('Release')) rmSync(join(root, d, f), { force: true });
  }
  return `debootstrap --variant=minbase bookworm ${mirror}`;
}

/** Fallback: a glibc root from the host's own dash, coreutils and their libraries (ldd). */
const HOST_GLIBC_PROGRAMS = ['/usr/bin/dash', '/usr/bin/cat', '/usr/bin/echo', '/usr/bin/id', '/usr/bin/printf', '/usr/bin/sleep', '/usr/bin/env', '/usr/bin/ls', '/usr/bin/true', '/usr/bin/false'];

function buildHostGlibc(root: string): string {
  dirs(root, 'usr/bin', 'usr/lib/x86_64-linux-gnu', 'usr/lib64', 'usr/sbin', 'root', 'home', 'var', 'tmp');
  for (const l of ['bin', 'lib', 'lib64', 'sbin']) symlinkSync(`usr/${l}`, join(root, l));
  const libs = new Set<string>();
  for (const prog of HOST_GLIBC_PROGRAMS) {
    copyFileSync(prog, join(root, prog));
    chmodSync(join(root, prog), 0o755);
    for (const m of execFileSync('ldd', [prog], { encoding: 'utf8' }).matchAll(/(\/\S+) \(0x/g)) if (m[1]) libs.add(m[1]);
  }
  symlinkSync('dash', join(root, 'usr/bin/sh'));
  for (const lib of libs) {
    const real = execFileSync('realpath', [lib], { encoding: 'utf8' }).trim();
    const target = lib.startsWith('/lib64/') ? join(root, 'usr/lib64', basename(lib)) : join(root, 'usr/lib/x86_64-linux-gnu', basename(lib));
    copyFileSync(real, target);
    chmodSync(target, 0o755);
  }
  etc(root);
  return `glibc root assembled from host files (${HOST_GLIBC_PROGRAMS.map((p) => basename(p)).join(', ')}), debootstrap unavailable`;
}

function debianRecipes(): Recipe[] {
  const common = { path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', shell: true, tool: null };
  const fallback: Recipe = { ...common, version: 1, inputs: { method: 'host-glibc', libc6: hostPackageVersion('libc6'), coreutils: hostPackageVersion('coreutils'), dash: hostPackageVersion('dash') }, build: buildHostGlibc };
  const mirror = process.env.ARGOEXEC_ROOTFS_DEBIAN === 'host' ? null : debianMirror();
  if (!mirror) return [fallback];
  return [{
    ...common,
    version: 1,
    inputs: { method: 'debootstrap', suite: 'bookworm', variant: 'minbase', debootstrap: hostPackageVersion('debootstrap') },
    build: (root) => buildDebootstrap(root, mirror),
  }, fallback];
}

// --- musl --------------------------------------------------------------------------------------

const MUSL_LIBC = '/usr/lib/x86_64-linux-musl/libc.so';

function muslRecipe(): Recipe {
  return {
    version: 2,
    inputs: { musl: hostPackageVersion('musl'), muslTools: hostPackageVersion('musl-tools'), tool: sha256(readFileSync(TOOL_SOURCE)) },
    path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    shell: false,
    tool: 'tool',
    build: (root) => {
      dirs(root, 'bin', 'sbin', 'lib', 'usr/bin', 'usr/sbin', 'usr/lib', 'usr/local/bin', 'root', 'home', 'var', 'tmp');
      // Alpine's layout: the loader is libc itself; libc.musl-x86_64.so.1 points at it.
      copyFileSync(MUSL_LIBC, join(root, 'lib/ld-musl-x86_64.so.1'));
      chmodSync(join(root, 'lib/ld-musl-x86_64.so.1'), 0o755);
      symlinkSync('ld-musl-x86_64.so.1', join(root, 'lib/libc.musl-x86_64.so.1'));
      compileTool('musl-gcc', [], join(root, 'bin/tool'));
      const interp = execFileSync('readelf', ['-l', join(root, 'bin/tool')], { encoding: 'utf8' });
      if (!interp.includes('/lib/ld-musl-x86_64.so.1')) throw new Error('musl-gcc did not produce a binary using /lib/ld-musl-x86_64.so.1');
      etc(root);
      return `musl ${hostPackageVersion('musl')}: /lib/ld-musl-x86_64.so.1 + /bin/tool (musl-gcc, dynamic)`;
    },
  };
}

// --- busybox -----------------------------------------------------------------------------------

const BUSYBOX = '/bin/busybox';

function busyboxRecipe(): Recipe {
  return {
    version: 2,
    inputs: { busyboxStatic: hostPackageVersion('busybox-static'), busybox: sha256(readFileSync(BUSYBOX)) },
    path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    shell: true,
    tool: null,
    build: (root) => {
      dirs(root, 'bin', 'sbin', 'usr/bin', 'usr/sbin', 'root', 'home', 'var', 'tmp');
      copyFileSync(BUSYBOX, join(root, 'bin/busybox'));
      chmodSync(join(root, 'bin/busybox'), 0o755);
      const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
      for (const applet of applets) {
        const link = join(root, applet);
        if (applet === 'bin/busybox' || existsSync(link)) continue;
        mkdirSync(dirname(link), { recursive: true, mode: 0o755 });
        symlinkSync('/bin/busybox', link);
      }
      etc(root);
      return `busybox-static ${hostPackageVersion('busybox-static')}: /bin/busybox + ${applets.length} applet links`;
    },
  };
}

// --- scratch -----------------------------------------------------------------------------------

function scratchRecipe(): Recipe {
  return {
    version: 1,
    inputs: { libc6Dev: hostPackageVersion('libc6-dev'), gcc: hostPackageVersion('gcc'), tool: sha256(readFileSync(TOOL_SOURCE)) },
    path: DEFAULT_PATH,
    shell: false,
    tool: '/tool',
    build: (root) => {
      compileTool('gcc', ['-static'], join(root, 'tool'));
      return 'only /tool (gcc -static)';
    },
  };
}

/** Recipes in order of preference: a later one is used when an earlier one cannot be built here. */
const RECIPES: Record<RootKind, () => Recipe[]> = { debian: debianRecipes, musl: () => [muslRecipe()], busybox: () => [busyboxRecipe()], scratch: () => [scratchRecipe()] };

interface Built { how: string; recipe: Record<string, unknown> }

/**
 * The image root of this kind, building it first unless the cache has it. Synchronous (a Debian root
 * takes about a minute to debootstrap the first time): call it in a `before` hook.
 */
export function imageRoot(kind: RootKind): ImageRoot {
  const recipes = RECIPES[kind]();
  const failures: string[] = [];
  for (const [i, recipe] of recipes.entries()) {
    // Bump `version` after changing a builder; the inputs cover our sources and the host packages used.
    const key = { kind, version: recipe.version, inputs: recipe.inputs };
    const entry = join(CACHE_DIR, `${kind}-${sha256(JSON.stringify(key)).slice(0, 16)}`);
    try {
      if (!existsSync(join(entry, 'built.json'))) build(kind, recipe, key, entry, i === 0);
    } catch (err) {
      failures.push((err as Error).message);
      if (i === recipes.length - 1) throw new Error(`cannot build the ${kind} root:\n${failures.join('\n')}`);
      process.stderr.write(`rootfs: ${kind}: ${(err as Error).message}\nrootfs: ${kind}: falling back to the next recipe\n`);
      continue;
    }
    const built = JSON.parse(readFileSync(join(entry, 'built.json'), 'utf8')) as Built;
    return { kind, dir: join(entry, 'rootfs'), how: built.how, path: recipe.path, shell: recipe.shell, tool: recipe.tool };
  }
  throw new Error(`no recipe for ${kind}`);
}

/**
 * debootstrap mounts /proc and /sys (and in some environments binds the host's /dev) inside its
 * target while it works; a failed run can leave them mounted, and a recursive delete must not walk
 * into them.
 */
function removeBuildDir(dir: string): void {
  const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => m !== undefined && (m === dir || m.startsWith(`${dir}/`)));
  for (const m of mounted().sort((a, b) => b.length - a.length)) spawnSync('umount', ['--lazy', m]);
  const left = mounted();
  if (left.length > 0) throw new Error(`not removing ${dir}: still mounted: ${left.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
}

function build(kind: RootKind, recipe: Recipe, key: object, entry: string, preferred: boolean): void {
  mkdirSync(CACHE_DIR, { recursive: true, mode: 0o755 });
  const tmp = mkdtempSync(join(CACHE_DIR, `.build-${kind}-`));
  try {
    chmodSync(tmp, 0o755);
    const root = join(tmp, 'rootfs');
    mkdirSync(root, { mode: 0o755 });
    chmodSync(root, 0o755);
    const how = recipe.build(root);
    writeFileSync(join(tmp, 'built.json'), `${JSON.stringify({ how, recipe: key, builtAt: new Date().toISOString() }, null, 2)}\n`);
    try {
      renameSync(tmp, entry);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(join(entry, 'built.json'))) throw err;
      // Another builder won the race: use theirs.
    }
  } finally {
    removeBuildDir(tmp);
  }
  // Older recipes of this kind are dead weight (a Debian root is ~200 MB). A fallback keeps the others.
  if (!preferred) return;
  for (const f of readdirSync(CACHE_DIR)) {
    if (f.startsWith(`${kind}-`) && f !== basename(entry)) rmSync(join(CACHE_DIR, f), { recursive: true, force: true });
  }
}
