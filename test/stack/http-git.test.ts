// go-httpbin and the git server are real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { need } from './env.ts';

test('httpbin: GET /get echoes the request; basic auth works', async () => {
  const base = need('HTTPBIN_URL');
  const res = await fetch(`${base}/get?x=1`, { headers: { 'X-Smoke': 'yes' } });
  assert.equal(res.status, 200);
  const body = await res.json() as { args: Record<string, string[]>; headers: Record<string, string[]> };
  assert.deepEqual(body.args.x, ['1']);
  assert.deepEqual(body.headers['X-Smoke'], ['yes']);

  const ok = await fetch(`${base}/basic-auth/admin/password`, { headers: { Authorization: 'Basic ' + Buffer.from('admin:password').toString('base64') } });
  assert.equal(ok.status, 200);
  await ok.text();
  const denied = await fetch(`${base}/basic-auth/admin/password`);
  assert.equal(denied.status, 401);
  await denied.text();
});

function clone(url: string, args: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'stack-git-'));
  try {
    execFileSync('git', ['clone', '-q', ...args, url, join(dir, 'w')], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, timeout: 30000,
    });
    return readFileSync(join(dir, 'w', 'hello.txt'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('git daemon: git clone of the test repository over git://', () => {
  assert.equal(clone(need('GIT_URL')), 'hello world\n');
});

test('git smart HTTP: anonymous clone, tag and branch are there', () => {
  assert.equal(clone(need('GIT_HTTP_URL'), ['--branch', 'v1.0.0']), 'hello world\n');
  const refs = execFileSync('git', ['ls-remote', need('GIT_HTTP_URL')], { encoding: 'utf8' });
  assert.match(refs, /refs\/heads\/main/);
  assert.match(refs, /refs\/heads\/dev/);
  assert.match(refs, /refs\/tags\/v1\.0\.0/);
});

test('git smart HTTP with basic auth: credentials required and accepted', () => {
  const url = new URL(need('GIT_HTTP_AUTH_URL'));
  assert.throws(() => clone(url.toString()));
  url.username = need('GIT_HTTP_USER');
  url.password = need('GIT_HTTP_PASSWORD');
  assert.equal(clone(url.toString()), 'hello world\n');
});

test('git over SSH (OpenSSH sshd): clone with the stack user key and known_hosts; an unauthorized key is refused', () => {
  const ssh = (key: string): string => [
    'ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null',
    `-o UserKnownHostsFile=${need('GIT_SSH_KNOWN_HOSTS')} -i ${key}`,
  ].join(' ');
  const run = (key: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-git-ssh-'));
    try {
      execFileSync('git', ['clone', '-q', need('GIT_SSH_URL'), join(dir, 'w')], {
        stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_SSH_COMMAND: ssh(key), GIT_TERMINAL_PROMPT: '0' }, timeout: 30000,
      });
      return readFileSync(join(dir, 'w', 'hello.txt'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  assert.equal(run(need('GIT_SSH_KEY_FILE')), 'hello world\n');
  assert.equal(run(need('GIT_SSH_RSA_KEY_FILE')), 'hello world\n');
  const other = join(mkdtempSync(join(tmpdir(), 'stack-ssh-key-')), 'k');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
  assert.throws(() => run(other), /Permission denied \(publickey\)/);
});
