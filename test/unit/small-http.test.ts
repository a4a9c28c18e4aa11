/**
 * The small-request HTTP/1.1 client (src/core/io/small-http.ts, D44) against real sockets: node:http servers for
 * ordinary answers, raw TCP servers for what node:http would not send (a response cut into single bytes, a close in
 * the middle of a body, a keep-alive connection dropped while idle). Expected values are HTTP/1.1's (RFC 9112:
 * Content-Length, chunked with extensions and trailers, a body to the close, 1xx answers) and node:http's own
 * behaviour for the same cases (error codes, "socket hang up", AbortError).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { smallHttpClient, type SmallHttpOptions } from '../../src/core/io/small-http.ts';

const opts = (port: number, more: Partial<SmallHttpOptions> = {}): SmallHttpOptions =>
  ({ host: '127.0.0.1', port, secure: false, maxSockets: 8, connectTimeoutMs: 5_000, maxBodyBytes: 4 * 1024 * 1024, ...more });

/** A node:http server that counts its connections. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = createHttpServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(parts)));
  });
  server.keepAliveTimeout = 120_000;
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(() => r())); },
  };
}

/** A raw TCP server: `onRequest` gets the socket and the request head each time one arrives. */
async function rawServer(onRequest: (s: Socket, head: string, n: number) => void): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let end;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const len = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        buf = buf.slice(len);
        onRequest(s, head, ++requests);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => { for (const s of sockets) s.destroy(); return new Promise((r) => server.close(() => r())); },
  };
}

test('a Content-Length answer; keep-alive: twenty requests in turn use one connection', async (t) => {
  const srv = await httpServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': `hello ${req.url}`.length, 'x-seen': req.url as string }).end(`hello ${req.url}`));
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  for (let i = 0; i < 20; i++) {
    const r = await c.request({ method: 'GET', path: `/k/${i}`, headers: { host: 'store' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), `hello /k/${i}`);
    assert.equal(r.headers['x-seen'], `/k/${i}`);
    assert.equal(r.headers['content-length'], String(`hello /k/${i}`.length));
  }
  assert.equal(srv.connections(), 1);
});

test('at most maxSockets connections; requests beyond them wait for one and all are answered', async (t) => {
  let open = 0;
  let most = 0;
  const srv = await httpServer((_req, res) => {
    open++;
    most = Math.max(most, open);
    setTimeout(() => { open--; res.end('x'); }, 20);
  });
  const c = smallHttpClient(opts(srv.port, { maxSockets: 3 }));
  t.after(async () => { c.destroy(); await srv.close(); });
  const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => c.request({ method: 'GET', path: `/${i}`, headers: { host: 'h' } })));
  assert.equal(rs.length, 12);
  for (const r of rs) assert.equal(r.body.toString(), 'x');
  assert.equal(srv.connections(), 3);
  assert.equal(most, 3);
});

test('a PUT body arrives whole, with the headers as given and the Host', async (t) => {
  const payload = randomBytes(1024 * 1024 + 17);
  let got: { head: IncomingMessage['headers']; body: Buffer; method: string; url: string } | undefined;
  const srv = await httpServer((req, res, body) => { got = { head: req.headers, body, method: req.method as string, url: req.url as string }; res.writeHead(200).end(); });
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  const r = await c.request({ method: 'PUT', path: '/b/a%20b', headers: { host: 'b.store:9000', 'content-length': String(payload.length), 'content-type': 'application/octet-stream' }, body: payload });
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
  assert.equal(got?.method, 'PUT');
  assert.equal(got?.url, '/b/a%20b');
  assert.equal(got?.head.host, 'b.store:9000');
  assert.equal(got?.head['content-type'], 'application/octet-stream');
  assert.ok(got?.body.equals(payload));
});

