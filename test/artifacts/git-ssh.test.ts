/**
 * Git artifacts over SSH, through the real executables: `argoexec init` of dist/argoexec and of the Go reference
 * ($REFERENCE_ARGOEXEC, v4.1.2) in simulated pods load the same git inputs from the stack's OpenSSH sshd
 * (GIT_SSH_* in .stack/env: user root, git-shell only, host key in GIT_SSH_KNOWN_HOSTS), and must agree: the same
 * checked-out commit, the same work tree (every file and its bytes), the same shallow state — or the same failure
 * (termination message `artifact <name> failed to load: <Go's error>`). Expected commits come from the stack's
 * repository (stack/up.sh makes it with fixed dates: the same ids as test/artifacts/git.test.ts).
 *
 * Known hosts reach the executors the ways go-git reads them: `SSH_KNOWN_HOSTS` (a file mounted as a secret), or
 * `$HOME/.ssh/known_hosts`. The private key is a secret at /argo/secret/ssh/key and must not appear in any output.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { GO_EXECUTOR, PodSim, STACK, TS_EXECUTOR, type Executor } from '../support/pod-sim.ts';

const URL_ = STACK.GIT_SSH_URL ?? '';
const SCP_URL = STACK.GIT_SSH_SCP_URL ?? '';
const PORT = STACK.GIT_SSH_PORT ?? '';
assert.ok(URL_ && SCP_URL && PORT && STACK.GIT_SSH_KEY_FILE && STACK.GIT_SSH_KNOWN_HOSTS, 'GIT_SSH_* must be set in .stack/env (make stack-up)');
assert.ok(STACK.REFERENCE_ARGOEXEC && existsSync(STACK.REFERENCE_ARGOEXEC), 'REFERENCE_ARGOEXEC must be built (make stack-up)');
const KEY = readFileSync(STACK.GIT_SSH_KEY_FILE ?? '', 'utf8');
const RSA_PEM_KEY = readFileSync(STACK.GIT_SSH_RSA_KEY_FILE ?? '', 'utf8');
const KNOWN_HOSTS = readFileSync(STACK.GIT_SSH_KNOWN_HOSTS ?? '', 'utf8');
const MAIN = 'f0a683b791bf2626461dc93a83c2664b7da444ef';
const DEV = 'fdcd877f2b3471c8b6b13c966604df7b1e7e3b8f';

const scratch = mkdtempSync(join(tmpdir(), 'git-ssh-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function keygen(name: string, type: string): { priv: string; pub: string } {
  const f = join(scratch, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', f]);
  return { priv: readFileSync(f, 'utf8'), pub: readFileSync(`${f}.pub`, 'utf8') };
}
const WRONG_KEY = keygen('wrong-user-key', 'ed25519').priv;
/** A known_hosts that names our server with another host key (→ mismatch), and one that only knows another host. */
const OTHER_HOST_KEY = keygen('other-host-key', 'ed25519').pub.split(' ').slice(0, 2).join(' ');
const MISMATCH_KNOWN_HOSTS = `[127.0.0.1]:${PORT} ${OTHER_HOST_KEY}\n`;
const UNKNOWN_KNOWN_HOSTS = `[127.0.0.2]:${PORT} ${KNOWN_HOSTS.split(' ').slice(1, 3).join(' ')}\n`;
/** The stack's known_hosts with the host name hashed (`ssh-keygen -H`), behind a comment and another host's line. */
const HASHED_KNOWN_HOSTS = ((): string => {
  const f = join(scratch, 'hashed_known_hosts');
  writeFileSync(f, `# other hosts first\nexample.com ${OTHER_HOST_KEY}\n${KNOWN_HOSTS}`);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', f], { stdio: 'ignore' });
  const text = readFileSync(f, 'utf8');
  assert.ok(!text.includes('127.0.0.1'), 'hashed');
  return text;
})();

interface Case {
  git: Record<string, unknown>;
  /** The private key in /argo/secret/ssh/key; `null`: no sshPrivateKeySecret. */
  key?: string | null;
  knownHosts?: string;
  /** How known_hosts reaches the executor. */
  via?: 'SSH_KNOWN_HOSTS' | 'HOME' | 'none';
}

interface Outcome {
  code: number | null;
  message: string;
  output: string;
  head?: string;
  detached?: boolean;
  tree?: Record<string, string>;
  shallow?: string;
  remoteUrl?: string;
  /** `git for-each-ref` */
  refs?: string;
  fetchSpec?: string;
}

const git = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: scratch } }).trim();

