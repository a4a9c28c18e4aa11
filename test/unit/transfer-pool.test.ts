/**
 * The bounded worker pool every driver moves many objects with (src/artifacts/transfer.ts): over an array, and over an
 * async iterable such as a listing read page by page (work starts with the first item; a failing listing fails it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pool } from '../../src/artifacts/transfer.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('array: every item once, never more than n in flight', async () => {
  const seen: number[] = [];
  let inFlight = 0;
  let most = 0;
  await pool(Array.from({ length: 50 }, (_, i) => i), 4, async (i) => {
    most = Math.max(most, ++inFlight);
    await tick();
    seen.push(i);
    inFlight--;
  });
  assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.equal(most, 4);
});

test('array: the first failure is thrown and no new item is taken after it', async () => {
  const started: number[] = [];
  await assert.rejects(pool([0, 1, 2, 3, 4, 5, 6, 7], 2, async (i) => {
    started.push(i);
    await tick();
    if (i === 1) throw new Error('item 1 failed');
  }), /item 1 failed/);
  assert.deepEqual(started, [0, 1, 2]); // 2 was taken by the worker that finished 0 in the same turn
});

test('async iterable: items are worked on while the iterable is still producing, every item once', async () => {
  let releaseSecondPage!: () => void;
  const secondPage = new Promise<void>((r) => { releaseSecondPage = r; });
  const done: number[] = [];
  async function* listing(): AsyncGenerator<number> {
    for (let i = 0; i < 5; i++) yield i;
    await secondPage; // the next page is not there yet
    for (let i = 5; i < 10; i++) yield i;
  }
  const run = pool(listing(), 3, async (i) => {
    await tick();
    done.push(i);
    if (done.length === 5) releaseSecondPage(); // the first page's items finished before the second page arrived
  });
  await run;
  assert.deepEqual(done.slice(0, 5).sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(done.sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
});

test('async iterable: never more than n in flight, and a failing iterable fails the pool after what it gave', async () => {
  let inFlight = 0;
  let most = 0;
  const done: number[] = [];
  async function* listing(): AsyncGenerator<number> {
    for (let i = 0; i < 6; i++) yield i;
    throw new Error('listing page 2 failed');
  }
  await assert.rejects(pool(listing(), 2, async (i) => {
    most = Math.max(most, ++inFlight);
    await tick();
    done.push(i);
    inFlight--;
  }), /listing page 2 failed/);
  assert.equal(most, 2);
  assert.deepEqual(done.sort(), [0, 1, 2, 3, 4, 5]);
});

test('async iterable: after an item fails, no further item is asked of the iterable', async () => {
  let asked = 0;
  async function* listing(): AsyncGenerator<number> {
    for (let i = 0; i < 100; i++) {
      asked++;
      yield i;
    }
  }
  await assert.rejects(pool(listing(), 1, async (i) => {
    if (i === 3) throw new Error('item 3 failed');
  }), /item 3 failed/);
  assert.equal(asked, 4);
});
