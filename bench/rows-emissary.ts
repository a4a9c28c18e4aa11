/**
 * Rows P4–P5: the emissary alone in a test pod (test/support/sandbox.ts), ours (installed by a real `init`) and the
 * Go reference's, measured by bench/rusage.c around the pod's launch.
 *
 *   P4 fixed cost: `emissary -- true` in busybox, scratch and Debian roots (test/support/rootfs.ts), minus the same
 *      pod running the command without an emissary (the sandbox's own set-up: unshare, mounts). Go's figure includes
 *      its wait4 loop's time.Sleep(1 s) and is also shown without it.
 *   P5 capture: `emissary -- sh -c 'head -c N /dev/zero'` with ARGO_INCLUDE_SCRIPT_OUTPUT=true (the emissary copies
 *      stdout to the container's stdout — /dev/null here — and to /var/run/argo/ctr/main/stdout). Timed: the pod
 *      (wall) and, from the command's own timestamps, how long it took to push N bytes through the emissary (no
 *      start-up, no poll).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PodSandbox, installedExecutable } from '../test/support/sandbox.ts';
import { imageRoot, type RootKind } from '../test/support/rootfs.ts';
import { alternate, cTool, envNumber, log, median, readTree, rusageTool, settlePageCache, STACK, type ExecutorName, type Sample } from './lib.ts';
import { GO_POLL_S, LARGE_ROW_RUNS, profiled, type RowResult } from './rows-artifacts.ts';
import { collectProfiles } from './profile.ts';

const EXE: Record<ExecutorName, string> = { ts: '/var/run/argo/argoexec', go: '/var/run/argo/argoexec-go' };

async function pod(): Promise<PodSandbox> {
  const p = new PodSandbox('argoexec-bench-').withExecutable(await installedExecutable());
  copyFileSync(STACK.REFERENCE_ARGOEXEC ?? '', join(p.varRunArgo, 'argoexec-go'));
  chmodSync(join(p.varRunArgo, 'argoexec-go'), 0o555);
  p.write('/var/run/argo/template', '{}', 0o444);
  return p;
}

async function measured(p: PodSandbox, cmd: string[], opts: { base?: string; env: Record<string, string> }): Promise<Sample> {
  const out = join(p.dir, 'rusage.json');
  rmSync(out, { force: true });
  const r = await p.run(cmd, { ...opts, launcher: [rusageTool(), out, '--'], timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`${cmd.join(' ')} failed (${r.code}): ${r.stderr.slice(-2000)}`);
  const t = readTree(out);
  return { wallS: t.wallS, cpuS: t.cpuS, rssMiB: t.rssMiB };
}

/** P4 in one root kind: samples are the emissary pod minus the median of the plain-command pod (wall, CPU). */
export async function p4(kind: RootKind): Promise<RowResult> {
  const runs = envNumber('BENCH_SHORT_RUNS', 7);
  const root = imageRoot(kind);
  const p = await pod();
  try {
    const cmd = root.shell ? ['true'] : [root.tool ?? '/tool', 'exit', '0'];
    const env = { ARGO_CONTAINER_NAME: 'main', PATH: root.path };
    // Warm the page cache and the installed executable.
    for (const ex of ['ts', 'go'] as const) await measured(p, [EXE[ex], 'emissary', '--', ...cmd], { base: root.dir, env });
    const plain: Sample[] = [];
    const samples = await alternate(runs, `P4 ${kind}`, async (ex) => {
      const bare = await measured(p, cmd, { base: root.dir, env });
      plain.push(bare);
      const s = await measured(p, [EXE[ex], 'emissary', '--', ...cmd], { base: root.dir, env });
      // The emissary's peak RSS is the tree's (the command is smaller); wall and CPU net of the bare pod.
      return { wallS: s.wallS - bare.wallS, cpuS: s.cpuS - bare.cpuS, rssMiB: s.rssMiB, extra: { podWallS: s.wallS, barePodWallS: bare.wallS } };
    });
    return {
      id: `P4 ${kind}`,
      title: `emissary fixed cost: \`emissary -- ${cmd.join(' ')}\` in a ${kind} root (${root.how})`,
      timed: 'the pod with the emissary minus the same pod running the command alone (each run paired)',
      samples, goPollS: GO_POLL_S,
    };
  } finally {
    p.cleanup();
  }
}

