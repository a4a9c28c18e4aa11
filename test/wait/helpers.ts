/** Shared helpers of the wait/TaskResult tests: the admin view of the apiserver. */
import { Kube } from '../stack/kube.ts';
import { NAMESPACE, STACK } from '../support/pod-sim.ts';

export const admin = new Kube(STACK.KUBECONFIG as string);

export async function getTaskResult(name: string): Promise<any> {
  const r = await admin.req('GET', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults/${name}`);
  if (r.status !== 200) throw new Error(`GET taskresult ${name}: ${r.status} ${r.text}`);
  return r.body;
}

export async function taskResultStatus(name: string): Promise<number> {
  return (await admin.req('GET', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults/${name}`)).status;
}

export async function deleteTaskResult(name: string): Promise<void> {
  await admin.req('DELETE', `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowtaskresults/${name}`);
}

/** The TaskResult without server-set fields (uid, resourceVersion, times, managedFields…). */
export function stripServerFields(tr: any): any {
  const { metadata, ...rest } = tr;
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, managedFields: _m, ...meta } = metadata;
  return { ...rest, metadata: meta };
}

import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export const MINIO = {
  host: new URL(STACK.S3_MINIO_ENDPOINT ?? 'http://127.0.0.1:9000').host,
  access: STACK.S3_MINIO_ACCESS_KEY ?? 'admin',
  secret: STACK.S3_MINIO_SECRET_KEY ?? 'password',
  region: STACK.S3_MINIO_REGION ?? 'us-east-1',
};
export const BUCKET = 'my-bucket';
export const S3_SECRETS = { 'my-minio-cred': { accesskey: MINIO.access, secretkey: MINIO.secret } };

/** A template archiveLocation as the controller fills it from the default repository. */
export function archiveLocation(key: string, archiveLogs = false): Record<string, unknown> {
  return {
    archiveLogs,
    s3: {
      endpoint: MINIO.host, bucket: BUCKET, insecure: true, region: MINIO.region,
      accessKeySecret: { name: 'my-minio-cred', key: 'accesskey' }, secretKeySecret: { name: 'my-minio-cred', key: 'secretkey' },
      key,
    },
  };
}

export const s3 = new S3Client({
  endpoint: `http://${MINIO.host}`, region: MINIO.region, forcePathStyle: true,
  credentials: { accessKeyId: MINIO.access, secretAccessKey: MINIO.secret },
  requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
});

export async function s3Keys(prefix: string): Promise<string[]> {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((c) => c.Key as string).sort();
}

export async function s3Get(key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

export async function s3Put(key: string, body: Buffer | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

import { gunzipSync } from 'node:zlib';
import tarStream from 'tar-stream';

export interface Entry { name: string; type: string; mode: number; linkname: string | null; content: string }

/** Entries of a tar (gzip'd or not) held in memory. */
export async function tarEntries(data: Buffer): Promise<Entry[]> {
  const plain = data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data;
  const out: Entry[] = [];
  const ex = tarStream.extract();
  ex.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => { out.push({ name: h.name, type: h.type ?? 'file', mode: h.mode ?? 0, linkname: h.linkname ?? null, content: Buffer.concat(chunks).toString() }); next(); });
  });
  await new Promise<void>((res, rej) => { ex.on('finish', res); ex.on('error', rej); ex.end(plain); });
  return out;
}
