/**
 * Shared pieces of the benchmark suite (bench/run.ts): the process-tree meter (bench/rusage.c), alternating runs
 * and medians, data generators, S3 helpers for the stack's MinIO and a latency proxy.
 *
 * What a "sample" is: the wall time, CPU seconds (user + sys) and peak RSS of the process tree of one simulated
 * container (or of two, summed for CPU, for a wait + its main), measured by bench/rusage.c around the container's
 * launch: getrusage(RUSAGE_CHILDREN) covers the executor and everything it started. The sandbox's own set-up
 * (unshare, a bash script doing ~20 mounts) is inside the tree: ~20–40 ms of CPU, the same for both executors.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { readStackEnv } from './stack-env.ts';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const PROJECT = resolve(import.meta.dirname, '..');
export const STACK = readStackEnv();
export type ExecutorName = 'ts' | 'go';

/** One measured run. `wallS` is what the row says is timed; cpuS/rssMiB are the measured trees'. */
export interface Sample {
  wallS: number;
  cpuS: number;
  rssMiB: number;
  /** Row-specific extra figures (e.g. `commandS`: when main's command ended). */
  extra?: Record<string, number>;
}

export interface Tree { wallS: number; cpuS: number; rssMiB: number }

/** Build bench/rusage.c once (cached by its hash under /var/cache/argoexec-ts/bench). */
export function rusageTool(): string {
  return cTool('rusage');
}

/** bench/<name>.c compiled once per content into the machine's cache (not the repo). */
export function cTool(name: string): string {
  const src = join(PROJECT, `bench/${name}.c`);
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const dir = '/var/cache/argoexec-ts/bench';
  const exe = join(dir, `${name}-${hash}`);
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('gcc', ['-O2', '-o', `${exe}.tmp`, src]);
    renameSync(`${exe}.tmp`, exe);
  }
  return exe;
}

