/**
 * The e2e cluster's CNI plugin for pods that serve on a port (stack/cluster/cni/argoexec-e2e-pod), called as
 * containerd calls it (CNI_COMMAND, CNI_NETNS, the network configuration on stdin), on namespaces made here:
 *   - each pod gets an address on the node namespace's bridge, and reaches another pod's server at its address;
 *   - inside a pod, the stack's ports on 127.0.0.1 reach the host's loopback (MinIO answers) through the forwarders;
 *   - a server binding every interface in a pod is not reachable from the host namespace (nothing listens there);
 *   - DEL removes the veth, the forwarders and the address; the host namespace never gets an address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT } from '../support/sandbox.ts';
import { stackEnv } from './env.ts';

const PLUGIN = join(PROJECT, 'stack/cluster/cni/argoexec-e2e-pod');
const tag = `cnit${process.pid % 10000}`;
const NODE = `${tag}-node`;
const PODS = [`${tag}-pod1`, `${tag}-pod2`];
const SUBNET = '10.244.250';
const dir = mkdtempSync(join(tmpdir(), 'argoexec-cni-'));
const minioPort = Number(new URL(stackEnv().S3_MINIO_ENDPOINT ?? 'http://127.0.0.1:9000').port);
const conf = JSON.stringify({
  cniVersion: '1.0.0', name: 'argoexec-e2e-test', type: 'argoexec-e2e-pod', nodeNetns: NODE, bridge: `${tag}br`, subnet: SUBNET,
  stateDir: join(dir, 'state'), forwardDir: join(dir, 'fwd'), ports: [minioPort],
});

const sh = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
function cni(command: string, pod: string, id: string): { code: number; out: string } {
  const r = spawnSync(PLUGIN, [], { input: conf, encoding: 'utf8', env: { ...process.env, CNI_COMMAND: command, CNI_NETNS: `/var/run/netns/${pod}`, CNI_CONTAINERID: id, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' } });
  return { code: r.status ?? -1, out: r.stdout };
}
const inPod = (pod: string, args: string[]) => spawnSync('ip', ['netns', 'exec', pod, ...args], { encoding: 'utf8', timeout: 20_000 });
const hostAddresses = () => sh('ip', ['-o', 'addr']);

const servers: ChildProcess[] = [];

test('pods get their own namespace on a bridge, reach each other and the stack, and leave nothing behind', async () => {
  const before = hostAddresses();
  try {
    sh('ip', ['netns', 'add', NODE]);
    sh('ip', ['-n', NODE, 'link', 'add', `${tag}br`, 'type', 'bridge']);
    sh('ip', ['-n', NODE, 'link', 'set', `${tag}br`, 'up']);
    for (const p of PODS) sh('ip', ['netns', 'add', p]);
    // the host side of the forwarders, as cluster-up starts it
    sh('mkdir', ['-p', join(dir, 'fwd')]);
    servers.push(spawn('socat', [`UNIX-LISTEN:${join(dir, 'fwd', `${minioPort}.sock`)},fork,unlink-early,mode=600`, `TCP:127.0.0.1:${minioPort}`], { stdio: 'ignore' }));

    const results = PODS.map((p, i) => cni('ADD', p, `container${i}0123456789`));
    for (const r of results) assert.equal(r.code, 0, r.out);
    const ips = results.map((r) => JSON.parse(r.out).ips[0].address as string);
    assert.deepEqual(ips, [`${SUBNET}.2/24`, `${SUBNET}.3/24`]);

    // pod 2 serves on every interface of its namespace; pod 1 reaches it at pod 2's address
    servers.push(spawn('ip', ['netns', 'exec', PODS[1]!, 'socat', 'TCP-LISTEN:8080,fork,reuseaddr', 'SYSTEM:echo served-by-pod2'], { stdio: 'ignore' }));
    await sleep(500);
    const got = inPod(PODS[0]!, ['socat', '-T', '5', '-', `TCP:${SUBNET}.3:8080`]);
    assert.equal(got.stdout.trim(), 'served-by-pod2', got.stderr);
    // … and the host namespace has no route to it: nothing listens on the host's side
    const fromHost = spawnSync('socat', ['-T', '2', '-', 'TCP:127.0.0.1:8080,connect-timeout=2'], { encoding: 'utf8', timeout: 10_000 });
    assert.notEqual(fromHost.status, 0, 'port 8080 of the pod is not the host\'s');

    // the stack's MinIO on the pod's own loopback, through the forwarder
    await sleep(300);
    const health = inPod(PODS[0]!, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${minioPort}/minio/health/live`]);
    assert.equal(health.stdout, '200', health.stderr);

    assert.equal(hostAddresses(), before, 'no address was added to the host namespace');
    for (const [i, p] of PODS.entries()) assert.equal(cni('DEL', p, `container${i}0123456789`).code, 0);
    assert.deepEqual(readdirSync(join(dir, 'state', 'ips')), []);
    assert.deepEqual(readdirSync(join(dir, 'state', 'pids')), []);
    assert.equal(sh('ip', ['-n', NODE, '-o', 'link', 'show', 'master', `${tag}br`]).trim(), '', 'the veths are gone');
    assert.equal(cni('DEL', PODS[0]!, 'container00123456789').code, 0, 'DEL is idempotent');
  } finally {
    for (const s of servers) s.kill();
    for (const p of [...PODS, NODE]) spawnSync('ip', ['netns', 'del', p]);
    rmSync(dir, { recursive: true, force: true });
  }
});
