// The HDFS peer (stack/hdfs.sh): the NameNode answers on HDFS_ADDR, / is world-writable (1777), and a write goes
// through a two-DataNode pipeline whose DataNodes listen on loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HdfsClient } from '../../src/core/hdfs/client.ts';
import { need } from './env.ts';

/** From .stack/env; the process environment may point at another peer (HDFS_ADDR=… HDFS_DATA_DIR=…). */
const get = (name: string): string => process.env[name] || need(name);

test('HDFS: NameNode on HDFS_ADDR, / mode 1777, two DataNodes on 127.0.0.1, 1 MiB blocks with replication 2', async (t) => {
  const addr = get('HDFS_ADDR');
  assert.match(addr, /^127\.0\.0\.1:\d+$/);
  const ready = readFileSync(join(get('HDFS_DATA_DIR'), 'ready'), 'utf8').trim().split('\n');
  assert.equal(ready[0], addr);
  assert.deepEqual(ready[1]?.split(' ').map((a) => a.replace(/:\d+$/, '')), ['127.0.0.1', '127.0.0.1']);
  const c = await HdfsClient.connect({ addresses: [addr], user: 'stack-smoke' });
  t.after(() => c.close());
  const root = await c.stat('/');
  assert.equal(root.isDir, true);
  assert.equal(root.raw.permission?.perm, 0o1777);
  const path = `/stack-smoke-${Date.now()}`;
  const f = join(tmpdir(), `hdfs-smoke-${Date.now()}`);
  writeFileSync(f, Buffer.alloc(1536 * 1024, 1));
  t.after(() => rmSync(f, { force: true }));
  await c.copyToRemote(f, path);
  const blocks = await c.blocks(path, 1536 * 1024);
  assert.equal(blocks.length, 2, '1 MiB blocks');
  for (const b of blocks) assert.deepEqual(b.locs.map((l: { id: { ipAddr: string } }) => l.id.ipAddr), ['127.0.0.1', '127.0.0.1'], 'replication 2 on loopback');
  await c.remove(path);
});
