/**
 * HDFS artifacts against a real HDFS (the stack's NameNode + DataNode, stack/hdfs.sh; HDFS_ADDR in .stack/env),
 * differential with the Go reference ($REFERENCE_ARGOEXEC v4.1.2, colinmarc/hdfs) through both executables in
 * simulated pods: `argoexec init` loads inputs, `argoexec wait` saves outputs and reports the TaskResult. Both must
 * agree — same bytes on disk and in HDFS, same TaskResult, same termination message (Go's error texts) — and each
 * reads what the other wrote. Blocks are 1 MiB on the peer, so the 3 MiB files cross block boundaries; replication 2 puts two DataNodes in every write pipeline.
 *
 * Fixtures are put into HDFS with our client (src/core/hdfs) and verified by the Go executor reading them.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GO_EXECUTOR, NAMESPACE, PodSim, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { admin, deleteTaskResult, getTaskResult, stripServerFields } from '../wait/helpers.ts';
import { HdfsClient } from '../../src/core/hdfs/client.ts';
import { decode, encodeDelimited, readUvarint } from '../../src/core/hdfs/proto.ts';
import { newHdfsDriver } from '../../src/artifacts/hdfs/driver.ts';
import { DELETE_NOT_SUPPORTED } from '../../src/artifacts/common.ts';
import { ctxFor } from './helpers.ts';

const ADDR = STACK.HDFS_ADDR ?? process.env.HDFS_ADDR ?? '';
assert.ok(ADDR, 'HDFS_ADDR must be set in .stack/env (make stack-up)');
assert.ok(STACK.REFERENCE_ARGOEXEC && existsSync(STACK.REFERENCE_ARGOEXEC), 'REFERENCE_ARGOEXEC must be built (make stack-up)');

const USER = 'argo';
const ROOT = `/argoexec-ts-test/${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const scratch = mkdtempSync(join(tmpdir(), 'hdfs-test-'));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const BIG = randomBytes(3 * 1024 * 1024 + 4321);
const SMALL = Buffer.from('hello world\n');

let client: HdfsClient;
async function put(path: string, data: Buffer): Promise<void> {
  const f = join(scratch, 'put');
  writeFileSync(f, data);
  await client.mkdirAll(path.slice(0, path.lastIndexOf('/')) || '/', 0o777);
  await client.remove(path, true);
  await client.copyToRemote(f, path);
}
async function get(path: string): Promise<Buffer> {
  const f = join(scratch, `get-${Math.random().toString(36).slice(2)}`);
  await client.copyToLocal(path, f);
  return readFileSync(f);
}

/**
 * The TaskResults' owner: a real Workflow object (labelled with a controller instance id no controller serves, so
 * no controller runs it), else the garbage collector of a running kube-controller-manager deletes TaskResults whose
 * owner does not exist before they can be compared.
 */
