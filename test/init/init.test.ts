/** lifecycle §16 items 49–57: `argoexec init` in a simulated pod (real MinIO for input artifacts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { PodSim } from '../support/pod-sim.ts';
import { archiveLocation, S3_SECRETS, s3Put } from '../wait/helpers.ts';

async function tgz(entries: { name: string; type?: 'file' | 'directory' | 'symlink'; content?: string; mode?: number; linkname?: string }[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  for (const e of entries) {
    const h = { name: e.name, type: e.type ?? 'file', mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644), linkname: e.linkname } as const;
    if (h.type === 'file') pack.entry(h, e.content ?? '');
    else pack.entry(h);
  }
  pack.finalize();
  await new Promise<void>((r) => pack.on('end', () => r()));
  return gzipSync(Buffer.concat(chunks));
}

const uniq = (): string => `init-tests/${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

test('49, 50: init installs argoexec (0555) and writes the template (0444) from ARGO_TEMPLATE', async () => {
  const template = { name: 'hello', container: { image: 'x', command: ['sh'] }, unknownField: { kept: true } };
  const pod = new PodSim({ template });
  const r = await pod.runInit();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(pod.path('var-run-argo', 'argoexec')).mode & 0o7777, 0o555);
  assert.equal(statSync(pod.path('var-run-argo', 'template')).mode & 0o7777, 0o444);
  assert.deepEqual(JSON.parse(readFileSync(pod.path('var-run-argo', 'template'), 'utf8')), template);
  pod.cleanup();
});

test('51, 52: script source → /argo/staging/script (0755); resource manifest → /tmp/manifest.yaml (0644), not with manifestFrom', async () => {
  const script = new PodSim({ template: { script: { image: 'x', source: 'echo hi\n' } } });
  assert.equal((await script.runInit()).code, 0);
  assert.equal(readFileSync(script.path('argo-staging', 'script'), 'utf8'), 'echo hi\n');
  assert.equal(statSync(script.path('argo-staging', 'script')).mode & 0o7777, 0o755);
  script.cleanup();
  const res = new PodSim({ template: { resource: { action: 'create', manifest: 'kind: ConfigMap\n' } } });
  assert.equal((await res.runInit()).code, 0);
  assert.equal(readFileSync(res.path('tmp-init', 'manifest.yaml'), 'utf8'), 'kind: ConfigMap\n');
  assert.equal(statSync(res.path('tmp-init', 'manifest.yaml')).mode & 0o7777, 0o644);
  res.cleanup();
  const from = new PodSim({ template: { resource: { action: 'create', manifest: 'x', manifestFrom: { artifact: { name: 'm' } } } } });
  assert.equal((await from.runInit()).code, 0);
  assert.equal(readdirSync(from.path('tmp-init')).includes('manifest.yaml'), false, 'no manifest staged with manifestFrom');
  from.cleanup();
});

test('53: a required input without location fails with exit 64; an optional one is skipped', async () => {
  const optional = new PodSim({ template: { container: { image: 'x' }, inputs: { artifacts: [{ name: 'o', path: '/in/o', optional: true }] } } });
  assert.equal((await optional.runInit()).code, 0);
  assert.deepEqual(readdirSync(optional.path('input-artifacts')), []);
  optional.cleanup();
  const pod = new PodSim({ template: { container: { image: 'x' }, inputs: { artifacts: [{ name: 'req', path: '/in/r' }] } } });
  const r = await pod.runInit();
  assert.equal(r.code, 64);
  assert.equal(pod.terminationMessage('init'), "required artifact 'req' not supplied");
  pod.cleanup();
});

test('54, 55: inputs land in /argo/inputs/artifacts/<name> or /mainctrfs/<path>; single-entry tarballs become the entry', async () => {
  const key = uniq();
  await s3Put(`${key}/one.tgz`, await tgz([{ name: 'whatever-name.txt', content: 'one', mode: 0o640 }]));
  await s3Put(`${key}/many.tgz`, await tgz([{ name: 'a', content: 'A' }, { name: 'd', type: 'directory' }, { name: 'd/b', content: 'B' }, { name: 'l', type: 'symlink', linkname: 'a' }]));
  await s3Put(`${key}/plain.txt`, 'not a tarball');
  const template = {
    container: { image: 'x', volumeMounts: [{ name: 'work', mountPath: '/work' }] },
    inputs: { artifacts: [
      { name: 'one', path: '/in/one', s3: { key: `${key}/one.tgz` } },
      { name: 'many', path: '/in/many', s3: { key: `${key}/many.tgz` } },
      { name: 'plain', path: '/work/sub/plain.txt', s3: { key: `${key}/plain.txt` } },
      { name: 'missing-optional', path: '/in/mo', optional: true, s3: { key: `${key}/nope` } },
    ] },
    archiveLocation: archiveLocation(key),
  };
  const pod = new PodSim({ template, volumes: ['work'], secrets: S3_SECRETS });
  const r = await pod.runInit();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(pod.path('input-artifacts', 'one'), 'utf8'), 'one');
  assert.equal(statSync(pod.path('input-artifacts', 'one')).mode & 0o777, 0o640);
  assert.deepEqual(readdirSync(pod.path('input-artifacts', 'many')).sort(), ['a', 'd', 'l']);
  assert.equal(readFileSync(pod.path('input-artifacts', 'many/d/b'), 'utf8'), 'B');
  assert.equal(readlinkSync(pod.path('input-artifacts', 'many/l')), 'a');
  assert.equal(readFileSync(pod.path('vol-work', 'sub/plain.txt'), 'utf8'), 'not a tarball');
  assert.deepEqual(readdirSync(pod.path('input-artifacts')).sort(), ['many', 'one']);
  // Each download ends with a summary line (bytes, time, rate); long ones also log progress every 10 s.
  assert.match(r.stderr, new RegExp(`msg="Downloading artifact: done" argo=true name=plain bytes=${'not a tarball'.length} seconds=[0-9.]+ rate="[0-9.]+ MB/s"`));
  // main sees them at their paths (subPath mounts), wait at /mainctrfs.
  const main = await pod.startMain(['sh', '-c', 'cat /in/one /in/many/d/b /work/sub/plain.txt']).done;
  assert.equal(main.stdout, 'oneBnot a tarball');
  pod.cleanup();
});

test('56: mode is applied, recursively with recurseMode', async () => {
  const key = uniq();
  await s3Put(`${key}/tree.tgz`, await tgz([{ name: 't', type: 'directory' }, { name: 't/f', content: 'f' }, { name: 't/g', content: 'g' }]));
  const template = {
    container: { image: 'x' },
    inputs: { artifacts: [
      { name: 'raw', path: '/in/raw', mode: 0o600, raw: { data: 'secret' } },
      { name: 'tree', path: '/in/tree', mode: 0o700, recurseMode: true, s3: { key: `${key}/tree.tgz` } },
      { name: 'flat', path: '/in/flat', mode: 0o700, s3: { key: `${key}/tree.tgz` } },
    ] },
    archiveLocation: archiveLocation(key),
  };
  const pod = new PodSim({ template, secrets: S3_SECRETS });
  const r = await pod.runInit();
  assert.equal(r.code, 0, r.stderr);
  const mode = (p: string): number => lstatSync(pod.path('input-artifacts', p)).mode & 0o7777;
  assert.equal(readFileSync(pod.path('input-artifacts', 'raw'), 'utf8'), 'secret');
  assert.equal(mode('raw'), 0o600);
  assert.deepEqual([mode('tree'), mode('tree/f'), mode('tree/g')], [0o700, 0o700, 0o700]);
  assert.deepEqual([mode('flat'), mode('flat/f'), mode('flat/g')], [0o700, 0o644, 0o644]);
  pod.cleanup();
});

test('53b: a failing download reads `artifact <name> failed to load: …`', async () => {
  const key = uniq();
  const pod = new PodSim({ template: { container: { image: 'x' }, inputs: { artifacts: [{ name: 'gone', path: '/in/g', s3: { key: `${key}/gone` } }] }, archiveLocation: archiveLocation(key) }, secrets: S3_SECRETS });
  const r = await pod.runInit();
  assert.equal(r.code, 64);
  assert.match(pod.terminationMessage('init'), /^artifact gone failed to load: /);
  pod.cleanup();
});

test('49b: a failed copy of argoexec is the init\'s error, even when an input fails to load meanwhile (D41)', async () => {
  const key = uniq();
  const pod = new PodSim({ template: { container: { image: 'x' }, inputs: { artifacts: [{ name: 'gone', path: '/in/g', s3: { key: `${key}/gone` } }] }, archiveLocation: archiveLocation(key) }, secrets: S3_SECRETS });
  mkdirSync(pod.path('var-run-argo', 'argoexec')); // the copy's target is a directory: the copy fails
  const r = await pod.runInit();
  assert.equal(r.code, 64, r.stderr); // Go's argoexec exits 64 on any error its command returns (cmd/argoexec/main.go)
  assert.match(pod.terminationMessage('init'), /^failed to copy argoexec to \/var\/run\/argo: /);
  pod.cleanup();
});

test('57: missing ARGO_POD_NAME → exit 1; unparsable ARGO_DEADLINE → exit 2 with the parse error as termination message', async () => {
  const pod = new PodSim({ template: { container: { image: 'x' } } });
  const noPod = await pod.start('init', ['argoexec', 'init'], { ARGO_TEMPLATE: '{}', ARGO_DEADLINE: '0001-01-01T00:00:00Z', PATH: `${pod.executor.binDir}:/usr/bin:/bin` }).done;
  assert.equal(noPod.code, 1);
  assert.match(noPod.stderr, /Unable to determine pod name from environment variable ARGO_POD_NAME/);
  const bad = await pod.runInit({ ARGO_DEADLINE: 'tomorrow' });
  assert.equal(bad.code, 2);
  assert.equal(pod.terminationMessage('init'), 'parsing time "tomorrow" as "2006-01-02T15:04:05Z07:00": cannot parse "tomorrow" as "2006"');
  const partial = await pod.runInit({ ARGO_DEADLINE: '2024-01-01' });
  assert.equal(partial.code, 2);
  assert.equal(pod.terminationMessage('init'), 'parsing time "2024-01-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"');
  pod.cleanup();
});

test('54c: a tarball larger than one ranged GET (S3, 4 ranges at a time) is extracted while it downloads, byte for byte (D33)', async () => {
  const key = uniq();
  // 40 MiB of incompressible bytes: the S3 driver fetches objects over 32 MiB as 16 MiB ranges, out of order.
  const big = (await import('node:crypto')).randomBytes(40 * 1024 * 1024);
  const small = Buffer.from('second entry\n');
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  pack.entry({ name: 'big.bin', mode: 0o644 }, big);
  pack.entry({ name: 'small.txt', mode: 0o600 }, small);
  pack.finalize();
  await new Promise<void>((r) => pack.on('end', () => r()));
  await s3Put(`${key}/big.tgz`, gzipSync(Buffer.concat(chunks), { level: 1 }));
  const template = {
    container: { image: 'x' },
    inputs: { artifacts: [{ name: 'big', path: '/in/big', s3: { key: `${key}/big.tgz` } }] },
    archiveLocation: archiveLocation(key),
  };
  const pod = new PodSim({ template, secrets: S3_SECRETS });
  const r = await pod.runInit();
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(pod.path('input-artifacts', 'big')).sort(), ['big.bin', 'small.txt']);
  assert.ok(readFileSync(pod.path('input-artifacts', 'big/big.bin')).equals(big), 'big.bin differs from the archive');
  assert.deepEqual(readFileSync(pod.path('input-artifacts', 'big/small.txt')), small);
  assert.equal(statSync(pod.path('input-artifacts', 'big/small.txt')).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(pod.path('input-artifacts')), ['big'], 'no .tmp or .tmpdir left');
  pod.cleanup();
});
