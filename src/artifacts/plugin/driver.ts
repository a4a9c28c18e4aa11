/**
 * Artifact plugin driver (artifacts spec §6.8; workflow/artifacts/plugin/plugin.go): every operation is one gRPC
 * call to the plugin's server, reached over the unix socket /tmp/artifact-plugins/<name>/socket of the
 * `artifact-plugin-<name>` volume. Loaded lazily by the registry, in a bundle of its own (grpc-js, protobufjs).
 *
 * Connection (`open`, Go's NewDriver): wait for the socket file up to 120 s (one stat a second; any error other
 * than "does not exist" fails at once), then connect and wait for READY within `connectionTimeoutSeconds`
 * (default 5 s). Failures read `failed to create plugin driver for <name>: …` as in Go, naming plugin and socket.
 *
 * Operations as Go maps them: Load(artifact, path) — the plugin writes `path` itself (a `.tmp` path the sidecar
 * shares); Save(path, artifact) — the plugin reads the staged file; Delete, ListObjects, IsDirectory. A transport
 * error reads `plugin <name> <op> failed: rpc error: code = <Code> desc = <message>`, a refusal
 * `plugin <name> <op> failed: <error>`. Errors never mean "not found" (Go's plugin errors are plain strings).
 * The artifact sent is Go's convertToGRPC: name, path, mode, from, optional, subPath, recurseMode,
 * fromExpression, deleted and the plugin location — never the archive strategy. Zero values are left out, as
 * Go's proto3 encoding does.
 *
 * `saveStream` (the wait's `archive: tar` upload, gzipped on the fly): GetCapabilities first; a plugin that
 * advertises `supports_save_stream` gets the experimental client-streaming SaveStream (metadata frame, then
 * 2 MiB chunks, one in flight); one that answers Unimplemented (any plugin predating it) gets Go's fallback — the
 * stream is spooled to a file and sent with the unary Save. The spool file is Go's staged path
 * (`/tmp/argo/outputs/artifacts/<name>.tgz`, shared with the sidecar), so such a plugin sees the request Go sends.
 *
 * Differences from Go: Go's executor never calls SaveStream (it always stages the `.tgz` and calls Save); ours asks
 * GetCapabilities first, so a plugin that streams never gets a `.tgz` on disk, and one that does not sees one extra
 * GetCapabilities call before the same Save (decision D13).
 */
import { existsSync, statSync, type Stats } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { pathError } from '../../core/errors.ts';
import { isPullSource, streamFiller, type PullSource } from '../../core/io/fill.ts';
import type { Logger } from '../../core/log.ts';
import { pluginSocketPath } from '../../core/paths.ts';
import type { Artifact } from '../../core/template.ts';
import { spoolTo, type ArtifactDriver, type DriverContext, type SaveStreamOptions, type TransferProgress } from '../driver.ts';
import {
  ArtifactServiceClient, type GetCapabilitiesResponse, type GrpcArtifact, type IsDirectoryResponse, type ListObjectsResponse,
  type SaveStreamFrame, type SuccessResponse,
} from './proto.ts';

export interface PluginLocation { name?: string; configuration?: string; connectionTimeoutSeconds?: number; key?: string }

/** NewDriver: one stat a second, this many times. */
export const SOCKET_WAIT_SECONDS = 120;
/** PluginArtifact.ConnectionTimeout: `connectionTimeoutSeconds`, 0 → 5 s. */
export const DEFAULT_CONNECTION_TIMEOUT_SECONDS = 5;
/** saveStreamChunkSize: well under gRPC's default 4 MiB message limit. */
export const SAVE_STREAM_CHUNK = 2 * 1024 * 1024;

/** Go's codes.Code String() names, by number. */
const GO_CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal',
  'Unavailable', 'DataLoss', 'Unauthenticated'];

/** The text of a gRPC status error as grpc-go's status.Error prints it. */
export function rpcErrorText(err: unknown): string {
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e?.code !== 'number') return err instanceof Error ? err.message : String(err);
  return `rpc error: code = ${GO_CODE_NAMES[e.code] ?? `Code(${e.code})`} desc = ${e.details ?? ''}`;
}

