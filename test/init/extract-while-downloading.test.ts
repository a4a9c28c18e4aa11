/**
 * D33: a tarball input is extracted while its download still fills `<dest>.tmp`. The result and every error must be
 * those of Go's order — download to the end, then unarchiveArtifact (artifacts spec §3.3–§3.6): the expected values
 * here are the classic path's, on the same bytes. The downloads are driven by the test (writes out of order, as the
 * S3 driver's ranged GETs land), so that "the extraction ran before the download ended" is observed, not timed.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IllegalPathError, isTarball, startsAsTarball, unarchiveArtifact } from '../../src/core/archive/index.ts';
import { fileFiller, type Filler } from '../../src/core/io/fill.ts';
import { DownloadRestartedError, GrowingFile, type WriteObserver } from '../../src/core/io/growing-file.ts';
import { untracedSpan } from '../../src/core/tracing/tracing.ts';
import { DownloadFailedError, downloadAndPlace } from '../../src/roles/init/extract-while-downloading.ts';
import { makeTar, tmp, type TarEntry } from '../artifacts/helpers.ts';

const tgz = async (entries: TarEntry[]): Promise<Buffer> => gzipSync(await makeTar(entries));

/** Lets every pending promise callback and I/O completion run. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

async function waitUntil(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A download the test drives: `write` puts bytes at a position and tells the observer, as the S3 driver does. */
class FakeDownload {
  fh: FileHandle | undefined;
  observer: WriteObserver | undefined;
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
  async begin(observer: WriteObserver | undefined, size: number): Promise<void> {
    this.observer = observer;
    this.fh = await open(this.path, 'w', 0o600);
    observer?.begin(size);
  }
  async write(data: Buffer, from: number, to: number): Promise<void> {
    await (this.fh as FileHandle).write(data, from, to - from, from);
    this.observer?.wrote(from, to - from);
  }
  async close(): Promise<void> {
    await this.fh?.close();
  }
}

describe('GrowingFile', () => {
  test('a reader follows the contiguous prefix of out-of-order writes and waits at its edge', async () => {
    const d = tmp();
    const path = join(d, 'f');
    const data = randomBytes(300_000);
    const dl = new FakeDownload(path);
    const g = new GrowingFile();
    await dl.begin(g, data.length);
    const rfh = await open(path, 'r');
    const fill = g.filler(rfh);
    const buf = Buffer.alloc(1 << 20);
    // Nothing written at 0 yet: the read waits.
    let first: number | undefined;
    const p = fill(buf).then((n) => (first = n));
    await dl.write(data, 100_000, 200_000);
    await settle();
    assert.equal(first, undefined, 'read past the written prefix');
    assert.equal(g.prefix, 0);
    await dl.write(data, 0, 100_000);
    const n1 = await p;
    // The two ranges joined: the prefix is 200,000, and the read returned what it could.
    assert.equal(g.prefix, 200_000);
    assert.ok(n1 > 0 && n1 <= 200_000);
    const got = [Buffer.from(buf.subarray(0, n1))];
    const rest = (async () => {
      for (;;) {
        const n = await fill(buf);
        if (n === 0) return;
        got.push(Buffer.from(buf.subarray(0, n)));
      }
    })();
    await settle();
    await dl.write(data, 200_000, 300_000);
    await settle();
    g.end();
    await rest;
    assert.deepEqual(Buffer.concat(got), data);
    await rfh.close();
    await dl.close();
  });

  test('a second begin (the download started over) and a failure end the readers with an error', async () => {
    const d = tmp();
    const path = join(d, 'f');
    const dl = new FakeDownload(path);
    const g = new GrowingFile();
    await dl.begin(g, 10);
    const rfh = await open(path, 'r');
    const waiting = g.filler(rfh)(Buffer.alloc(10));
    g.begin(10);
    await assert.rejects(waiting, DownloadRestartedError);
    const g2 = new GrowingFile();
    const waiting2 = g2.whenBegun();
    g2.fail(new Error('socket hang up'));
    await assert.rejects(waiting2, /socket hang up/);
    // A download that ends without ever creating a file (a directory, a driver that does not report): not begun.
    const g3 = new GrowingFile();
    const w3 = g3.whenBegun();
    g3.end();
    assert.equal(await w3, false);
    await rfh.close();
    await dl.close();
  });
});

