/**
 * A stand-in for JFrog Artifactory's generic repositories, for the e2e variant of examples/artifactory-artifact.yaml:
 * the two calls an Argo artifactory artifact makes (deploy = PUT, download = GET, both with Basic auth) and the answers
 * Artifactory gives them. No Artifactory can be installed on this machine (a JVM product behind a licence server).
 *
 *   PUT    /artifactory/<repo>/<path>   201, JSON {repo, path, size, checksums, downloadUri}   (deploy artifact)
 *   GET    /artifactory/<repo>/<path>   200 with the bytes; 404 {"errors":[{"status":404,"message":"File not found."}]}
 *   HEAD   same as GET without a body;  DELETE  204 (or 404)
 *   GET    /artifactory/api/system/ping  200 OK without auth (liveness)
 * Wrong or missing credentials: 401 {"errors":[{"status":401,"message":"Bad credentials"}]}; a repository not in
 * ARTIFACTORY_REPOS: 404 {"errors":[{"status":404,"message":"Repo '<repo>' not found"}]}.
 *
 * Run alone: `[ARTIFACTORY_USER=admin] [ARTIFACTORY_PASSWORD=password] [ARTIFACTORY_REPOS='generic-local']
 * node test/support/artifactory-server.ts [port]` listens on 127.0.0.1:<port>; objects live in a temporary directory
 * removed on SIGTERM.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export interface ArtifactoryOptions { user: string; password: string; repos: string[]; dir: string }

function errors(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ errors: [{ status, message }] }));
}

/** The file an object lives in, or undefined when the path leaves its repository. */
function fileOf(dir: string, repo: string, path: string): string | undefined {
  const rel = normalize(path).replace(/^\/+/, '');
  if (!rel || rel.startsWith('..') || rel.endsWith('/')) return undefined;
  return join(dir, repo, rel);
}

async function handle(o: ArtifactoryOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://artifactory');
  const path = decodeURIComponent(url.pathname);
  if (path === '/artifactory/api/system/ping') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('OK'); return; }
  const expected = `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}`;
  if (req.headers.authorization !== expected) return errors(res, 401, 'Bad credentials', { 'www-authenticate': 'Basic realm="Artifactory Realm"' });
  const m = /^\/artifactory\/([^/]+)\/(.+)$/.exec(path);
  if (!m) return errors(res, 404, 'Not Found');
  const [, repo, rest] = m as unknown as [string, string, string];
  if (!o.repos.includes(repo)) return errors(res, 404, `Repo '${repo}' not found`);
  const file = fileOf(o.dir, repo, rest);
  if (!file) return errors(res, 400, 'Invalid path');
  switch (req.method) {
    case 'PUT': {
      mkdirSync(dirname(file), { recursive: true });
      const sha1 = createHash('sha1'); const md5 = createHash('md5'); const sha256 = createHash('sha256');
      let size = 0;
      const tap = new Transform({ transform(chunk: Buffer, _e, cb) { size += chunk.length; sha1.update(chunk); md5.update(chunk); sha256.update(chunk); cb(null, chunk); } });
      await pipeline(req, tap, createWriteStream(file));
      const downloadUri = `http://${req.headers.host}/artifactory/${repo}/${rest}`;
      res.writeHead(201, { 'content-type': 'application/vnd.org.jfrog.artifactory.storage.ItemCreated+json', location: downloadUri });
      res.end(JSON.stringify({ repo, path: `/${rest}`, created: new Date().toISOString(), createdBy: o.user, downloadUri, size: String(size),
        checksums: { sha1: sha1.digest('hex'), md5: md5.digest('hex'), sha256: sha256.digest('hex') }, uri: downloadUri }));
      return;
    }
    case 'GET':
    case 'HEAD': {
      let size: number;
      try { const st = statSync(file); if (!st.isFile()) throw new Error('not a file'); size = st.size; } catch { return errors(res, 404, 'File not found.'); }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      if (req.method === 'HEAD') { res.end(); return; }
      await pipeline(createReadStream(file), res);
      return;
    }
    case 'DELETE':
      try { unlinkSync(file); } catch { return errors(res, 404, 'File not found.'); }
      res.writeHead(204); res.end();
      return;
    default:
      return errors(res, 405, `Method ${req.method} not allowed`);
  }
}

export function startArtifactory(o: ArtifactoryOptions, port = 0): Promise<Server> {
  const server = createServer((req, res) => {
    handle(o, req, res).catch((e: unknown) => { if (!res.headersSent) errors(res, 500, String((e as Error).message ?? e)); else res.destroy(); });
  });
  return new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', () => resolve(server)); });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = mkdtempSync(join(tmpdir(), 'artifactory-'));
  const o: ArtifactoryOptions = {
    user: process.env.ARTIFACTORY_USER ?? 'admin', password: process.env.ARTIFACTORY_PASSWORD ?? 'password',
    repos: (process.env.ARTIFACTORY_REPOS ?? 'generic-local').split(/\s+/).filter(Boolean), dir,
  };
  const server = await startArtifactory(o, Number(process.argv[2] ?? 0));
  const addr = server.address() as { port: number };
  console.log(`ARTIFACTORY_URL=http://127.0.0.1:${addr.port}/artifactory`);
  const stop = () => { server.close(); rmSync(dir, { recursive: true, force: true }); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