const owner = { name: `hdfs-test-${Date.now().toString(36)}`, uid: '' };
const wfPath = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflows`;

before(async () => {
  const r = await admin.req('POST', wfPath, {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
    metadata: { name: owner.name, labels: { 'workflows.argoproj.io/controller-instanceid': 'argoexec-ts-hdfs-test-no-controller' } },
    spec: { entrypoint: 'x', templates: [{ name: 'x', container: { image: 'x' } }] },
  });
  assert.equal(r.status, 201, `create Workflow: ${r.status} ${r.text}`);
  owner.uid = (r.body as { metadata: { uid: string } }).metadata.uid;
  client = await HdfsClient.connect({ addresses: [ADDR], user: USER });
  await put(`${ROOT}/fixtures/big.bin`, BIG);
  await put(`${ROOT}/fixtures/hello.txt`, SMALL);
  await put(`${ROOT}/fixtures/empty`, Buffer.alloc(0));
  await client.mkdirAll(`${ROOT}/fixtures/dir/sub`, 0o777);
});
after(async () => {
  await admin.req('DELETE', `${wfPath}/${owner.name}`).catch(() => undefined);
  await client?.remove(ROOT, true).catch(() => undefined);
  client?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const hdfs = (path: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ addresses: [ADDR], path, hdfsUser: USER, ...extra });

interface LoadOutcome { code: number | null; message: string; file?: string; output: string }

async function load(executor: Executor, artifact: Record<string, unknown>): Promise<LoadOutcome> {
  const pod = new PodSim({ template: { name: 'hdfs-in', container: { image: 'x' }, inputs: { artifacts: [{ name: 'in', path: '/in/file', ...artifact }] } }, executor });
  try {
    const r = await pod.runInit();
    const out: LoadOutcome = { code: r.code, message: pod.terminationMessage('init'), output: r.stdout + r.stderr };
    const f = pod.path('input-artifacts', 'in');
    if (r.code === 0 && existsSync(f)) out.file = sha(readFileSync(f));
    return out;
  } finally {
    pod.cleanup();
  }
}

/** Both executors load `artifact`; they must agree; returns the outcome. */
async function loadBoth(artifact: Record<string, unknown>): Promise<LoadOutcome> {
  const go = await load(GO_EXECUTOR, artifact);
  const ts = await load(TS_EXECUTOR, artifact);
  assert.equal(ts.code === 0, go.code === 0, `exit codes: ts ${ts.code} (${ts.message} ${ts.output.slice(-400)}), go ${go.code} (${go.message})`);
  assert.equal(ts.message, go.message, 'termination message');
  assert.equal(ts.file, go.file, 'loaded bytes');
  return go;
}

describe('HDFS input artifacts (init), ours vs the Go executor', () => {
  test('a file of 3 blocks and a small file: the same bytes as in HDFS', async () => {
    const big = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/big.bin`) });
    assert.equal(big.code, 0, big.message);
    assert.equal(big.file, sha(BIG));
    const small = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/hello.txt`), archive: { none: {} } });
    assert.equal(small.file, sha(SMALL));
    const empty = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/empty`) });
    assert.equal(empty.code, 0, empty.message);
    assert.equal(empty.file, sha(Buffer.alloc(0)));
  });

  test('checksums: a corrupt replica is skipped for the other one; with every replica corrupt ours fails (Go delivers the corrupt bytes)', async () => {
    // The DataNodes' block files live under HDFS_DATA_DIR (the peer's data directory); a DataNode sends a block's
    // stored CRCs without checking them, so flipping a byte on disk is caught by the client.
    const dataDir = STACK.HDFS_DATA_DIR ?? process.env.HDFS_DATA_DIR ?? '';
    assert.ok(dataDir && existsSync(dataDir), 'HDFS_DATA_DIR must name the peer\'s data directory (.stack/env)');
    const files = (dir: string, out: string[] = []): string[] => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) files(join(dir, e.name), out);
        else out.push(join(dir, e.name));
      }
      return out;
    };
    const corrupt = async (path: string, replicas: number): Promise<void> => {
      const [, second] = await client.blocks(path, BIG.length);
      const id = String(second?.b?.blockId);
      const found = files(join(dataDir, 'dfs')).filter((f) => f.endsWith(`/blk_${id}`));
      assert.equal(found.length, 2, `two replicas of block ${id}`);
      for (const f of found.slice(0, replicas)) {
        const fd = openSync(f, 'r+');
        writeSync(fd, Buffer.from([0x5a ^ (readFileSync(f)[1000] as number)]), 0, 1, 1000); // byte 1 MiB + 1000 of the file
        closeSync(fd);
      }
    };
    // One bad replica: ours never delivers its bytes (the NameNode orders the two replicas at random, so three loads
    // very likely meet the bad one first at least once and fail over). Go is left out here: when it meets the bad
    // replica first it delivers the corrupt bytes (below).
    await put(`${ROOT}/crc/one.bin`, BIG);
    await corrupt(`${ROOT}/crc/one.bin`, 1);
    for (let i = 0; i < 3; i++) {
      const one = await load(TS_EXECUTOR, { hdfs: hdfs(`${ROOT}/crc/one.bin`) });
      assert.equal(one.code, 0, one.message);
      assert.equal(one.file, sha(BIG));
    }
    // Every replica bad: ours fails; Go (colinmarc/hdfs BlockReader.Read returns the bytes of a read whose checksum
    // failed, then resumes after them on the next replica) succeeds with the corrupt byte in the file.
    await put(`${ROOT}/crc/both.bin`, BIG);
    await corrupt(`${ROOT}/crc/both.bin`, 2);
    const ts = await load(TS_EXECUTOR, { hdfs: hdfs(`${ROOT}/crc/both.bin`) });
    assert.notEqual(ts.code, 0);
    assert.equal(ts.message, 'artifact in failed to load: invalid checksum');
    const go = await load(GO_EXECUTOR, { hdfs: hdfs(`${ROOT}/crc/both.bin`) });
    assert.equal(go.code, 0, go.message);
    const flipped = Buffer.from(BIG);
    flipped[1024 * 1024 + 1000] = (flipped[1024 * 1024 + 1000] as number) ^ 0x5a;
    assert.equal(go.file, sha(flipped), 'Go delivers the corrupt byte');
  });

  test('HA address list: a NameNode that refuses connections is skipped; force on load changes nothing', async () => {
    const o = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/hello.txt`, { addresses: ['127.0.0.1:1', ADDR], force: true }) });
    assert.equal(o.code, 0, o.message);
    assert.equal(o.file, sha(SMALL));
  });

  test('a missing file: not found (Go text), and skipped when optional', async () => {
    const o = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/nope`) });
    assert.notEqual(o.code, 0);
    assert.equal(o.message, `artifact in failed to load: stat ${ROOT}/fixtures/nope: file does not exist`);
    const opt = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/nope`), optional: true });
    assert.equal(opt.code, 0, opt.message);
    assert.equal(opt.file, undefined);
  });

  test('a directory is refused with Go\'s text', async () => {
    const o = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/dir`) });
    assert.notEqual(o.code, 0);
    assert.equal(o.message, 'artifact in failed to load: HDFS artifact does not suppot directory copy');
  });

  test('unreachable NameNodes: every address fails, the last dial error is reported', async () => {
    const o = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/hello.txt`, { addresses: ['127.0.0.1:2', '127.0.0.1:1'] }) });
    assert.notEqual(o.code, 0);
    assert.equal(o.message, 'artifact in failed to load: no available namenodes: dial tcp 127.0.0.1:1: connect: connection refused');
  });

  test('no hdfsUser (and no Kerberos): user not specified', async () => {
    const o = await loadBoth({ hdfs: { addresses: [ADDR], path: `${ROOT}/fixtures/hello.txt` } });
    assert.notEqual(o.code, 0);
    assert.equal(o.message, 'artifact in failed to load: user not specified');
  });

  test('a relative path: the NameNode\'s exception, unmapped, as Go prints it', async () => {
    const o = await loadBoth({ hdfs: hdfs('relative/file') });
    assert.notEqual(o.code, 0);
    // The exception class is the server's (InvalidPathException; the test peer runs with Java assertions on).
    assert.match(o.message, /^artifact in failed to load: stat relative\/file: getFileInfo call failed with ERROR_APPLICATION \([\w.$]+\)$/);
  });

  test('a path the user may not read: permission denied from the NameNode', async () => {
    const f = join(scratch, 'secret');
    writeFileSync(f, 'secret');
    const root = await HdfsClient.connect({ addresses: [ADDR], user: 'root' });
    try {
      await root.mkdirAll(`${ROOT}/private`, 0o700);
    } finally {
      root.close();
    }
    const o = await loadBoth({ hdfs: hdfs(`${ROOT}/private/x`) });
    assert.notEqual(o.code, 0);
    assert.equal(o.message, `artifact in failed to load: stat ${ROOT}/private/x: permission denied`);
  });
});

interface SaveOutcome { code: number | null | undefined; message: string; tr?: unknown; output: string }

const OUT_SCRIPT = 'set -e; mkdir -p /tmp/d; echo one > /tmp/d/one; head -c 3150000 /dev/urandom > /tmp/big; printf "hello world\\n" > /tmp/hello.txt';

async function save(executor: Executor, artifacts: Record<string, unknown>[], script = OUT_SCRIPT): Promise<SaveOutcome> {
  const ids = { workflowName: owner.name, workflowUid: owner.uid, nodeId: `${owner.name}-${Math.floor(Math.random() * 1e9)}` };
  const pod = new PodSim({ template: { name: 'hdfs-out', container: { image: 'x' }, outputs: { artifacts } }, executor }, ids);
  try {
    const r = await pod.run(['sh', '-c', script]);
    assert.equal(r.init.code, 0, r.init.stderr);
    assert.equal(r.main?.code, 0, r.main?.stderr);
    const out: SaveOutcome = { code: r.wait?.code, message: pod.terminationMessage('wait'), output: (r.wait?.stdout ?? '') + (r.wait?.stderr ?? '') };
    // A failed save leaves no TaskResult with either executor (404): `null` then.
    const raw = await getTaskResult(pod.nodeId).catch((e: Error) => { if (/ 404 /.test(e.message)) return null; throw e; });
    let s = JSON.stringify(raw === null ? null : stripServerFields(raw));
    for (const [from, to] of [[pod.nodeId, '<NODE>'], [pod.workflowName, '<WF>'], [pod.workflowUid, '<UID>']] as const) s = s.split(from).join(to);
    out.tr = JSON.parse(s);
    if (raw !== null) await deleteTaskResult(pod.nodeId);
    return out;
  } finally {
    pod.cleanup();
  }
}

/** An output written to `<base>/<name>` with `extra` fields on its hdfs location. */
const outArt = (base: string, name: string, path: string, extra: Record<string, unknown> = {}, art: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ name, path, hdfs: hdfs(`${base}/${name}`, extra), ...art });

/** The TaskResult with the run's HDFS base path replaced, so Go's and ours compare. */
const norm = (tr: unknown, base: string): unknown => JSON.parse(JSON.stringify(tr).split(base).join('<BASE>'));

describe('HDFS output artifacts (wait), ours vs the Go executor', () => {
  test('a file (archive none, 3 blocks), a tgz, a directory as tgz; new parent directories: same TaskResult, bytes cross-read', async () => {
    const arts = (base: string): Record<string, unknown>[] => [
      outArt(base, 'big', '/tmp/big', {}, { archive: { none: {} } }),
      outArt(base, 'hello', '/tmp/hello.txt'),
      outArt(`${base}/deep/er`, 'd', '/tmp/d'),
    ];
    const go = await save(GO_EXECUTOR, arts(`${ROOT}/out-go`));
    const ts = await save(TS_EXECUTOR, arts(`${ROOT}/out-ts`));
    assert.equal(go.code, 0, go.message + go.output);
    assert.equal(ts.code, 0, ts.message + ts.output);
    assert.deepEqual(norm(ts.tr, `${ROOT}/out-ts`), norm(go.tr, `${ROOT}/out-go`));
    for (const side of ['go', 'ts']) {
      assert.deepEqual((await client.list(`${ROOT}/out-${side}`)).map((e) => e.name).sort(), ['big', 'deep', 'hello']);
      assert.equal((await client.stat(`${ROOT}/out-${side}/big`)).length, 3150000);
      assert.equal((await client.stat(`${ROOT}/out-${side}/deep/er/d`)).isDir, false, 'the directory went as one tgz file');
    }
    // Each executor's init reads what the other's wait wrote (the hello tgz is unpacked on load by both).
    for (const [reader, writer] of [[TS_EXECUTOR, 'go'], [GO_EXECUTOR, 'ts']] as const) {
      const big = await load(reader, { hdfs: hdfs(`${ROOT}/out-${writer}/big`) });
      assert.equal(big.code, 0, big.message);
      assert.equal(big.file, sha(await get(`${ROOT}/out-${writer}/big`)));
      const hello = await load(reader, { hdfs: hdfs(`${ROOT}/out-${writer}/hello`) });
      assert.equal(hello.code, 0, hello.message);
      assert.equal(hello.file, sha(SMALL), `${reader.name} reading ${writer}'s hello`);
    }
  });

  test('overwrite: force replaces the file, without force Go\'s `file already exists`', async () => {
    for (const side of ['go', 'ts']) {
      await put(`${ROOT}/ow-${side}/hello`, Buffer.from('old'));
      await put(`${ROOT}/owf-${side}/hello`, Buffer.from('old'));
    }
    const plain = (base: string): Record<string, unknown>[] => [outArt(base, 'hello', '/tmp/hello.txt', {}, { archive: { none: {} } })];
    const go = await save(GO_EXECUTOR, plain(`${ROOT}/ow-go`));
    const ts = await save(TS_EXECUTOR, plain(`${ROOT}/ow-ts`));
    assert.notEqual(go.code, 0);
    assert.equal(ts.code, go.code);
    assert.equal(go.message, `create ${ROOT}/ow-go/hello: file already exists; ` /* wait's errors, each followed by `; ` */);
    assert.equal(ts.message, go.message.replace('ow-go', 'ow-ts'));
    assert.deepEqual(norm(ts.tr, `${ROOT}/ow-ts`), norm(go.tr, `${ROOT}/ow-go`));
    for (const side of ['go', 'ts']) assert.equal((await get(`${ROOT}/ow-${side}/hello`)).toString(), 'old', `${side}: untouched`);

    const forced = (base: string): Record<string, unknown>[] => [outArt(base, 'hello', '/tmp/hello.txt', { force: true }, { archive: { none: {} } })];
    const gof = await save(GO_EXECUTOR, forced(`${ROOT}/owf-go`));
    const tsf = await save(TS_EXECUTOR, forced(`${ROOT}/owf-ts`));
    assert.equal(gof.code, 0, gof.message);
    assert.equal(tsf.code, 0, tsf.message);
    assert.deepEqual(norm(tsf.tr, `${ROOT}/owf-ts`), norm(gof.tr, `${ROOT}/owf-go`));
    for (const side of ['go', 'ts']) assert.equal((await get(`${ROOT}/owf-${side}/hello`)).toString(), 'hello world\n', side);
  });

  test('paths in the way: a non-empty directory (force or not), an empty one (force), a file as parent, a directory the user may not write', async () => {
    const root = await HdfsClient.connect({ addresses: [ADDR], user: 'root' });
    try {
      for (const side of ['go', 'ts']) {
        await put(`${ROOT}/way-${side}/full/child`, Buffer.from('x'));
        await client.mkdirAll(`${ROOT}/way-${side}/empty`, 0o777);
        await put(`${ROOT}/way-${side}/file`, Buffer.from('x'));
        await root.mkdirAll(`${ROOT}/way-${side}/locked`, 0o755);
      }
    } finally {
      root.close();
    }
    const cases: [string, Record<string, unknown>, string][] = [
      ['full', { force: true }, 'remove <BASE>/full: directory not empty; '],
      ['full', {}, 'create <BASE>/full: file already exists; '],
      ['empty', { force: true }, ''],
      ['file/x', {}, 'stat <BASE>/file/x: permission denied; ' /* the NameNode answers AccessControlException (parent is not a directory) */],
      ['locked/x', {}, 'create <BASE>/locked/x: permission denied; '],
    ];
    for (const [name, extra, want] of cases) {
      const arts = (base: string): Record<string, unknown>[] => [{ name: 'o', path: '/tmp/hello.txt', archive: { none: {} }, hdfs: hdfs(`${base}/${name}`, extra) }];
      const go = await save(GO_EXECUTOR, arts(`${ROOT}/way-go`));
      const ts = await save(TS_EXECUTOR, arts(`${ROOT}/way-ts`));
      assert.equal(go.message.split(`${ROOT}/way-go`).join('<BASE>'), want, `go: ${name} ${JSON.stringify(extra)}`);
      assert.equal(ts.message.split(`${ROOT}/way-ts`).join('<BASE>'), want, `ts: ${name} ${JSON.stringify(extra)}`);
      assert.equal(ts.code, go.code, name);
      assert.deepEqual(norm(ts.tr, `${ROOT}/way-ts`), norm(go.tr, `${ROOT}/way-go`), name);
    }
    for (const side of ['go', 'ts']) assert.equal((await get(`${ROOT}/way-${side}/empty`)).toString(), 'hello world\n', `${side}: the empty directory was replaced`);
  });

  test('a directory with archive none is refused; an unreachable NameNode fails the save', async () => {
    const dirNone = (base: string): Record<string, unknown>[] => [outArt(base, 'd', '/tmp/d', {}, { archive: { none: {} } })];
    const go = await save(GO_EXECUTOR, dirNone(`${ROOT}/dn-go`));
    const ts = await save(TS_EXECUTOR, dirNone(`${ROOT}/dn-ts`));
    assert.equal(go.message, 'HDFS artifact does not suppot directory copy; ');
    assert.equal(ts.message, go.message);
    assert.equal(ts.code, go.code);
    assert.deepEqual(norm(ts.tr, `${ROOT}/dn-ts`), norm(go.tr, `${ROOT}/dn-go`));

    const down = (base: string): Record<string, unknown>[] => [outArt(base, 'hello', '/tmp/hello.txt', { addresses: ['127.0.0.1:1'] })];
    const god = await save(GO_EXECUTOR, down(`${ROOT}/x`));
    const tsd = await save(TS_EXECUTOR, down(`${ROOT}/x`));
    assert.equal(god.message, 'no available namenodes: dial tcp 127.0.0.1:1: connect: connection refused; ');
    assert.equal(tsd.message, god.message);
    assert.deepEqual(tsd.tr, god.tr);
  });
});