/** Read what bench/rusage.c wrote. */
export function readTree(file: string): Tree {
  const j = JSON.parse(readFileSync(file, 'utf8')) as { wallNs: number; userUs: number; sysUs: number; maxRssKiB: number };
  return { wallS: j.wallNs / 1e9, cpuS: (j.userUs + j.sysUs) / 1e6, rssMiB: j.maxRssKiB / 1024 };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/** Field-wise medians of samples. */
export function medianSample(xs: Sample[]): Sample {
  const extraKeys = [...new Set(xs.flatMap((x) => Object.keys(x.extra ?? {})))];
  return {
    wallS: median(xs.map((x) => x.wallS)),
    cpuS: median(xs.map((x) => x.cpuS)),
    rssMiB: median(xs.map((x) => x.rssMiB)),
    extra: Object.fromEntries(extraKeys.map((k) => [k, median(xs.map((x) => x.extra?.[k] ?? Number.NaN))])),
  };
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/**
 * Run `fn` `runs` times for each executor, alternating which goes first (run 0: ts then go; run 1: go then ts; …).
 * Returns each executor's samples in run order. `settle`: before each run, the page cache is emptied and only
 * `settle.warm` read back (settlePageCache) — the GiB rows, whose runs otherwise inherit the memory state the run
 * before left.
 */
export async function alternate(runs: number, label: string, fn: (ex: ExecutorName, run: number) => Promise<Sample>, executors: ExecutorName[] = ['ts', 'go'], settle?: { warm: string[] }): Promise<Record<ExecutorName, Sample[]>> {
  const out: Record<ExecutorName, Sample[]> = { ts: [], go: [] };
  executors = onlyExecutors(executors);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? executors : [...executors].reverse();
    for (const ex of order) {
      // The run before (the other executor's, or a row's set-up) may have left GiBs of dirty pages: written back now,
      // not by the kernel's flusher in the middle of this run.
      if (settle) settlePageCache(settle.warm); // syncs first
      else spawnSync('sync');
      await storeQuiet();
      const s = await fn(ex, i);
      out[ex].push(s);
      log(`${label} run ${i + 1}/${runs} ${ex}: wall ${s.wallS.toFixed(3)} s, cpu ${s.cpuS.toFixed(2)} s, rss ${s.rssMiB.toFixed(1)} MiB${s.extra ? ` ${JSON.stringify(Object.fromEntries(Object.entries(s.extra).map(([k, v]) => [k, Number(v.toFixed(3))])))}` : ''}`);
    }
  }
  return out;
}

let dropCachesRefused = false;

/**
 * Empty MinIO's trash (.minio.sys/tmp/.trash under its data directory) — what it would remove itself, later and in
 * bursts: a deleted object is first moved there. The bench deletes its many small objects at the end (deleteLater)
 * and does MinIO's sweep itself, at the start and the end, so that no sweep of tens of thousands of directories
 * lands in the middle of a run. Not measured.
 */
export function emptyStoreTrash(): void {
  const trash = join(PROJECT, '.stack/data/minio/.minio.sys/tmp/.trash');
  if (!existsSync(trash)) return;
  for (const e of readdirSync(trash)) rmSync(join(trash, e), { recursive: true, force: true });
}

/** MinIO's CPU over one second below which it counts as idle (its own housekeeping stays under ~1 %). */
const STORE_IDLE_SHARE = 0.03;

/**
 * Wait (at most `maxS`) until MinIO is idle. Its data scanner, which re-reads every object each minute by default,
 * runs at the slowest pace in the stack (MINIO_SCANNER_SPEED, stack/up.sh; D43) and no longer keeps it busy. It
 * deletes in the background: a deleted object goes to .minio.sys/tmp/.trash and is removed later, ~700 objects/s at
 * ~11 % of a core on this machine, so 10,000 small objects deleted by one row kept it busy for ~15 s into the next
 * row's runs (and a run's MinIO CPU, which the P1 rows report, with it). Rows that make many objects delete them at
 * the end of the bench (deleteLater).
 */
export async function storeQuiet(maxS = 180): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const a = storeCpuS();
    await new Promise((r) => setTimeout(r, 1000));
    const share = storeCpuS() - a;
    if (!(share > STORE_IDLE_SHARE)) {
      if (Date.now() - t0 > 2500) log(`waited ${((Date.now() - t0) / 1000).toFixed(0)} s for MinIO's background work to end`);
      return;
    }
    if (Date.now() - t0 > maxS * 1000) {
      log(`MinIO still busy (${(share * 100).toFixed(0)} % of a core) after ${maxS} s; going on`);
      return;
    }
  }
}

/**
 * The same memory state before every run of a GiB row (P2, P3, P5): dirty pages written back, the page cache dropped,
 * then `warm` — the row's source data, the executables — read back in. Without it a run found whatever the runs before
 * it had left: after the earlier rows the cache fills this machine's memory, and a run that writes 1–4 GiB then
 * reclaims as much itself, as kernel CPU in the timed window (P5: a 2.7 s run took 10 s, the bench of 2026-12-04 18:08;
 * P2a: 4.6–4.9 s instead of 3.3 s whenever it followed a Go run, the bench at 4b11c2a).
 */
