import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Detection, NormBox } from '@sentinel/common';
import { BoxKalman } from '../../src/track/kalman.ts';
import { Tracker } from '../../src/track/tracker.ts';

const det = (box: NormBox, score = 0.9, label = 'person', classId = 0): Detection => ({
  label,
  classId,
  score,
  box,
});

/** Runs frames at `fps` starting at t0; returns each frame's update. */
function feed(tracker: Tracker, frames: Detection[][], fps = 5, t0 = 1_000_000) {
  return frames.map((dets, i) => tracker.update(dets, t0 + Math.round((i * 1000) / fps), `f${i}`));
}

describe('BoxKalman', () => {
  it('learns a constant velocity and predicts through a gap', () => {
    const kf = new BoxKalman([0.1, 0.4, 0.05, 0.1]);
    for (let i = 1; i <= 10; i++) {
      kf.predict(0.2);
      kf.update([0.1 + 0.02 * i, 0.4, 0.05, 0.1]); // 0.1 per second to the right
    }
    const [vx, vy] = kf.velocity();
    assert.ok(Math.abs(vx - 0.1) < 0.02, `vx ${vx}`);
    assert.ok(Math.abs(vy) < 0.01, `vy ${vy}`);
    kf.predict(0.6);
    const [x] = kf.box();
    assert.ok(Math.abs(x - (0.3 + 0.06)) < 0.01, `predicted x ${x}`);
  });
});