describe('startsAsTarball (isTarball on bytes as they arrive)', () => {
  test('the same answers as isTarball (spec §3.3), reading one byte at a time', async () => {
    const d = tmp();
    const cases: [string, Buffer, boolean][] = [
      ['ok.tgz', await tgz([{ name: 'f', body: 'x' }]), true],
      ['big.tgz', await tgz([{ name: 'big', body: randomBytes(200_000) }]), true],
      ['plain.tar', await makeTar([{ name: 'f', body: 'x' }]), false],
      ['text.gz', gzipSync('just some text that is long enough '.repeat(40)), false],
      ['empty.tgz', gzipSync(await makeTar([])), false],
      ['short.gz', gzipSync('tiny'), false],
      ['one-byte', Buffer.from([0x1f]), false],
      ['magic-only', Buffer.from([0x1f, 0x8b]), false],
      ['empty', Buffer.alloc(0), false],
      ['bad-gzip', Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(2000)]), false],
    ];
    for (const [name, bytes, want] of cases) {
      const p = join(d, name);
      writeFileSync(p, bytes);
      assert.equal(await isTarball(p), want, `isTarball ${name}`);
      const fh = await open(p, 'r');
      const whole = fileFiller(fh);
      const oneByOne: Filler = (buf) => whole(buf.subarray(0, 1));
      assert.equal(await startsAsTarball(oneByOne), want, `startsAsTarball ${name}`);
      await fh.close();
    }
  });
});

