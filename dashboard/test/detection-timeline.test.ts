import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DetectionTimeline } from '../src/lib/detection-timeline.ts';

const batch = (capturedAt: number, receivedAt = capturedAt + 100) => ({
  capturedAt,
  receivedAt,
  items: [capturedAt],
});

describe('DetectionTimeline (boxes in step with the video)', () => {
  it('shows the newest batch captured at or before the video time', () => {
    const t = new DetectionTimeline<number>({ holdMs: 1000 });
    for (const at of [1000, 1200, 1400, 1600]) t.push(batch(at));
    assert.equal(t.at(1700)?.capturedAt, 1600, 'no video delay: the latest');
    assert.equal(t.at(1700, 400)?.capturedAt, 1200, 'video 400 ms behind: the batch of 1300 ms ago');
  });

  it('orders out-of-order batches and replaces duplicates', () => {
    const t = new DetectionTimeline<number>({ holdMs: 1000 });
    t.push(batch(1400));
    t.push(batch(1000));
    t.push(batch(1200));
    t.push({ capturedAt: 1200, receivedAt: 1300, items: [42] });
    assert.equal(t.size, 3);
    assert.deepEqual(t.at(1250)?.items, [42]);
  });

  it('hides boxes older than the hold time (object gone, no new batch)', () => {
    const t = new DetectionTimeline<number>({ holdMs: 500 });
    t.push(batch(1000));
    assert.ok(t.at(1400));
    assert.equal(t.at(1600), undefined);
  });

  it('drops batches that can no longer be shown and respects the capacity', () => {
    const t = new DetectionTimeline<number>({ holdMs: 1000, capacity: 3 });
    for (let i = 0; i < 10; i++) t.push(batch(1000 + i * 100));
    assert.equal(t.size, 3);
    t.at(5000);
    assert.ok(t.size <= 1);
  });

  it('corrects for a browser clock that disagrees with the server clock', () => {
    // Browser clock 30 s behind the server: every batch seems to come from the future.
    const t = new DetectionTimeline<number>({ holdMs: 1000 });
    for (const at of [100_000, 100_200, 100_400])
      t.push({ capturedAt: at, receivedAt: at - 30_000 + 80, items: [at] });
    assert.equal(t.clockSkew(), -29_920);
    assert.equal(t.at(70_500)?.capturedAt, 100_400);
    // Browser 60 s ahead: without correction everything would be "too old" to show.
    const ahead = new DetectionTimeline<number>({ holdMs: 1000 });
    ahead.push({ capturedAt: 5000, receivedAt: 65_100, items: [1] });
    assert.equal(ahead.at(65_150)?.capturedAt, 5000);
    const inStep = new DetectionTimeline<number>({ holdMs: 1000 });
    inStep.push(batch(5000));
    assert.equal(inStep.clockSkew(), 0);
  });
});