describe('Tracker', () => {
  it('keeps the id of a walking person through a short occlusion (lost, then confirmed again)', () => {
    const tracker = new Tracker({}, 'p');
    const frames: Detection[][] = [];
    for (let i = 0; i < 20; i++) {
      const x = 0.05 + 0.02 * i;
      // Frames 8-10 occluded: nothing detected.
      frames.push(i >= 8 && i <= 10 ? [] : [det([x, 0.3, 0.06, 0.2])]);
    }
    const updates = feed(tracker, frames);
    const states = updates.map((u) => u.detections.map((d) => `${d.trackId}:${d.trackState}`).join());
    assert.equal(states[0], 'p-1:tentative');
    assert.equal(states[2], 'p-1:confirmed', 'confirmed after minHits (3)');
    assert.equal(states[8], 'p-1:lost');
    assert.equal(states[10], 'p-1:lost');
    assert.equal(states[11], 'p-1:confirmed', 'the same id comes back after the occlusion');
    assert.equal(states[19], 'p-1:confirmed');
    assert.ok(updates.every((u) => u.ended.length === 0));
    // Velocity points right at about 0.1/s.
    const v = updates[19]!.detections[0]!.velocity!;
    assert.ok(v[0] > 0.05 && v[0] < 0.15, `velocity ${v}`);
  });

  it('keeps a track through a dip in score (second association stage) without losing it', () => {
    const tracker = new Tracker({}, 'd');
    const frames: Detection[][] = [];
    for (let i = 0; i < 12; i++)
      frames.push([det([0.4 + 0.01 * i, 0.4, 0.1, 0.2], i >= 5 && i < 8 ? 0.3 : 0.85)]);
    const updates = feed(tracker, frames);
    for (let i = 2; i < 12; i++) {
      assert.equal(updates[i]!.detections.length, 1);
      assert.equal(updates[i]!.detections[0]!.trackId, 'd-1');
      assert.equal(updates[i]!.detections[0]!.trackState, 'confirmed', `frame ${i}`);
    }
    assert.equal(updates[6]!.detections[0]!.score, 0.3);
  });

  it('does not swap ids of two people passing each other', () => {
    const tracker = new Tracker({}, 'x');
    const frames: Detection[][] = [];
    for (let i = 0; i < 25; i++) {
      const a = 0.1 + 0.03 * i;
      const b = 0.82 - 0.03 * i;
      frames.push([det([a, 0.3, 0.08, 0.25], 0.9), det([b, 0.36, 0.08, 0.25], 0.8)]);
    }
    const updates = feed(tracker, frames);
    const last = updates[24]!.detections;
    const left = last.find((d) => d.trackId === 'x-1')!;
    const right = last.find((d) => d.trackId === 'x-2')!;
    assert.ok(left.box[0] > 0.7, 'track 1 (started left) ended on the right');
    assert.ok(right.box[0] < 0.2, 'track 2 (started right) ended on the left');
    assert.equal(last.length, 2);
  });

  it('flags an object that stops as stationary and keeps it through a long occlusion', () => {
    const tracker = new Tracker({ stationaryMs: 3000, maxLostMs: 2000, maxLostStationaryMs: 60_000 }, 'car');
    const frames: Detection[][] = [];
    // Drives in for 2 s, parks for 6 s, hidden by a passing truck for 10 s, visible again for 2 s.
    for (let i = 0; i < 10; i++) frames.push([det([0.1 + 0.03 * i, 0.5, 0.2, 0.12], 0.9, 'car', 2)]);
    for (let i = 0; i < 30; i++) frames.push([det([0.37, 0.5, 0.2, 0.12], 0.9, 'car', 2)]);
    for (let i = 0; i < 50; i++) frames.push([]);
    for (let i = 0; i < 10; i++) frames.push([det([0.372, 0.501, 0.2, 0.12], 0.9, 'car', 2)]);
    const updates = feed(tracker, frames);
    const at = (i: number) => updates[i]!.detections[0]!;
    assert.equal(at(9).stationary, false, 'moving');
    assert.equal(at(20).stationary, false, 'stopped for 2 s only');
    assert.equal(at(39).stationary, true, 'stopped for 6 s');
    assert.equal(at(60).trackState, 'lost');
    assert.equal(at(99).trackId, 'car-1', 'one object, not a new one after the occlusion');
    assert.equal(at(99).stationary, true);
    assert.equal(at(99).trackState, 'confirmed');
    assert.ok(updates.every((u) => u.ended.length === 0));
  });

  it('removes a moving object lost for longer than maxLostMs and then starts a new id', () => {
    const tracker = new Tracker({ maxLostMs: 1000 }, 'm');
    const frames: Detection[][] = [];
    for (let i = 0; i < 6; i++) frames.push([det([0.2 + 0.02 * i, 0.2, 0.1, 0.2])]);
    for (let i = 0; i < 8; i++) frames.push([]);
    for (let i = 0; i < 3; i++) frames.push([det([0.34, 0.2, 0.1, 0.2])]);
    const updates = feed(tracker, frames);
    const endedAt = updates.findIndex((u) => u.ended.length > 0);
    assert.equal(endedAt, 11, 'removed once lost for more than 1 s (frame 5 + 6 frames at 5 fps)');
    const e = updates[endedAt]!.ended[0]!;
    assert.equal(e.trackId, 'm-1');
    assert.equal(e.wasConfirmed, true);
    assert.equal(e.hits, 6);
    assert.equal(updates[16]!.detections[0]!.trackId, 'm-2');
  });

  it('drops a one-frame blip (tentative, unmatched) and reports it as a short track', () => {
    const tracker = new Tracker({}, 'b');
    const updates = feed(tracker, [[det([0.5, 0.5, 0.05, 0.05], 0.7)], [], []]);
    assert.equal(updates[0]!.detections[0]!.trackState, 'tentative');
    assert.equal(updates[1]!.detections.length, 0);
    assert.deepEqual(
      updates[1]!.ended.map((e) => [e.trackId, e.wasConfirmed, e.hits, e.lastFrameId]),
      [['b-1', false, 1, 'f0']],
    );
    assert.equal(tracker.size, 0);
  });

  it('ignores low scores for new tracks and counts label switches, keeping the majority label', () => {
    const tracker = new Tracker({}, 'l');
    feed(tracker, [[det([0.1, 0.1, 0.1, 0.1], 0.55)]]);
    assert.equal(tracker.size, 0, 'below newTrackScore: no track');
    const labels = ['dog', 'dog', 'cat', 'dog', 'cat', 'dog'];
    const updates = feed(
      tracker,
      labels.map((l) => [det([0.3, 0.3, 0.1, 0.1], 0.8, l, l === 'dog' ? 16 : 15)]),
      5,
      2_000_000,
    );
    const switches = updates.flatMap((u) => u.labelSwitches);
    assert.equal(switches.length, 4);
    assert.deepEqual(switches[0], { trackId: 'l-1', from: 'dog', to: 'cat', switches: 1 });
    const last = updates[5]!.detections[0]!;
    assert.equal(last.trackId, 'l-1');
    assert.equal(last.label, 'dog');
    assert.equal(last.classId, 16);
  });

  it('applies per-class thresholds to what counts as a confident detection', () => {
    const tracker = new Tracker({ highScore: 0.5, newTrackScore: 0.6, classHighScore: { car: 0.8 } }, 'c');
    const u = tracker.update(
      [det([0.1, 0.1, 0.1, 0.1], 0.75, 'car', 2), det([0.5, 0.5, 0.1, 0.1], 0.75, 'person')],
      1000,
      'f0',
    );
    assert.deepEqual(
      u.detections.map((d) => d.label),
      ['person'],
      'a 0.75 car is below its class threshold (0.8) and starts no track',
    );
  });

  it('ignores frames older than the last one', () => {
    const tracker = new Tracker({}, 'o');
    tracker.update([det([0.1, 0.1, 0.1, 0.1])], 2000, 'a');
    const u = tracker.update([det([0.5, 0.5, 0.1, 0.1])], 1000, 'b');
    assert.equal(u.detections.length, 0);
    assert.equal(tracker.size, 1);
  });
});