/** Go's %q for the strings we quote (paths, names): a JSON string is the same for printable text. */
const q = (s: string): string => JSON.stringify(s);

/** convertToGRPC, leaving out zero values (proto3 does not encode them). */
export function toGrpcArtifact(a: Artifact): GrpcArtifact {
  const out: GrpcArtifact = {};
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const set = <K extends keyof GrpcArtifact>(k: K, v: GrpcArtifact[K] | undefined): void => { if (v !== undefined && v !== false && v !== 0) out[k] = v; };
  set('name', str(a.name));
  set('path', str(a.path));
  set('mode', typeof a.mode === 'number' ? a.mode : undefined);
  set('from', str(a.from));
  set('optional', a.optional === true);
  set('subPath', str(a.subPath));
  set('recurseMode', a.recurseMode === true);
  set('fromExpression', str(a.fromExpression));
  set('deleted', a.deleted === true);
  const p = a.plugin as PluginLocation | undefined | null;
  if (p) {
    const plugin: GrpcArtifact['plugin'] = {};
    if (str(p.name)) plugin.name = p.name;
    if (str(p.configuration)) plugin.configuration = p.configuration;
    if (typeof p.connectionTimeoutSeconds === 'number' && p.connectionTimeoutSeconds !== 0) plugin.connectionTimeoutSeconds = p.connectionTimeoutSeconds;
    if (str(p.key)) plugin.key = p.key;
    out.plugin = plugin;
  }
  return out;
}

type Unary<Req, Res> = (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => grpc.ClientUnaryCall;
interface ServiceClient extends grpc.Client {
  Load: Unary<{ inputArtifact: GrpcArtifact; path: string }, SuccessResponse>;
  Save: Unary<{ path: string; outputArtifact: GrpcArtifact }, SuccessResponse>;
  Delete: Unary<{ artifact: GrpcArtifact }, SuccessResponse>;
  ListObjects: Unary<{ artifact: GrpcArtifact }, ListObjectsResponse>;
  IsDirectory: Unary<{ artifact: GrpcArtifact }, IsDirectoryResponse>;
  GetCapabilities: Unary<Record<string, never>, GetCapabilitiesResponse>;
  SaveStream: (cb: (err: grpc.ServiceError | null, res: SuccessResponse) => void) => grpc.ClientWritableStream<SaveStreamFrame>;
}

function call<Req, Res>(fn: Unary<Req, Res>, client: ServiceClient, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => { fn.call(client, req, (err, res) => (err ? reject(err) : resolve(res))); });
}

/** Wait for the plugin's socket file (NewDriver's first half). Returns its stat. */
export async function waitForSocket(plugin: string, socket: string, log: Logger, signal?: AbortSignal): Promise<Stats> {
  for (let retry = 0; retry < SOCKET_WAIT_SECONDS; retry++) {
    try {
      return statSync(socket);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`plugin ${plugin} cannot stat unix socket at ${q(socket)}: ${pathError('stat', socket, err)}`);
      }
    }
    log.debug('plugin socket not found, retrying in 1s', { pluginName: plugin, socketPath: socket, retry, maxRetries: SOCKET_WAIT_SECONDS });
    try {
      await sleep(1000, undefined, { signal });
    } catch {
      throw new Error(`plugin ${plugin} context cancelled while waiting for socket at ${q(socket)}: context canceled`);
    }
  }
  throw new Error(`plugin ${plugin} expected unix socket at ${q(socket)} but it does not exist after waiting for ${SOCKET_WAIT_SECONDS} seconds`);
}

export class PluginArtifactDriver implements ArtifactDriver {
  readonly #plugin: string;
  readonly #socket: string;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  #client: Promise<ServiceClient> | undefined;

  constructor(location: PluginLocation, log: Logger, socket = pluginSocketPath(location.name ?? '')) {
    this.#plugin = location.name ?? '';
    this.#socket = socket;
    const secs = typeof location.connectionTimeoutSeconds === 'number' && location.connectionTimeoutSeconds !== 0
      ? location.connectionTimeoutSeconds : DEFAULT_CONNECTION_TIMEOUT_SECONDS;
    this.#timeoutMs = secs * 1000;
    this.#log = log;
  }

