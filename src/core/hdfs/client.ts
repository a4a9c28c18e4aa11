/**
 * A small HDFS client over the native protocols (rpc.ts to the NameNode, block-reader/-writer.ts to DataNodes):
 * stat, mkdir -p, remove, and whole-file streaming copies between the local disk and HDFS. It behaves as the Go
 * client Argo uses (colinmarc/hdfs v2.4.0): the same calls in the same order, and the same error texts, built as
 * Go's os.PathError (`<op> <path>: <reason>`) with remote exceptions mapped to os errors
 * (FileNotFoundException → `file does not exist`, AccessControlException → `permission denied`, …).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { discard, openAhead, readBlock } from './block-reader.ts';
import { BlockWriter, PACKET_SIZE } from './block-writer.ts';
import { FILE_TYPE_DIR, type Msg } from './proto.ts';
import { NamenodeConnection, NamenodeError, type NamenodeOptions } from './rpc.ts';

/** Go's os errors, by their Error() text. */
export const ERR_NOT_EXIST = 'file does not exist';
export const ERR_EXIST = 'file already exists';
export const ERR_PERMISSION = 'permission denied';

export class PathError extends Error {
  readonly op: string;
  readonly path: string;
  override readonly cause: Error;
  constructor(op: string, path: string, cause: Error) {
    super(`${op} ${path}: ${cause.message}`);
    this.op = op;
    this.path = path;
    this.cause = cause;
  }
  get notExist(): boolean {
    return this.cause.message === ERR_NOT_EXIST;
  }
  get exist(): boolean {
    return this.cause.message === ERR_EXIST;
  }
}

const EXCEPTIONS: Record<string, string> = {
  'java.io.FileNotFoundException': ERR_NOT_EXIST,
  'org.apache.hadoop.security.AccessControlException': ERR_PERMISSION,
  'org.apache.hadoop.fs.PathIsNotEmptyDirectoryException': 'directory not empty',
  'org.apache.hadoop.fs.FileAlreadyExistsException': ERR_EXIST,
  'org.apache.hadoop.HadoopIllegalArgumentException': 'invalid argument',
};

/** colinmarc/hdfs interpretException. */
export function interpret(err: unknown): Error {
  if (err instanceof NamenodeError && EXCEPTIONS[err.exception]) return new Error(EXCEPTIONS[err.exception]);
  return err as Error;
}

function interpretCreate(err: unknown): Error {
  if (err instanceof NamenodeError && err.exception === 'org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException') return new Error(ERR_EXIST);
  return interpret(err);
}

export interface FileStatus {
  isDir: boolean;
  length: number;
  fileId: number;
  raw: Msg;
}

export type HdfsClientOptions = NamenodeOptions;

const NOT_REPLICATED_YET = 'org.apache.hadoop.hdfs.server.namenode.NotReplicatedYetException';

export class HdfsClient {
  readonly #nn: NamenodeConnection;
  #defaults: Msg | undefined;

  private constructor(nn: NamenodeConnection) {
    this.#nn = nn;
  }

  /** hdfs.NewClient: connects (and handshakes) at once, so an unreachable NameNode fails here. */
  static async connect(opts: HdfsClientOptions): Promise<HdfsClient> {
    const nn = new NamenodeConnection(opts);
    await nn.connect();
    return new HdfsClient(nn);
  }

  get namenode(): string | undefined {
    return this.#nn.address;
  }

  close(): void {
    this.#nn.close();
  }

