/**
 * Go's standard library as the expected value for differential fuzzing: test/fuzz/go-oracle (stdlib only) is built
 * once per source hash into /var/cache/argoexec-ts/fuzz-oracle/<hash>/go-oracle with the project's Go caches, then
 * asked in one batch per property. No Go toolchain is an error, not a skip.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(import.meta.dirname, 'go-oracle');
const CACHE = '/var/cache/argoexec-ts';

let built: string | undefined;

export function goOracle(): string {
  if (built) return built;
  const hash = createHash('sha256').update(readFileSync(join(SRC, 'main.go'))).digest('hex').slice(0, 16);
  const dir = join(CACHE, 'fuzz-oracle', hash);
  const bin = join(dir, 'go-oracle');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const env = {
      ...process.env, GOMODCACHE: join(CACHE, 'go/mod'), GOCACHE: join(CACHE, 'go/cache'), GOTOOLCHAIN: 'local',
      GOFLAGS: '-trimpath -buildvcs=false', GO111MODULE: 'off', GOPROXY: 'off',
    };
    const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
    const r = spawnSync('nice', ['-n', '10', go, 'build', '-o', `${bin}.tmp`, join(SRC, 'main.go')], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the Go oracle failed (${r.error?.message ?? r.status}): ${r.stderr}`);
    renameSync(`${bin}.tmp`, bin);
  }
  built = bin;
  return bin;
}

export type Answer = { ok: unknown; err?: undefined } | { err: string; ok?: undefined };

/** Ask Go about every input of one operation. */
export function askGo(op: string, inputs: string[]): Answer[] {
  const r = spawnSync(goOracle(), { input: inputs.map((i) => JSON.stringify([op, i])).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`go-oracle failed: ${r.stderr}`);
  const lines = r.stdout.trimEnd().split('\n');
  if (lines.length !== inputs.length) throw new Error(`go-oracle answered ${lines.length} of ${inputs.length}`);
  return lines.map((l) => JSON.parse(l) as Answer);
}
