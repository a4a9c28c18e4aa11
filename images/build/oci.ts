/**
 * A small OCI image writer: one root directory -> one single-layer OCI image archive (an OCI image
 * layout in a tar), ready for `ctr -n k8s.io images import`. No registry, no container engine.
 *
 *   node images/build/oci.ts --rootfs DIR --out FILE.tar --name REF [--name REF...]
 *        [--entrypoint JSON] [--cmd JSON] [--env K=V]... [--user U] [--workdir DIR] [--chown 0:0]
 *
 * The layer is made by GNU tar (`--sort=name --mtime=@0 --numeric-owner`, pax format so long names,
 * xattrs and hard links survive), uncompressed (its digest is its diff_id). Every REF is recorded in
 * the index as `io.containerd.image.name` (what `ctr images import` names the image) plus the OCI
 * `org.opencontainers.image.ref.name` (the tag). Output is deterministic for a given root.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rootfs: { type: 'string' },
    out: { type: 'string' },
    name: { type: 'string', multiple: true },
    entrypoint: { type: 'string' },
    cmd: { type: 'string' },
    env: { type: 'string', multiple: true },
    user: { type: 'string' },
    workdir: { type: 'string' },
    chown: { type: 'string' },
  },
});
if (!values.rootfs || !values.out || !values.name?.length) {
  console.error('usage: oci.ts --rootfs DIR --out FILE.tar --name REF [...] [--entrypoint JSON] [--cmd JSON] [--env K=V] [--user U] [--workdir D] [--chown U:G]');
  process.exit(2);
}
const rootfs = resolve(values.rootfs);
const out = resolve(values.out);

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? `exit ${r.status}`}`);
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const work = mkdtempSync(join(dirname(out), '.oci-'));
try {
  const blobs = join(work, 'blobs/sha256');
  mkdirSync(blobs, { recursive: true });

  // Layer: deterministic tar of the root (GNU tar; keeps symlinks, hard links, modes, xattrs).
  const layerTmp = join(work, 'layer.tar');
  const owner = values.chown ? values.chown.split(':') : null;
  run('tar', [
    '--create', '--file', layerTmp, '--directory', rootfs,
    '--format=pax', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    '--sort=name', '--mtime=@0', '--numeric-owner', '--xattrs',
    ...(owner ? [`--owner=${owner[0]}`, `--group=${owner[1] ?? owner[0]}`] : []),
    '.',
  ]);
  const layerDigest = await sha256File(layerTmp);
  const layerSize = statSync(layerTmp).size;
  renameSync(layerTmp, join(blobs, layerDigest));

  const blob = (obj: unknown): { digest: string; size: number } => {
    const data = Buffer.from(JSON.stringify(obj));
    const digest = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: data.length };
  };

  const env = values.env ?? [];
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  const config: Record<string, unknown> = { Env: env };
  if (values.entrypoint) config.Entrypoint = JSON.parse(values.entrypoint);
  if (values.cmd) config.Cmd = JSON.parse(values.cmd);
  if (values.user) config.User = values.user;
  if (values.workdir) config.WorkingDir = values.workdir;
  const cfg = blob({
    created: '1970-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config,
    rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'argoexec-ts images/build/oci.ts' }],
  });
  const manifest = blob({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layerSize }],
  });
  writeFileSync(join(work, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(work, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: values.name.map((ref) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { architecture: 'amd64', os: 'linux' },
      annotations: {
        'io.containerd.image.name': ref,
        'org.opencontainers.image.ref.name': ref.replace(/^.*[:@]/, ''),
      },
    })),
  }));
  const tmpOut = `${out}.tmp`;
  run('tar', ['--create', '--file', tmpOut, '--directory', work, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', 'oci-layout', 'index.json', 'blobs']);
  renameSync(tmpOut, out);
  console.log(`${out}: ${values.name.join(', ')} (layer ${(layerSize / 1048576).toFixed(1)} MiB, manifest ${manifest.digest})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
