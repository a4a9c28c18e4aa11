/**
 * A small file written whole (src/core/io/whole-file.ts, native/file-writer.c, decision D42): the native writer and
 * the portable one (node:fs) against node:fs itself, the reference — the same bytes and mode, and the same errors
 * (code, errno, syscall, path, message) for a directory in the way and a missing parent.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wholeFileWriter, type WriteWholeFile } from '../../src/core/io/whole-file.ts';

const ADDON = join(import.meta.dirname, '../../dist/argoexec.d/file-writer.node');

function native(): WriteWholeFile {
  assert.ok(existsSync(ADDON), `${ADDON} missing: run make build`);
  return wholeFileWriter(ADDON);
}

/** What node:fs's writeFile throws for the same call. */
async function referenceError(path: string, data: Uint8Array): Promise<NodeJS.ErrnoException> {
  try {
    await writeFile(path, data, { mode: 0o600 });
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  throw new Error(`node:fs wrote ${path}`);
}

for (const [name, writer] of [['native', native], ['portable', () => wholeFileWriter(join(tmpdir(), 'no-such-addon.node'))]] as const) {
  describe(`whole-file writer (${name})`, () => {
    test('writes the bytes with the mode, truncates a longer file, writes empty files and views into larger buffers', async () => {
      const d = mkdtempSync(join(tmpdir(), 'whole-file-'));
      const old = process.umask(0o022);
      try {
        const w = writer();
        const body = randomBytes(10_240);
        await w(join(d, 'a'), body, 0o600);
        assert.deepEqual(readFileSync(join(d, 'a')), body);
        assert.equal(statSync(join(d, 'a')).mode & 0o777, 0o600);
        writeFileSync(join(d, 'b'), randomBytes(50_000));
        await w(join(d, 'b'), body.subarray(0, 100), 0o600);
        assert.deepEqual(readFileSync(join(d, 'b')), body.subarray(0, 100), 'no bytes of the old file left');
        await w(join(d, 'empty'), Buffer.alloc(0), 0o644);
        assert.equal(statSync(join(d, 'empty')).size, 0);
        assert.equal(statSync(join(d, 'empty')).mode & 0o777, 0o644);
        const big = Buffer.concat([Buffer.alloc(7, 1), body, Buffer.alloc(9, 2)]);
        await w(join(d, 'view'), big.subarray(7, 7 + body.length), 0o600);
        assert.deepEqual(readFileSync(join(d, 'view')), body);
        // Many at once (a directory download keeps 32 in flight), the data possibly sharing Buffer's pool.
        const small = Array.from({ length: 200 }, (_, i) => Buffer.from(`file ${i}\n`.repeat(i % 7)));
        await Promise.all(small.map((b, i) => w(join(d, `m${i}`), b, 0o600)));
        for (let i = 0; i < small.length; i++) assert.deepEqual(readFileSync(join(d, `m${i}`)), small[i]);
      } finally {
        process.umask(old);
        rmSync(d, { recursive: true, force: true });
      }
    });

    test('fails as node:fs does: a directory in the way (EISDIR), a missing parent (ENOENT)', async () => {
      const d = mkdtempSync(join(tmpdir(), 'whole-file-'));
      try {
        const w = writer();
        mkdirSync(join(d, 'dir'));
        for (const path of [join(d, 'dir'), join(d, 'missing', 'f')]) {
          const want = await referenceError(path, Buffer.from('x'));
          await assert.rejects(w(path, Buffer.from('x'), 0o600), (err: NodeJS.ErrnoException) => {
            assert.equal(err.message, want.message);
            assert.equal(err.code, want.code);
            assert.equal(err.errno, want.errno);
            assert.equal(err.syscall, want.syscall);
            assert.equal(err.path, want.path);
            return true;
          });
        }
        assert.equal(existsSync(join(d, 'missing')), false);
      } finally {
        rmSync(d, { recursive: true, force: true });
      }
    });
  });
}

test('the native writer refuses bad arguments and paths with a NUL byte', () => {
  const addon = { exports: {} as { writeFile: (...a: unknown[]) => void } };
  process.dlopen(addon, ADDON);
  assert.throws(() => addon.exports.writeFile('/tmp/x', 'not bytes', 0o600, () => undefined), /bad arguments/);
  assert.throws(() => addon.exports.writeFile('', Buffer.alloc(1), 0o600, () => undefined), /bad arguments/);
  assert.throws(() => addon.exports.writeFile('/tmp/a\0b', Buffer.alloc(1), 0o600, () => undefined), /NUL byte/);
});