  /** getFileInfo: the status, or undefined when the path does not exist; remote errors thrown as they are. */
  async #fileInfo(path: string): Promise<FileStatus | undefined> {
    const resp = await this.#nn.call('getFileInfo', 'GetFileInfoRequestProto', { src: path }, 'GetFileInfoResponseProto');
    const fs = resp.fs as Msg | undefined;
    if (!fs) return undefined;
    return { isDir: fs.fileType === FILE_TYPE_DIR, length: Number(fs.length ?? 0), fileId: Number(fs.fileId ?? 0), raw: fs };
  }

  /** Client.Stat. */
  async stat(path: string): Promise<FileStatus> {
    let st: FileStatus | undefined;
    try {
      st = await this.#fileInfo(path);
    } catch (err) {
      throw new PathError('stat', path, interpret(err));
    }
    if (!st) throw new PathError('stat', path, new Error(ERR_NOT_EXIST));
    return st;
  }

  /** Client.MkdirAll (mode as given; the NameNode applies its umask). */
  async mkdirAll(dir: string, perm: number): Promise<void> {
    const clean = cleanPath(dir);
    let st: FileStatus | undefined;
    try {
      st = await this.#fileInfo(clean);
    } catch (err) {
      const e = interpret(err);
      if (e.message !== ERR_NOT_EXIST) throw new PathError('mkdir', clean, e);
    }
    if (st) {
      if (st.isDir) return;
      throw new PathError('mkdir', clean, new Error(ERR_EXIST));
    }
    try {
      await this.#nn.call('mkdirs', 'MkdirsRequestProto', { src: clean, masked: { perm }, createParent: true }, 'MkdirsResponseProto');
    } catch (err) {
      throw new PathError('mkdir', clean, interpret(err));
    }
  }

  /** Client.Remove (non-recursive) / RemoveAll (recursive, a missing path is no error). */
  async remove(path: string, recursive = false): Promise<void> {
    let st: FileStatus | undefined;
    try {
      st = await this.#fileInfo(path);
    } catch (err) {
      throw new PathError('remove', path, err as Error);
    }
    if (!st) {
      if (recursive) return;
      throw new PathError('remove', path, new Error(ERR_NOT_EXIST));
    }
    let resp: Msg;
    try {
      resp = await this.#nn.call('delete', 'DeleteRequestProto', { src: path, recursive }, 'DeleteResponseProto');
    } catch (err) {
      throw new PathError('remove', path, interpret(err));
    }
    if (resp.result === undefined) throw new PathError('remove', path, new Error('unexpected empty response'));
  }

  /** Names in a directory (getListing, paged). */
  async list(dir: string): Promise<{ name: string; isDir: boolean; length: number }[]> {
    const out: { name: string; isDir: boolean; length: number }[] = [];
    let startAfter = Buffer.alloc(0);
    for (;;) {
      let resp: Msg;
      try {
        resp = await this.#nn.call('getListing', 'GetListingRequestProto', { src: dir, startAfter, needLocation: false }, 'GetListingResponseProto');
      } catch (err) {
        throw new PathError('readdir', dir, interpret(err));
      }
      const list = resp.dirList as Msg | undefined;
      if (!list) throw new PathError('readdir', dir, new Error(ERR_NOT_EXIST));
      const part = (list.partialListing ?? []) as Msg[];
      for (const s of part) {
        const name = Buffer.from(s.path ?? []).toString();
        out.push({ name, isDir: s.fileType === FILE_TYPE_DIR, length: Number(s.length ?? 0) });
      }
      if (!list.remainingEntries || part.length === 0) return out;
      startAfter = Buffer.from((part[part.length - 1] as Msg).path ?? []);
    }
  }

  /**
   * Client.CopyToLocal: creates (truncates) `dst` first, then opens `src` and streams every block into it. Errors:
   * the local create error, `open <src>: …`, or a transfer error. `progress` gets the byte count so far.
   */
  async copyToLocal(src: string, dst: string, progress?: (n: number) => void): Promise<void> {
    const out = createWriteStream(dst, { mode: 0o666, highWaterMark: 1024 * 1024 });
    await Promise.race([once(out, 'open'), once(out, 'error').then(([e]) => { throw e; })]);
    let done = 0;
    try {
      let st: FileStatus | undefined;
      try {
        st = await this.#fileInfo(src);
        if (!st) throw new Error(ERR_NOT_EXIST);
      } catch (err) {
        throw new PathError('open', src, interpret(err));
      }
      if (st.isDir) throw new PathError('read', src, new Error('is a directory'));
      if (st.length > 0) {
        const blocks = await this.blocks(src, st.length);
        let ahead = blocks[0] ? openAhead(blocks[0], this.#nn.clientName) : undefined;
        try {
          for (let i = 0; i < blocks.length; i++) {
            const current = ahead;
            const next = blocks[i + 1];
            ahead = next ? openAhead(next, this.#nn.clientName) : undefined;
            await readBlock(blocks[i] as Msg, this.#nn.clientName, async (data) => {
              if (!out.write(data)) await once(out, 'drain');
              done += data.length;
              progress?.(done);
            }, current);
          }
        } finally {
          discard(ahead);
        }
        if (done !== st.length) throw new Error('unexpected EOF');
      }
      out.end();
      await once(out, 'finish');
    } finally {
      out.destroy();
    }
  }

  /** The file's blocks in order (getBlockLocations): block ids, lengths, locations. */
  async blocks(src: string, length: number): Promise<Msg[]> {
    const resp = await this.#nn.call('getBlockLocations', 'GetBlockLocationsRequestProto', { src, offset: 0, length }, 'GetBlockLocationsResponseProto');
    return ((resp.locations?.blocks ?? []) as Msg[]).slice().sort((a, b) => Number(a.offset ?? 0) - Number(b.offset ?? 0));
  }

  /** FsServerDefaults (block size, replication), fetched once. */
  async #serverDefaults(): Promise<Msg> {
    this.#defaults ??= (await this.#nn.call('getServerDefaults', 'GetServerDefaultsRequestProto', {}, 'GetServerDefaultsResponseProto')).serverDefaults ?? {};
    return this.#defaults as Msg;
  }

  /**
   * Client.CopyToRemote: Create(dst) (fails with `create <dst>: file already exists` when it exists), then the local
   * file in packets, block after block (addBlock → DataNode pipeline), then complete. The lease is renewed while it
   * runs. A failed copy deletes the half-written file (Go leaves it under construction).
   */
  async copyToRemote(src: string, dst: string, progress?: (n: number) => void): Promise<void> {
    const input = createReadStream(src, { highWaterMark: PACKET_SIZE });
    await Promise.race([once(input, 'open'), once(input, 'error').then(([e]) => { throw e; })]);
    try {
      let st: FileStatus | undefined;
      try {
        st = await this.#fileInfo(dst);
      } catch (err) {
        const e = interpret(err);
        if (e.message !== ERR_NOT_EXIST) throw new PathError('create', dst, e);
      }
      if (st) throw new PathError('create', dst, new Error(ERR_EXIST));
      const defaults = await this.#serverDefaults();
      const blockSize = Number(defaults.blockSize ?? 134217728);
      const replication = Number(defaults.replication ?? 3);
      let created: Msg;
      try {
        created = await this.#nn.call('create', 'CreateRequestProto', {
          src: dst, masked: { perm: 0o644 }, clientName: this.#nn.clientName, createFlag: 1, createParent: false, replication, blockSize,
        }, 'CreateResponseProto');
      } catch (err) {
        throw new PathError('create', dst, interpretCreate(err));
      }
      const fileId = Number(created.fs?.fileId ?? 0);
      const renew = setInterval(() => {
        this.#nn.call('renewLease', 'RenewLeaseRequestProto', { clientName: this.#nn.clientName }, 'RenewLeaseResponseProto').catch(() => undefined);
      }, 20_000);
      renew.unref();
      let ok = false;
      try {
        await this.#writeBlocks(input, dst, fileId, blockSize, progress);
        ok = true;
      } finally {
        clearInterval(renew);
        if (!ok) await this.#nn.call('delete', 'DeleteRequestProto', { src: dst, recursive: false }, 'DeleteResponseProto').catch(() => undefined);
      }
    } finally {
      input.destroy();
    }
  }

  async #writeBlocks(input: AsyncIterable<Buffer>, dst: string, fileId: number, blockSize: number, progress?: (n: number) => void): Promise<void> {
    let writer: BlockWriter | undefined;
    let previous: Msg | undefined;
    let total = 0;
    const packet = Buffer.allocUnsafe(PACKET_SIZE);
    let fill = 0;
    const room = (): number => Math.min(PACKET_SIZE, blockSize - (writer?.offset ?? 0)) - fill;
    const flush = async (): Promise<void> => {
      if (fill === 0) return;
      writer ??= await this.#newBlock(dst, fileId, previous);
      await writer.writePacket(Buffer.from(packet.subarray(0, fill)));
      total += fill;
      fill = 0;
      progress?.(total);
      if (writer.offset >= blockSize) {
        previous = await this.#endBlock(writer);
        writer = undefined;
      }
    };
    try {
      for await (const chunk of input) {
        let off = 0;
        while (off < chunk.length) {
          const n = Math.min(room(), chunk.length - off);
          chunk.copy(packet, fill, off, off + n);
          fill += n;
          off += n;
          if (room() === 0) await flush();
        }
      }
      await flush();
      if (writer) previous = await this.#endBlock(writer);
    } catch (err) {
      writer?.abort();
      throw err;
    }
    await this.#complete(dst, fileId, previous);
  }

  async #newBlock(dst: string, fileId: number, previous: Msg | undefined): Promise<BlockWriter> {
    let resp: Msg;
    // NotReplicatedYetException: the DataNode has not reported the previous block yet; Hadoop's client retries
    // (dfs.client.block.write.locateFollowingBlock.retries), Go's does not.
    for (let pause = 100, i = 0; ; i++) {
      try {
        resp = await this.#nn.call('addBlock', 'AddBlockRequestProto', { src: dst, clientName: this.#nn.clientName, previous, fileId }, 'AddBlockResponseProto');
        break;
      } catch (err) {
        if (!(err instanceof NamenodeError && err.exception === NOT_REPLICATED_YET && i < 10)) throw new PathError('create', dst, interpret(err));
      }
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 2000);
    }
    return BlockWriter.open(resp.block ?? {}, this.#nn.clientName);
  }

  /** Closes the block's pipeline; returns the block as the NameNode must see it (its final length). */
  async #endBlock(writer: BlockWriter): Promise<Msg> {
    await writer.finish();
    return { ...writer.block.b, numBytes: writer.offset };
  }

  /**
   * complete(); while the DataNode has not yet reported the last block the NameNode answers false: retried with a
   * growing pause as Hadoop's own client does (Go gives up at once with `replication in progress`).
   */
  async #complete(dst: string, fileId: number, last: Msg | undefined): Promise<void> {
    let pause = 100;
    for (let i = 0; ; i++) {
      let resp: Msg;
      try {
        resp = await this.#nn.call('complete', 'CompleteRequestProto', { src: dst, clientName: this.#nn.clientName, last, fileId }, 'CompleteResponseProto');
      } catch (err) {
        throw new PathError('create', dst, err as Error);
      }
      if (resp.result) return;
      if (i >= 8) throw new PathError('create', dst, new Error('replication in progress'));
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 2000);
    }
  }
}

/** Go's path.Clean for absolute and relative slash paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const s = out.join('/');
  return abs ? `/${s}` : s || '.';
}