describe('downloadAndPlace', () => {
  const span = untracedSpan();

  test('extracts while the download is still arriving; the result is the archive', async () => {
    const d = tmp();
    const tmpFile = join(d, 'in.tmp');
    const dest = join(d, 'in');
    const a = randomBytes(64 * 1024);
    const b = randomBytes(1 << 20);
    const bytes = await tgz([{ name: 'a', body: a, mode: 0o640 }, { name: 'b', body: b }]);
    const cut1 = Math.floor(bytes.length * 0.3);
    const cut2 = Math.floor(bytes.length * 0.7);
    const dl = new FakeDownload(tmpFile);
    let extractedEarly = false;
    await downloadAndPlace(async (observer) => {
      assert.ok(observer, 'a tarball gets an observer');
      await dl.begin(observer, bytes.length);
      await dl.write(bytes, cut1, cut2);
      await dl.write(bytes, 0, cut1);
      // `a` is in the first 30 %: it must be extracted before the rest of the archive is written.
      await waitUntil('a extracted before the download ended', () => {
        const p = join(`${dest}.tmpdir`, 'a');
        return existsSync(p) && statSync(p).size === a.length;
      });
      extractedEarly = true;
      await dl.write(bytes, cut2, bytes.length);
      await dl.close();
    }, undefined, tmpFile, dest, span);
    assert.equal(extractedEarly, true);
    assert.deepEqual(readdirSync(dest).sort(), ['a', 'b']);
    assert.deepEqual(readFileSync(join(dest, 'a')), a);
    assert.deepEqual(readFileSync(join(dest, 'b')), b);
    assert.equal(statSync(join(dest, 'a')).mode & 0o777, 0o640);
    assert.equal(existsSync(tmpFile), false, '<dest>.tmp removed after the extraction');
    assert.equal(existsSync(`${dest}.tmpdir`), false);
  });

  test('a download that fails after the extraction began: the download error, nothing placed', async () => {
    const d = tmp();
    const tmpFile = join(d, 'in.tmp');
    const dest = join(d, 'in');
    const bytes = await tgz([{ name: 'a', body: randomBytes(64 * 1024) }, { name: 'b', body: randomBytes(1 << 20) }]);
    const dl = new FakeDownload(tmpFile);
    const cause = new Error('read ECONNRESET');
    const err = await downloadAndPlace(async (observer) => {
      await dl.begin(observer, bytes.length);
      await dl.write(bytes, 0, Math.floor(bytes.length / 2));
      await waitUntil('extraction began', () => existsSync(join(`${dest}.tmpdir`, 'a')));
      await dl.close();
      await rm(tmpFile);
      throw cause;
    }, undefined, tmpFile, dest, span).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DownloadFailedError, String(err));
    assert.equal((err as DownloadFailedError).cause, cause);
    assert.equal(existsSync(dest), false);
    assert.equal(existsSync(`${dest}.tmpdir`), false);
  });

  test('a hostile archive: the error of extracting the finished file, reported once the download succeeded', async () => {
    const d = tmp();
    const bytes = await tgz([{ name: 'ok', body: 'fine' }, { name: '../evil', body: 'escape' }, { name: 'pad', body: randomBytes(1 << 20) }]);
    // Expected: the classic path on the same bytes.
    writeFileSync(join(d, 'classic.tmp'), bytes);
    const want = await unarchiveArtifact(undefined, join(d, 'classic.tmp'), join(d, 'classic')).then(() => undefined, (e: unknown) => e);
    assert.ok(want instanceof IllegalPathError);
    const tmpFile = join(d, 'in.tmp');
    const dest = join(d, 'in');
    const dl = new FakeDownload(tmpFile);
    let downloadEnded = false;
    const got = await downloadAndPlace(async (observer) => {
      await dl.begin(observer, bytes.length);
      await dl.write(bytes, 0, bytes.length);
      await settle();
      downloadEnded = true;
      await dl.close();
    }, undefined, tmpFile, dest, span).then(() => undefined, (e: unknown) => e);
    assert.equal(downloadEnded, true);
    assert.ok(got instanceof IllegalPathError, String(got));
    assert.equal((got as Error).message, (want as Error).message);
    assert.equal(existsSync(join(d, 'evil')), false, 'nothing outside the target');
    assert.equal(existsSync(dest), false);
    assert.equal(existsSync(`${dest}.tmpdir`), false);
  });

  test('a hostile archive whose download then fails: the download error wins (Go downloads first)', async () => {
    const d = tmp();
    const bytes = await tgz([{ name: '../evil', body: 'escape' }, { name: 'pad', body: randomBytes(1 << 20) }]);
    const tmpFile = join(d, 'in.tmp');
    const dest = join(d, 'in');
    const dl = new FakeDownload(tmpFile);
    const err = await downloadAndPlace(async (observer) => {
      await dl.begin(observer, bytes.length);
      await dl.write(bytes, 0, Math.floor(bytes.length / 2));
      await settle();
      await dl.close();
      throw new Error('unexpected EOF');
    }, undefined, tmpFile, dest, span).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DownloadFailedError, String(err));
    assert.equal((err as Error).message, 'unexpected EOF');
    assert.equal(existsSync(join(d, 'evil')), false);
  });

  test('a truncated tarball: the same error as extracting the finished file', async () => {
    const d = tmp();
    const full = await tgz([{ name: 'a', body: randomBytes(300_000) }, { name: 'b', body: 'b' }]);
    const bytes = full.subarray(0, full.length - 5000);
    writeFileSync(join(d, 'classic.tmp'), bytes);
    const want = await unarchiveArtifact(undefined, join(d, 'classic.tmp'), join(d, 'classic')).then(() => undefined, (e: unknown) => e);
    assert.ok(want instanceof Error);
    const tmpFile = join(d, 'in.tmp');
    const dest = join(d, 'in');
    const dl = new FakeDownload(tmpFile);
    const got = await downloadAndPlace(async (observer) => {
      await dl.begin(observer, bytes.length);
      await dl.write(bytes, 0, bytes.length);
      await dl.close();
    }, undefined, tmpFile, dest, span).then(() => undefined, (e: unknown) => e);
    assert.ok(got instanceof Error);
    assert.equal((got as Error).message.replace(tmpFile, '<tmp>'), (want as Error).message.replace(join(d, 'classic.tmp'), '<tmp>'));
  });

  test('a download that starts over (retry, new file): the finished file is extracted from the start', async () => {
    const d = tmp();
    const tmpFile = join(d, 'in.tmp');
    const dest = join(d, 'in');
    const body = randomBytes(1 << 20);
    const bytes = await tgz([{ name: 'only', body }]);
    await downloadAndPlace(async (observer) => {
      const first = new FakeDownload(tmpFile);
      await first.begin(observer, bytes.length);
      await first.write(bytes, 0, Math.floor(bytes.length / 2));
      await settle();
      await first.close();
      await rm(tmpFile);
      const second = new FakeDownload(tmpFile);
      await second.begin(observer, bytes.length);
      await second.write(bytes, Math.floor(bytes.length / 2), bytes.length);
      await second.write(bytes, 0, Math.floor(bytes.length / 2));
      await second.close();
    }, undefined, tmpFile, dest, span);
    // A single entry becomes `dest` itself (spec §3.6).
    assert.deepEqual(readFileSync(dest), body);
    assert.equal(existsSync(tmpFile), false);
  });

  test('the first attempt failed the extraction, the retry brought good bytes: the retry\'s file is what counts', async () => {
    const d = tmp();
    const tmpFile = join(d, 'in.tmp');
    const dest = join(d, 'in');
    const hostile = await tgz([{ name: '../evil', body: 'escape' }, { name: 'pad', body: randomBytes(100_000) }]);
    const good = await tgz([{ name: 'x', body: 'X' }, { name: 'y', body: 'Y' }]);
    await downloadAndPlace(async (observer) => {
      const first = new FakeDownload(tmpFile);
      await first.begin(observer, hostile.length);
      await first.write(hostile, 0, hostile.length);
      // The extraction refuses '../evil' as soon as it reads the first header (Go would never have seen these bytes).
      await new Promise((r) => setTimeout(r, 500));
      await first.close();
      await rm(tmpFile);
      const second = new FakeDownload(tmpFile);
      await second.begin(observer, good.length);
      await second.write(good, 0, good.length);
      await second.close();
    }, undefined, tmpFile, dest, span);
    assert.deepEqual(readdirSync(dest).sort(), ['x', 'y']);
    assert.equal(existsSync(join(d, 'evil')), false);
  });

  test('not a tarball, a driver that reports nothing, archive none: placed as Go places them', async () => {
    const d = tmp();
    // Auto-detection says "not a tarball": renamed into place.
    const text = Buffer.from('plain text input\n'.repeat(1000));
    const dl = new FakeDownload(join(d, 'text.tmp'));
    await downloadAndPlace(async (o) => {
      await dl.begin(o, text.length);
      await dl.write(text, 0, text.length);
      await dl.close();
    }, undefined, join(d, 'text.tmp'), join(d, 'text'), span);
    assert.deepEqual(readFileSync(join(d, 'text')), text);
    // A driver that ignores the observer: extracted once it has finished.
    const bytes = await tgz([{ name: 'x', body: 'X' }, { name: 'y', body: 'Y' }]);
    await downloadAndPlace(async () => writeFileSync(join(d, 'quiet.tmp'), bytes), undefined, join(d, 'quiet.tmp'), join(d, 'quiet'), span);
    assert.deepEqual(readdirSync(join(d, 'quiet')).sort(), ['x', 'y']);
    // archive: none keeps the tarball as it is, and gets no observer.
    let observed: WriteObserver | undefined;
    await downloadAndPlace(async (o) => {
      observed = o;
      writeFileSync(join(d, 'raw.tmp'), bytes);
    }, { none: {} }, join(d, 'raw.tmp'), join(d, 'raw'), span);
    assert.equal(observed, undefined);
    assert.deepEqual(readFileSync(join(d, 'raw')), bytes);
  });
});