/**
 * P5 beside a bare copier: the same command with its stdout piped into bench/bare-copy.c (one read, then a write to each of the
 * same destinations: the two capture files beside the pod's and /dev/null) instead of an emissary; timed the same way
 * (the command's own start → end), page cache settled first, median of `runs`. MB/s.
 */
function bareCopy(dir: string, bytes: number, runs: number): number {
  const copier = cTool('bare-copy');
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    settlePageCache();
    const script = `date +%s%N > ${dir}/start; head -c ${bytes} /dev/zero; date +%s%N > ${dir}/end`;
    execFileSync('/bin/sh', ['-c', `/bin/sh -c '${script}' | ${copier} ${dir}/stdout ${dir}/combined /dev/null`]);
    if (statSync(`${dir}/combined`).size !== bytes) throw new Error('bare-copy: short copy');
    times.push((Number(readFileSync(`${dir}/end`, 'utf8')) - Number(readFileSync(`${dir}/start`, 'utf8'))) / 1e9);
  }
  rmSync(dir, { recursive: true, force: true });
  const mbps = bytes / 1e6 / median(times);
  log(`P5 with a bare C copier to the same destinations: ${times.map((t) => t.toFixed(3)).join(', ')} s; median ${mbps.toFixed(0)} MB/s`);
  return mbps;
}

/** P5: capture of N bytes of stdout. */
export async function p5(): Promise<RowResult> {
  const bytes = envNumber('BENCH_P5_BYTES', 2e9);
  const runs = envNumber('BENCH_RUNS', LARGE_ROW_RUNS);
  const p = await pod();
  try {
    const once = async (ex: ExecutorName, profile = false): Promise<Sample & { profile?: ReturnType<typeof collectProfiles> }> => {
      rmSync(p.file('/var/run/argo/ctr'), { recursive: true, force: true });
      settlePageCache([p.file(EXE.ts), p.file(EXE.go)]);
      for (const f of readdirSync(p.file('/tmp')).filter((x) => x.endsWith('.cpuprofile'))) rmSync(p.file(`/tmp/${f}`));
      const script = `date +%s%N > /tmp/start; head -c ${bytes} /dev/zero; date +%s%N > /tmp/end`;
      // exec: the emissary stays PID 1; its stdout (the container log in a real pod) is /dev/null.
      const s = await measured(p, ['/bin/sh', '-c', `exec ${EXE[ex]} emissary -- sh -c '${script}' > /dev/null 2>&1`], {
        env: { ARGO_CONTAINER_NAME: 'main', ARGO_INCLUDE_SCRIPT_OUTPUT: 'true', PATH: '/usr/bin:/bin', ...(profile ? { ARGOEXEC_CPU_PROFILE: '/tmp' } : {}) },
      });
      const captured = statSync(p.file('/var/run/argo/ctr/main/stdout')).size;
      if (captured !== bytes) throw new Error(`${ex}: ${captured} of ${bytes} bytes of stdout captured`);
      const commandS = (Number(p.read('/tmp/end')) - Number(p.read('/tmp/start'))) / 1e9;
      rmSync(p.file('/var/run/argo/ctr'), { recursive: true, force: true });
      return { ...s, extra: { commandS }, ...(profile ? { profile: collectProfiles([p.file('/tmp')]) } : {}) };
    };
    const samples = await alternate(runs, 'P5', (ex) => once(ex));
    const profile = await profiled('P5', () => once('ts', true));
    const bareCopyMBps = bareCopy(p.file('/tmp/bare-copy'), bytes, runs);
    return {
      id: 'P5',
      title: `capture of ${(bytes / 1e9).toFixed(1)} GB of stdout (\`head -c\` of /dev/zero, ARGO_INCLUDE_SCRIPT_OUTPUT=true)`,
      timed: 'the pod (wall: includes start-up and Go\'s poll); "command" = the command\'s own start → end, i.e. pushing the bytes through the emissary',
      samples, bytes, profile, bareCopyMBps,
    };
  } finally {
    p.cleanup();
  }
}
