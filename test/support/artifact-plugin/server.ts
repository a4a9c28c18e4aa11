/**
 * A test artifact plugin (artifacts spec §6.8): a gRPC server of `artifact.ArtifactService` on a unix socket that
 * stores artifacts as files under a directory, and records every request it receives, so tests can compare what
 * our executor and Go's send. It is started the way the controller starts a plugin image's entrypoint — the socket
 * path is the last argument:
 *
 *   node test/support/artifact-plugin/server.ts /tmp/artifact-plugins/<name>/socket
 *
 * Environment: TEST_PLUGIN_STORE (default /store) holds `objects/<key>` and `requests.jsonl` (one line per
 * request: method, the request as decoded with proto3 defaults, and for Save/SaveStream the size and sha256 of
 * the bytes received); TEST_PLUGIN_STREAMING=true advertises `supports_save_stream` and implements SaveStream
 * (otherwise both answer Unimplemented, like plugins that predate them).
 *
 * The artifact's `configuration` may be JSON with test switches: `{"fail": "text"}` answers every call with
 * success=false and that error; `{"crash": "save"}` (or "load") exits the process with status 3 in the middle of
 * that operation, after part of the file was copied into a temporary file (nothing half-written is ever visible
 * under `objects/`); `{"s3": {...}}` stores in an S3 bucket instead (s3-store.ts; MinIO in the test stack).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { load } from 'js-yaml';
import { artifactService, type GrpcArtifact } from '../../../src/artifacts/plugin/proto.ts';
import { S3Store, type S3Config } from './s3-store.ts';

const socket = process.argv[process.argv.length - 1] ?? '';
const store = process.env.TEST_PLUGIN_STORE ?? '/store';
const streaming = process.env.TEST_PLUGIN_STREAMING === 'true';
const objects = join(store, 'objects');

type Json = Record<string, unknown>;
let recordFailed = false;
function record(method: string, request: unknown, extra: Json = {}): void {
  // Chunks by size; an S3 secret key in a configuration is redacted.
  const req = JSON.parse(JSON.stringify(request, (k, v: unknown) => {
    if (v && (v as { type?: string }).type === 'Buffer') return `<${(v as { data: number[] }).data.length} bytes>`;
    if (k === 'configuration' && typeof v === 'string') return v.replace(/("secretKey"\s*:\s*)"[^"]*"/, '$1"(redacted)"');
    return v;
  })) as Json;
  // The request log is for tests; a plugin whose store cannot be created (an S3 configuration in a pod without a
  // writable /tmp) still serves.
  try {
    mkdirSync(store, { recursive: true });
    appendFileSync(join(store, 'requests.jsonl'), `${JSON.stringify({ method, request: req, ...extra })}\n`);
  } catch (err) {
    if (!recordFailed) console.error(`test plugin: cannot write the request log under ${store}: ${(err as Error).message}`);
    recordFailed = true;
  }
}

interface Options { fail?: string; crash?: string; s3?: S3Config }
/**
 * The artifact's `configuration`: JSON with test switches (above), or the YAML of Argo's e2e plugin
 * (`ghcr.io/argoproj-labs/artifact-driver-s3`, registered as `test` in test-e2e's controller config):
 * `bucket`, `endpoint`, `insecure`, `region`, `accessKeySecret`/`secretKeySecret` ({name, key}) — stored in
 * that S3 bucket. A plugin sidecar has no secret volumes, so secret references are resolved from
 * TEST_PLUGIN_SECRETS (`{"<secret>": {"<key>": "<value>"}}`, baked into the e2e image: the quick-start's
 * public MinIO credentials).
 */
function options(a: GrpcArtifact | undefined): Options {
  let c: unknown;
  try { c = load(a?.plugin?.configuration ?? ''); } catch { return {}; }
  if (!c || typeof c !== 'object') return {};
  const o = c as Options & S3Repository;
  if (o.s3 || typeof o.bucket !== 'string' || typeof o.endpoint !== 'string') return o;
  const endpoint = /^https?:\/\//.test(o.endpoint) ? o.endpoint : `${o.insecure ? 'http' : 'https'}://${o.endpoint}`;
  return { ...o, s3: { endpoint, bucket: o.bucket, region: o.region, accessKey: secret(o.accessKeySecret), secretKey: secret(o.secretKeySecret) } };
}
interface SecretRef { name?: string; key?: string }
interface S3Repository { bucket?: unknown; endpoint?: unknown; insecure?: boolean; region?: string; accessKeySecret?: SecretRef; secretKeySecret?: SecretRef }
function secret(ref: SecretRef | undefined): string {
  const all = JSON.parse(process.env.TEST_PLUGIN_SECRETS ?? '{}') as Record<string, Record<string, string>>;
  const v = ref?.name && ref.key ? all[ref.name]?.[ref.key] : undefined;
  if (v === undefined) throw new Error(`secret ${ref?.name ?? ''}/${ref?.key ?? ''} is not in TEST_PLUGIN_SECRETS`);
  return v;
}
const keyOf = (a: GrpcArtifact | undefined): string => a?.plugin?.key ?? '';

