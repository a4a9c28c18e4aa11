// The e2e runner's deep comparison (test/e2e/lib): what counts as a difference and what is normalised away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { digestBytes } from '../e2e/lib/artifact-digest.ts';
import { compareSnapshots, shape } from '../e2e/lib/compare.ts';
import { normalise, normaliseText, type Snapshot } from '../e2e/lib/snapshot.ts';

const snap = (over: Partial<Snapshot> = {}): Snapshot => ({ phase: 'Succeeded', message: '', nodes: {}, artifacts: {}, taskResults: {}, containers: {}, ...over });

test('normalise: generated name, pod-name hashes, times and uids', () => {
  assert.equal(normaliseText('wf-abc12 wf-abc12-main-1234567890 2026-12-02T18:00:01.5Z 0f8fad5b-d9cb-469f-a165-70867728950e', 'wf-abc12'), '$WF $WF-main-# <time> <uid>');
  // times as `date` and `ls -l` print them (volumes-existing, TestScriptAsNonRoot); not a version or a size
  assert.equal(normaliseText('accessed at: Wed Dec  2 19:36:46 UTC 2026\n', 'wf-abc12'), 'accessed at: <time>\n');
  assert.equal(normaliseText('-rwxr-xr-x    1 1000     1000            55 Dec  2 19:43 script', 'wf-abc12'), '-rwxr-xr-x    1 1000     1000            55 <time> script');
  assert.equal(normaliseText('v4.1.2 size 1024 May', 'wf-abc12'), 'v4.1.2 size 1024 May');
  // `date +%s` of the run (variables-showcase): a time; a 10-digit number far from now is not
  const now = Math.floor(Date.now() / 1000);
  assert.equal(normaliseText(`ts.epoch-seconds    = ${now - 30}\nid 1234567890`, 'wf-abc12'), 'ts.epoch-seconds    = <epoch>\nid 1234567890');
  assert.deepEqual(normalise({ k: 'wf-abc12/wf-abc12-x-12345/main.log' }, 'wf-abc12'), { k: '$WF/$WF-x-#/main.log' });
});

test('identical snapshots: no difference; one changed exit code: one difference with its path', () => {
  const a = snap({ nodes: { '$WF [Pod]': { phase: 'Succeeded', outputs: { exitCode: '0' } } } });
  assert.deepEqual(compareSnapshots(a, structuredClone(a), false), []);
  const b = snap({ nodes: { '$WF [Pod]': { phase: 'Succeeded', outputs: { exitCode: '1' } } } });
  const d = compareSnapshots(a, b, false);
  assert.equal(d.length, 1);
  assert.equal(d[0]!.path, 'nodes.$WF [Pod].outputs.exitCode');
  assert.deepEqual([d[0]!.go, d[0]!.ts], ['"0"', '"1"']);
});

test('random workflows: compared by shape, only for nodes that ended alike', () => {
  const go = snap({ nodes: { 'a [Pod]': { phase: 'Succeeded', outputs: { result: '3' } }, 'b [Pod]': { phase: 'Failed', message: 'Error (exit code 1)' } } });
  const ts = snap({ nodes: { 'a [Pod]': { phase: 'Succeeded', outputs: { result: '5' } }, 'b [Pod]': { phase: 'Succeeded' } } });
  assert.deepEqual(compareSnapshots(go, ts, true), []);
  const typeChanged = snap({ nodes: { 'a [Pod]': { phase: 'Succeeded', outputs: { result: 5 } }, 'b [Pod]': { phase: 'Succeeded' } } });
  assert.equal(compareSnapshots(go, typeChanged, true)[0]?.path, 'nodes(shape).a [Pod].outputs.result');
  assert.deepEqual(shape({ x: [1, 'a', null] }), { x: ['number', 'string', 'null'] });
  // the workflow's phase still counts
  assert.equal(compareSnapshots(go, { ...ts, phase: 'Failed' }, true)[0]?.path, 'phase');
});

