/** lifecycle §1: the command-line surface of dist/argoexec, run directly on the host. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DIST_EXE, PROJECT } from '../support/sandbox.ts';

const run = (args: string[], env: Record<string, string> = {}) => spawnSync(DIST_EXE, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } });

test('version --short prints one line `argoexec: v<package version>`', () => {
  const pkg = JSON.parse(readFileSync(`${PROJECT}/package.json`, 'utf8')) as { version: string };
  const r = run(['version', '--short']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, `argoexec: v${pkg.version}\n`);
});

test('version prints the Go tool\'s lines in order', () => {
  const r = run(['version']);
  assert.equal(r.status, 0);
  const keys = r.stdout.trimEnd().split('\n').map((l) => l.split(':')[0]?.trim());
  assert.deepEqual(keys.filter((k) => k !== 'GitTag'), ['argoexec', 'BuildDate', 'GitCommit', 'GitTreeState', 'GoVersion', 'Compiler', 'Platform']);
  assert.match(r.stdout, /^ {2}BuildDate: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/m);
  assert.match(r.stdout, /^ {2}GitCommit: [0-9a-f]{40}$/m);
  assert.match(r.stdout, /^ {2}Platform: linux\/amd64$/m);
});

test('the controller\'s log options and kube override flags are accepted, before and after positional args', () => {
  const r = run(['version', '--short', '--loglevel', 'warn', '--log-format', 'json', '--gloglevel', '0', '--kubeconfig=/kube/config',
    '--namespace', 'argo', '-s', 'https://127.0.0.1:6443', '--insecure-skip-tls-verify', '--as-group', 'a', '--as-group', 'b', '--request-timeout', '5s']);
  assert.equal(r.status, 0, r.stderr);
  const v3 = run(['--loglevel', 'warning', 'version', '--short']);
  assert.equal(v3.status, 0, 'v3.7 controllers pass `warning`');
});

test('an invalid --loglevel exits 1; an unknown flag exits 64', () => {
  const bad = run(['version', '--loglevel', 'loud']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /invalid log level: loud/);
  const unknown = run(['version', '--frobnicate']);
  assert.equal(unknown.status, 64);
  assert.match(unknown.stderr, /^Error: unknown flag: "frobnicate"/m);
});

test('no sub-command prints help and exits 0', () => {
  const r = run([]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /argoexec is the executor sidecar to workflow containers/);
});

test('kill: bad arguments exit 64 with one line; an unknown signal number is refused', () => {
  const nan = run(['kill', 'abc', '1']);
  assert.equal(nan.status, 64);
  assert.equal(nan.stderr.trim(), 'Error: strconv.Atoi: parsing "abc": invalid syntax');
  const missing = run(['kill', '15']);
  assert.equal(missing.status, 64);
  const unknown = run(['kill', '99', String(process.pid)]);
  assert.equal(unknown.status, 64);
  assert.equal(unknown.stdout, `killing ${process.pid} with signal 99\n`);
  assert.equal(unknown.stderr.trim(), 'Error: invalid argument');
  const gone = run(['kill', '15', '999999999']);
  assert.equal(gone.status, 64);
});

test('kill sends exactly to the given pid (SIGTERM to a sleeping process)', async () => {
  const { spawn } = await import('node:child_process');
  const sleeper = spawn('sleep', ['30']);
  const exited = new Promise<NodeJS.Signals | null>((res) => sleeper.on('exit', (_c, s) => res(s)));
  const r = run(['kill', '15', String(sleeper.pid)]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `killing ${sleeper.pid} with terminated\n`);
  assert.equal(await exited, 'SIGTERM');
});

test('log formats: text is slog-like key=value with argo=true; json is one object per line', () => {
  const text = run(['kill', '0', String(process.pid), '--loglevel', 'debug']);
  assert.equal(text.status, 0, text.stderr);
  const json = run(['emissary', '--log-format', 'json', '--', 'true'], { ARGO_CONTAINER_NAME: 'x-json-test' });
  // The emissary cannot create /var/run/argo here unless root; either way its log lines are JSON.
  for (const line of json.stderr.split('\n').filter((l) => l.startsWith('{'))) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.equal(entry.argo, true);
    assert.match(String(entry.time), /^\d{4}-\d{2}-\d{2}T/);
    assert.ok(['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(String(entry.level)));
  }
});

test('every embedded bundle starts from its V8 code cache: no role warns that a cache was rejected', () => {
  // Each role fails its bootstrap here (no pod environment), after its bundle was evaluated.
  for (const role of [['wait'], ['init'], ['data'], ['resource', 'get'], ['agent', 'main'], ['artifact', 'delete'], ['kill', '1', '1'],
    ['artifact-plugin-init', '--plugin-name', 'x'], ['artifact-plugin-sidecar']]) {
    const r = run(role);
    assert.doesNotMatch(r.stderr, /Warning|rejected/, `${role.join(' ')}: ${r.stderr}`);
  }
});