export function settlePageCache(warm: string[] = []): void {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
  } catch (err) {
    if (!dropCachesRefused) log(`page cache: cannot drop it (${(err as Error).message}); runs keep the cache the run before left`);
    dropCachesRefused = true;
    return;
  }
  const buf = Buffer.allocUnsafe(4 * MiB);
  const read = (path: string): void => {
    const st = statSync(path);
    if (st.isDirectory()) {
      for (const e of readdirSync(path)) read(join(path, e));
      return;
    }
    if (!st.isFile()) return;
    const fd = openSync(path, 'r');
    try {
      while (readSync(fd, buf, 0, buf.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  };
  for (const p of warm) if (existsSync(p)) read(p);
}

/**
 * BENCH_ONLY=ts (or go): one executor alone, for iterating on a change; the run then prints its samples and
 * writes no report (a ratio needs both).
 */
export function onlyExecutors(executors: ExecutorName[]): ExecutorName[] {
  const only = process.env.BENCH_ONLY;
  if (only === undefined || only === '') return executors;
  if (only !== 'ts' && only !== 'go') throw new Error(`BENCH_ONLY=${only}: ts or go`);
  return executors.filter((e) => e === only);
}

export function envNumber(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name}=${v} is not a number`);
  return n;
}

// ------------------------------------------------------------------------------------------------ data

function writeBlocks(path: string, bytes: number, block: Buffer): void {
  const fd = openSync(path, 'w');
  try {
    for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  } finally {
    closeSync(fd);
  }
}

/** Half-compressible (base64 of random bytes: gzip -6 keeps ~75 %), like mixed build outputs. */
export function writeHalfCompressible(path: string, bytes: number): void {
  writeBlocks(path, bytes, Buffer.from(randomBytes(3 * MiB).toString('base64')));
}

/** Incompressible: random bytes (a 64 MiB random block repeated: farther apart than deflate's 32 KiB window). */
export function writeRandom(path: string, bytes: number): void {
  writeBlocks(path, bytes, randomBytes(64 * MiB));
}

/**
 * Highly compressible: application log lines (timestamps, levels, a few messages, request ids, durations),
 * gzip -6 keeps ~10–15 %. 64 MiB of distinct lines repeated.
 */
export function writeLogText(path: string, bytes: number): void {
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
  const msgs = [
    'request completed', 'cache miss, fetching from upstream', 'connection pool resized', 'retrying after transient error',
    'user session refreshed', 'writing checkpoint to disk', 'scheduled job started', 'scheduled job finished',
  ];
  const paths = ['/api/v1/items', '/api/v1/users', '/healthz', '/api/v2/orders', '/metrics', '/api/v1/search'];
  const lines: string[] = [];
  let size = 0;
  let t = Date.UTC(2026, 0, 1);
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  while (size < 64 * MiB) {
    t += rnd(50);
    const line = `${new Date(t).toISOString()} ${levels[rnd(levels.length)]} [worker-${rnd(16)}] ${msgs[rnd(msgs.length)]} method=GET path=${paths[rnd(paths.length)]} status=${[200, 200, 200, 404, 500][rnd(5)]} duration_ms=${rnd(2000)} request_id=${rnd(1e9).toString(16).padStart(8, '0')}\n`;
    lines.push(line);
    size += line.length;
  }
  writeBlocks(path, bytes, Buffer.from(lines.join('')));
}

/** `count` files of `size` random bytes in `dir` (100 per subdirectory). */
export function writeManyFiles(dir: string, count: number, size: number): void {
  const pool = randomBytes(size + 4096);
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    const fd = openSync(join(sub, `f${String(i).padStart(5, '0')}.bin`), 'w');
    writeSync(fd, pool, i % 4096, size);
    closeSync(fd);
  }
}

// ------------------------------------------------------------------------------------------------ S3

export const BUCKET = 'my-bucket';
export const S3_SECRETS = { 'my-minio-cred': { accesskey: STACK.S3_MINIO_ACCESS_KEY ?? '', secretkey: STACK.S3_MINIO_SECRET_KEY ?? '' } };

/** An S3 artifact of the template (endpoint `host:port`: MinIO, or the latency proxy in front of it). */
export function s3Artifact(name: string, path: string, key: string, endpoint: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name, path, ...extra,
    s3: {
      endpoint, bucket: BUCKET, insecure: true, region: STACK.S3_MINIO_REGION ?? 'us-east-1', key,
      accessKeySecret: { name: 'my-minio-cred', key: 'accesskey' }, secretKeySecret: { name: 'my-minio-cred', key: 'secretkey' },
    },
  };
}

/** A fresh secrets directory holding the stack's MinIO keys as the drivers read them (`my-minio-cred/…`); the caller removes it. */
export function stackSecretsDir(): string {
  const secrets = workDir('secrets');
  mkdirSync(join(secrets, 'my-minio-cred'));
  writeFileSync(join(secrets, 'my-minio-cred/accesskey'), S3_SECRETS['my-minio-cred'].accesskey);
  writeFileSync(join(secrets, 'my-minio-cred/secretkey'), S3_SECRETS['my-minio-cred'].secretkey);
  return secrets;
}

/** The objects under `<prefix>/` in the stack's bucket, with their sizes (set-up and reporting; not measured). */
export async function listObjects(prefix: string): Promise<{ key: string; size: number }[]> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const { createS3 } = await import('../src/artifacts/s3/client.ts');
  const { createLogger } = await import('../src/core/log.ts');
  const { rmSync } = await import('node:fs');
  const secrets = stackSecretsDir();
  const s3 = createS3(s3Artifact('x', '/x', 'x', minioHost()).s3 as never, { log: createLogger('warn', 'text'), secretsDir: secrets, env: {} } as never);
  try {
    const out = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
    return (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0 }));
  } finally {
    s3.destroy();
    rmSync(secrets, { recursive: true, force: true });
  }
}

/**
 * CPU seconds (user + sys) MinIO has used so far, from /proc (its pid in .stack/run/minio.pid); NaN when unreadable.
 * On 2 cores the store and the executor share the CPUs, so the rows of many small objects give both.
 */
export function storeCpuS(): number {
  try {
    const pid = readFileSync(join(PROJECT, '.stack/run/minio.pid'), 'utf8').trim();
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th (clock ticks, 100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export function minioHost(): string {
  return new URL(STACK.S3_MINIO_ENDPOINT ?? 'http://127.0.0.1:9000').host;
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` that delays every chunk by `oneWayMs` in each direction, so every
 * request/response exchange costs 2 × oneWayMs more (a store across a network). Order is kept (timers of equal
 * delay fire in order).
 */
export async function latencyProxy(target: string, oneWayMs: number): Promise<{ host: string; close(): Promise<void> }> {
  const [thost, tport] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (client) => {
    const upstream = connect({ host: thost, port: Number(tport), noDelay: true });
    sockets.add(client);
    sockets.add(upstream);
    const relay = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        setTimeout(() => { if (!to.destroyed) to.write(chunk); }, oneWayMs);
      });
      from.on('end', () => setTimeout(() => to.end(), oneWayMs));
      from.on('error', () => to.destroy());
      from.on('close', () => { sockets.delete(from); setTimeout(() => to.destroy(), oneWayMs + 5); });
    };
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const addr = server.address() as { port: number };
  return {
    host: `127.0.0.1:${addr.port}`,
    close: () => new Promise<void>((res) => {
      for (const s of sockets) s.destroy();
      server.close(() => res());
    }),
  };
}