test('artifact digests: tar entries without mtime, text hashed after normalisation', async () => {
  const pack = tarStream.pack();
  pack.entry({ name: 'f.txt', mode: 0o644, mtime: new Date(1000) }, 'hello wf-abc12\n');
  pack.entry({ name: 'l', type: 'symlink', linkname: 'f.txt', mtime: new Date(2000) });
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const tgz = gzipSync(Buffer.concat(chunks));
  const d = await digestBytes(tgz, (t) => normaliseText(t, 'wf-abc12'));
  assert.equal(d.kind, 'tgz');
  const entries = (d as { entries: { name: string; type: string; sha256?: string; linkname?: string }[] }).entries;
  assert.deepEqual(entries.map((e) => [e.name, e.type, e.linkname]), [['f.txt', 'file', undefined], ['l', 'symlink', 'f.txt']]);
  const raw1 = await digestBytes(Buffer.from('x wf-abc12\n'), (t) => normaliseText(t, 'wf-abc12'));
  const raw2 = await digestBytes(Buffer.from('x wf-zzz99\n'), (t) => normaliseText(t, 'wf-zzz99'));
  assert.equal(raw1.kind, 'raw');
  assert.deepEqual(raw1, { ...raw2, text: (raw1 as { text?: string }).text }, 'same content once the names are normalised');
});

test('main.log as an interleaving of the container\'s two streams', async () => {
  const { isInterleaving } = await import('../e2e/lib/container-streams.ts');
  // what the kubelet served for Go's pod and for a plain busybox pod (stdout `1\n`, stderr `+ echo 1\n`)
  assert.equal(isInterleaving('+ echo 11\n\n', '1\n', '+ echo 1\n'), true);
  assert.equal(isInterleaving('1\n+ echo 1\n', '1\n', '+ echo 1\n'), true);
  assert.equal(isInterleaving('+ echo 1\n1\n', '1\n', '+ echo 1\n'), true);
  // a lost, an extra or a reordered byte within one stream is not an interleaving
  assert.equal(isInterleaving('+ echo 1\n', '1\n', '+ echo 1\n'), false);
  assert.equal(isInterleaving('+ echo 1\n1\n\n', '1\n', '+ echo 1\n'), false);
  assert.equal(isInterleaving('ba\n+ echo 1\n', 'ab\n', '+ echo 1\n'), false);
  assert.equal(isInterleaving('', '', ''), true);
});

test('the stderr stream without the executor\'s own log lines', async () => {
  const { withoutExecutorLines } = await import('../e2e/lib/container-streams.ts');
  const stderr = 'time=2026-12-02T23:33:33.373Z level=INFO msg="capturing logs" argo=true\n+ echo 2\n{"time":"x","level":"INFO","msg":"m","argo":true}\nuser says argo=true\n';
  assert.equal(withoutExecutorLines(stderr), '+ echo 2\nuser says argo=true\n');
  // Go's emissary, when the user's process failed (seen in its pod's stderr stream)
  assert.equal(withoutExecutorLines('oops\ntime=2026-12-02T23:41:23.872Z level=INFO msg="sub-process exited" error="exit status 1" argo=true\nError: exit status 1\n'), 'oops\n');
});

test('a resource template\'s polls: consecutive repeats of a group of messages count once', async () => {
  const { collapseRepeats } = await import('../e2e/lib/snapshot.ts');
  const poll = ['failure condition evaluated false', 'success condition evaluated', 'success conditions matched', 'retryable error'];
  assert.deepEqual(collapseRepeats(['Resource', ...poll, ...poll, ...poll, 'done']), ['Resource', ...poll, 'done']);
  assert.deepEqual(collapseRepeats(['a', 'a', 'b', 'a']), ['a', 'b', 'a']);
  assert.deepEqual(collapseRepeats(['a', 'b', 'c']), ['a', 'b', 'c']);
});

