// Smart-HTTP git server for the local test stack: `git http-backend` (CGI) behind node:http.
// Usage: GIT_PROJECT_ROOT=DIR [GIT_HTTP_USER=u GIT_HTTP_PASSWORD=p] node stack/git-http.mjs HOST PORT
//   http://HOST:PORT/<repo>/…       anonymous, read-only
//   http://HOST:PORT/auth/<repo>/…  same repositories, HTTP basic auth required (401 otherwise)
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';

const [host = '127.0.0.1', port = '9419'] = process.argv.slice(2);
const root = process.env.GIT_PROJECT_ROOT;
if (!root) { console.error('GIT_PROJECT_ROOT is required'); process.exit(2); }
const user = process.env.GIT_HTTP_USER ?? 'admin';
const password = process.env.GIT_HTTP_PASSWORD ?? 'password';

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://local');
  let path = url.pathname;
  let remoteUser = '';
  if (path.startsWith('/auth/')) {
    const auth = req.headers.authorization ?? '';
    const expected = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    if (auth !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      return;
    }
    remoteUser = user;
    path = path.slice('/auth'.length);
  }
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(path),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    REMOTE_USER: remoteUser,
    HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
    GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk) => {
    if (headersDone) { res.write(chunk); return; }
    head = Buffer.concat([head, chunk]);
    let sep = head.indexOf('\r\n\r\n');
    let sepLen = 4;
    if (sep < 0) { sep = head.indexOf('\n\n'); sepLen = 2; }
    if (sep < 0) return;
    headersDone = true;
    let status = 200;
    const headers = {};
    for (const line of head.subarray(0, sep).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10) || 200;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(sep + sepLen));
  });
  cgi.stdout.on('end', () => {
    if (!headersDone) { res.writeHead(502); }
    res.end();
  });
  cgi.on('error', (err) => {
    console.error('git http-backend:', err);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.listen(Number(port), host, () => console.log(`git smart-HTTP on http://${host}:${port}/ (root ${root})`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
