import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnnotationFeedback, Detection, NormBox } from '@sentinel/common';
import { SamplingCaps } from '../../src/mine/caps.ts';
import { type HardExampleJob, HardExampleMiner, type MinerFrame } from '../../src/mine/miner.ts';
import { Tracker } from '../../src/track/tracker.ts';

const meta = (cameraId: string, n: number, t: number): MinerFrame['meta'] => ({
  cameraId,
  frameId: `${cameraId}-f${n}`,
  capturedAt: t,
  width: 64,
  height: 64,
  source: { width: 64, height: 64 },
  letterbox: { scale: 1, padX: 0, padY: 0 },
});
const det = (box: NormBox, score: number, label = 'person'): Detection => ({ label, classId: 0, score, box });

/** Runs detections through a real tracker and the miner, one frame each 200 ms. */
function run(miner: HardExampleMiner, cameraId: string, frames: Detection[][], t0 = 1_000_000) {
  const tracker = new Tracker({}, cameraId);
  const jobs: Array<HardExampleJob & { at: number }> = [];
  frames.forEach((raw, n) => {
    const t = t0 + n * 200;
    const u = tracker.update(raw, t, `${cameraId}-f${n}`);
    const pixels = new Uint8Array(64 * 64 * 3).fill(n);
    for (const j of miner.observe(
      { meta: meta(cameraId, n, t), pixels, modelId: 'm1', raw, tracked: u.detections, ...u },
      t,
    ))
      jobs.push({ ...j, at: n });
  });
  return jobs;
}

describe('SamplingCaps', () => {
  it('enforces the minimum interval and the hourly cap per camera, and one sample per track', () => {
    const caps = new SamplingCaps({
      maxPerCameraPerHour: 3,
      maxFeedbackPerCameraPerHour: 1,
      minIntervalMs: 1000,
    });
    const t = 10_000_000;
    assert.deepEqual(caps.check('a', t), { ok: true });
    caps.record('a', t, 'tr1');
    assert.deepEqual(caps.check('a', t + 500), { ok: false, why: 'min_interval' });
    assert.deepEqual(caps.check('b', t + 500), { ok: true }, 'cameras are capped apart');
    assert.deepEqual(caps.check('a', t + 2000, 'tr1'), { ok: false, why: 'track_seen' });
    caps.record('a', t + 2000);
    caps.record('a', t + 4000);
    assert.deepEqual(caps.check('a', t + 6000), { ok: false, why: 'hourly_cap' });
    assert.deepEqual(caps.check('a', t + 3_600_001), { ok: true }, 'the first sample left the window');
    assert.deepEqual(caps.takeFeedback('a', t), { ok: true });
    assert.deepEqual(caps.takeFeedback('a', t + 1), { ok: false, why: 'hourly_cap' });
  });
});