/**
 * A standby NameNode: accepts the `hrpc` handshake and answers every call with the StandbyException an HA pair's
 * standby sends (status ERROR, `Operation category READ is not supported in state standby`). The only fake here:
 * the stack runs one NameNode; the Go client decodes these answers independently of our encoder.
 */
async function standbyNameNode(): Promise<{ addr: string; server: Server; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((sock) => {
    let buf = Buffer.alloc(0);
    let headerSeen = false;
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!headerSeen) {
        if (buf.length < 7) return;
        buf = buf.subarray(7);
        headerSeen = true;
      }
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const body = buf.subarray(4, 4 + buf.readUInt32BE(0));
        buf = buf.subarray(4 + body.length);
        const [len, n] = readUvarint(body) ?? [0, 0];
        const rrh = decode('RpcRequestHeaderProto', body.subarray(n, n + len));
        if (rrh.callId === -3) continue; // connection context
        const rest = body.subarray(n + len);
        const [len2, n2] = readUvarint(rest) ?? [0, 0];
        calls.push(String(decode('RequestHeaderProto', rest.subarray(n2, n2 + len2)).methodName));
        const resp = encodeDelimited('RpcResponseHeaderProto', {
          callId: rrh.callId, status: 1, serverIpcVersionNum: 9, errorDetail: 1, clientId: rrh.clientId, retryCount: -1,
          exceptionClassName: 'org.apache.hadoop.ipc.StandbyException', errorMsg: 'Operation category READ is not supported in state standby',
        });
        const len4 = Buffer.alloc(4);
        len4.writeUInt32BE(resp.length);
        sock.write(Buffer.concat([len4, resp]));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { addr: `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, server, calls };
}

describe('HA: a standby NameNode first in the list', () => {
  let standby: Awaited<ReturnType<typeof standbyNameNode>>;
  before(async () => { standby = await standbyNameNode(); });
  after(() => { standby?.server.close(); });

  test('the call moves on to the active NameNode (load and save), as in Go', async () => {
    const o = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/big.bin`, { addresses: [standby.addr, ADDR] }) });
    assert.equal(o.code, 0, o.message);
    assert.equal(o.file, sha(BIG));
    assert.ok(standby.calls.length >= 2 && standby.calls.every((c) => c === 'getFileInfo'), `standby saw ${standby.calls.join(',')}`);
    const out = (base: string): Record<string, unknown>[] => [outArt(base, 'hello', '/tmp/hello.txt', { addresses: [standby.addr, ADDR] }, { archive: { none: {} } })];
    const go = await save(GO_EXECUTOR, out(`${ROOT}/ha-go`));
    const ts = await save(TS_EXECUTOR, out(`${ROOT}/ha-ts`));
    assert.equal(go.code, 0, go.message);
    assert.equal(ts.code, 0, ts.message);
    assert.deepEqual(norm(ts.tr, `${ROOT}/ha-ts`), norm(go.tr, `${ROOT}/ha-go`));
    for (const side of ['go', 'ts']) assert.equal((await get(`${ROOT}/ha-${side}/hello`)).toString(), 'hello world\n', side);
  });

  test('only standbys: Go\'s `no available namenodes: <the standby error>`', async () => {
    const o = await loadBoth({ hdfs: hdfs(`${ROOT}/fixtures/hello.txt`, { addresses: [standby.addr] }) });
    assert.notEqual(o.code, 0);
    assert.equal(o.message, `artifact in failed to load: stat ${ROOT}/fixtures/hello.txt: no available namenodes: getFileInfo call failed with ERROR_APPLICATION (org.apache.hadoop.ipc.StandbyException)`);
  });
});

