/**
 * bench/profile.ts: the CPU-profile summary that `make bench` writes under a row (issue 12: where the time goes).
 * A synthetic V8 profile with hand-computed self times, then a real one from the built executable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectProfiles, renderProfile, summarize, type CpuProfile } from '../../bench/profile.ts';
import { PROJECT } from '../support/sandbox.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, scriptId: '0', columnNumber: 0 });

// Each sample is charged the delta to the next one (µs): the last sample gets nothing.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(program)') },
    { id: 3, callFrame: frame('(garbage collector)') },
    { id: 4, callFrame: frame('(idle)') },
    { id: 5, callFrame: frame('readEntry', 'file:///x/argoexec.d/main.js', 41) },
    { id: 6, callFrame: frame('processCallback', 'node:zlib', 10) },
    { id: 7, callFrame: frame('', 'file:///x/argoexec.d/main.js', 99) },
  ],
  startTime: 1_000_000,
  endTime: 4_000_000,
  samples: [5, 4, 5, 6, 3, 2, 7, 4],
  timeDeltas: [0, 300_000, 500_000, 200_000, 400_000, 100_000, 250_000, 50_000],
};

test('summarize: self time per frame, idle apart, GC and (program) named, top functions by self time', () => {
  const s = summarize('init', profile, 3);
  // samples → charged: 5:300ms 4:500ms 5:200ms 6:400ms 3:100ms 2:250ms 7:50ms 4:0
  assert.equal(s.role, 'init');
  assert.equal(s.spanS, 3);
  assert.equal(Math.round(s.busyS * 1000), 1300); // everything but idle (500 ms)
  assert.equal(Math.round(s.gcS * 1000), 100);
  assert.equal(Math.round(s.programS * 1000), 250);
  assert.deepEqual(s.top.map((t) => [t.name, Math.round(t.s * 1000)]), [
    ['readEntry (main.js:42)', 500],
    ['processCallback (node:zlib)', 400],
    ['(anonymous) (main.js:100)', 50],
  ]);
  const text = renderProfile({ wallS: 3.2, cpuS: 2.5, roles: [s] }).join('\n');
  assert.match(text, /main JavaScript threads 1\.30 s, other threads and the kernel 1\.20 s/);
  assert.match(text, /`init`: main thread busy 1\.30 s of 3\.00 s \(GC 0\.10 s, V8 and native "\(program\)" 0\.25 s\); most self time: readEntry \(main\.js:42\) 0\.50 s/);
});

test('collectProfiles: the built executable writes argoexec-<role>-<pid>.cpuprofile at exit, and it summarizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  try {
    execFileSync(join(PROJECT, 'dist/argoexec'), ['version'], { env: { PATH: '/usr/bin:/bin', ARGOEXEC_CPU_PROFILE: dir }, stdio: 'ignore' });
    const ps = collectProfiles([dir, join(dir, 'missing')]);
    assert.equal(ps.length, 1);
    assert.equal(ps[0]?.role, 'version');
    assert.ok((ps[0]?.spanS ?? 0) > 0, 'a profiled span');
    assert.ok((ps[0]?.busyS ?? -1) >= 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