test('deadline race: intended only when Go ran past the deadline and ours ended within it, from the timings', () => {
  const deadline = 'Pod was active on the node longer than the specified deadline';
  const go = snap({ phase: 'Failed', nodes: { '$WF.C [Pod]': { phase: 'Failed', message: deadline } }, timings: { '$WF.C [Pod]': { ended: 21.3, deadline: 20 } } });
  const ts = snap({ phase: 'Failed', nodes: { '$WF.C [Pod]': { phase: 'Succeeded' } }, timings: { '$WF.C [Pod]': { ended: 17.2, deadline: 20 } } });
  const d = compareSnapshots(go, ts, false);
  assert.deepEqual(d.map((x) => x.path).sort(), ['nodes.$WF.C [Pod].message', 'nodes.$WF.C [Pod].phase']);
  assert.ok(d.every((x) => x.intended?.startsWith('deadline race: ') && x.intended.includes('Go\'s pod ran 21.3 s') && x.intended.includes('ours ended in 17.2 s')));
  // ours past the deadline (the other direction) is a real difference
  assert.ok(compareSnapshots(ts, go, false).every((x) => x.intended === undefined));
  // no timings: no excuse
  assert.ok(compareSnapshots({ ...go, timings: {} }, ts, false).every((x) => x.intended === undefined));
  // Go failed by the deadline with its containers ending at the deadline's edge (within the 1 s resolution): no excuse
  assert.ok(compareSnapshots({ ...go, timings: { '$WF.C [Pod]': { ended: 19, deadline: 20 } } }, ts, false).every((x) => x.intended === undefined));
  // either side failed by the deadline although its containers had all ended well before it: the kubelet's late sync
  const late = { '$WF.C [Pod]': { ended: 16, deadline: 19 } };
  const tsFailed = snap({ phase: 'Failed', nodes: { '$WF.C [Pod]': { phase: 'Failed', message: deadline } }, timings: late });
  const goOk = snap({ phase: 'Failed', nodes: { '$WF.C [Pod]': { phase: 'Succeeded' } }, timings: late });
  const k = compareSnapshots(goOk, tsFailed, false);
  assert.equal(k.length, 2);
  assert.ok(k.every((x) => x.intended?.startsWith('deadline race in the kubelet: our pod')));
  // ours failed by the deadline after running past it while Go ended within it: a real difference
  const tsLate = snap({ ...tsFailed, timings: { '$WF.C [Pod]': { ended: 20, deadline: 19 } } });
  assert.ok(compareSnapshots(snap({ ...goOk, timings: { '$WF.C [Pod]': { ended: 17, deadline: 19 } } }), tsLate, false).every((x) => x.intended === undefined));
});

test('signal race: a node failed by a shutdown or a deadline; exit code present on one side only, or the other signal message', () => {
  // The messages are v4.1.2's: exec_control.go (`workflow shutdown with strategy:  %s`, two spaces; `Step exceeded its
  // deadline`), operator.go (`Stopped with strategy '%s'`), and the kubelet's DeadlineExceeded pod message.
  const node = (message: string, exitCode?: string) => ({ phase: 'Failed', message, ...(exitCode ? { outputs: { exitCode } } : {}) });
  const go = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': node('workflow shutdown with strategy:  Terminate') } });
  const ts = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': node('workflow shutdown with strategy:  Terminate', '143') } });
  const d = compareSnapshots(go, ts, false);
  assert.deepEqual(d.map((x) => x.path), ['nodes.$WF.A [Pod].outputs']);
  // with other outputs on both sides (main.log), the exit code's own path
  const logs = { artifacts: [{ name: 'main-logs' }] };
  const goL = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': { ...node('workflow shutdown with strategy:  Terminate'), outputs: logs } } });
  const tsL = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': { ...node('workflow shutdown with strategy:  Terminate'), outputs: { ...logs, exitCode: '143' } } } });
  const dL = compareSnapshots(goL, tsL, false);
  assert.deepEqual(dL.map((x) => x.path), ['nodes.$WF.A [Pod].outputs.exitCode']);
  assert.ok(dL[0]!.intended?.startsWith('signal race: '));
  assert.ok(d[0]!.intended?.startsWith('signal race: '));
  // either direction (it is the controller's race)
  assert.ok(compareSnapshots(ts, go, false)[0]!.intended?.startsWith('signal race: '));
  // the deadline seen by the controller vs by the kubelet
  const goDl = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': node('Step exceeded its deadline') } });
  const tsDl = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': node('Pod was active on the node longer than the specified deadline', '143') } });
  const dl = compareSnapshots(goDl, tsDl, false);
  assert.deepEqual(dl.map((x) => x.path).sort(), ['nodes.$WF.A [Pod].message', 'nodes.$WF.A [Pod].outputs']);
  assert.ok(dl.every((x) => x.intended?.startsWith('signal race: ')));
  // a resource template's main (the executor) ends with 64 and `context canceled` when signalled
  const res = (code?: string) => snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': node('workflow shutdown with strategy:  Stop', code) }, containers: { '$WF.A': { main: { state: 'terminated', exitCode: 64, reason: 'Error', message: 'context canceled' } } } });
  assert.ok(compareSnapshots(res(), res('64'), false)[0]!.intended?.startsWith('signal race: '));
  const res64other = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': node('workflow shutdown with strategy:  Stop', '64') }, containers: { '$WF.A': { main: { state: 'terminated', exitCode: 64, reason: 'Error', message: 'some other error' } } } });
  assert.equal(compareSnapshots(res(), res64other, false).find((x) => x.path.includes('exitCode') || x.path.endsWith('.outputs'))?.intended, undefined);
  // not a signal's exit code: a real difference
  const ts42 = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': node('workflow shutdown with strategy:  Terminate', '42') } });
  assert.equal(compareSnapshots(go, ts42, false)[0]!.intended, undefined);
  // both have an exit code, and they differ: a real difference
  const go137 = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': node('workflow shutdown with strategy:  Terminate', '137') } });
  assert.equal(compareSnapshots(go137, ts, false)[0]!.intended, undefined);
  // a node that failed on its own (the executor's message): a real difference
  const own = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': node('main: Error (exit code 143)') } });
  assert.ok(compareSnapshots(own, ts, false).every((x) => x.intended === undefined));
  // a node that did not fail: a real difference
  const ok = snap({ phase: 'Failed', nodes: { '$WF.A [Pod]': { phase: 'Succeeded', message: 'Step exceeded its deadline' } } });
  assert.ok(compareSnapshots(ok, tsDl, false).every((x) => x.intended === undefined));
});

