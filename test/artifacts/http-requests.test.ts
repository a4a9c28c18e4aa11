/**
 * What an HTTP server sees from each executor: `argoexec init` loads two HTTP input artifacts and `argoexec wait`
 * saves an HTTP output, through dist/argoexec and through the Go reference ($REFERENCE_ARGOEXEC, v4.1.2) in
 * simulated pods, against one recording server. Go's net/http client decides the request: `User-Agent:
 * Go-http-client/1.1`, `Accept-Encoding: gzip` (and it gunzips a gzip-encoded answer itself), no `Connection`
 * header, a PUT of a file sent chunked. The requests must match header for header (names compared as HTTP does,
 * without case), the bodies byte for byte, and the loaded files must hold the same bytes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { GO_EXECUTOR, PodSim, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';

assert.ok(STACK.REFERENCE_ARGOEXEC && existsSync(STACK.REFERENCE_ARGOEXEC), 'REFERENCE_ARGOEXEC must be built (make stack-up)');

interface Seen { method: string; path: string; headers: string[]; body: string }
let seen: Seen[] = [];

function headerLines(req: IncomingMessage): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) out.push(`${(req.rawHeaders[i] as string).toLowerCase()}: ${req.rawHeaders[i + 1]}`);
  return out.sort();
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: headerLines(req), body: Buffer.concat(chunks).toString('utf8') });
    if (req.method === 'PUT') { res.writeHead(201).end(); return; }
    if (req.url === '/gz') {
      // gzip-encoded whatever the request asked (a server behind a compressing proxy does this)
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' }).end(gzipSync('hello gzip\n'));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end('hello plain\n');
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => server.close());
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function runPod(executor: Executor): Promise<{ seen: Seen[]; plain: string; gz: string; code: (number | null)[] }> {
  seen = [];
  const pod = new PodSim({
    executor,
    secrets: { auth: { user: 'admin', pass: 'password' } },
    template: {
      name: 'http-requests', container: { image: 'x' },
      inputs: {
        artifacts: [
          { name: 'plain', path: '/in/plain', http: { url: `${base}/plain`, headers: [{ name: 'X-Test', value: 'one' }, { name: 'x-test', value: 'two' }] } },
          { name: 'gz', path: '/in/gz', http: { url: `${base}/gz` } },
        ],
      },
      outputs: {
        artifacts: [
          {
            name: 'out', path: '/tmp/out.txt', archive: { none: {} },
            http: { url: `${base}/put/out`, auth: { basicAuth: { usernameSecret: { name: 'auth', key: 'user' }, passwordSecret: { name: 'auth', key: 'pass' } } } },
          },
        ],
      },
    },
  });
  try {
    const r = await pod.run(['sh', '-c', 'echo saved > /tmp/out.txt']);
    return {
      seen: [...seen].sort((a, b) => a.path.localeCompare(b.path)),
      plain: readFileSync(pod.path('input-artifacts', 'plain'), 'utf8'),
      gz: readFileSync(pod.path('input-artifacts', 'gz'), 'utf8'),
      code: [r.init.code, r.main?.code ?? null, r.wait?.code ?? null],
    };
  } finally {
    pod.cleanup();
  }
}

test('HTTP artifact requests are the ones Go\'s net/http client sends', async () => {
  const go = await runPod(GO_EXECUTOR);
  const ts = await runPod(TS_EXECUTOR);
  assert.deepEqual(go.code, [0, 0, 0], 'the Go pod ran');
  assert.deepEqual(ts.code, [0, 0, 0], 'our pod ran');
  assert.equal(go.seen.length, 3, `Go sent GET /gz, GET /plain, PUT /put/out: ${JSON.stringify(go.seen)}`);
  assert.deepEqual(ts.seen, go.seen);
  assert.equal(ts.gz, 'hello gzip\n', 'a gzip-encoded answer is stored decoded, as Go\'s transport does');
  assert.equal(ts.gz, go.gz);
  assert.equal(ts.plain, go.plain);
});