// ------------------------------------------------------------------------------------------------ misc

/** A fresh directory for a row's data (under `parent`, or the system temporary directory like the pod simulator's). */
export function workDir(name: string, parent = tmpdir()): string {
  return mkdtempSync(join(parent, `argoexec-bench-${name}-`));
}

export function gitCommit(): string {
  const r = spawnSync('git', ['-C', PROJECT, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' });
  const dirty = spawnSync('git', ['-C', PROJECT, 'status', '--porcelain', '--untracked-files=no', '--', 'src', 'bench', 'native', 'scripts'], { encoding: 'utf8' }).stdout.trim() !== '';
  return `${r.stdout.trim()}${dirty ? ' (with uncommitted changes)' : ''}`;
}

export function referenceVersion(): string {
  const exe = STACK.REFERENCE_ARGOEXEC ?? '';
  if (!existsSync(exe)) throw new Error(`Go reference argoexec not found (${exe}): run make stack-up`);
  return execFileSync(exe, ['version', '--short'], { encoding: 'utf8' }).trim().replace(/^argoexec: /, '');
}

/** sha256 of a file, streamed (set-up and checks of the artifact rows; not measured). */
export async function fileSha256(path: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { createReadStream } = await import('node:fs');
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) h.update(chunk as Buffer);
  return h.digest('hex');
}
