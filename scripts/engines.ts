/**
 * The expression engines (decision D16): our Go wrappers in native/engines around github.com/itchyny/gojq and
 * github.com/expr-lang/expr (the versions argoexec v4.1.2's go.mod pins, fetched from the Go module proxy),
 * compiled to WebAssembly (GOOS=wasip1, a reactor) for dist/argoexec, and natively as the reference the
 * differential tests compare against.
 *
 *   node scripts/engines.ts [--reference] [--corpus]   (scripts/build.ts builds the WebAssembly ones)
 *
 * Builds are cached outside the repo, under $ENGINES_CACHE (default /var/cache/argoexec-ts/engines), in a
 * directory named by a hash of the wrapper sources and the Go version, with a stamp file written last: a warm
 * call only hashes a few files. Nothing of upstream's enters the repo; the corpus build copies expr-lang's
 * test/gen/env.go from the Go module cache into its own build directory.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
export const ENGINES_SRC = join(root, 'native/engines');
const CACHE = process.env.STACK_CACHE ?? '/var/cache/argoexec-ts';
const ENGINES_CACHE = process.env.ENGINES_CACHE ?? join(CACHE, 'engines');

/** The Go environment of every build here: the project's shared caches, never a downloaded toolchain. */
export function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOTOOLCHAIN: 'local',
    GOPATH: join(CACHE, 'go'),
    GOMODCACHE: join(CACHE, 'go/mod'),
    GOCACHE: join(CACHE, 'go/cache'),
    GOFLAGS: '-trimpath -buildvcs=false',
    CGO_ENABLED: '0',
    ...extra,
  };
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

/** Cache directory of the current wrapper sources and Go toolchain. */
function buildDir(): string {
  const h = createHash('sha256');
  let version: string;
  try {
    version = execFileSync('go', ['version'], { env: goEnv(), encoding: 'utf8' });
  } catch (err) {
    throw new Error(`the expression engines are built with Go (>= 1.26, as the test stack): ${(err as Error).message}`);
  }
  h.update(version);
  for (const f of files(ENGINES_SRC)) h.update(`${f}\0`).update(readFileSync(join(ENGINES_SRC, f))).update('\0');
  return join(ENGINES_CACHE, h.digest('hex').slice(0, 16));
}

function goBuild(srcDir: string, out: string, pkg: string, extra: Record<string, string>, args: string[] = []): void {
  const tmp = `${out}.tmp${process.pid}`;
  execFileSync('go', ['build', ...args, '-ldflags=-s -w', '-o', tmp, pkg], { cwd: srcDir, env: goEnv(extra), stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(tmp, out);
}

/** Build the outputs of one kind unless its stamp says they are there; returns the directory. */
function cached(kind: string, build: (dir: string) => void): string {
  const dir = join(buildDir(), kind);
  const stamp = join(dir, '.stamp');
  if (existsSync(stamp)) return dir;
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  build(dir);
  writeFileSync(stamp, `${new Date().toISOString()} ${relative(ENGINES_CACHE, dir)}\n`);
  console.error(`[engines] built ${kind} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dir}`);
  return dir;
}

export interface EnginePaths { jq: string; expr: string }

const WASM = { GOOS: 'wasip1', GOARCH: 'wasm' };

/** The WebAssembly engines embedded in dist/argoexec (reactors: `-buildmode=c-shared`). */
export function buildWasmEngines(): EnginePaths {
  const dir = cached('wasm', (d) => {
    for (const name of ['jq', 'expr']) goBuild(ENGINES_SRC, join(d, `${name}.wasm`), `./${name}`, WASM, ['-buildmode=c-shared']);
  });
  return { jq: join(dir, 'jq.wasm'), expr: join(dir, 'expr.wasm') };
}

/** The same wrapper programs built natively: the Go reference of the differential tests (stdin/stdout lines). */
export function buildReferenceEngines(): EnginePaths {
  const dir = cached('native', (d) => {
    for (const name of ['jq', 'expr']) goBuild(ENGINES_SRC, join(d, name), `./${name}`, {});
  });
  return { jq: join(dir, 'jq'), expr: join(dir, 'expr') };
}

/** Directory of a module in the Go module cache (downloaded from the module proxy when missing). */
export function goModuleDir(module: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', module], { cwd: ENGINES_SRC, env: goEnv(), encoding: 'utf8' });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

/** Version of a module our wrappers require (native/engines/go.mod: the versions argoexec v4.1.2 pins). */
export function requiredVersion(module: string): string {
  const m = new RegExp(`^\\s*${module.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm').exec(readFileSync(join(ENGINES_SRC, 'go.mod'), 'utf8'));
  if (!m?.[1]) throw new Error(`${module} is not required by native/engines/go.mod`);
  return m[1];
}

/**
 * The expr wrapper with expr-lang's generated-suite environment (test/gen/env.go from the module cache, tag
 * `corpus`), as WebAssembly and natively: the test-only build of the corpus differential test.
 */
export function buildCorpusExprEngines(): { wasm: string; native: string } {
  const dir = cached('corpus', (d) => {
    const src = join(d, `src-${process.pid}`);
    rmSync(src, { recursive: true, force: true });
    cpSync(ENGINES_SRC, src, { recursive: true });
    const exprDir = goModuleDir(`github.com/expr-lang/expr@${requiredVersion('github.com/expr-lang/expr')}`);
    cpSync(join(exprDir, 'test/gen/env.go'), join(src, 'expr/corpus_env.go'));
    goBuild(src, join(d, 'expr.wasm'), './expr', WASM, ['-buildmode=c-shared', '-tags=corpus']);
    goBuild(src, join(d, 'expr'), './expr', {}, ['-tags=corpus']);
    rmSync(src, { recursive: true, force: true });
  });
  return { wasm: join(dir, 'expr.wasm'), native: join(dir, 'expr') };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  console.log(JSON.stringify(buildWasmEngines()));
  if (args.includes('--reference')) console.log(JSON.stringify(buildReferenceEngines()));
  if (args.includes('--corpus')) console.log(JSON.stringify(buildCorpusExprEngines()));
}