/** Every file under `root` except .git, with a digest of its bytes (or link target). */
function treeOf(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(root, p);
      if (rel === '.git') continue;
      if (e.isDirectory()) walk(p);
      else if (e.name === '.git') out[rel] = `gitfile:${readFileSync(p, 'utf8').trim()}`;
      else out[rel] = `${(statSync(p).mode & 0o111) ? 'x' : '-'}${createHash('sha1').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}

async function load(executor: Executor, c: Case): Promise<Outcome> {
  const secrets: Record<string, Record<string, string>> = { ssh: { key: c.key ?? KEY }, basic: { user: 'admin', pass: 'password' } };
  const keySel = c.key === null ? {} : { sshPrivateKeySecret: { name: 'ssh', key: 'key' } };
  const env: Record<string, string> = {};
  const via = c.via ?? 'SSH_KNOWN_HOSTS';
  if (via === 'SSH_KNOWN_HOSTS') {
    secrets.kh = { known_hosts: c.knownHosts ?? KNOWN_HOSTS };
    env.SSH_KNOWN_HOSTS = '/argo/secret/kh/known_hosts';
  }
  if (via === 'HOME') env.HOME = '/tmp';
  const pod = new PodSim({
    template: {
      name: 'git-ssh', container: { image: 'x' },
      inputs: { artifacts: [{ name: 'repo', path: '/in/repo', git: { ...keySel, ...c.git } }] },
    },
    secrets, env, executor,
  });
  try {
    if (via === 'HOME') {
      mkdirSync(pod.path('tmp-init', '.ssh'), { recursive: true });
      writeFileSync(pod.path('tmp-init', '.ssh/known_hosts'), c.knownHosts ?? KNOWN_HOSTS);
    }
    const r = await pod.runInit();
    const out: Outcome = { code: r.code, message: pod.terminationMessage('init'), output: r.stdout + r.stderr + pod.terminationMessage('init') };
    const dir = pod.path('input-artifacts', 'repo');
    if (r.code === 0) {
      const unborn = spawnSync('git', ['-C', dir, 'rev-parse', '--verify', '-q', 'HEAD']).status !== 0;
      out.head = unborn ? `unborn ${git(dir, 'symbolic-ref', 'HEAD')}` : git(dir, 'rev-parse', 'HEAD');
      out.detached = !unborn && git(dir, 'rev-parse', '--symbolic-full-name', 'HEAD') === 'HEAD';
      out.tree = treeOf(dir);
      out.shallow = existsSync(join(dir, '.git/shallow')) ? readFileSync(join(dir, '.git/shallow'), 'utf8').split('\n').filter(Boolean).sort().join(',') : '';
      out.remoteUrl = git(dir, 'config', 'remote.origin.url');
      out.refs = git(dir, 'for-each-ref', '--format=%(objectname) %(refname)');
      out.fetchSpec = spawnSync('git', ['-C', dir, 'config', '--get-all', 'remote.origin.fetch'], { encoding: 'utf8' }).stdout.trim();
      execFileSync('git', ['-C', dir, 'fsck', '--no-dangling'], { stdio: 'pipe', env: { ...process.env, HOME: scratch } });
    }
    return out;
  } finally {
    pod.cleanup();
  }
}

/**
 * Both executors; asserts they agree (apart from the `ignore`d fields: known deviations, each asserted by its
 * caller); returns ours. No private key in anything either printed.
 */
async function both(c: Case, ignore: (keyof Outcome)[] = []): Promise<Outcome> {
  const go = await load(GO_EXECUTOR, c);
  const ts = await load(TS_EXECUTOR, c);
  const body = (c.key ?? KEY).split('\n').filter((l) => l && !l.startsWith('-----'));
  for (const [name, o] of [['go', go], ['ts', ts]] as const) {
    for (const line of body) assert.ok(!o.output.includes(line), `${name}: a line of the private key appears in the output`);
  }
  assert.equal(ts.code === 0, go.code === 0, `exit codes: ts ${ts.code} (${ts.message}), go ${go.code} (${go.message})`);
  assert.equal(ts.message, go.message, 'termination message');
  const strip = ({ output: _o, code: _c, ...rest }: Outcome): Partial<Outcome> => {
    const r: Partial<Outcome> = rest;
    for (const k of ignore) delete r[k];
    return r;
  };
  assert.deepEqual(strip(ts), strip(go));
  return ts;
}

const FILES_MAIN = ['README.md', 'dir/sub/nested.txt', 'hello.txt'];

describe('git over SSH, ours vs the Go executor', () => {
  test('ssh:// URL, ed25519 user key (OpenSSH format), host known through SSH_KNOWN_HOSTS: default branch checked out', async () => {
    const o = await both({ git: { repo: URL_ } });
    assert.equal(o.code, 0, o.message);
    assert.equal(o.head, MAIN);
    assert.equal(o.detached, false);
    assert.deepEqual(Object.keys(o.tree ?? {}).sort(), FILES_MAIN);
    assert.equal(o.remoteUrl, URL_);
  });

  test('scp-like user@host:port:path URL, RSA key in PEM form, host known through $HOME/.ssh/known_hosts', async () => {
    const o = await both({ git: { repo: SCP_URL }, key: RSA_PEM_KEY, via: 'HOME' });
    assert.equal(o.code, 0, o.message);
    assert.equal(o.head, MAIN);
  });

  test('a hashed known_hosts entry', async () => {
    const o = await both({ git: { repo: URL_, depth: 1 }, knownHosts: HASHED_KNOWN_HOSTS });
    assert.equal(o.code, 0, o.message);
    assert.equal(o.head, MAIN);
    assert.equal(o.shallow, [MAIN, DEV].sort().join(','), 'depth 1 of every branch (no singleBranch)');
  });

  test('depth 1 + singleBranch dev: shallow clone of that branch', async () => {
    // Known deviation (docs/compatibility.md): go-git's single-branch clone also brings tag v1.0.0 (at depth 1, so
    // its commit is a second shallow root); ours fetches only the branch. Same branch refs, HEAD, tree.
    const o = await both({ git: { repo: URL_, depth: 1, singleBranch: true, branch: 'dev' } }, ['refs', 'shallow']);
    assert.equal(o.code, 0, o.message);
    assert.equal(o.head, DEV);
    assert.equal(o.shallow, DEV);
    assert.equal(o.refs, `${DEV} refs/heads/dev\n${DEV} refs/remotes/origin/dev`);
    assert.equal(o.fetchSpec, '+refs/heads/dev:refs/remotes/origin/dev');
    assert.ok(o.tree?.['dev.txt']);
  });

  test('revision: tag, branch, dev~1 and a short hash are checked out detached', async () => {
    for (const [revision, want] of [['v1.0.0', MAIN], ['dev', DEV], ['dev~1', MAIN], [DEV.slice(0, 7), DEV]] as const) {
      const o = await both({ git: { repo: URL_, revision } });
      assert.equal(o.code, 0, `${revision}: ${o.message}`);
      assert.equal(o.head, want, revision);
      assert.equal(o.detached, true, revision);
    }
  });

  test('insecureIgnoreHostKey: no known_hosts needed at all', async () => {
    const o = await both({ git: { repo: URL_, insecureIgnoreHostKey: true }, via: 'none' });
    assert.equal(o.code, 0, o.message);
    assert.equal(o.head, MAIN);
  });

  test('a user key the server does not accept; a URL without user logs in as `git` (not allowed here): handshake error', async () => {
    const refused = (url: string): string => `artifact repo failed to load: failed to clone "${url}": ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain`;
    const o = await both({ git: { repo: URL_ }, key: WRONG_KEY });
    assert.equal(o.message, refused(URL_));
    const noUser = URL_.replace('ssh://root@', 'ssh://');
    const sshdLog = join(STACK.STACK_DIR ?? '', 'logs/git-sshd.log');
    const before = readFileSync(sshdLog, 'utf8').split('Invalid user git from').length;
    const d = await both({ git: { repo: noUser } });
    assert.equal(d.message, refused(noUser));
    assert.equal(readFileSync(sshdLog, 'utf8').split('Invalid user git from').length - before, 2, 'each executor tried user git');
  });

  test('nothing listening on the port: the dial error', async () => {
    const closed = URL_.replace(`:${PORT}/`, ':1/');
    const o = await both({ git: { repo: closed } });
    assert.equal(o.message, `artifact repo failed to load: failed to clone "${closed}": dial tcp 127.0.0.1:1: connect: connection refused`);
  });

  test('host key checking: unknown host, mismatching key, no known_hosts file', async () => {
    const unknown = await both({ git: { repo: URL_ }, knownHosts: UNKNOWN_KNOWN_HOSTS });
    assert.equal(unknown.message, `artifact repo failed to load: failed to clone "${URL_}": ssh: handshake failed: knownhosts: key is unknown`);
    const mismatch = await both({ git: { repo: URL_ }, knownHosts: MISMATCH_KNOWN_HOSTS });
    assert.equal(mismatch.message, `artifact repo failed to load: failed to clone "${URL_}": ssh: handshake failed: knownhosts: key mismatch`);
    const none = await both({ git: { repo: URL_ }, via: 'none' });
    assert.match(none.message, /^artifact repo failed to load: failed to clone ".*": cannot create known hosts callback: /);
  });

  test('a repository that does not exist; a key that is not a key', async () => {
    const missing = await both({ git: { repo: URL_.replace('argo-test.git', 'no-such-repo.git') } });
    assert.equal(missing.message, `artifact repo failed to load: failed to clone "${URL_.replace('argo-test.git', 'no-such-repo.git')}": repository not found`);
    const garbage = await both({ git: { repo: URL_ }, key: 'not a private key\n' });
    assert.equal(garbage.message, 'artifact repo failed to load: ssh: no key found');
  });

  test('credentials the transport cannot use, as go-git: no key (SSH agent), SSH key over HTTP, basic auth over SSH', async () => {
    const agent = await both({ git: { repo: URL_ }, key: null });
    assert.equal(agent.message, `artifact repo failed to load: failed to clone "${URL_}": error creating SSH agent: "SSH agent requested but SSH_AUTH_SOCK not-specified"`);
    const http = STACK.GIT_HTTP_URL ?? '';
    assert.ok(http, 'GIT_HTTP_URL');
    const keyOverHttp = await both({ git: { repo: http } });
    assert.equal(keyOverHttp.message, `artifact repo failed to load: failed to clone "${http}": invalid auth method`);
    const basicOverSsh = await both({ git: { repo: URL_, usernameSecret: { name: 'basic', key: 'user' }, passwordSecret: { name: 'basic', key: 'pass' } }, key: null });
    assert.equal(basicOverSsh.message, `artifact repo failed to load: failed to clone "${URL_}": invalid auth method`);
  });

  describe('with repositories of its own (served by the same sshd)', () => {
    let base = '';
    before(() => {
      base = mkdtempSync(join(scratch, 'repos-'));
      const w = mkdtempSync(join(scratch, 'work-'));
      const sh = (dir: string, ...args: string[]): string => execFileSync('git', args, {
        cwd: dir, encoding: 'utf8',
        env: { ...process.env, GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z', GIT_CONFIG_NOSYSTEM: '1', HOME: w },
      }).trim();
      const mk = (name: string, fn: (dir: string) => void): void => {
        const dir = join(w, name);
        mkdirSync(dir);
        sh(dir, 'init', '-q', '-b', 'main');
        sh(dir, 'config', 'user.email', 't@t');
        sh(dir, 'config', 'user.name', 't');
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
        sh(d, '-c', 'protocol.file.allow=always', 'submodule', '-q', 'add', join(base, 'lib.git'), 'vendor/lib');
        sh(d, 'config', '-f', '.gitmodules', 'submodule.vendor/lib.url', '../lib.git');
        sh(d, 'add', '-A'); sh(d, 'commit', '-qm', 'with submodule');
      });
      sh(join(base, 'super.git'), 'update-ref', 'refs/pull/7/head', sh(join(base, 'super.git'), 'rev-parse', 'main~1'));
      mkdirSync(join(base, 'empty.git'));
      sh(join(base, 'empty.git'), 'init', '-q', '--bare');
    });

    test('an empty repository: an initialised repository with remote origin, as Go', async () => {
      const repo = `ssh://root@127.0.0.1:${PORT}${base}/empty.git`;
      const o = await both({ git: { repo } });
      assert.equal(o.code, 0, o.message);
      assert.equal(o.remoteUrl, repo);
      assert.deepEqual(o.tree, {});
    });

    test('submodules over SSH, recursively (relative URLs resolved against the ssh:// URL), or not at all', async () => {
      const repo = `ssh://root@127.0.0.1:${PORT}${base}/super.git`;
      const o = await both({ git: { repo } });
      assert.equal(o.code, 0, o.message);
      assert.equal(o.tree?.['vendor/lib/lib.txt'], `-${createHash('sha1').update('lib\n').digest('hex')}`);
      assert.equal(o.tree?.['vendor/lib/deep/leaf/leaf.txt'], `-${createHash('sha1').update('leaf\n').digest('hex')}`);
      const off = await both({ git: { repo, disableSubmodules: true } });
      assert.equal(off.code, 0, off.message);
      assert.equal(off.tree?.['vendor/lib/lib.txt'], undefined);
    });

    test('fetch refspecs over SSH write their destination; revision from it', async () => {
      const repo = `ssh://root@127.0.0.1:${PORT}${base}/super.git`;
      const want = execFileSync('git', ['-C', join(base, 'super.git'), 'rev-parse', 'refs/pull/7/head'], { encoding: 'utf8' }).trim();
      const o = await both({ git: { repo, fetch: ['+refs/pull/*/head:refs/remotes/origin/pr/*'], revision: 'origin/pr/7', disableSubmodules: true } });
      assert.equal(o.code, 0, o.message);
      assert.equal(o.head, want);
    });
  });
});
