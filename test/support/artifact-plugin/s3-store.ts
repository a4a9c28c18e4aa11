/**
 * The test plugin's S3 store (MinIO in the test stack): used when an artifact's `configuration` carries
 * `{"s3": {"endpoint", "bucket", "accessKey", "secretKey", "region"?}}`, so a plugin image can keep artifacts
 * across pods (a cluster e2e run). A file is one object at `key`; a directory is one object per file at
 * `key/<relative path>`; a key without an object but with objects below `key/` loads as a directory.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface S3Config { endpoint: string; bucket: string; accessKey: string; secretKey: string; region?: string }

export class S3Store {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(c: S3Config) {
    this.#s3 = new S3Client({
      endpoint: c.endpoint, region: c.region ?? 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: c.accessKey, secretAccessKey: c.secretKey },
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.#bucket = c.bucket;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.#s3.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async #putFile(src: string, key: string): Promise<void> {
    await this.#s3.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: createReadStream(src), ContentLength: statSync(src).size }));
  }

  async put(src: string, key: string): Promise<void> {
    if (!statSync(src).isDirectory()) { await this.#putFile(src, key); return; }
    const walk = async (dir: string, rel: string): Promise<void> => {
      for (const e of readdirSync(dir).sort()) {
        const p = join(dir, e);
        if (statSync(p).isDirectory()) await walk(p, `${rel}${e}/`);
        else await this.#putFile(p, `${key}/${rel}${e}`);
      }
    };
    await walk(src, '');
  }

  async #getFile(key: string, dst: string): Promise<boolean> {
    try {
      const r = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      mkdirSync(dirname(dst), { recursive: true });
      await pipeline(r.Body as Readable, createWriteStream(dst));
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return false;
      throw err;
    }
  }

  async get(key: string, dst: string): Promise<void> {
    if (await this.#getFile(key, dst)) return;
    const below = await this.list(`${key}/`);
    if (below.length === 0) throw new Error(`object ${key} not found`);
    for (const k of below) await this.#getFile(k, join(dst, k.slice(key.length + 1)));
  }

  async delete(key: string): Promise<void> {
    for (const k of [key, ...(await this.list(`${key}/`))]) await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: k }));
  }

  async isDirectory(key: string): Promise<boolean> {
    return (await this.list(`${key}/`)).length > 0;
  }
}