describe('HardExampleMiner', () => {
  it('samples a detection inside the confidence band, with the model boxes as pre-annotations', () => {
    const miner = new HardExampleMiner();
    const confident = run(miner, 'cam-a', [
      [det([0.1, 0.1, 0.2, 0.3], 0.9)],
      [det([0.1, 0.1, 0.2, 0.3], 0.92)],
    ]);
    assert.equal(confident.length, 0, 'confident detections are not hard examples');
    const jobs = run(new HardExampleMiner(), 'cam-b', [
      [
        det([0.1, 0.1, 0.2, 0.3], 0.9),
        det([0.6, 0.5, 0.1, 0.1], 0.42, 'dog'),
        det([0.8, 0.8, 0.1, 0.1], 0.2),
      ],
    ]);
    assert.equal(jobs.length, 1);
    const j = jobs[0]!;
    assert.equal(j.reason, 'low_confidence');
    assert.equal(j.frameId, 'cam-b-f0');
    assert.equal(j.modelId, 'm1');
    assert.match(j.exampleId, /^he-[0-9a-f]{24}$/);
    assert.deepEqual(
      j.boxes.map((b) => [b.label, b.score, Boolean(b.trackId)]),
      [
        ['person', 0.9, true],
        ['dog', 0.42, false],
      ],
      'tracked boxes and band boxes; the 0.2 box is below the band',
    );
    assert.equal(j.image.kind, 'frame');
  });

  it('respects the caps: one example per camera per interval, at most N per hour', () => {
    const miner = new HardExampleMiner({
      caps: { maxPerCameraPerHour: 2, minIntervalMs: 1000, maxFeedbackPerCameraPerHour: 5 },
    });
    // 30 frames (6 s) each with an uncertain detection.
    const frames = Array.from({ length: 30 }, (_, n) => [det([0.1 + n * 0.001, 0.1, 0.2, 0.2], 0.45)]);
    const jobs = run(miner, 'cam-c', frames);
    assert.deepEqual(
      jobs.map((j) => j.at),
      [0, 5],
      'second sample once 1 s has passed, then the hourly cap',
    );
    assert.ok((miner.skipped.get('hourly_cap') ?? 0) > 0);
    assert.ok((miner.skipped.get('min_interval') ?? 0) > 0);
  });

  it('samples a short track from the frame where it was last seen', () => {
    const miner = new HardExampleMiner({ band: [0.35, 0.5] });
    const jobs = run(miner, 'cam-d', [[], [det([0.4, 0.4, 0.1, 0.1], 0.8)], [], []]);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.reason, 'short_track');
    assert.equal(jobs[0]!.at, 2, 'known to be short once it ended');
    assert.equal(jobs[0]!.frameId, 'cam-d-f1', 'the image is the frame with the blip');
    assert.equal(jobs[0]!.image.kind === 'frame' && jobs[0]!.image.pixels[0], 1);
    assert.equal(jobs[0]!.boxes.length, 1);
    assert.equal(jobs[0]!.trackId, 'cam-d-1');
  });

  it('samples a flickering track once, not a long stable one', () => {
    const miner = new HardExampleMiner({
      caps: { maxPerCameraPerHour: 100, minIntervalMs: 0, maxFeedbackPerCameraPerHour: 5 },
    });
    const labels = ['dog', 'dog', 'cat', 'dog', 'cat', 'dog', 'cat', 'dog'];
    const jobs = run(
      miner,
      'cam-e',
      labels.map((l) => [det([0.3, 0.3, 0.2, 0.2], 0.8, l)]),
    );
    assert.deepEqual(
      jobs.map((j) => [j.reason, j.at]),
      [['track_flicker', 3]],
      'once the label switched twice; the same track is not sampled again',
    );
    const stable = run(
      new HardExampleMiner(),
      'cam-f',
      Array.from({ length: 20 }, () => [det([0.3, 0.3, 0.2, 0.2], 0.8)]),
    );
    assert.equal(stable.length, 0);
  });

  it('turns operator false-positive feedback into an example, from memory or from the stored snapshot', () => {
    const miner = new HardExampleMiner({
      caps: { maxPerCameraPerHour: 30, minIntervalMs: 0, maxFeedbackPerCameraPerHour: 2 },
    });
    run(miner, 'cam-g', [[det([0.2, 0.2, 0.2, 0.2], 0.9)], [det([0.2, 0.2, 0.2, 0.2], 0.9)]]);
    const fb = (extra: Partial<AnnotationFeedback>): AnnotationFeedback => ({
      kind: 'false_positive',
      alertId: 'al-1',
      cameraId: 'cam-g',
      actor: 'op1',
      at: 2_000_000,
      ...extra,
    });
    const fromMemory = miner.feedback(fb({ frameId: 'cam-g-f1', trackId: 'cam-g-1' }));
    assert.ok('exampleId' in fromMemory);
    assert.equal(fromMemory.reason, 'operator_false_positive');
    assert.equal(fromMemory.image.kind, 'frame');
    assert.equal(fromMemory.frameId, 'cam-g-f1');
    assert.equal(fromMemory.boxes[0]!.trackId, 'cam-g-1');
    const stored = miner.feedback(fb({ frameId: 'gone', snapshotKey: 'alerts/al-1.jpg', alertId: 'al-2' }));
    assert.ok('exampleId' in stored);
    assert.deepEqual(stored.image, { kind: 'stored', key: 'alerts/al-1.jpg' });
    const capped = miner.feedback(fb({ frameId: 'cam-g-f1', alertId: 'al-3' }));
    assert.deepEqual('skipped' in capped && capped.skipped, 'hourly_cap');
    const lost = new HardExampleMiner().feedback(fb({ frameId: 'unknown' }));
    assert.equal('skipped' in lost && lost.skipped, 'no_image');
  });

  it('does nothing when disabled', () => {
    const miner = new HardExampleMiner({ enabled: false });
    assert.equal(run(miner, 'cam-h', [[det([0.1, 0.1, 0.2, 0.2], 0.45)]]).length, 0);
  });
});
