/**
 * The C-heap helper (native/memory.c, loaded from the built dist/argoexec.d/memory.node; decision D38), each case in
 * a fresh node process so that its heap starts clean:
 * - trim() gives back the pages of freed blocks in the middle of the heap, which glibc keeps mapped on its own
 *   (its automatic trim only shrinks the top);
 * - mmapThreshold() holds the threshold: after a freed 1 MiB block glibc raises it (mallopt(3), "dynamic mmap
 *   threshold") and 256 KiB blocks then stay resident once freed; with the threshold held at 128 KiB they are
 *   unmapped on free.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ADDON = join(import.meta.dirname, '../../dist/argoexec.d/memory.node');

/** Runs `body` in `node --expose-gc` with `m` (the addon), `rss()` (RssAnon in KiB) and `touch(n)`; returns its JSON. */
function inChild(body: string): Record<string, number> {
  const script = `
    const m = { exports: {} };
    process.dlopen(m, ${JSON.stringify(ADDON)});
    const { trim, mmapThreshold } = m.exports;
    const rss = () => Number(/RssAnon:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]);
    const touch = (n) => { const b = Buffer.allocUnsafeSlow(n); b.fill(1); return b; };
    // V8 frees array buffers' memory on a background thread after the collection: wait for it
    const collect = async () => { for (let i = 0; i < 4; i++) gc(); await new Promise((r) => setTimeout(r, 300)); };
    (async () => { ${body} })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, number>;
}

test('trim() returns the free pages in the middle of the heap', () => {
  assert.ok(existsSync(ADDON), `${ADDON} missing: run make build`);
  const r = inChild(`
    let kept = [], all = [];
    for (let i = 0; i < 400; i++) all.push(touch(64 * 1024));
    kept = all.filter((_, i) => i % 2 === 0); // every other block stays: the freed ones are holes, not the top
    all = null;
    await collect();
    const before = rss();
    const released = trim();
    const after = rss();
    console.log(JSON.stringify({ released, before, after, kept: kept.length }));
  `);
  assert.equal(r.kept, 200);
  assert.equal(r.released, 1);
  // 200 freed 64 KiB blocks = 12.5 MiB; their whole pages come back (~60 of each 64 KiB)
  assert.ok((r.before ?? 0) - (r.after ?? 0) >= 8 * 1024, `RssAnon ${r.before} → ${r.after} KiB`);
});

test('mmapThreshold(128 KiB) keeps glibc from raising the threshold: freed 256 KiB blocks leave at once', () => {
  const run = (hold: boolean): Record<string, number> => inChild(`
    ${hold ? 'if (mmapThreshold(128 * 1024) !== 1) throw new Error("mallopt refused");' : ''}
    let big = touch(1024 * 1024); big = null; await collect(); // a freed mapped block: glibc raises its threshold past it
    let blocks = [];
    const pins = []; // a small block after each: the freed ones are holes, which glibc's own trim of the top skips
    for (let i = 0; i < 64; i++) { blocks.push(touch(256 * 1024)); pins.push(touch(4096)); }
    await collect();
    const full = rss();
    blocks = null;
    await collect();
    console.log(JSON.stringify({ full, freed: rss(), pins: pins.length }));
  `);
  const held = run(true);
  const sliding = run(false);
  // 64 × 256 KiB = 16 MiB
  assert.ok((held.full ?? 0) - (held.freed ?? 0) >= 12 * 1024, `held at 128 KiB: RssAnon ${held.full} → ${held.freed} KiB`);
  assert.ok((sliding.full ?? 0) - (sliding.freed ?? 0) < 8 * 1024, `glibc's sliding threshold: RssAnon ${sliding.full} → ${sliding.freed} KiB (the control no longer shows what the threshold is for)`);
});

test('mmapThreshold() refuses a size that is not a positive number', () => {
  const r = inChild(`
    const errs = [];
    for (const v of [0, -1, 'x']) { try { mmapThreshold(v); errs.push('none'); } catch (e) { errs.push(e.message); } }
    console.log(JSON.stringify({ n: errs.filter((e) => e.startsWith('mmapThreshold: a positive')).length }));
  `);
  assert.equal(r.n, 3);
});
