/**
 * The artifact plugin driver (artifacts spec §6.8) against the test plugin (test/support/artifact-plugin/server.ts,
 * a real grpc-js server on a unix socket): the five operations, SaveStream with and without the plugin's
 * capability (Go's fallback: Unimplemented → spool + unary Save at the given staging path), Go's error texts.
 *
 * 1. load / save / listObjects / isDirectory / delete round trip, requests as Go's convertToGRPC sends them
 * 2. saveStream to a plugin that streams: GetCapabilities, then SaveStream frames; stored bytes identical
 * 3. saveStream to a plugin without SaveStream: GetCapabilities → Unimplemented → Save(<tmpDir>/<fileName>)
 * 4. a plugin refusing: `plugin <name> <op> failed: <error>`
 * 5. the socket path is not a socket: creation fails with Go's READY timeout text naming plugin and socket
 * 6. the plugin dies during Save: `plugin <name> save failed: rpc error: code = Unavailable desc = …`
 * 7. the test plugin's S3 store (MinIO of the stack): file and directory round trip
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { PluginArtifactDriver } from '../../src/artifacts/plugin/driver.ts';
import { createLogger } from '../../src/core/log.ts';
import { STACK } from '../support/pod-sim.ts';

const SERVER = resolve(import.meta.dirname, '../support/artifact-plugin/server.ts');
const log = createLogger('error', 'text');

interface Plugin { dir: string; socket: string; store: string; child: ChildProcess; requests(): { method: string; request: Record<string, unknown>; [k: string]: unknown }[] }

async function startPlugin(t: { after(fn: () => void): void }, env: Record<string, string> = {}): Promise<Plugin> {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-test-'));
  const socket = join(dir, 'socket');
  const store = join(dir, 'store');
  const child = spawn(process.execPath, [SERVER, socket], { env: { ...process.env, TEST_PLUGIN_STORE: store, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  const [line] = await once(child.stdout!, 'data') as [Buffer];
  assert.match(line.toString(), /listening/);
  const requests = () => existsSync(join(store, 'requests.jsonl'))
    ? readFileSync(join(store, 'requests.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  return { dir, socket, store, child, requests };
}

const art = (name: string, key: string, extra: Record<string, unknown> = {}, configuration = '{}') =>
  ({ name, path: `/tmp/${name}`, plugin: { name: 'test', configuration, key }, ...extra });

test('1: load / save / listObjects / isDirectory / delete round trip', async (t) => {
  const p = await startPlugin(t);
  const d = new PluginArtifactDriver({ name: 'test' }, log, p.socket);
  t.after(() => d.close());
  await d.open();
  const src = join(p.dir, 'in.txt');
  writeFileSync(src, 'hello plugin\n');
  await d.save(src, art('a', 'wf/a.txt', { mode: 0o644, optional: true, archive: { none: {} }, s3: { key: 'ignored' } }));
  assert.equal(readFileSync(join(p.store, 'objects/wf/a.txt'), 'utf8'), 'hello plugin\n');
  const dst = join(p.dir, 'out.tmp');
  await d.load(art('a', 'wf/a.txt'), dst);
  assert.equal(readFileSync(dst, 'utf8'), 'hello plugin\n');
  assert.deepEqual(await d.listObjects(art('a', 'wf')), ['wf/a.txt']);
  assert.equal(await d.isDirectory(art('a', 'wf')), true);
  assert.equal(await d.isDirectory(art('a', 'wf/a.txt')), false);
  await d.delete(art('a', 'wf/a.txt'));
  assert.equal(existsSync(join(p.store, 'objects/wf/a.txt')), false);
  const [save] = p.requests();
  // convertToGRPC: the archive strategy and other locations are not sent; unset fields read as proto3 defaults.
  assert.deepEqual(save, {
    method: 'Save', bytes: 13, sha256: createHash('sha256').update('hello plugin\n').digest('hex'),
    request: {
      path: src,
      outputArtifact: {
        name: 'a', path: '/tmp/a', mode: 0o644, from: '', optional: true, subPath: '', recurseMode: false, fromExpression: '', deleted: false,
        plugin: { name: 'test', configuration: '{}', connectionTimeoutSeconds: 0, key: 'wf/a.txt' },
      },
    },
  });
  assert.deepEqual(p.requests().map((r) => r.method), ['Save', 'Load', 'ListObjects', 'IsDirectory', 'IsDirectory', 'Delete']);
});

test('2: saveStream to a plugin that streams: GetCapabilities, then SaveStream frames of at most 2 MiB', async (t) => {
  const p = await startPlugin(t, { TEST_PLUGIN_STREAMING: 'true' });
  const d = new PluginArtifactDriver({ name: 'test' }, log, p.socket);
  t.after(() => d.close());
  const data = randomBytes(5 * 1024 * 1024 + 17);
  let reported = 0;
  await d.saveStream(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), art('big', 'wf/big.tgz'), (n) => { reported = n; }, { fileName: 'big.tgz', tmpDir: p.dir });
  assert.ok(readFileSync(join(p.store, 'objects/wf/big.tgz')).equals(data));
  assert.equal(reported, data.length);
  const reqs = p.requests();
  assert.deepEqual(reqs.map((r) => r.method), ['GetCapabilities', 'SaveStream']);
  assert.equal(reqs[1]?.frames, 1 + 3, 'one metadata frame, then 2 MiB + 2 MiB + 1 MiB+17');
  assert.equal(reqs[1]?.sha256, createHash('sha256').update(data).digest('hex'));
});

test('3: saveStream to a plugin without SaveStream: Unimplemented → spooled to <tmpDir>/<fileName>, unary Save', async (t) => {
  const p = await startPlugin(t);
  const d = new PluginArtifactDriver({ name: 'test' }, log, p.socket);
  t.after(() => d.close());
  const staging = join(p.dir, 'outputs/artifacts');
  mkdirSync(staging, { recursive: true });
  const data = randomBytes(3 * 1024 * 1024);
  await d.saveStream(Readable.from([data]), art('out', 'wf/out.tgz'), undefined, { fileName: 'out.tgz', tmpDir: staging });
  assert.ok(readFileSync(join(p.store, 'objects/wf/out.tgz')).equals(data));
  const reqs = p.requests();
  assert.deepEqual(reqs.map((r) => r.method), ['Save']); // GetCapabilities answered Unimplemented by grpc-js itself: not recorded
  assert.equal(reqs[0]?.request.path, join(staging, 'out.tgz'), "Go's staged path");
  assert.equal(existsSync(join(staging, 'out.tgz')), false, 'the spool is removed after the upload');
});

test('4: a plugin refusing an operation: plugin <name> <op> failed: <error>', async (t) => {
  const p = await startPlugin(t);
  const d = new PluginArtifactDriver({ name: 'test' }, log, p.socket);
  t.after(() => d.close());
  const bad = '{"fail":"bucket is on fire"}';
  const file = join(p.dir, 'f');
  writeFileSync(file, 'x');
  await assert.rejects(d.save(file, art('a', 'k', {}, bad)), { message: 'plugin test save failed: bucket is on fire' });
  await assert.rejects(d.load(art('a', 'k', {}, bad), join(p.dir, 'g')), { message: 'plugin test load failed: bucket is on fire' });
  await assert.rejects(d.delete(art('a', 'k', {}, bad)), { message: 'plugin test delete failed: bucket is on fire' });
  await assert.rejects(d.load(art('a', 'missing'), join(p.dir, 'g')), { message: 'plugin test load failed: object missing not found' });
});

test('5: a socket path that is not a socket: Go\'s READY timeout error names plugin and socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'socket');
  writeFileSync(socket, '');
  const d = new PluginArtifactDriver({ name: 'ghost', connectionTimeoutSeconds: 1 }, log, socket);
  await assert.rejects(d.open(), {
    message: `failed to create plugin driver for ghost: timeout waiting for plugin ghost connection to become ready, last state: TRANSIENT_FAILURE (socket=${JSON.stringify(socket)})`,
  });
});

test('6: the plugin dies in the middle of a Save: the error names the plugin and the transport failure', async (t) => {
  const p = await startPlugin(t);
  const d = new PluginArtifactDriver({ name: 'test' }, log, p.socket);
  t.after(() => d.close());
  const file = join(p.dir, 'big');
  writeFileSync(file, randomBytes(4 * 1024 * 1024));
  await assert.rejects(d.save(file, art('a', 'wf/big', {}, '{"crash":"save"}')), (err: Error) => {
    assert.match(err.message, /^plugin test save failed: rpc error: code = Unavailable desc = /);
    return true;
  });
  assert.equal(existsSync(join(p.store, 'objects/wf/big')), false);
});

test('7: the test plugin stores in MinIO when the configuration names a bucket', async (t) => {
  assert.ok(STACK.S3_MINIO_ENDPOINT, 'make stack-up');
  const p = await startPlugin(t);
  const d = new PluginArtifactDriver({ name: 'test' }, log, p.socket);
  t.after(() => d.close());
  const s3 = { endpoint: STACK.S3_MINIO_ENDPOINT, bucket: 'plugin-bucket', accessKey: STACK.S3_MINIO_ACCESS_KEY ?? 'admin', secretKey: STACK.S3_MINIO_SECRET_KEY ?? 'password', region: STACK.S3_MINIO_REGION };
  const conf = JSON.stringify({ s3 });
  const key = `plugin-tests/${Date.now()}`;
  const dir = join(p.dir, 'tree');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'a'), 'A');
  writeFileSync(join(dir, 'sub/b'), 'B');
  await d.save(dir, art('t', `${key}/tree`, {}, conf));
  assert.deepEqual(await d.listObjects(art('t', `${key}/tree`, {}, conf)), [`${key}/tree/a`, `${key}/tree/sub/b`]);
  assert.equal(await d.isDirectory(art('t', `${key}/tree`, {}, conf)), true);
  await d.load(art('t', `${key}/tree`, {}, conf), join(p.dir, 'back'));
  assert.equal(readFileSync(join(p.dir, 'back/sub/b'), 'utf8'), 'B');
  await d.delete(art('t', `${key}/tree`, {}, conf));
  assert.deepEqual(await d.listObjects(art('t', `${key}/tree`, {}, conf)), []);
  assert.doesNotMatch(readFileSync(join(p.store, 'requests.jsonl'), 'utf8'), new RegExp(s3.secretKey));
});
