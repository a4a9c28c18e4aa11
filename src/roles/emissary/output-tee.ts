/**
 * Copies a child's stdout and stderr to the container log and to the capture files (lifecycle §6.10).
 *
 * Go's emissary gives each pipe its own goroutine that forwards every read as it arrives, so the
 * container log sees the child's writes in the order they were read. Here both pipes share one event
 * loop: chunks are queued as they arrive and written once per turn, each run of consecutive chunks from
 * the same pipe with one writev — so a stderr line read before a stdout line also reaches the
 * container log (and `combined`) before it.
 */
import type { Readable } from 'node:stream';
import { writevAllSync } from '../../core/write-all.ts';
import type { Logger } from '../../core/log.ts';

export interface CaptureFds { stdout: number; combined: number }

/** Where the container log is: the emissary's own stdout and stderr unless a test says otherwise. */
export interface LogFds { stdout: number; stderr: number }

interface Chunk { chunk: Buffer; fromStderr: boolean }

export class OutputTee {
  private queue: Chunk[] = [];
  private scheduled = false;
  private readonly capture: CaptureFds;
  private readonly log: Logger;
  private readonly logFds: LogFds;

  constructor(capture: CaptureFds, log: Logger, logFds: LogFds = { stdout: 1, stderr: 2 }) {
    this.capture = capture;
    this.log = log;
    this.logFds = logFds;
  }

  push(chunk: Buffer, fromStderr: boolean): void {
    this.queue.push({ chunk, fromStderr });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    for (let start = 0; start < batch.length;) {
      const fromStderr = (batch[start] as Chunk).fromStderr;
      let end = start + 1;
      while (end < batch.length && (batch[end] as Chunk).fromStderr === fromStderr) end++;
      const run = batch.slice(start, end).map((e) => e.chunk);
      if (fromStderr) {
        this.write(this.logFds.stderr, run);
      } else {
        this.write(this.logFds.stdout, run);
        this.write(this.capture.stdout, run);
      }
      start = end;
    }
    this.write(this.capture.combined, batch.map((e) => e.chunk));
  }

  private write(fd: number, chunks: Buffer[]): void {
    try { writevAllSync(fd, chunks); } catch (err) { this.log.debug('failed to copy child output', { fd, error: err }); }
  }

  /** Resolves when `stream` ends (or errors), after its last bytes were written. */
  follow(stream: Readable, fromStderr: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => { this.flush(); resolve(); };
      stream.on('data', (chunk: Buffer) => this.push(chunk, fromStderr));
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  }
}