function objectPath(a: GrpcArtifact | undefined): string {
  const key = a?.plugin?.key ?? '';
  const clean = posix.normalize(`/${key}`).slice(1);
  if (clean === '' || clean.startsWith('..')) throw new Error(`invalid key ${JSON.stringify(key)}`);
  return join(objects, clean);
}

function digest(path: string): { bytes: number; sha256: string } {
  const st = statSync(path);
  if (st.isDirectory()) {
    const h = createHash('sha256');
    let bytes = 0;
    const walk = (d: string, rel: string): void => {
      for (const e of readdirSync(d).sort()) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p, `${rel}${e}/`);
        else { const b = readFileSync(p); bytes += b.length; h.update(`${rel}${e}\0`).update(b); }
      }
    };
    walk(path, '');
    return { bytes, sha256: `dir:${h.digest('hex')}` };
  }
  return { bytes: st.size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

/** Copy a file or tree into place through a temporary sibling; `crash` exits half-way. */
async function copyInto(src: string, dst: string, crash: boolean): Promise<void> {
  mkdirSync(dirname(dst), { recursive: true });
  const tmp = `${dst}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  if (statSync(src).isDirectory()) {
    if (crash) process.exit(3);
    cpSync(src, tmp, { recursive: true });
  } else {
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(tmp);
      const input = createReadStream(src, { highWaterMark: 64 * 1024 });
      let copied = 0;
      const half = statSync(src).size / 2;
      input.on('data', (chunk) => {
        out.write(chunk);
        copied += chunk.length;
        if (crash && copied >= half) process.exit(3); // a plugin dying in the middle of the transfer
      });
      input.on('error', reject);
      input.on('end', () => out.end(() => (crash ? process.exit(3) : resolve())));
    });
  }
  rmSync(dst, { recursive: true, force: true });
  renameSync(tmp, dst);
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => void;
function unary<Req, Res>(method: string, fn: (req: Req) => Promise<Res>, fail: (req: Req, err: string) => Res): Unary<Req, Res> {
  return (call, cb) => {
    record(method, call.request);
    fn(call.request).then((res) => cb(null, res), (err: unknown) => cb(null, fail(call.request, (err as Error).message)));
  };
}

const ok = { success: true, error: '' };
const failed = (_r: unknown, error: string): { success: boolean; error: string } => ({ success: false, error });

const handlers: grpc.UntypedServiceImplementation = {
  Load: unary('Load', async (req: { inputArtifact?: GrpcArtifact; path: string }) => {
    const o = options(req.inputArtifact);
    if (o.fail) throw new Error(o.fail);
    if (o.s3) { await new S3Store(o.s3).get(keyOf(req.inputArtifact), req.path); return ok; }
    const src = objectPath(req.inputArtifact);
    if (!existsSync(src)) throw new Error(`object ${req.inputArtifact?.plugin?.key} not found`);
    await copyInto(src, req.path, o.crash === 'load');
    return ok;
  }, failed),
  Save: (call: grpc.ServerUnaryCall<{ path: string; outputArtifact?: GrpcArtifact }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    const req = call.request;
    let extra: Json = {};
    try { extra = digest(req.path); } catch (err) { extra = { error: (err as Error).message }; }
    record('Save', req, extra);
    const o = options(req.outputArtifact);
    const run = async (): Promise<void> => {
      if (o.fail) throw new Error(o.fail);
      if (o.crash === 'save' && o.s3) process.exit(3);
      if (o.s3) await new S3Store(o.s3).put(req.path, keyOf(req.outputArtifact));
      else await copyInto(req.path, objectPath(req.outputArtifact), o.crash === 'save');
    };
    run().then(() => cb(null, ok), (err: unknown) => cb(null, failed(req, (err as Error).message)));
  },
  Delete: unary('Delete', async (req: { artifact?: GrpcArtifact }) => {
    const o = options(req.artifact);
    if (o.fail) throw new Error(o.fail);
    if (o.s3) await new S3Store(o.s3).delete(keyOf(req.artifact));
    else rmSync(objectPath(req.artifact), { recursive: true, force: true });
    return ok;
  }, failed),
  ListObjects: unary('ListObjects', async (req: { artifact?: GrpcArtifact }) => {
    const s3 = options(req.artifact).s3;
    if (s3) return { objects: await new S3Store(s3).list(keyOf(req.artifact)), error: '' };
    const root = objectPath(req.artifact);
    const key = req.artifact?.plugin?.key ?? '';
    const out: string[] = [];
    const walk = (d: string, k: string): void => {
      if (!statSync(d).isDirectory()) { out.push(k); return; }
      for (const e of readdirSync(d).sort()) walk(join(d, e), `${k}/${e}`);
    };
    if (existsSync(root)) walk(root, key);
    return { objects: out, error: '' };
  }, (_r, error) => ({ objects: [], error })),
  IsDirectory: unary('IsDirectory', async (req: { artifact?: GrpcArtifact }) => {
    const s3 = options(req.artifact).s3;
    if (s3) return { isDirectory: await new S3Store(s3).isDirectory(keyOf(req.artifact)), error: '' };
    const p = objectPath(req.artifact);
    return { isDirectory: existsSync(p) && statSync(p).isDirectory(), error: '' };
  }, (_r, error) => ({ isDirectory: false, error })),
  OpenStream: (call: grpc.ServerWritableStream<{ artifact?: GrpcArtifact }, unknown>) => {
    record('OpenStream', call.request);
    let src: string;
    try { src = objectPath(call.request.artifact); } catch (err) { call.write({ error: (err as Error).message }); call.end(); return; }
    if (!existsSync(src)) { call.write({ error: 'not found' }); call.end(); return; }
    const input = createReadStream(src, { highWaterMark: 1 << 20 });
    input.on('data', (data) => call.write({ data }));
    input.on('end', () => { call.write({ isEnd: true }); call.end(); });
  },
};

if (streaming) {
  handlers.GetCapabilities = (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    record('GetCapabilities', call.request);
    cb(null, { supportsSaveStream: true });
  };
  handlers.SaveStream = (call: grpc.ServerReadableStream<{ outputArtifact?: GrpcArtifact; chunk?: Buffer }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
    let meta: GrpcArtifact | undefined;
    let out: ReturnType<typeof createWriteStream> | undefined;
    let tmp = '';
    let dst = '';
    const h = createHash('sha256');
    let bytes = 0;
    let frames = 0;
    let failure: string | undefined;
    call.on('data', (frame: { outputArtifact?: GrpcArtifact; chunk?: Buffer }) => {
      frames++;
      if (!meta) {
        meta = frame.outputArtifact;
        const o = options(meta);
        if (o.fail) { failure = o.fail; return; }
        try { dst = objectPath(meta); } catch (err) { failure = (err as Error).message; return; }
        mkdirSync(dirname(dst), { recursive: true });
        tmp = `${dst}.partial-${process.pid}`;
        out = createWriteStream(tmp);
        return;
      }
      const chunk = frame.chunk ?? Buffer.alloc(0);
      h.update(chunk);
      bytes += chunk.length;
      if (options(meta).crash === 'save' && bytes > 0) process.exit(3);
      out?.write(chunk);
    });
    call.on('end', () => {
      record('SaveStream', { outputArtifact: meta }, { frames, bytes, sha256: h.digest('hex') });
      if (failure !== undefined || !out) { if (tmp) try { unlinkSync(tmp); } catch { /* none */ } cb(null, { success: false, error: failure ?? 'no metadata frame' }); return; }
      out.end(() => { rmSync(dst, { recursive: true, force: true }); renameSync(tmp, dst); cb(null, ok); });
    });
  };
}

const server = new grpc.Server();
server.addService(artifactService, handlers);
rmSync(socket, { force: true });
server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) { console.error(`test plugin: cannot listen on ${socket}: ${err.message}`); process.exit(1); }
  console.log(`test plugin listening on ${socket} (store ${store}, streaming ${streaming})`);
});
