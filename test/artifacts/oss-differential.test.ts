/**
 * OSS artifacts through the real executables, side by side: the Go reference ($REFERENCE_ARGOEXEC, v4.1.2, with
 * aliyun-oss-go-sdk v3.0.2) and dist/argoexec, each in a simulated pod (test/support/pod-sim.ts) against its own
 * fresh fake OSS (test/support/oss-server.ts, which verifies every request's signature), seeded identically. Go's
 * requests are recorded first; ours must be the same operations on the same keys with the same relevant headers
 * (Content-Type, Content-Length of plain objects, x-oss-security-token, bodies of bucket configuration), the stored
 * objects must be identical (tar.gz outputs: the same tar entries — gzip bytes differ between any two compressors),
 * and the outcome the same: input trees, the TaskResult, the GC task's status, or the termination message of a
 * failure. No secret appears in any output.
 *
 * Cases: 1 init loads (tar.gz file, plain file with a security token, directory with markers); 2 wait saves (tar.gz
 * file, plain file, directory; createBucketIfNotPresent on a missing bucket; lifecycleRule) and the TaskResult calls;
 * 3 failures (wrong secret, missing bucket, missing key — Go's takes ~30 s of retries); 4 artifact GC; 5 an optional
 * missing input (ours only: the one deliberate difference); 6 ARGO_TRACE=1 bucket logging;
 * 7 refused uploads in wait; 8 https_proxy; 9 useSDKCreds (profile file, credentials URI); 10 Argo's
 * input-artifact-oss.yaml key shape.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOssFake, type OssFake, type RecordedRequest } from '../support/oss-server.ts';
import { HttpProxy } from '../support/http-proxy.ts';
import { GO_EXECUTOR, NAMESPACE, PodSim, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';
import { ApiProxy } from '../wait/api-proxy.ts';
import { admin, tarEntries } from '../wait/helpers.ts';

assert.ok(STACK.REFERENCE_ARGOEXEC && existsSync(STACK.REFERENCE_ARGOEXEC), 'REFERENCE_ARGOEXEC must be built (make stack-up)');
const EXECUTORS = [GO_EXECUTOR, TS_EXECUTOR] as const;
const SECRET_KEY = 'diff-secret-key-0123456789';
const ACCESS_KEY = 'diff-access-key';
const SECRETS = { 'oss-cred': { accessKey: ACCESS_KEY, secretKey: SECRET_KEY, wrongSecret: 'wrong-secret-key-9876' } };

let scratch: string;
let tgz: Buffer;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'oss-diff-'));
  mkdirSync(join(scratch, 'src'));
  writeFileSync(join(scratch, 'src', 'file.txt'), 'from a tarball\n');
  execFileSync('tar', ['czf', join(scratch, 'file.tgz'), '-C', join(scratch, 'src'), 'file.txt']);
  tgz = readFileSync(join(scratch, 'file.tgz'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

async function seededFake(): Promise<OssFake> {
  const fake = await startOssFake({ accessKeyId: ACCESS_KEY, accessKeySecret: SECRET_KEY, buckets: ['my-bucket'] });
  fake.put('my-bucket', 'in/file.tgz', tgz, 'application/x-compressed-tar');
  fake.put('my-bucket', 'in/plain.txt', 'plain text\n', 'text/plain');
  fake.put('my-bucket', 'in/dir/', '');
  fake.put('my-bucket', 'in/dir/a.txt', 'A\n');
  fake.put('my-bucket', 'in/dir/empty/', '');
  fake.put('my-bucket', 'in/dir/sub/', '');
  fake.put('my-bucket', 'in/dir/sub/b.txt', 'B\n');
  return fake;
}

function oss(fake: OssFake, key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { endpoint: fake.endpoint, bucket: 'my-bucket', key, accessKeySecret: { name: 'oss-cred', key: 'accessKey' }, secretKeySecret: { name: 'oss-cred', key: 'secretKey' }, ...extra };
}

/** What must be equal between the executors' requests: the operation, the object, the relevant headers. */
function normalise(reqs: RecordedRequest[], opts: { tgzLength?: boolean } = {}): string[] {
  return reqs.map((r) => {
    const q = Object.keys(r.query).sort().map((k) => {
      const v = k === 'uploadId' || k === 'continuation-token' ? '*' : r.query[k];
      return v === '' ? k : `${k}=${v}`;
    }).join('&');
    const h: string[] = [];
    if (r.method === 'PUT' || r.method === 'POST') {
      if (r.headers['content-type'] !== undefined) h.push(`type=${r.headers['content-type']}`);
      if (!(r.key.endsWith('.tgz') && !opts.tgzLength)) h.push(`length=${r.headers['content-length'] ?? 'chunked'}`);
    }
    for (const [k, v] of Object.entries(r.headers)) if (k.startsWith('x-oss-')) h.push(`${k}=${v}`);
    return `${r.method} /${r.bucket}/${r.key}${q ? `?${q}` : ''} [${h.join(' ')}] → ${r.status}${r.code ? ` ${r.code}` : ''}${r.body ? ` body=${r.body}` : ''}`;
  });
}