  // ---- connection ----

  /** NewDriver: socket file, then a READY connection. Errors are driver-creation errors (not wrapped by callers). */
  open(signal?: AbortSignal): Promise<void> {
    this.#client ??= this.#connect(signal);
    return this.#client.then(() => undefined);
  }

  /** `signal` (Go's ctx in NewDriver) cancels the wait for the socket file. */
  async #connect(signal?: AbortSignal): Promise<ServiceClient> {
    const [plugin, socket] = [this.#plugin, this.#socket];
    try {
      const info = await waitForSocket(plugin, socket, this.#log, signal);
      if (!info.isSocket()) this.#log.warn('plugin socket file exists but is not a unix socket', { pluginName: plugin, socketPath: socket });
      else this.#log.info('plugin socket file exists and is a unix socket', { pluginName: plugin, socketPath: socket });
      const client = new ArtifactServiceClient(`unix://${socket}`, grpc.credentials.createInsecure(), {
        'grpc.max_reconnect_backoff_ms': 1000,
      }) as unknown as ServiceClient;
      await new Promise<void>((resolve, reject) => {
        client.waitForReady(Date.now() + this.#timeoutMs, (err) => {
          if (!err) { resolve(); return; }
          const state = grpc.connectivityState[client.getChannel().getConnectivityState(false)] ?? 'UNKNOWN';
          client.close();
          reject(new Error(`timeout waiting for plugin ${plugin} connection to become ready, last state: ${state} (socket=${q(socket)})`));
        });
      });
      this.#log.info(`plugin ${plugin}: connected successfully to ${q(socket)}`);
      return client;
    } catch (err) {
      throw new Error(`failed to create plugin driver for ${plugin}: ${(err as Error).message}`);
    }
  }

  async #rpc<Req, Res>(op: string, fn: (c: ServiceClient) => Unary<Req, Res>, req: Req): Promise<Res> {
    const client = await (this.#client ??= this.#connect());
    try {
      return await call(fn(client), client, req);
    } catch (err) {
      throw new Error(`plugin ${this.#plugin} ${op} failed: ${rpcErrorText(err)}`);
    }
  }

  /** Close the connection (the driver can be opened again). */
  close(): void {
    const c = this.#client;
    this.#client = undefined;
    void c?.then((client) => client.close(), () => undefined);
  }

  // ---- unary operations ----

  async load(artifact: Artifact, path: string): Promise<void> {
    const res = await this.#rpc('load', (c) => c.Load, { inputArtifact: toGrpcArtifact(artifact), path });
    if (!res.success) throw new Error(`plugin ${this.#plugin} load failed: ${res.error}`);
  }

  async save(path: string, artifact: Artifact): Promise<void> {
    const res = await this.#rpc('save', (c) => c.Save, { path, outputArtifact: toGrpcArtifact(artifact) });
    if (!res.success) throw new Error(`plugin ${this.#plugin} save failed: ${res.error}`);
  }

  async delete(artifact: Artifact): Promise<void> {
    const res = await this.#rpc('delete', (c) => c.Delete, { artifact: toGrpcArtifact(artifact) });
    if (!res.success) throw new Error(`plugin ${this.#plugin} delete failed: ${res.error}`);
  }

  async listObjects(artifact: Artifact): Promise<string[]> {
    const res = await this.#rpc('list objects', (c) => c.ListObjects, { artifact: toGrpcArtifact(artifact) });
    if (res.error !== '') throw new Error(`plugin ${this.#plugin} list objects failed: ${res.error}`);
    return res.objects;
  }

  async isDirectory(artifact: Artifact): Promise<boolean> {
    const res = await this.#rpc('is directory check', (c) => c.IsDirectory, { artifact: toGrpcArtifact(artifact) });
    if (res.error !== '') throw new Error(`plugin ${this.#plugin} is directory check failed: ${res.error}`);
    return res.isDirectory;
  }

  // ---- streaming save ----

  /** supportsSaveStream: Unimplemented → false (fall back to Save); any other error fails. */
  async supportsSaveStream(): Promise<boolean> {
    const client = await (this.#client ??= this.#connect());
    try {
      return (await call(client.GetCapabilities, client, {})).supportsSaveStream;
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.UNIMPLEMENTED) return false;
      throw new Error(`plugin ${this.#plugin} get capabilities failed: ${rpcErrorText(err)}`);
    }
  }

