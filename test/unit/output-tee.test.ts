/**
 * The emissary's output tee keeps the order in which the child's writes were read (Go's emissary: one
 * goroutine per pipe forwards each read at once, so a stderr line read before a stdout line reaches the
 * container log first — cmd/argoexec/commands/emissary.go startCommand, io.MultiWriter per stream).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { OutputTee } from '../../src/roles/emissary/output-tee.ts';
import { createLogger } from '../../src/core/log.ts';

function files() {
  const dir = mkdtempSync(join(tmpdir(), 'tee-'));
  const open = (name: string) => openSync(join(dir, name), 'a');
  const fds = { log: open('container-log'), stdout: open('stdout'), combined: open('combined') };
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const close = () => { for (const fd of Object.values(fds)) closeSync(fd); rmSync(dir, { recursive: true }); };
  return { fds, read, close };
}

test('chunks read in one turn reach the container log in arrival order, stdout and stderr interleaved', () => {
  const f = files();
  // the container log: one file for both streams, as a terminal or `2>&1` would merge them
  const tee = new OutputTee({ stdout: f.fds.stdout, combined: f.fds.combined }, createLogger('error', 'text'), { stdout: f.fds.log, stderr: f.fds.log });
  tee.push(Buffer.from('+ echo 1\n'), true);
  tee.push(Buffer.from('1\n'), false);
  tee.push(Buffer.from('+ echo 2\n'), true);
  tee.push(Buffer.from('+ echo 3\n'), true);
  tee.push(Buffer.from('2\n'), false);
  tee.push(Buffer.from('3\n'), false);
  tee.flush();
  assert.equal(f.read('container-log'), '+ echo 1\n1\n+ echo 2\n+ echo 3\n2\n3\n');
  assert.equal(f.read('combined'), '+ echo 1\n1\n+ echo 2\n+ echo 3\n2\n3\n');
  assert.equal(f.read('stdout'), '1\n2\n3\n');
  f.close();
});

test('follow() writes everything before it resolves, per stream', async () => {
  const f = files();
  const tee = new OutputTee({ stdout: f.fds.stdout, combined: f.fds.combined }, createLogger('error', 'text'), { stdout: f.fds.log, stderr: f.fds.log });
  const out = new PassThrough();
  const err = new PassThrough();
  const done = Promise.all([tee.follow(out, false), tee.follow(err, true)]);
  err.write('e1\n');
  out.write('o1\n');
  err.end('e2\n');
  out.end('o2\n');
  await done;
  assert.equal(f.read('container-log'), 'e1\no1\ne2\no2\n');
  assert.equal(f.read('stdout'), 'o1\no2\n');
  f.close();
});