test('deadline race in a DAG: the failed task\'s dependents omitted on that side only are its consequences', () => {
  // dag-task-level-timeout (v4.1.2 run of 47a3338): Go's A was failed by its pod deadline although its containers had
  // ended 2 s before it, so Go omitted B and C (`depends: "A"`) where ours ran them.
  const deadline = 'Pod was active on the node longer than the specified deadline';
  const omitted = { phase: 'Omitted', message: 'omitted: depends condition not met' };
  const logs = { artifacts: [{ name: 'main-logs', s3: { key: '$WF/$WF-echo-#/main.log' } }] };
  const ran = {
    '$WF.B [Pod]': { phase: 'Failed', message: deadline, outputs: { ...logs, exitCode: '143' } },
    '$WF.C [Pod]': { phase: 'Succeeded', outputs: { ...logs, exitCode: '0' } },
  };
  const ctr = (code: number) => ({ init: { state: 'terminated', exitCode: 0 }, main: { state: 'terminated', exitCode: code }, wait: { state: 'terminated', exitCode: 0 } });
  const go = snap({
    phase: 'Failed', nodes: { '$WF [DAG]': { phase: 'Failed' }, '$WF.A [Pod]': { phase: 'Failed', message: deadline, outputs: { ...logs, exitCode: '0' } }, '$WF.B [Skipped]': omitted, '$WF.C [Skipped]': omitted },
    containers: { '$WF.A': ctr(0) }, timings: { '$WF.A [Pod]': { ended: 17, deadline: 19 } },
  });
  const ts = snap({
    phase: 'Failed', nodes: { '$WF [DAG]': { phase: 'Failed' }, '$WF.A [Pod]': { phase: 'Succeeded', outputs: { ...logs, exitCode: '0' } }, ...ran },
    artifacts: { '$WF.B [Pod] main-logs': { kind: 'container-log', stdout: '', stderr: '' }, '$WF.C [Pod] main-logs': { kind: 'container-log', stdout: '', stderr: '' } } as Snapshot['artifacts'],
    taskResults: { '$WF.B [Pod]': { outputs: logs }, '$WF.C [Pod]': { outputs: logs } },
    containers: { '$WF.A': ctr(0), '$WF.B': ctr(143), '$WF.C': ctr(0) }, timings: { '$WF.A [Pod]': { ended: 16, deadline: 19 } },
  });
  const d = compareSnapshots(go, ts, false);
  assert.equal(d.length, 12);
  assert.ok(d.filter((x) => x.path.startsWith('nodes.$WF.A ')).every((x) => x.intended?.startsWith('deadline race in the kubelet: ')));
  const rest = d.filter((x) => !x.path.startsWith('nodes.$WF.A '));
  assert.equal(rest.length, 10);
  assert.ok(rest.every((x) => x.intended?.startsWith('consequence of the deadline race on $WF.A: ')), JSON.stringify(rest));
  // without an accepted race on A (its containers ended at the deadline's edge), the dependents are real differences
  const edge = compareSnapshots({ ...go, timings: { '$WF.A [Pod]': { ended: 18.5, deadline: 19 } } }, ts, false);
  assert.ok(edge.every((x) => x.intended === undefined));
  // a dependent omitted for another reason, or present on both sides and different: a real difference
  const other = compareSnapshots(snap({ ...go, nodes: { ...go.nodes, '$WF.B [Skipped]': { phase: 'Omitted', message: 'omitted: when condition' } } }), ts, false);
  assert.ok(other.filter((x) => x.path.includes('$WF.B')).every((x) => x.intended === undefined));
  // the excuse follows the side that failed: Go's A ran and ours was failed late (past its deadline): no excuse at all
  const tsLate = snap({ ...go, timings: { '$WF.A [Pod]': { ended: 20, deadline: 19 } } });
  assert.ok(compareSnapshots(snap({ ...ts, timings: { '$WF.A [Pod]': { ended: 17, deadline: 19 } } }), tsLate, false).every((x) => x.intended === undefined));
});

