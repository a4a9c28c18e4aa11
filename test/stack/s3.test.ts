// Both S3 servers are real: SigV4 with the credentials from .stack/env, put/get/list/delete,
// multipart upload, and a wrong secret is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectCommand,
  HeadBucketCommand, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { need } from './env.ts';

function client(prefix: string, secret?: string, checksums: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED' = 'WHEN_REQUIRED'): S3Client {
  return new S3Client({
    endpoint: need(`${prefix}_ENDPOINT`),
    region: need(`${prefix}_REGION`),
    forcePathStyle: true,
    credentials: { accessKeyId: need(`${prefix}_ACCESS_KEY`), secretAccessKey: secret ?? need(`${prefix}_SECRET_KEY`) },
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
    maxAttempts: 1,
  });
}

for (const [label, prefix] of [['MinIO', 'S3_MINIO'], ['versitygw', 'S3_VERSITY']] as const) {
  test(`${label}: Argo's buckets exist`, async () => {
    const s3 = client(prefix);
    for (const bucket of need('S3_BUCKETS').split(' ')) {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    }
  });

  test(`${label}: put, list, get and delete an object`, async () => {
    const s3 = client(prefix);
    const key = `stack-smoke/${randomBytes(4).toString('hex')}/hello.txt`;
    const body = `hello from the ${label} smoke test\n`;
    await s3.send(new PutObjectCommand({ Bucket: 'my-bucket', Key: key, Body: body, ContentType: 'text/plain' }));
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'my-bucket', Prefix: key.slice(0, key.lastIndexOf('/') + 1) }));
    assert.deepEqual(list.Contents?.map((o) => o.Key), [key]);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: key }));
    assert.equal(await got.Body!.transformToString(), body);
    await s3.send(new DeleteObjectCommand({ Bucket: 'my-bucket', Key: key }));
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: key })), (e: any) => e.name === 'NoSuchKey');
  });

  test(`${label}: the SDK's default flexible checksums (CRC32) are accepted`, async () => {
    const s3 = client(prefix, undefined, 'WHEN_SUPPORTED');
    const key = `stack-smoke/${randomBytes(4).toString('hex')}/crc.txt`;
    await s3.send(new PutObjectCommand({ Bucket: 'my-bucket', Key: key, Body: 'checksummed' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: key, ChecksumMode: 'ENABLED' }));
    assert.equal(await got.Body!.transformToString(), 'checksummed');
    await s3.send(new DeleteObjectCommand({ Bucket: 'my-bucket', Key: key }));
  });

  test(`${label}: multipart upload of two parts`, async () => {
    const s3 = client(prefix);
    const key = `stack-smoke/${randomBytes(4).toString('hex')}/multi.bin`;
    const part1 = randomBytes(5 * 1024 * 1024);
    const part2 = randomBytes(1024);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'my-bucket', Key: key }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: 'my-bucket', Key: key, UploadId, PartNumber: 1, Body: part1 }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: 'my-bucket', Key: key, UploadId, PartNumber: 2, Body: part2 }));
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: 'my-bucket', Key: key, UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
    }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.ok(bytes.equals(Buffer.concat([part1, part2])), 'multipart object content differs');
    await s3.send(new DeleteObjectCommand({ Bucket: 'my-bucket', Key: key }));
  });

  test(`${label}: a wrong secret key is refused`, async () => {
    const s3 = client(prefix, 'not-the-secret');
    await assert.rejects(s3.send(new ListObjectsV2Command({ Bucket: 'my-bucket' })),
      (e: any) => ['SignatureDoesNotMatch', 'AccessDenied', 'InvalidAccessKeyId'].includes(e.name) || e.$metadata?.httpStatusCode === 403);
  });
}
