import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Batch, type DropReason, DynamicBatcher } from '../../src/batch/batcher.ts';

type F = { cameraId: string; capturedAt: number; n: number };

function collect(opts: Partial<ConstructorParameters<typeof DynamicBatcher<F>>[0]> = {}, runMs = 0) {
  const batches: Array<Batch<F> & { at: number }> = [];
  const drops: Array<{ item: F; reason: DropReason }> = [];
  const b = new DynamicBatcher<F>(
    { maxBatchSize: 4, maxDelayMs: 50, maxFrameAgeMs: 500, maxInFlight: 1, activeWindowMs: 0, ...opts },
    async (batch) => {
      batches.push({ ...batch, at: Date.now() });
      if (runMs) await sleep(runMs);
    },
    { onDrop: (item, reason) => drops.push({ item, reason }) },
  );
  return { b, batches, drops };
}

const frame = (cameraId: string, n = 0, capturedAt = Date.now()): F => ({ cameraId, capturedAt, n });

describe('DynamicBatcher', () => {
  it('flushes at once when the batch is full', async () => {
    const { b, batches } = collect({ maxBatchSize: 3, maxDelayMs: 10_000 });
    const t0 = Date.now();
    for (const c of ['a', 'b', 'c']) b.push(frame(c));
    await b.drain();
    assert.equal(batches.length, 1);
    assert.deepEqual(
      batches[0]!.items.map((i) => i.cameraId),
      ['a', 'b', 'c'],
    );
    assert.equal(batches[0]!.trigger, 'full');
    assert.ok(batches[0]!.at - t0 < 1000, 'a full batch does not wait for the delay');
  });

  it('flushes a partial batch after maxDelayMs', async () => {
    const { b, batches } = collect({ maxBatchSize: 8, maxDelayMs: 80 });
    const t0 = Date.now();
    b.push(frame('a'));
    b.push(frame('b'));
    await sleep(30);
    assert.equal(batches.length, 0, 'not flushed before the delay');
    await sleep(150);
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.trigger, 'timeout');
    assert.equal(batches[0]!.items.length, 2);
    const waited = batches[0]!.at - t0;
    assert.ok(waited >= 75 && waited < 170, `flushed after ${waited} ms`);
    assert.ok(
      batches[0]!.queueAgesMs.every((a) => a >= 75),
      'queue ages measure the wait',
    );
  });

  it('with maxDelayMs 0 flushes on the next turn, batching frames that arrived together', async () => {
    const { b, batches } = collect({ maxBatchSize: 8, maxDelayMs: 0 });
    b.push(frame('a'));
    b.push(frame('b'));
    assert.equal(batches.length, 0);
    await sleep(5);
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.items.length, 2);
  });

  it('does not wait when every active camera already has a frame waiting', async () => {
    const { b, batches } = collect({ maxBatchSize: 8, maxDelayMs: 10_000, activeWindowMs: 1000 });
    for (const c of ['a', 'b', 'c', 'd']) b.push(frame(c));
    await sleep(20);
    assert.deepEqual(
      batches.map((x) => x.items.map((i) => i.cameraId).join()),
      ['a'],
      'the only known camera goes at once; then a is active but silent, so b, c, d wait',
    );
    b.push(frame('a'));
    await sleep(5);
    assert.equal(batches.length, 2, 'all four active cameras waiting: flushed without the delay');
    assert.deepEqual(batches[1]!.items.map((i) => i.cameraId).sort(), ['a', 'b', 'c', 'd']);
    assert.equal(batches[1]!.trigger, 'full');
    b.push(frame('a'));
    b.push(frame('b'));
    await sleep(30);
    assert.equal(batches.length, 2, 'c and d are active but silent: a and b wait');
    b.push(frame('c'));
    b.push(frame('d'));
    await sleep(5);
    assert.equal(batches.length, 3);
    assert.equal(batches[2]!.items.length, 4);
  });

  it('drops frames older than maxFrameAgeMs on arrival and while waiting', async () => {
    let now = 1_000_000;
    const { b, batches, drops } = collect({
      maxBatchSize: 8,
      maxDelayMs: 50,
      now: () => now,
      maxInFlight: 1,
    });
    assert.equal(b.push(frame('old', 0, now - 600)), false);
    assert.deepEqual(
      drops.map((d) => [d.item.cameraId, d.reason]),
      [['old', 'stale']],
    );
    b.push(frame('a', 0, now - 100));
    b.push(frame('b', 0, now - 450));
    now += 100; // b is now 550 ms old, a 200 ms
    await sleep(120);
    assert.equal(batches.length, 1);
    assert.deepEqual(
      batches[0]!.items.map((i) => i.cameraId),
      ['a'],
    );
    assert.deepEqual(
      drops.map((d) => [d.item.cameraId, d.reason]),
      [
        ['old', 'stale'],
        ['b', 'stale'],
      ],
    );
  });

  it('keeps only the latest frame per camera while waiting', async () => {
    const { b, batches, drops } = collect({ maxBatchSize: 4, maxDelayMs: 30 });
    for (let n = 0; n < 5; n++) b.push(frame('busy', n));
    b.push(frame('quiet'));
    await sleep(80);
    assert.equal(batches.length, 1);
    assert.deepEqual(
      batches[0]!.items.map((i) => `${i.cameraId}:${i.n}`),
      ['busy:4', 'quiet:0'],
    );
    assert.equal(drops.filter((d) => d.reason === 'superseded').length, 4);
  });

  it('serves cameras round robin: a busy camera cannot starve the others', async () => {
    // One batch at a time, slow runs: while a batch runs, every camera queues a frame; the busy camera
    // sends ten times more frames than the rest.
    const cams = ['busy', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
    const { b, batches } = collect({ maxBatchSize: 3, maxDelayMs: 5, maxInFlight: 1 }, 25);
    const stopAt = Date.now() + 400;
    let n = 0;
    while (Date.now() < stopAt) {
      for (let k = 0; k < 10; k++) b.push(frame('busy', n++));
      for (const c of cams.slice(1)) b.push(frame(c, n++));
      await sleep(5);
    }
    await b.drain();
    const served = new Map<string, number>();
    for (const batch of batches) {
      const ids = batch.items.map((i) => i.cameraId);
      assert.equal(new Set(ids).size, ids.length, 'a camera appears at most once per batch');
      for (const id of ids) served.set(id, (served.get(id) ?? 0) + 1);
    }
    const counts = cams.map((c) => served.get(c) ?? 0);
    assert.ok(Math.min(...counts) >= 2, `every camera served repeatedly: ${counts}`);
    assert.ok(
      Math.max(...counts) - Math.min(...counts) <= 1,
      `served counts stay within 1 of each other: ${cams.map((c, i) => `${c}=${counts[i]}`).join(' ')}`,
    );
  });

  it('limits batches in flight and keeps working after a failing batch', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const errors: unknown[] = [];
    const b = new DynamicBatcher<F>(
      { maxBatchSize: 1, maxDelayMs: 0, maxFrameAgeMs: 5000, maxInFlight: 2 },
      async () => {
        const call = ++calls;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(10);
        running--;
        if (call === 1) throw new Error('boom');
      },
      { onError: (e) => errors.push(e) },
    );
    for (let i = 0; i < 6; i++) b.push(frame(`c${i}`));
    await b.drain();
    assert.equal(calls, 6);
    assert.equal(maxRunning, 2);
    assert.equal(errors.length, 1);
  });

  it('close drops pending frames and refuses new ones', async () => {
    const { b, drops, batches } = collect({ maxBatchSize: 8, maxDelayMs: 1000 });
    b.push(frame('a'));
    await b.close();
    assert.equal(b.push(frame('b')), false);
    assert.deepEqual(
      drops.map((d) => d.reason),
      ['closed', 'closed'],
    );
    assert.equal(batches.length, 0);
  });
});