  async saveStream(source: Readable | PullSource, artifact: Artifact, progress?: TransferProgress, opts: SaveStreamOptions = {}): Promise<void> {
    let supported: boolean;
    try {
      supported = await this.supportsSaveStream();
    } catch (err) {
      destroySource(source, err as Error);
      throw err;
    }
    if (!supported) return this.#saveViaFile(source, artifact, opts);
    return this.#streamFrames(source, artifact, progress);
  }

  /** saveStreamViaTempFile: spool to Go's staged path when free (else a fresh directory), Save, remove the spool. */
  async #saveViaFile(source: Readable | PullSource, artifact: Artifact, opts: SaveStreamOptions): Promise<void> {
    const dir = opts.tmpDir;
    const exact = dir && opts.fileName ? join(dir, opts.fileName) : undefined;
    const spoolDir = exact && !existsSync(exact) ? undefined : await mkdtemp(join(dir ?? '/tmp', 'plugin-upload-'));
    const file = spoolDir ? join(spoolDir, opts.fileName ?? 'artifact') : (exact as string);
    try {
      await spoolTo(file, source);
      await this.save(file, artifact);
    } finally {
      await rm(spoolDir ?? file, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  async #streamFrames(source: Readable | PullSource, artifact: Artifact, progress?: TransferProgress): Promise<void> {
    const client = await (this.#client ??= this.#connect());
    const plugin = this.#plugin;
    let stream!: grpc.ClientWritableStream<SaveStreamFrame>;
    // The call's outcome; once it settles with an error while frames are still being sent, that error is the cause.
    const outcome = new Promise<SuccessResponse>((resolve, reject) => {
      stream = client.SaveStream((err, res) => (err ? reject(err) : resolve(res)));
    });
    outcome.catch(() => undefined);
    const send = async (frame: SaveStreamFrame, action: string): Promise<void> => {
      const written = new Promise<void>((resolve, reject) => { stream.write(frame, (err?: Error | null) => (err ? reject(err) : resolve())); });
      try {
        await Promise.race([written, outcome.then(() => { throw new Error('the plugin answered before the end of the stream'); })]);
      } catch (err) {
        const cause = await outcome.then(() => err, (e: unknown) => e);
        throw new Error(`plugin ${plugin} save stream failed ${action}: ${rpcErrorText(cause)}`);
      }
    };
    const fill = isPullSource(source) ? source.fill : streamFiller(source);
    try {
      await send({ outputArtifact: toGrpcArtifact(artifact) }, 'to send metadata');
      // One reused chunk buffer: a frame is serialised (copied) before its write callback runs.
      const buf = Buffer.allocUnsafe(SAVE_STREAM_CHUNK);
      let total = 0;
      for (;;) {
        let n: number;
        try {
          n = await fill(buf);
        } catch (err) {
          throw new Error(`plugin ${plugin} save stream failed to read artifact content: ${(err as Error).message}`);
        }
        if (n === 0) break;
        await send({ chunk: buf.subarray(0, n) }, 'mid-transfer');
        total += n;
        progress?.(total);
        if (n < buf.length) break;
      }
      stream.end();
    } catch (err) {
      stream.cancel();
      destroySource(source, err as Error);
      throw err;
    }
    let res: SuccessResponse;
    try {
      res = await outcome;
    } catch (err) {
      throw new Error(`plugin ${plugin} save stream failed: ${rpcErrorText(err)}`);
    }
    if (!res.success) throw new Error(`plugin ${plugin} save stream failed: ${res.error}`);
  }
}

function destroySource(source: Readable | PullSource, err: Error): void {
  try { source.destroy(err); } catch { /* already gone */ }
}

/** Registry factory (artifacts.go newDriver): the socket path comes from the plugin's name. */
export function newPluginDriver(artifact: Artifact, ctx: DriverContext): PluginArtifactDriver {
  return new PluginArtifactDriver((artifact.plugin ?? {}) as PluginLocation, ctx.log);
}