function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) { out[`${r}/`] = mode; walk(p, r); } else if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(p)}`; else out[r] = `${mode} ${readFileSync(p, 'utf8')}`;
    }
  };
  walk(root, '');
  return out;
}

function assertNoSecret(name: string, ...texts: string[]): void {
  for (const t of texts) for (const s of [SECRET_KEY, 'wrong-secret-key-9876']) assert.ok(!t.includes(s), `${name}: a secret key appears in the output`);
}

describe('OSS, Go reference vs argoexec-ts against the signature-verifying fake', () => {
  test('1. init: tar.gz file, plain file (securityToken), directory with markers — same requests, same trees', { timeout: 120_000 }, async () => {
    const results: Record<string, { tree: Record<string, string>; requests: string[] }> = {};
    for (const executor of EXECUTORS) {
      const fake = await seededFake();
      const pod = new PodSim({
        template: { name: 'oss-in', container: { image: 'x' }, inputs: { artifacts: [
          { name: 'tgz', path: '/in/file.txt', oss: oss(fake, 'in/file.tgz') },
          { name: 'plain', path: '/in/plain.txt', archive: { none: {} }, oss: oss(fake, 'in/plain.txt', { securityToken: 'sts-token' }) },
          { name: 'dir', path: '/in/dir', archive: { none: {} }, oss: oss(fake, 'in/dir') },
        ] } },
        secrets: SECRETS, executor,
      });
      try {
        const r = await pod.runInit();
        assertNoSecret(executor.name, r.stdout, r.stderr);
        assert.equal(r.code, 0, `${executor.name} init: ${r.stderr}`);
        results[executor.name] = { tree: tree(pod.path('input-artifacts')), requests: normalise(fake.requests) };
      } finally {
        pod.cleanup();
        await fake.close();
      }
    }
    assert.deepEqual(results.go?.tree, {
      'dir/': '700', 'dir/a.txt': '664 A\n', 'dir/empty/': '700', 'dir/sub/': '700', 'dir/sub/b.txt': '664 B\n', 'plain': '664 plain text\n', 'tgz': '644 from a tarball\n',
    }, 'Go reference (modes: the SDK creates files 0664, oss.go directories 0700, under init\'s umask)');
    assert.deepEqual(results.ts?.tree, results.go?.tree);
    assert.deepEqual(results.ts?.requests, results.go?.requests);
  });

  test('2. wait: outputs to a bucket created on demand with a lifecycle rule — same requests, objects and TaskResult', { timeout: 180_000 }, async () => {
    const stamp = Date.now();
    const ids = { workflowName: `oss-diff-${stamp}`, nodeId: `oss-diff-${stamp}-1` };
    const results: Record<string, { tr: unknown; requests: string[]; objects: Record<string, unknown> }> = {};
    for (const executor of EXECUTORS) {
      const fake = await seededFake();
      const archiveLocation = { oss: oss(fake, `out/${ids.nodeId}`, { bucket: 'new-bucket', createBucketIfNotPresent: true, lifecycleRule: { markInfrequentAccessAfterDays: 7, markDeletionAfterDays: 30 } }) };
      // The TaskResult calls are answered by the proxy itself and compared as sent: a Workflow owning the TaskResult
      // does not exist here, and the stack's garbage collector may delete such TaskResults before they can be read.
      const proxy = await ApiProxy.start();
      proxy.decide = (q) => ({ status: q.method === 'POST' ? 201 : 200, body: q.body ? JSON.parse(q.body) : {} });
      const pod = new PodSim({
        kubePort: String(proxy.port),
        template: {
          name: 'oss-out', container: { image: 'x' },
          outputs: { artifacts: [
            { name: 'file', path: '/tmp/file.txt' },
            { name: 'plain', path: '/tmp/file.txt', archive: { none: {} } },
            { name: 'dir', path: '/tmp/dir', archive: { none: {} } },
          ] },
          archiveLocation,
        },
        secrets: SECRETS, executor,
      }, ids);
      writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
      try {
        const r = await pod.run(['sh', '-c', 'mkdir -p /tmp/dir/sub /tmp/dir/empty; printf hello > /tmp/file.txt; echo one > /tmp/dir/one; echo two > /tmp/dir/sub/two.json']);
        assertNoSecret(executor.name, r.init.stderr, r.wait?.stderr ?? '', pod.terminationMessage('wait'));
        assert.equal(r.wait?.code, 0, `${executor.name} wait: ${r.wait?.stderr}`);
        // Bodies compared as JSON (client-go's encoder ends a POST body with a newline; ours does not).
        const tr = proxy.requests.map((q) => `${q.method} ${q.path} ${JSON.stringify(JSON.parse(q.body.split(pod.workflowUid).join('<UID>') || '{}'))}`);
        const objects: Record<string, unknown> = {};
        for (const k of fake.keys('new-bucket')) {
          const data = fake.object('new-bucket', k) as Buffer;
          objects[k] = k.endsWith('.tgz') ? (await tarEntries(data)).map(({ name, type, mode, linkname, content }) => ({ name, type, mode, linkname, content })) : data.toString();
        }
        results[executor.name] = { tr, requests: normalise(fake.requests), objects };
      } finally {
        await proxy.close();
        pod.cleanup();
        await fake.close();
      }
    }
    const prefix = `out/${ids.nodeId}`;
    assert.deepEqual(Object.keys(results.go?.objects ?? {}), [`${prefix}/dir/`, `${prefix}/dir/empty/`, `${prefix}/dir/one`, `${prefix}/dir/sub/`, `${prefix}/dir/sub/two.json`, `${prefix}/file.tgz`, `${prefix}/file.txt`], 'Go reference keys');
    assert.deepEqual(results.ts?.objects, results.go?.objects);
    // Go uploads the artifacts one after another; compare the operations per object, in order.
    const byKey = (lines: string[] = []): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      for (const l of lines) { const k = l.split(' ')[1] ?? ''; (out[k] ??= []).push(l); }
      return out;
    };
    assert.deepEqual(byKey(results.ts?.requests), byKey(results.go?.requests));
    assert.deepEqual(results.ts?.tr, results.go?.tr);
  });

  test('3. failures: wrong secret, missing bucket, missing key, unreachable endpoint — the same termination message and exit status', { timeout: 300_000 }, async () => {
    const svc = (status: number, code: string, msg: string, ec: string): string =>
      `oss: service returned error: StatusCode=${status}, ErrorCode=${code}, ErrorMessage="${msg}", RequestId=[0-9A-F]{24}, Ec=${ec}`;
    const cases: { name: string; extra: Record<string, unknown>; key: string; go: RegExp }[] = [
      { name: 'wrong secret', key: 'in/plain.txt', extra: { secretKeySecret: { name: 'oss-cred', key: 'wrongSecret' } },
        go: new RegExp(`^artifact in failed to load: failed to get file: ${svc(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided\\. Check your key and signing method\\.', '0002-00000040')}$`) },
      { name: 'missing bucket', key: 'in/plain.txt', extra: { bucket: 'no-such-bucket' },
        go: new RegExp(`^artifact in failed to load: failed to get file: ${svc(404, 'NoSuchBucket', 'The specified bucket does not exist\\.', '0015-00000101')}$`) },
      { name: 'missing key', key: 'in/missing.txt', extra: {},
        go: new RegExp(`^artifact in failed to load: timed out waiting for the condition: ${svc(404, 'NoSuchKey', 'The specified key does not exist\\.', '0026-00000001')}$`) },
      // Nothing listens on port 1: a network error, retried five times (~30 s) by both.
      { name: 'unreachable endpoint', key: 'in/plain.txt', extra: { endpoint: 'http://127.0.0.1:1' },
        go: /^artifact in failed to load: timed out waiting for the condition: failed to get file: Get "http:\/\/127\.0\.0\.1:1\/my-bucket\/in%2Fplain\.txt": dial tcp 127\.0\.0\.1:1: connect: connection refused$/ },
    ];
    for (const c of cases) {
      const results: Record<string, [number | null, string, string[]]> = {};
      for (const executor of EXECUTORS) {
        const fake = await seededFake();
        const pod = new PodSim({ template: { name: 'oss-fail', container: { image: 'x' }, inputs: { artifacts: [{ name: 'in', path: '/in/x', archive: { none: {} }, oss: oss(fake, c.key, c.extra) }] } }, secrets: SECRETS, executor });
        try {
          const r = await pod.runInit();
          assertNoSecret(executor.name, r.stdout, r.stderr, pod.terminationMessage('init'));
          // Go retries a missing key five times; ours does not: compare the distinct operations.
          results[executor.name] = [r.code, pod.terminationMessage('init'), [...new Set(normalise(fake.requests))]];
          assert.ok(!existsSync(pod.path('input-artifacts', 'in')), `${executor.name}: nothing at the destination`);
        } finally {
          pod.cleanup();
          await fake.close();
        }
      }
      assert.equal(results.go?.[0], 64, `${c.name}: Go fails`);
      assert.match(results.go?.[1] ?? '', c.go, `${c.name}: Go's text`);
      assert.deepEqual(results.ts, results.go, c.name);
    }
  });

  test('4. artifact GC: the same DeleteObject requests and the same task status', { timeout: 120_000 }, async () => {
    const WFAT = `/apis/argoproj.io/v1alpha1/namespaces/${NAMESPACE}/workflowartifactgctasks`;
    const results: Record<string, { status: unknown; requests: string[]; keys: string[] }> = {};
    for (const executor of EXECUTORS) {
      const fake = await seededFake();
      fake.put('my-bucket', 'gc/a.tgz', 'a');
      fake.put('my-bucket', 'gc/b.txt', 'b');
      const hash = String(Math.floor(Math.random() * 4e9));
      const task = `oss-gc-${Date.now()}-${executor.name}`;
      const r0 = await admin.req('POST', WFAT, {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowArtifactGCTask',
        metadata: { name: task, labels: { 'workflows.argoproj.io/artifact-gc-pod': hash } },
        spec: { artifactsByNode: { n1: { artifacts: {
          a: { name: 'a', oss: oss(fake, 'gc/a.tgz') },
          b: { name: 'b', oss: oss(fake, 'gc/b.txt') },
          gone: { name: 'gone', oss: oss(fake, 'gc/never-there') },
          bad: { name: 'bad', oss: oss(fake, 'gc/b.txt', { bucket: 'no-such-bucket' }) },
        } } } },
      });
      assert.equal(r0.status, 201, r0.text);
      const proxy = await ApiProxy.start();
      const pod = new PodSim({ template: {}, secrets: SECRETS, kubePort: String(proxy.port), executor });
      writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
      try {
        const r = await pod.start('wait', ['argoexec', 'artifact', 'delete', '--loglevel', 'info', '--log-format', 'text', '--gloglevel', '0'], {
          ARGO_POD_NAME: `gc-${hash}`, ARGO_TEMPLATE: '{}', ARGO_DEADLINE: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ARGO_ARTIFACT_PLUGIN_NAMES: '',
          ARGO_ARTIFACT_POD_NAME: hash, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(proxy.port), PATH: `${pod.executor.binDir}:/usr/bin:/bin`,
        }, 240_000).done;
        assertNoSecret(executor.name, r.stdout, r.stderr);
        assert.equal(r.code, 0, `${executor.name}: ${r.stderr}`);
        const got = await admin.req('GET', `${WFAT}/${task}`);
        // Go walks the task's artifacts map in Go's random map order: compare the set of operations.
        results[executor.name] = { status: (got.body as { status?: unknown }).status, requests: [...new Set(normalise(fake.requests))].sort(), keys: fake.keys('my-bucket').filter((k) => k.startsWith('gc/')) };
      } finally {
        await admin.req('DELETE', `${WFAT}/${task}`);
        await proxy.close();
        pod.cleanup();
        await fake.close();
      }
    }
    assert.deepEqual(results.go?.keys, [], 'Go reference deleted both objects');
    const goResults = (results.go?.status as { artifactResultsByNode: { n1: { artifactResults: Record<string, { success?: boolean; error?: string }> } } }).artifactResultsByNode.n1.artifactResults;
    assert.deepEqual(Object.keys(goResults).sort(), ['a', 'b', 'bad', 'gone']);
    assert.equal(goResults.a?.success, true);
    assert.equal(goResults.gone?.success, true, 'deleting a missing object succeeds');
    assert.match(goResults.bad?.error ?? '', /^oss: service returned error: StatusCode=404, ErrorCode=NoSuchBucket/);
    assert.deepEqual(results.ts, results.go);
  });

  test('5. known deviation: an optional OSS input that does not exist is skipped by ours (Go fails it after ~30 s, case 3)', { timeout: 60_000 }, async () => {
    const fake = await seededFake();
    const pod = new PodSim({ template: { name: 'oss-opt', container: { image: 'x' }, inputs: { artifacts: [
      { name: 'opt', path: '/in/opt', optional: true, oss: oss(fake, 'in/missing.tgz') },
      { name: 'plain', path: '/in/plain.txt', archive: { none: {} }, oss: oss(fake, 'in/plain.txt') },
    ] } }, secrets: SECRETS, executor: TS_EXECUTOR });
    try {
      const r = await pod.runInit();
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(tree(pod.path('input-artifacts')), { plain: '664 plain text\n' });
    } finally {
      pod.cleanup();
      await fake.close();
    }
  });

  test('6. ARGO_TRACE=1: both set bucket logging on the bucket before loading (Go\'s side effect)', { timeout: 60_000 }, async () => {
    const results: Record<string, string[]> = {};
    for (const executor of EXECUTORS) {
      const fake = await seededFake();
      const pod = new PodSim({ template: { name: 'oss-trace', container: { image: 'x' }, inputs: { artifacts: [
        { name: 'plain', path: '/in/plain.txt', archive: { none: {} }, oss: oss(fake, 'in/plain.txt') },
      ] } }, secrets: SECRETS, executor, env: { ARGO_TRACE: '1' } });
      try {
        const r = await pod.runInit();
        assert.equal(r.code, 0, `${executor.name}: ${r.stderr}`);
        results[executor.name] = normalise(fake.requests);
      } finally {
        pod.cleanup();
        await fake.close();
      }
    }
    assert.equal(results.go?.length, 2);
    assert.match(results.go?.[0] ?? '', /^PUT \/my-bucket\/\?logging .*<TargetPrefix>bucket-log-<\/TargetPrefix>/);
    assert.deepEqual(results.ts, results.go);
  });

  test('7. wait: a refused upload (wrong secret, missing bucket) — the same exit status and termination message', { timeout: 120_000 }, async () => {
    for (const [name, extra] of [['wrong secret', { secretKeySecret: { name: 'oss-cred', key: 'wrongSecret' } }], ['missing bucket', { bucket: 'no-such-bucket' }]] as const) {
      const results: Record<string, [number | null | undefined, string]> = {};
      for (const executor of EXECUTORS) {
        const fake = await seededFake();
        const proxy = await ApiProxy.start();
        proxy.decide = (q) => ({ status: q.method === 'POST' ? 201 : 200, body: q.body ? JSON.parse(q.body) : {} });
        const pod = new PodSim({
          kubePort: String(proxy.port), secrets: SECRETS, executor,
          template: { name: 'oss-out-fail', container: { image: 'x' }, outputs: { artifacts: [{ name: 'file', path: '/tmp/file.txt' }] }, archiveLocation: { oss: oss(fake, 'out/k', extra) } },
        });
        writeFileSync(pod.path('sa', 'ca.crt'), proxy.caPem);
        try {
          const r = await pod.run(['sh', '-c', 'printf hello > /tmp/file.txt']);
          assertNoSecret(executor.name, r.wait?.stderr ?? '', pod.terminationMessage('wait'));
          results[executor.name] = [r.wait?.code, pod.terminationMessage('wait')];
        } finally {
          await proxy.close();
          pod.cleanup();
          await fake.close();
        }
      }
      assert.equal(results.go?.[0], 64, `${name}: Go's wait fails`);
      assert.match(results.go?.[1] ?? '', /oss: service returned error: StatusCode=40[34]/, `${name}: Go's text`);
      assert.deepEqual(results.ts, results.go, name);
    }
  });

  test('8. https_proxy: both send every request through the proxy, the same absolute-form requests', { timeout: 60_000 }, async () => {
    const results: Record<string, string[]> = {};
    for (const executor of EXECUTORS) {
      const fake = await seededFake();
      const proxy = await HttpProxy.start();
      const pod = new PodSim({ template: { name: 'oss-proxy', container: { image: 'x' }, inputs: { artifacts: [
        { name: 'plain', path: '/in/plain.txt', archive: { none: {} }, oss: oss(fake, 'in/plain.txt') },
        { name: 'dir', path: '/in/dir', archive: { none: {} }, oss: oss(fake, 'in/dir') },
      ] } }, secrets: SECRETS, executor, env: { https_proxy: proxy.url } });
      try {
        const r = await pod.runInit();
        assert.equal(r.code, 0, `${executor.name}: ${r.stderr}`);
        results[executor.name] = proxy.requests.map((l) => l.replace(fake.endpoint, '<ENDPOINT>'));
      } finally {
        pod.cleanup();
        await proxy.close();
        await fake.close();
      }
    }
    assert.equal(results.go?.length, 6, 'Go sends all six requests through the proxy');
    assert.deepEqual(results.ts, results.go);
  });

  test('9. useSDKCreds: credentials from a profile file, then from a credentials URI (session token) — the same signed requests', { timeout: 60_000 }, async () => {
    const { createServer } = await import('node:http');
    const uri = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ Code: 'Success', AccessKeyId: ACCESS_KEY, AccessKeySecret: SECRET_KEY, SecurityToken: 'uri-session-token', Expiration: new Date(Date.now() + 3600_000).toISOString() }));
    });
    await new Promise<void>((res) => uri.listen(0, '127.0.0.1', res));
    const uriUrl = `http://127.0.0.1:${(uri.address() as { port: number }).port}/creds`;
    // ALIBABA_CLOUD_ECS_METADATA_DISABLED: Go's chain would otherwise ask the ECS metadata service (not on loopback).
    const base = { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' };
    const variants: [string, Record<string, string>][] = [
      ['profile', { ...base, ALIBABA_CLOUD_CREDENTIALS_FILE: '/argo/secret/alicloud/credentials' }],
      ['uri', { ...base, ALIBABA_CLOUD_CREDENTIALS_URI: uriUrl }],
    ];
    try {
      for (const [name, env] of variants) {
        const results: Record<string, string[]> = {};
        for (const executor of EXECUTORS) {
          const fake = await seededFake();
          const pod = new PodSim({
            template: { name: 'oss-sdk', container: { image: 'x' }, inputs: { artifacts: [
              { name: 'plain', path: '/in/plain.txt', archive: { none: {} }, oss: { endpoint: fake.endpoint, bucket: 'my-bucket', key: 'in/plain.txt', useSDKCreds: true } },
            ] } },
            secrets: { ...SECRETS, alicloud: { credentials: `[default]\ntype = access_key\naccess_key_id = ${ACCESS_KEY}\naccess_key_secret = ${SECRET_KEY}\n` } },
            executor, env,
          });
          try {
            const r = await pod.runInit();
            assertNoSecret(executor.name, r.stdout, r.stderr);
            assert.equal(r.code, 0, `${executor.name} ${name}: ${r.stderr}`);
            assert.equal(readFileSync(pod.path('input-artifacts', 'plain'), 'utf8'), 'plain text\n');
            results[executor.name] = normalise(fake.requests);
          } finally {
            pod.cleanup();
            await fake.close();
          }
        }
        if (name === 'uri') assert.match(results.go?.[0] ?? '', /x-oss-security-token=uri-session-token/, 'Go signed with the URI\'s session credentials');
        assert.deepEqual(results.ts, results.go, name);
      }
    } finally {
      uri.close();
    }
  });

  test('10. examples/input-artifact-oss.yaml\'s key `test/mydirectory/` (trailing slash): a directory without a marker object; with one, Go\'s quirk (an empty file) is ours too', { timeout: 60_000 }, async () => {
    for (const withMarker of [false, true]) {
      const trees: Record<string, Record<string, string>> = {};
      for (const executor of EXECUTORS) {
        const fake = await seededFake();
        if (withMarker) fake.put('my-bucket', 'test/mydirectory/', '');
        fake.put('my-bucket', 'test/mydirectory/a.txt', 'a\n');
        fake.put('my-bucket', 'test/mydirectory/sub/b.txt', 'b\n');
        const pod = new PodSim({ template: { name: 'input-artifact-oss-example', container: { image: 'x' }, inputs: { artifacts: [
          { name: 'my-art', path: '/my-artifact', oss: oss(fake, 'test/mydirectory/') },
        ] } }, secrets: SECRETS, executor });
        try {
          const r = await pod.runInit();
          assert.equal(r.code, 0, `${executor.name}: ${r.stderr}`);
          trees[executor.name] = tree(pod.path('input-artifacts'));
        } finally {
          pod.cleanup();
          await fake.close();
        }
      }
      assert.deepEqual(trees.go, withMarker ? { 'my-art': '664 ' } : { 'my-art/': '700', 'my-art/a.txt': '664 a\n', 'my-art/sub/': '700', 'my-art/sub/b.txt': '664 b\n' }, `Go reference, marker: ${withMarker}`);
      assert.deepEqual(trees.ts, trees.go, `marker: ${withMarker}`);
    }
  });
});

