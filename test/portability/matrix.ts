/**
 * The portability matrix for one kind of image root: the installed executable runs the emissary as
 * PID 1 of a container whose root is that image, as root and as arbitrary non-root users, with a
 * writable and a read-only root filesystem, and stages the outputs of a command that exits 7.
 */
import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EMISSARY, PodSandbox, installedExecutable, type RunResult } from '../support/sandbox.ts';
import { imageRoot, type ImageRoot, type RootKind } from '../support/rootfs.ts';
import { readTar } from '../support/emissary.ts';

/** `undefined` is root (the sandbox's default); the others have no /etc/passwd entry in any root. */
export const USERS: readonly (string | undefined)[] = [undefined, '1000:1000', '8737:8737', '123456:0'];
const EXIT_CODE = 7;
/** Bytes that must survive exactly: spaces, a newline, UTF-8, no trailing newline. */
const PARAM_VALUE = 'value with spaces\nsecond line: ünïcödé ✓';
const OUT = '/tmp/out';

const TEMPLATE = {
  name: 'main',
  container: { name: 'main', image: 'user-image', command: ['cmd'] },
  outputs: {
    parameters: [{ name: 'out', valueFrom: { path: OUT } }],
    artifacts: [{ name: 'out', path: OUT }],
  },
};

function label(user: string | undefined): string {
  return user ?? 'root';
}

function ids(user: string | undefined): { uid: string; gid: string } {
  const [uid = '0', gid = '0'] = (user ?? '0:0').split(':');
  return { uid, gid };
}

/** The user's command for this root: write /tmp/out, print two lines, exit 7. */
function command(root: ImageRoot): string[] {
  if (root.shell) {
    return ['sh', '-c', `printf %s "$1" > ${OUT}; echo "hello from ${root.kind}"; echo "uid=$(id -u) gid=$(id -g)"; exit ${EXIT_CODE}`, 'sh', PARAM_VALUE];
  }
  if (!root.tool) throw new Error(`${root.kind} root has neither a shell nor the test program`);
  return [root.tool, 'write', OUT, PARAM_VALUE, 'echo', `hello from ${root.kind}`, 'id', 'exit', String(EXIT_CODE)];
}

export function explain(r: RunResult): string {
  return `exit ${r.code} signal ${r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

let cleanupInstalled = false;

/**
 * `installedExecutable()` keeps its pod (~130 MB) for the life of the process; each test file is a
 * process, so drop it when ours exits.
 */
function removeInstalledAtExit(installed: string): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const dir = dirname(installed);
  if (basename(dir).startsWith('argoexec-install-')) process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}

export function portabilitySuite(kind: RootKind): void {
  describe(`portability: ${kind} root`, { concurrency: 4 }, () => {
    let root: ImageRoot;
    let installed: string;
    const pods: PodSandbox[] = [];
    const pod = (): PodSandbox => {
      const p = new PodSandbox(`argoexec-port-${kind}-`).withExecutable(installed);
      pods.push(p);
      return p;
    };

    before(async () => {
      root = imageRoot(kind);
      installed = await installedExecutable();
      removeInstalledAtExit(installed);
    });
    after(() => {
      // Keep the pods of failed runs for inspection.
      if (process.exitCode === undefined || process.exitCode === 0) for (const p of pods) p.cleanup();
    });

    for (const user of USERS) {
      for (const readOnlyRoot of [false, true]) {
        test(`emissary as ${label(user)}${readOnlyRoot ? ', read-only root' : ''}: exit code, stdout capture, output parameter and artifact`, async () => {
          const p = pod();
          p.write('/var/run/argo/template', JSON.stringify(TEMPLATE), 0o444);
          const r = await p.run([EMISSARY, 'emissary', '--', ...command(root)], {
            base: root.dir,
            user,
            readOnlyRoot,
            env: { ARGO_CONTAINER_NAME: 'main', ARGO_INCLUDE_SCRIPT_OUTPUT: 'true', PATH: root.path },
            timeoutMs: 30_000,
          });
          const { uid, gid } = ids(user);
          const stdout = `hello from ${kind}\nuid=${uid} gid=${gid}\n`;
          assert.equal(r.code, EXIT_CODE, explain(r));
          assert.equal(r.stdout, stdout, explain(r));
          assert.equal(p.read('/var/run/argo/ctr/main/exitcode'), String(EXIT_CODE));
          assert.equal(p.read('/var/run/argo/ctr/main/stdout'), stdout);
          assert.deepEqual(readFileSync(p.file(`/var/run/argo/outputs/parameters${OUT}`)), Buffer.from(PARAM_VALUE));
          const tar = p.file(`/var/run/argo/outputs/artifacts${OUT}.tar`);
          assert.ok(statSync(tar).isFile(), `${tar} is not a file`);
          const entries = await readTar(tar);
          assert.deepEqual(entries.map((e) => [e.name, e.type]), [['out', 'file']]);
          assert.equal(entries[0]?.content, PARAM_VALUE);
        });
      }
    }

    test('the running emissary maps nothing from the image: only /var/run/argo/argoexec and argoexec.d', async () => {
      const p = pod();
      p.write('/var/run/argo/template', '{}', 0o444);
      // The command signals that it runs (so the emissary is fully started), then waits to be released.
      const cmd = root.shell
        ? ['sh', '-c', 'echo > /tmp/started; while [ ! -e /tmp/go ]; do sleep 0.02; done']
        : [root.tool ?? '', 'write', '/tmp/started', '', 'await', '/tmp/go'];
      const running = p.start([EMISSARY, 'emissary', '--', ...cmd], { base: root.dir, user: '1000:1000', readOnlyRoot: true, env: { ARGO_CONTAINER_NAME: 'main', PATH: root.path }, timeoutMs: 30_000 });
      let mapped: string[] = [];
      try {
        for (let i = 0; !existsSync(p.file('/tmp/started')); i++) {
          if (i > 1000) throw new Error('the command did not start');
          await sleep(10);
        }
        // Seen from the host, the pod's files are under the sandbox's root mount.
        const prefix = `${p.dir}/root`;
        mapped = [...new Set(readFileSync(`/proc/${running.pid1()}/maps`, 'utf8').split('\n').map((l) => l.split(/\s+/).slice(5).join(' ')).filter((f) => f.startsWith('/')))];
        for (const f of mapped) {
          assert.ok(f === `${prefix}${EMISSARY}` || f.startsWith(`${prefix}${EMISSARY}.d/`), `maps a file from outside /var/run/argo: ${f}`);
        }
        assert.ok(mapped.includes(`${prefix}${EMISSARY}.d/ld-linux-x86-64.so.2`), `our loader is not mapped: ${mapped.join(', ')}`);
        assert.ok(mapped.includes(`${prefix}${EMISSARY}.d/libc.so.6`), `our libc is not mapped: ${mapped.join(', ')}`);
      } finally {
        p.write('/tmp/go', '');
      }
      const r = await running.done;
      assert.equal(r.code, 0, explain(r));
    });

    for (const user of [undefined, '8737:8737']) {
      test(`version --short as ${label(user)}, read-only root`, async () => {
        const p = pod();
        const r = await p.run([EMISSARY, 'version', '--short'], { base: root.dir, user, readOnlyRoot: true, env: { PATH: root.path }, timeoutMs: 30_000 });
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /^argoexec: v?\S+\n$/, explain(r));
      });
    }
  });
}