describe('HDFS options this executor does not support: both executors fail, ours says why', () => {
  test('dataTransferProtection on this (non-Kerberos) cluster: Go fails with `unexpected EOF`, ours names the option', async () => {
    const art = { hdfs: hdfs(`${ROOT}/fixtures/hello.txt`, { dataTransferProtection: 'privacy' }) };
    const go = await load(GO_EXECUTOR, art);
    const ts = await load(TS_EXECUTOR, art);
    assert.equal(go.message, 'artifact in failed to load: unexpected EOF');
    assert.equal(ts.code, go.code);
    assert.equal(ts.message, 'artifact in failed to load: HDFS dataTransferProtection "privacy" (SASL on DataNode connections, for Kerberos clusters) is not supported by this executor');
  });

  test('Kerberos (a ccache secret): Go fails reading it (no KDC here to go further), ours refuses Kerberos', async () => {
    const art = { hdfs: { addresses: [ADDR], path: `${ROOT}/fixtures/hello.txt`, krbCCacheSecret: { name: 'krb', key: 'ccache' }, krbServicePrincipalName: 'hdfs/namenode' } };
    const run = async (executor: Executor): Promise<{ code: number | null; message: string }> => {
      const pod = new PodSim({ template: { name: 'hdfs-in', container: { image: 'x' }, inputs: { artifacts: [{ name: 'in', path: '/in/file', ...art }] } }, executor, secrets: { krb: { ccache: 'not a ccache' } } });
      try {
        const r = await pod.runInit();
        return { code: r.code, message: pod.terminationMessage('init') };
      } finally {
        pod.cleanup();
      }
    };
    const go = await run(GO_EXECUTOR);
    const ts = await run(TS_EXECUTOR);
    assert.equal(go.message, 'Invalid credential cache data. First byte does not equal 5');
    assert.equal(ts.code, go.code);
    assert.match(ts.message, /HDFS Kerberos authentication \(krbCCacheSecret, krbKeytabSecret\) is not supported by this executor; use hdfsUser/);
  });
});

