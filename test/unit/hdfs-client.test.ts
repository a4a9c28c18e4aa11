/**
 * Pure parts of the HDFS client (src/core/hdfs): CRC-32C against the published check values (RFC 3720 B.4 and the
 * CRC catalogue's "123456789" → 0xE3069283), Go's path.Clean, varint framing, and the NameNode error text as Go's
 * rpc.NamenodeError prints it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, crc32c } from '../../src/core/hdfs/crc32c.ts';
import { cleanPath } from '../../src/core/hdfs/client.ts';
import { decode, encode, readUvarint, uvarint } from '../../src/core/hdfs/proto.ts';
import { NamenodeError } from '../../src/core/hdfs/rpc.ts';
import { dialErrorText } from '../../src/core/hdfs/conn.ts';

test('CRC-32C check values; slices of a buffer; CRC-32 (IEEE) for clusters configured with it', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43); // 32 bytes of 0xff
  const inc = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  assert.equal(crc32c(inc), 0x46dd794e); // 32 incrementing bytes
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  const padded = Buffer.concat([Buffer.from('xx'), Buffer.from('123456789'), Buffer.from('yyy')]);
  assert.equal(crc32c(padded, 2, 11), 0xe3069283);
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
});

test('path.Clean as Go', () => {
  for (const [i, o] of [['/a/b/', '/a/b'], ['/a//b/./c/..', '/a/b'], ['/', '/'], ['/..', '/'], ['a/../..', '..'], ['', '.'], ['/tmp/argo/foo', '/tmp/argo/foo']]) {
    assert.equal(cleanPath(i as string), o, i);
  }
});

test('varints and messages round-trip; 64-bit values below 2^53 come back as numbers', () => {
  for (const n of [0, 1, 127, 128, 300, 65535, 2 ** 32 + 5, 2 ** 52]) {
    const b = uvarint(n);
    assert.deepEqual(readUvarint(b), [n, b.length]);
  }
  assert.equal(readUvarint(Buffer.from([0x80])), undefined);
  const block = { poolId: 'BP-1', blockId: 1073741825, generationStamp: 1001, numBytes: 2 ** 40 };
  assert.deepEqual(decode('ExtendedBlockProto', encode('ExtendedBlockProto', block)), block);
  // sfixed64 seqno -1 (heartbeat) and a negative sint64
  assert.deepEqual(decode('PacketHeaderProto', encode('PacketHeaderProto', { offsetInBlock: 0, seqno: -1, lastPacketInBlock: false, dataLen: 0 })),
    { offsetInBlock: 0, seqno: -1, lastPacketInBlock: false, dataLen: 0 });
  assert.equal(decode('PipelineAckProto', encode('PipelineAckProto', { seqno: -1, reply: [0] })).seqno, -1);
});

test('error texts as the Go client prints them', () => {
  assert.equal(new NamenodeError('getFileInfo', 1, 'org.apache.hadoop.ipc.StandbyException', 'details').message,
    'getFileInfo call failed with ERROR_APPLICATION (org.apache.hadoop.ipc.StandbyException)');
  assert.equal(dialErrorText(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), '127.0.0.1:1'), 'dial tcp 127.0.0.1:1: connect: connection refused');
  assert.equal(dialErrorText(Object.assign(new Error('x'), { code: 'ENOTFOUND' }), 'nn-0.example:8020'), 'dial tcp: lookup nn-0.example: no such host');
});
