/**
 * CPU of the S3 driver alone moving a directory of many small files (no executor process, no pod):
 *   node --cpu-prof bench/profile-dir.ts [files] [bytes]
 * Prints wall and process CPU for the upload (save) and the download (load); with --cpu-prof, a profile to read.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newS3Driver } from '../src/artifacts/s3/driver.ts';
import { credsFor, ctxFor, s3Artifact, s3Servers, tmp, uniq } from '../test/artifacts/helpers.ts';

const files = Number(process.argv[2] ?? 10_000), bytes = Number(process.argv[3] ?? 10_240);
const server = s3Servers().find((s) => s.name === 'minio');
if (!server) throw new Error('no minio in .stack/env: make stack-up');
const src = tmp('profile-dir-');
for (let i = 0; i < files; i++) {
  const d = join(src, 'dir', `d${i % 100}`);
  if (i < 100) mkdirSync(d, { recursive: true });
  writeFileSync(join(d, `f${i}`), Buffer.alloc(bytes, i % 251));
}
const art = s3Artifact(server, `profile-dir/${uniq()}/dir`);
const driver = newS3Driver(art, ctxFor(credsFor(server), process.env));
const measure = async (what: string, fn: () => Promise<void>): Promise<void> => {
  const c0 = process.cpuUsage(), t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0), t = performance.now() - t0;
  console.log(`${what}: ${files} × ${bytes} B in ${(t / 1000).toFixed(2)} s (${Math.round(files / (t / 1000))}/s); CPU ${((c.user + c.system) / 1e6).toFixed(2)} s = ${Math.round((c.user + c.system) / files)} µs per object`);
};
try {
  await measure('save', () => driver.save(join(src, 'dir'), art));
  await measure('load', () => driver.load(art, join(src, 'back')));
  await driver.delete({ ...art, s3: { ...(art.s3 as Record<string, unknown>), key: `${String((art.s3 as { key: string }).key)}/` } });
} finally {
  driver.close();
  rmSync(src, { recursive: true, force: true });
}