describe('artifact GC (`argoexec artifact delete`) of an HDFS artifact, ours vs Go', () => {
  const WFAT = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowartifactgctasks`;
  test('the task status reports Go\'s `delete not supported…` for the artifact; the file stays', async () => {
    const results: Record<string, unknown> = {};
    for (const executor of [GO_EXECUTOR, TS_EXECUTOR]) {
      const hash = String(Math.floor(Math.random() * 4e9));
      const task = `hdfs-gc-${Date.now()}-${executor.name}`;
      const created = await admin.req('POST', WFAT, {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowArtifactGCTask',
        metadata: { name: task, labels: { 'workflows.argoproj.io/artifact-gc-pod': hash } },
        spec: { artifactsByNode: { n: { artifacts: { a: { name: 'a', path: '/tmp/a', hdfs: hdfs(`${ROOT}/fixtures/hello.txt`) } } } } },
      });
      assert.equal(created.status, 201, created.text);
      const pod = new PodSim({ template: {}, executor });
      try {
        const r = await pod.start('wait', ['argoexec', 'artifact', 'delete', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], {
          ARGO_POD_NAME: `gc-${hash}`, ARGO_ARTIFACT_POD_NAME: hash, ARGO_TEMPLATE: '{}', ARGO_ARTIFACT_PLUGIN_NAMES: '',
          ARGO_DEADLINE: new Date(Date.now() + 600_000).toISOString().replace(/\.\d+Z$/, 'Z'), RETRY_BACKOFF_STEPS: '2',
          KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443', PATH: `${executor.binDir}:/usr/bin:/bin`,
        }).done;
        assert.equal(r.code, 0, `${executor.name}: ${r.stderr.slice(-1500)}`);
      } finally {
        pod.cleanup();
      }
      const got = await admin.req('GET', `${WFAT}/${task}`);
      results[executor.name] = (got.body as { status?: unknown }).status;
      await admin.req('DELETE', `${WFAT}/${task}`);
    }
    assert.deepEqual(results.go, { artifactResultsByNode: { n: { artifactResults: { a: { name: 'a', error: DELETE_NOT_SUPPORTED } } } } });
    assert.deepEqual(results.ts, results.go);
    assert.equal((await get(`${ROOT}/fixtures/hello.txt`)).toString(), SMALL.toString());
  });
});

describe('HDFS driver: operations Go does not support, options we do not support', () => {
  const ctx = ctxFor(scratch);
  test('delete (artifact GC), listing and IsDirectory fail with Go\'s texts', async () => {
    const art = { name: 'a', path: '/x', hdfs: hdfs(`${ROOT}/fixtures/hello.txt`) };
    const d = newHdfsDriver(art, ctx);
    await assert.rejects(d.delete(art), { message: DELETE_NOT_SUPPORTED });
    await assert.rejects(d.listObjects(art), { message: 'ListObjects is currently not supported for this artifact type, but it will be in a future version' });
    await assert.rejects(d.isDirectory(art), { message: 'IsDirectory currently unimplemented for HDFS' });
  });

  test('Kerberos and dataTransferProtection: a clear error, nothing attempted', async () => {
    for (const krb of [{ krbKeytabSecret: { name: 'k', key: 'keytab' } }, { krbCCacheSecret: { name: 'k', key: 'ccache' } }]) {
      const a = { name: 'a', path: '/x', hdfs: hdfs(`${ROOT}/fixtures/hello.txt`, krb) };
      const d = newHdfsDriver(a, ctx);
      await assert.rejects(d.load(a, join(scratch, 'krb')), /Kerberos authentication .* is not supported/);
      await assert.rejects(d.save(join(scratch, 'put'), a), /Kerberos authentication .* is not supported/);
      await assert.rejects(d.delete(a), { message: DELETE_NOT_SUPPORTED }, 'GC still reports Go\'s text');
    }
    assert.equal(existsSync(join(scratch, 'krb')), false);
    const art = { name: 'a', path: '/x', hdfs: hdfs(`${ROOT}/fixtures/hello.txt`, { dataTransferProtection: 'privacy' }) };
    await assert.rejects(newHdfsDriver(art, ctx).load(art, join(scratch, 'dtp')), /dataTransferProtection "privacy" .* is not supported/);
    assert.equal(existsSync(join(scratch, 'dtp')), false);
  });
});