test('a chunked answer with extensions and trailers, delivered one byte at a time', async (t) => {
  const body = 'Wikipedia in\r\n\r\nchunks.';
  const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nx-a: 2\r\n\r\n'
    + '4;name=value\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n';
  assert.equal(' in\r\n\r\nchunks.'.length, 0xe);
  const srv = await rawServer((s) => {
    let i = 0;
    const next = (): void => { if (i < wire.length) s.write(wire[i++] as string, 'latin1', () => setImmediate(next)); };
    next();
  });
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  const r = await c.request({ method: 'GET', path: '/', headers: { host: 'h' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString('latin1'), body);
  assert.equal(r.headers['x-a'], '1, 2');
  // Answered completely: the connection is reused.
  const again = await c.request({ method: 'GET', path: '/', headers: { host: 'h' } });
  assert.equal(again.body.toString('latin1'), body);
  assert.equal(srv.connections(), 1);
});

test('1xx answers are skipped; 204 has no body; a body to the close is read whole and the connection not reused', async (t) => {
  const srv = await rawServer((s, head, n) => {
    if (n === 1) s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    else if (n === 2) s.write('HTTP/1.1 204 No Content\r\n\r\n');
    else if (n === 3) s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    else s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${head.length}\r\n\r\n${head}`);
  });
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  const a = await c.request({ method: 'GET', path: '/1', headers: { host: 'h' } });
  assert.deepEqual([a.status, a.body.toString()], [200, 'ok']);
  const b = await c.request({ method: 'GET', path: '/2', headers: { host: 'h' } });
  assert.deepEqual([b.status, b.body.length], [204, 0]);
  const d = await c.request({ method: 'GET', path: '/3', headers: { host: 'h' } });
  assert.deepEqual([d.status, d.body.toString()], [200, 'until the end']);
  assert.equal(srv.connections(), 1);
  const e = await c.request({ method: 'GET', path: '/4', headers: { host: 'h' } });
  assert.match(e.body.toString(), /^GET \/4 HTTP\/1\.1\r\nhost: h\r\nConnection: keep-alive$/);
  assert.equal(srv.connections(), 2);
});

test('Connection: close and HTTP/1.0 answers are not reused; HTTP/1.0 with keep-alive is', async (t) => {
  const srv = await rawServer((s, _h, n) => {
    if (n === 1) s.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na');
    else if (n === 2) s.write('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb');
    else s.write('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nc');
  });
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  for (const want of ['a', 'b', 'c', 'c']) assert.equal((await c.request({ method: 'GET', path: '/', headers: { host: 'h' } })).body.toString(), want);
  assert.equal(srv.connections(), 3);
});

test('a connection closed before the answer is complete fails with ECONNRESET ("socket hang up"), as node:http does', async (t) => {
  const srv = await rawServer((s, _h, n) => {
    if (n === 1) s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
    else if (n === 2) s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab');
    else s.destroy();
  });
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  for (let i = 0; i < 3; i++) {
    await assert.rejects(c.request({ method: 'GET', path: '/', headers: { host: 'h' } }), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET' && e.message === 'socket hang up');
  }
  assert.equal(srv.connections(), 3);
});

test('a keep-alive connection the server dropped while idle: the request goes again on a new connection', async (t) => {
  const srv = await rawServer((s, _h, n) => {
    if (n === 1) s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst');
    else if (n === 2) s.destroy(); // the server had already given up on it: nothing comes back
    else s.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond');
  });
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  assert.equal((await c.request({ method: 'GET', path: '/', headers: { host: 'h' } })).body.toString(), 'first');
  assert.equal((await c.request({ method: 'GET', path: '/', headers: { host: 'h' } })).body.toString(), 'second');
  assert.equal(srv.connections(), 2);
});

test('an idle connection the server closes is dropped, and the next request opens a new one', async (t) => {
  const srv = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  assert.equal((await c.request({ method: 'GET', path: '/', headers: { host: 'h' } })).body.toString(), 'ok');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await c.request({ method: 'GET', path: '/', headers: { host: 'h' } })).body.toString(), 'ok');
  assert.equal(srv.connections(), 2);
});

test('header names, values and paths are checked as node:http checks them; nothing is sent', async (t) => {
  const srv = await rawServer(() => assert.fail('nothing should arrive'));
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  await assert.rejects(c.request({ method: 'GET', path: '/', headers: { host: 'h', 'x-amz-meta': 'a\r\nInjected: yes' } }), (e: NodeJS.ErrnoException) => e instanceof TypeError && e.code === 'ERR_INVALID_CHAR');
  await assert.rejects(c.request({ method: 'GET', path: '/', headers: { host: 'h', 'bad name': 'v' } }), (e: NodeJS.ErrnoException) => e instanceof TypeError && e.code === 'ERR_INVALID_HTTP_TOKEN');
  await assert.rejects(c.request({ method: 'GET', path: '/a b', headers: { host: 'h' } }), (e: NodeJS.ErrnoException) => e instanceof TypeError && e.code === 'ERR_UNESCAPED_CHARACTERS');
  await assert.rejects(c.request({ method: 'GE T', path: '/', headers: { host: 'h' } }), (e: NodeJS.ErrnoException) => e.code === 'ERR_INVALID_HTTP_TOKEN');
  assert.equal(srv.connections(), 0);
});

test('an answer that does not parse, a body over the limit: errors, and the connection is closed', async (t) => {
  const srv = await rawServer((s, _h, n) => {
    if (n === 1) s.write('HTTP/2 200\r\n\r\n');
    else if (n === 2) s.write('HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n');
    else if (n === 3) s.write('HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n');
    else s.write(`HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(70 * 1024)}`);
  });
  const c = smallHttpClient(opts(srv.port, { maxBodyBytes: 1024 }));
  t.after(async () => { c.destroy(); await srv.close(); });
  const codes = [];
  for (let i = 0; i < 4; i++) {
    codes.push(await c.request({ method: 'GET', path: '/', headers: { host: 'h' } }).then(() => 'answered', (e: NodeJS.ErrnoException) => e.code));
  }
  assert.deepEqual(codes, ['HPE_INVALID_CONSTANT', 'ERR_BODY_TOO_LARGE', 'HPE_INVALID_CONTENT_LENGTH', 'HPE_HEADER_OVERFLOW']);
  assert.equal(srv.connections(), 4);
});

test('an abort fails the request with an AbortError and closes its connection; an aborted signal sends nothing', async (t) => {
  const srv = await rawServer(() => undefined); // never answers
  const c = smallHttpClient(opts(srv.port));
  t.after(async () => { c.destroy(); await srv.close(); });
  const ac = new AbortController();
  const p = c.request({ method: 'GET', path: '/', headers: { host: 'h' }, signal: ac.signal });
  setTimeout(() => ac.abort(new Error('stop')), 50);
  await assert.rejects(p, (e: NodeJS.ErrnoException) => e.name === 'AbortError' && e.code === 'ABORT_ERR' && (e.cause as Error).message === 'stop');
  await assert.rejects(c.request({ method: 'GET', path: '/', headers: { host: 'h' }, signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');
  assert.equal(srv.connections(), 1);
});

test('a refused connection fails with ECONNREFUSED; destroy() fails what waits and refuses new requests', async () => {
  const probe = createNetServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const c = smallHttpClient(opts(port));
  await assert.rejects(c.request({ method: 'GET', path: '/', headers: { host: 'h' } }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  c.destroy();
  await assert.rejects(c.request({ method: 'GET', path: '/', headers: { host: 'h' } }), (e: NodeJS.ErrnoException) => e.code === 'ERR_CLIENT_CLOSED');
});

test('idle keep-alive connections do not keep the process alive', async (t) => {
  const srv = await httpServer((_req, res) => res.end('ok'));
  t.after(() => srv.close());
  const module = join(import.meta.dirname, '../../src/core/io/small-http.ts');
  const script = `import { smallHttpClient } from ${JSON.stringify(module)};
    const c = smallHttpClient({ host: '127.0.0.1', port: ${srv.port}, secure: false, maxSockets: 4, connectTimeoutMs: 5000, maxBodyBytes: 1024 });
    const r = await c.request({ method: 'GET', path: '/', headers: { host: 'h' } });
    console.log(r.body.toString());`;
  // The server keeps the idle connection open (keepAliveTimeout below); a child held alive by it is killed at 60 s.
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const [code, signal] = await once(child, 'close') as [number | null, string | null];
  assert.equal(signal, null, 'the child had to be killed: the idle connection kept it alive');
  assert.equal(code, 0, err);
  assert.equal(out.trim(), 'ok');
  assert.equal(srv.connections(), 1);
});
