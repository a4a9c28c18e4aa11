/**
 * The pieces of the git SSH transport that need no server: known_hosts matching (with OpenSSH's `ssh-keygen -F` as
 * the oracle for which lines name a host, including hashed names from `ssh-keygen -H`), go-git's SSH URL forms and
 * its shell quoting, private-key parsing errors (x/crypto's texts) and key formats (OpenSSH, PEM, PKCS#8).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { checkHostKey, knownHostsFiles, parseKnownHosts } from '../../src/artifacts/git/known-hosts.ts';
import { parsePrivateKey } from '../../src/artifacts/git/ssh-key.ts';
import { isScpLike, resolveScpLike, shellQuote, sshEndpoint } from '../../src/artifacts/git/ssh-url.ts';
import { sshUser } from '../../src/artifacts/git/driver.ts';

const dir = mkdtempSync(join(tmpdir(), 'git-ssh-parts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, ...args: string[]): { priv: string; pub: string; blob: Buffer; line: string } {
  const f = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', name, '-f', f, ...args]);
  const pub = readFileSync(`${f}.pub`, 'utf8');
  const [type, b64] = pub.split(' ');
  return { priv: readFileSync(f, 'utf8'), pub, blob: Buffer.from(b64 as string, 'base64'), line: `${type} ${b64}` };
}

test('known_hosts: the lines our matcher picks for a host are the ones ssh-keygen -F finds (plain, [host]:port, wildcard, negation, hashed)', () => {
  const k = keygen('h1', '-t', 'ed25519');
  const cases: [pattern: string, host: string, port: number][] = [
    ['example.com', 'example.com', 22],
    ['example.com', 'example.com', 2222],
    ['[example.com]:2222', 'example.com', 2222],
    ['[example.com]:2222', 'example.com', 22],
    ['*.example.com', 'git.example.com', 22],
    ['*.example.com,!bad.example.com', 'bad.example.com', 22],
    ['git?.example.com', 'git1.example.com', 22],
    ['other.com,127.0.0.1', '127.0.0.1', 22],
    ['[127.0.0.1]:9422', '127.0.0.1', 9422],
  ];
  for (const [pattern, host, port] of cases) {
    for (const hashed of [false, true]) {
      if (hashed && /[*?!,]/.test(pattern)) continue; // ssh-keygen -H hashes plain names only
      const file = join(dir, 'kh');
      writeFileSync(file, `${pattern} ${k.line}\n`);
      if (hashed) execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
      const text = readFileSync(file, 'utf8');
      const target = port === 22 ? host : `[${host}]:${port}`;
      const oracle = spawnSync('ssh-keygen', ['-F', target, '-f', file]).status === 0;
      const ours = (() => {
        try { checkHostKey(parseKnownHosts(text), host, port, k.blob); return true; } catch { return false; }
      })();
      assert.equal(ours, oracle, `${pattern}${hashed ? ' (hashed)' : ''} vs ${target}`);
    }
  }
});

test('known_hosts: x/crypto verdicts — unknown, mismatch (same type, other key), other key type known, revoked', () => {
  const a = keygen('a', '-t', 'ed25519');
  const b = keygen('b', '-t', 'ed25519');
  const e = keygen('e', '-t', 'ecdsa');
  const check = (text: string, key: Buffer): string => {
    try { checkHostKey(parseKnownHosts(text), 'h', 22, key); return 'ok'; } catch (err) { return (err as Error).message; }
  };
  assert.equal(check(`h ${a.line}\n`, a.blob), 'ok');
  assert.equal(check(`other ${a.line}\n`, a.blob), 'knownhosts: key is unknown');
  assert.equal(check(`h ${b.line}\n`, a.blob), 'knownhosts: key mismatch');
  assert.equal(check(`h ${e.line}\n`, a.blob), 'knownhosts: key mismatch');
  assert.equal(check(`# c\n\nh ${e.line}\nh ${a.line}\n`, a.blob), 'ok');
  assert.equal(check(`h ${a.line}\n@revoked * ${a.line}\n`, a.blob), 'knownhosts: key is revoked');
});

test('known_hosts files: SSH_KNOWN_HOSTS list, else $HOME/.ssh/known_hosts and /etc/ssh/ssh_known_hosts; go-git errors', () => {
  const f = join(dir, 'kh-list');
  writeFileSync(f, '');
  assert.deepEqual(knownHostsFiles({ SSH_KNOWN_HOSTS: `/nonexistent:${f}` }), [f]);
  assert.throws(() => knownHostsFiles({ SSH_KNOWN_HOSTS: '/nonexistent' }), /^Error: cannot create known hosts callback: unable to find any valid known_hosts file, set SSH_KNOWN_HOSTS env variable$/);
  assert.throws(() => knownHostsFiles({}), /^Error: cannot create known hosts callback: \$HOME is not defined$/);
  const home = mkdtempSync(join(dir, 'home-'));
  execFileSync('mkdir', ['-p', join(home, '.ssh')]);
  writeFileSync(join(home, '.ssh/known_hosts'), '');
  assert.equal(knownHostsFiles({ HOME: home })[0], join(home, '.ssh/known_hosts'));
});

test('SSH URLs as go-git reads them; user from git.go GetUser; sq-quoting as git', () => {
  assert.equal(isScpLike('git@github.com:argoproj/argo.git'), true);
  assert.equal(isScpLike('./a:b'), false);
  assert.equal(isScpLike('https://x/y'), false);
  assert.deepEqual(sshEndpoint('git@github.com:argoproj/argo.git', 'git'), { user: 'git', host: 'github.com', port: 22, path: 'argoproj/argo.git' });
  assert.deepEqual(sshEndpoint('root@127.0.0.1:9422:/srv/r.git', 'root'), { user: 'root', host: '127.0.0.1', port: 9422, path: '/srv/r.git' });
  assert.deepEqual(sshEndpoint('ssh://alice@h:2222/srv/r.git', 'alice'), { user: 'alice', host: 'h', port: 2222, path: '/srv/r.git' });
  assert.equal(sshUser('ssh://h/srv/r.git'), 'git');
  assert.equal(sshUser('root@127.0.0.1:9422:/srv/r.git'), 'root');
  assert.equal(shellQuote("/a b/it's!.git"), "'/a b/it'\\''s'\\!'.git'");
  assert.equal(execFileSync('sh', ['-c', `printf %s ${shellQuote("/a b/it's.git")}`], { encoding: 'utf8' }), "/a b/it's.git");
  assert.equal(resolveScpLike('git@h:org/super.git', '../lib.git'), 'git@h:org/lib.git');
});

test('private keys: OpenSSH (ed25519, ecdsa, rsa), PEM, PKCS#8 accepted; x/crypto errors for the rest', () => {
  for (const args of [['-t', 'ed25519'], ['-t', 'ecdsa'], ['-t', 'rsa', '-b', '2048'], ['-t', 'rsa', '-b', '2048', '-m', 'PEM'], ['-t', 'ecdsa', '-m', 'PEM'], ['-t', 'rsa', '-b', '2048', '-m', 'PKCS8'], ['-t', 'ecdsa', '-m', 'PKCS8']]) {
    const k = keygen(`k-${args.join('')}`, ...args);
    assert.doesNotThrow(() => parsePrivateKey(k.priv), args.join(' '));
  }
  assert.throws(() => parsePrivateKey('hello'), /^Error: ssh: no key found$/);
  const f = join(dir, 'enc');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'pass phrase', '-f', f]);
  assert.throws(() => parsePrivateKey(readFileSync(f, 'utf8')), /^Error: ssh: this private key is passphrase protected$/);
});
