/**
 * Git driver against real servers: the stack's git daemon (git://) and smart-HTTP server (anonymous and basic auth),
 * plus a private `git daemon` started here on a temporary base path for repositories the stack lacks (submodules,
 * an empty repository, an annotated tag, pull refs). Results are checked with the real `git` binary (fsck, HEAD,
 * shallow state).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { driverFor } from '../../src/artifacts/registry.ts';
import { parseGitmodules, sshUser } from '../../src/artifacts/git/driver.ts';
import type { Artifact } from '../../src/core/template.ts';
import { ctxFor, secretsDir, stack, tmp } from './helpers.ts';

const GIT_URL = stack.GIT_URL ?? '';
const GIT_HTTP_URL = stack.GIT_HTTP_URL ?? '';
const GIT_HTTP_AUTH_URL = stack.GIT_HTTP_AUTH_URL ?? '';
assert.ok(GIT_URL && GIT_HTTP_URL && GIT_HTTP_AUTH_URL, 'GIT_* must be set in .stack/env (make stack-up)');
const MAIN = 'f0a683b791bf2626461dc93a83c2664b7da444ef';
const DEV = 'fdcd877f2b3471c8b6b13c966604df7b1e7e3b8f';

const sh = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z', GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } }).trim();

function gitArt(repo: string, extra: Record<string, unknown> = {}): Artifact {
  return { name: 'a', path: '/tmp/x', git: { repo, ...extra } };
}

async function load(repo: string, extra: Record<string, unknown> = {}, secrets = secretsDir({})): Promise<string> {
  const dest = join(tmp('git-'), 'repo');
  const art = gitArt(repo, extra);
  await driverFor(art, ctxFor(secrets)).load(art, dest);
  return dest;
}

function verify(dir: string): void {
  execFileSync('git', ['-C', dir, 'fsck', '--no-dangling'], { stdio: 'pipe' });
  assert.equal(sh(dir, 'status', '--porcelain'), '', 'work tree matches HEAD');
}

describe('git', () => {
  test('helpers: ssh user from the URL, .gitmodules parsing', () => {
    assert.equal(sshUser('git@github.com:argoproj/argo.git'), 'git');
    assert.equal(sshUser('ssh://alice@host/repo.git'), 'alice');
    assert.equal(sshUser('https://github.com/argoproj/argo.git'), 'git');
    assert.deepEqual(parseGitmodules('[submodule "lib"]\n\tpath = vendor/lib\n\turl = ../lib.git\n# c\n[core]\n\tx = y\n'), [{ name: 'lib', path: 'vendor/lib', url: '../lib.git' }]);
  });

  test('git:// clone: default branch checked out, all branches, tags, .git kept, remote URL is the real one', async () => {
    const d = await load(GIT_URL);
    verify(d);
    assert.equal(sh(d, 'rev-parse', 'HEAD'), MAIN);
    assert.equal(sh(d, 'symbolic-ref', 'HEAD'), 'refs/heads/main');
    assert.equal(readFileSync(join(d, 'dir/sub/nested.txt'), 'utf8'), 'nested\n');
    assert.equal(sh(d, 'rev-parse', 'refs/remotes/origin/dev'), DEV);
    assert.equal(sh(d, 'rev-parse', 'refs/tags/v1.0.0'), MAIN);
    assert.equal(sh(d, 'config', 'remote.origin.url'), GIT_URL);
    assert.equal(existsSync(join(d, '.git/shallow')), false);
  });

  test('checked-out modes are go-git\'s under the executor\'s umask 0: files 0644, directories 0755 (Go\'s `ls -l` in TestGitArtifactDepthClone)', async () => {
    const old = process.umask(0);
    let d: string;
    try { d = await load(GIT_URL); } finally { process.umask(old); }
    const modes = (rel: string) => (statSync(join(d, rel)).mode & 0o7777).toString(8);
    assert.equal(modes('dir/sub/nested.txt'), '644');
    assert.equal(modes('dir'), '755');
    assert.equal(modes('dir/sub'), '755');
    for (const f of execFileSync('git', ['-C', d, 'ls-files', '-s'], { encoding: 'utf8' }).trim().split('\n')) {
      const [mode, , , path] = f.split(/\s+/);
      if (mode === '100755') assert.equal(modes(path as string), '755', path);
      if (mode === '100644') assert.equal(modes(path as string), '644', path);
    }
  });

  test('depth + singleBranch over HTTP: shallow clone of one branch', async () => {
    const d = await load(GIT_HTTP_URL, { depth: 1, singleBranch: true, branch: 'dev' });
    verify(d);
    assert.equal(sh(d, 'rev-parse', 'HEAD'), DEV);
    assert.equal(sh(d, 'rev-list', '--count', 'HEAD'), '1');
    assert.equal(readFileSync(join(d, '.git/shallow'), 'utf8').trim(), DEV);
    assert.equal(sh(d, 'for-each-ref', '--format=%(refname)', 'refs/remotes'), 'refs/remotes/origin/dev');
  });

  test('revision: branch, tag, full and short hash, HEAD~1 — checked out detached', async () => {
    for (const [rev, want] of [['dev', DEV], ['v1.0.0', MAIN], [MAIN, MAIN], [DEV.slice(0, 7), DEV], ['dev~1', MAIN]] as const) {
      const d = await load(GIT_URL, { revision: rev });
      verify(d);
      assert.equal(sh(d, 'rev-parse', 'HEAD'), want, rev);
      assert.throws(() => sh(d, 'symbolic-ref', '-q', 'HEAD'), `${rev}: HEAD is detached`);
      assert.equal(existsSync(join(d, 'dev.txt')), want === DEV, rev);
      assert.equal(sh(d, 'rev-parse', 'refs/heads/dev'), DEV, 'Go fetches refs/heads/*:refs/heads/*');
    }
    await assert.rejects(load(GIT_URL, { revision: 'no-such-rev' }), /failed to get resolve revision/);
  });

  test('HTTP basic auth: good credentials clone; wrong ones fail with 401 and no password in the message', async () => {
    const good = secretsDir({ git: { user: stack.GIT_HTTP_USER ?? 'admin', pass: stack.GIT_HTTP_PASSWORD ?? 'password' } });
    const sel = { usernameSecret: { name: 'git', key: 'user' }, passwordSecret: { name: 'git', key: 'pass' } };
    const d = await load(GIT_HTTP_AUTH_URL, { ...sel, depth: 1 }, good);
    verify(d);
    assert.equal(sh(d, 'rev-parse', 'HEAD'), MAIN);
    const wrongPass = 'S3CRET-wrong-pass';
    const bad = secretsDir({ git: { user: 'admin', pass: wrongPass } });
    await assert.rejects(load(GIT_HTTP_AUTH_URL, sel, bad), (err: Error) => {
      assert.match(err.message, /^failed to clone ".*\/auth\/argo-test\.git": authentication required \(HTTP 401\)/);
      assert.ok(!err.message.includes(wrongPass));
      return true;
    });
    await assert.rejects(load(GIT_HTTP_AUTH_URL), /HTTP 401\): set usernameSecret\/passwordSecret/);
  });

  test('errors as Go: singleBranch without branch; save unsupported; ssh without key or agent; credentials the transport cannot use; unknown repo', async () => {
    await assert.rejects(load(GIT_URL, { singleBranch: true }), /^Error: single branch mode without a branch specified$/);
    const art = gitArt(GIT_URL);
    await assert.rejects(driverFor(art, ctxFor(secretsDir({}))).save('/tmp', art), /^Error: git output artifacts unsupported$/);
    // go-git falls back to an SSH agent without a key (transport/ssh DefaultAuthBuilder): no SSH_AUTH_SOCK here.
    await assert.rejects(load('git@github.com:argoproj/argo-workflows.git'), /^Error: failed to clone "git@github\.com:argoproj\/argo-workflows\.git": error creating SSH agent: "SSH agent requested but SSH_AUTH_SOCK not-specified"$/);
    // go-git: an auth method of another transport is ErrInvalidAuthMethod (git:// takes none at all).
    const basic = secretsDir({ git: { user: 'u', pass: 'p' } });
    await assert.rejects(load(GIT_URL, { usernameSecret: { name: 'git', key: 'user' }, passwordSecret: { name: 'git', key: 'pass' } }, basic), /^Error: failed to clone "git:\/\/.*": invalid auth method$/);
    await assert.rejects(load(GIT_URL.replace('argo-test', 'missing')), /failed to clone "git:\/\/.*missing\.git"/);
  });

  describe('with a private git daemon', () => {
    let daemon: ChildProcess;
    let base = '';
    let port = 0;

    before(async () => {
      base = tmp('gitroot-');
      const w = tmp('gitwork-');
      const mk = (name: string, fn: (dir: string) => void): void => {
        const dir = join(w, name);
        mkdirSync(dir);
        sh(dir, 'init', '-q', '-b', 'main');
        sh(dir, 'config', 'user.email', 't@t');
        sh(dir, 'config', 'user.name', 't');
        sh(dir, 'config', 'protocol.file.allow', 'always');
        fn(dir);
        sh(w, 'clone', '-q', '--bare', dir, join(base, `${name}.git`));
      };
      mk('leaf', (d) => { writeFileSync(join(d, 'leaf.txt'), 'leaf\n'); sh(d, 'add', '-A'); sh(d, 'commit', '-qm', 'leaf'); });
      mk('lib', (d) => {
        writeFileSync(join(d, 'lib.txt'), 'lib\n');
        sh(d, 'add', '-A'); sh(d, 'commit', '-qm', 'lib');
        sh(d, '-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', join(base, 'leaf.git'), 'deep/leaf');
        sh(d, 'config', '-f', '.gitmodules', 'submodule.deep/leaf.url', '../leaf.git');
        sh(d, 'add', '-A'); sh(d, 'commit', '-qm', 'nested submodule');
      });
      mk('super', (d) => {
        writeFileSync(join(d, 'top.txt'), 'top\n');
        sh(d, 'add', '-A'); sh(d, 'commit', '-qm', 'top');
        sh(d, 'tag', '-a', 'v2', '-m', 'annotated');
        sh(d, '-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', join(base, 'lib.git'), 'vendor/lib');
        sh(d, 'config', '-f', '.gitmodules', 'submodule.vendor/lib.url', './../lib.git');
        sh(d, 'add', '-A'); sh(d, 'commit', '-qm', 'with submodule');
      });
      mkdirSync(join(base, 'empty.git'));
      sh(join(base, 'empty.git'), 'init', '-q', '--bare');
      sh(join(base, 'super.git'), 'update-ref', 'refs/pull/7/head', sh(join(base, 'super.git'), 'rev-parse', 'v2^{commit}'));
      port = await new Promise<number>((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });
      daemon = spawn('git', ['daemon', `--base-path=${base}`, '--export-all', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, base], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        try { execFileSync('git', ['ls-remote', `git://127.0.0.1:${port}/leaf.git`], { stdio: 'pipe' }); break; } catch { await sleep(100); }
      }
    });
    after(() => { daemon?.kill(); });

    test('submodules are cloned recursively (relative URLs, .git files pointing into .git/modules)', async () => {
      const d = await load(`git://127.0.0.1:${port}/super.git`);
      verify(d);
      assert.equal(readFileSync(join(d, 'vendor/lib/lib.txt'), 'utf8'), 'lib\n');
      assert.equal(readFileSync(join(d, 'vendor/lib/deep/leaf/leaf.txt'), 'utf8'), 'leaf\n');
      assert.equal(readFileSync(join(d, 'vendor/lib/.git'), 'utf8'), 'gitdir: ../../.git/modules/vendor/lib\n');
      const status = execFileSync('git', ['-C', d, 'submodule', 'status', '--recursive'], { encoding: 'utf8' });
      assert.equal(status.split('\n').filter((l) => /^[-+U]/.test(l)).join('\n'), '', `submodules at the recorded commits:\n${status}`);
      assert.equal(status.split('\n').filter(Boolean).length, 2, status);
      verify(join(d, 'vendor/lib'));
      const off = await load(`git://127.0.0.1:${port}/super.git`, { disableSubmodules: true });
      assert.equal(existsSync(join(off, 'vendor/lib/lib.txt')), false);
    });

    test('annotated tag revision is peeled to its commit; fetch refspecs write their destination', async () => {
      const url = `git://127.0.0.1:${port}/super.git`;
      const d = await load(url, { revision: 'v2', disableSubmodules: true, fetch: ['+refs/pull/*/head:refs/remotes/origin/pr/*'] });
      const v2 = sh(join(base, 'super.git'), 'rev-parse', 'v2^{commit}');
      assert.equal(sh(d, 'rev-parse', 'HEAD'), v2);
      assert.equal(sh(d, 'rev-parse', 'refs/remotes/origin/pr/7'), v2);
      await assert.rejects(load(url, { fetch: ['refs/pull/7/head'] }), /malformed refspec/);
    });

    test('empty repository → initialised repo with origin and a branch named after revision (or master)', async () => {
      const d = await load(`git://127.0.0.1:${port}/empty.git`, { revision: 'feature' });
      assert.equal(sh(d, 'config', 'remote.origin.url'), `git://127.0.0.1:${port}/empty.git`);
      assert.equal(sh(d, 'config', 'branch.feature.remote'), 'origin');
      assert.equal(sh(d, 'config', 'branch.feature.merge'), 'refs/heads/master');
    });
  });
});