test('shutdown race: the terminate reached a node before its pod was created on one side only', () => {
  // Argo's TestTerminateWorkflowWhileOnExitHandlerRunning terminates as soon as the main node succeeded: the exit
  // handler's pod exists by then or not (Go's run of 47a3338: no pod; ours: a pod whose main was SIGTERMed).
  const msg = 'workflow shutdown with strategy:  Terminate';
  const key = '$WF.onExit[0].exit-handler-task';
  const logs = { artifacts: [{ name: 'main-logs', s3: { key: '$WF/$WF-sleep-#/main.log' } }] };
  const killed = (code: number) => ({ init: { state: 'terminated', exitCode: 0 }, main: { state: 'terminated', exitCode: code }, wait: { state: 'terminated', exitCode: 0 } });
  const go = snap({ phase: 'Failed', nodes: { [`${key} [Pod]`]: { phase: 'Failed', message: msg } } });
  const ts = (code = 143, log = '', outputs: object = logs) => snap({
    phase: 'Failed', nodes: { [`${key} [Pod]`]: { phase: 'Failed', message: msg, outputs } },
    artifacts: { [`${key} [Pod] main-logs`]: { kind: 'container-log', stdout: log, stderr: '' } } as Snapshot['artifacts'],
    containers: { [key]: killed(code) },
  });
  const d = compareSnapshots(go, ts(), false);
  assert.deepEqual(d.map((x) => x.path).sort(), [`artifacts.${key} [Pod] main-logs`, `containers.${key}`, `nodes.${key} [Pod].outputs`]);
  assert.ok(d.every((x) => x.intended?.startsWith('shutdown race: ')), JSON.stringify(d));
  assert.ok(compareSnapshots(ts(), go, false).every((x) => x.intended?.startsWith('shutdown race: ')));
  // the pod that ran: main not ended by a signal, a log with content, or outputs beyond main.log: real differences
  assert.ok(compareSnapshots(go, ts(0), false).every((x) => x.intended === undefined));
  assert.ok(compareSnapshots(go, ts(143, 'hello\n'), false).every((x) => x.intended === undefined));
  assert.ok(compareSnapshots(go, ts(143, '', { ...logs, parameters: [{ name: 'p', value: '1' }] }), false).every((x) => x.intended === undefined));
  // both sides had a pod: this rule does not apply (the signal race's exit-code rule does)
  const goPod = snap({ ...ts(), nodes: { [`${key} [Pod]`]: { phase: 'Failed', message: msg, outputs: logs } } });
  assert.ok(compareSnapshots(goPod, ts(), false).every((x) => !x.intended?.startsWith('shutdown race: ')));
  // a node that failed on its own: a real difference
  const own = snap({ phase: 'Failed', nodes: { [`${key} [Pod]`]: { phase: 'Failed', message: 'main: Error (exit code 1)' } } });
  assert.ok(compareSnapshots(own, ts(), false).every((x) => x.intended === undefined));
});
