import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyObjectFilters,
  CENTERNET_OUTPUTS,
  decoderFor,
  defaultDecodeOptions,
  filterReason,
  iou,
  letterboxFor,
  type ModelDetection,
  nonMaxSuppression,
  objectFiltersSchema,
  toSourceBox,
} from '../../src/decode/index.ts';

const det = (classId: number, score: number, box: [number, number, number, number]): ModelDetection => ({
  classId,
  label: `c${classId}`,
  score,
  box,
});

describe('class-aware NMS', () => {
  it('computes IoU of xywh boxes', () => {
    assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
    assert.equal(iou([0, 0, 10, 10], [10, 0, 10, 10]), 0);
    assert.ok(Math.abs(iou([0, 0, 10, 10], [5, 0, 10, 10]) - 50 / 150) < 1e-9);
  });

  it('suppresses overlapping boxes of the same class only, best first', () => {
    const kept = nonMaxSuppression(
      [
        det(0, 0.6, [1, 0, 10, 10]),
        det(0, 0.9, [0, 0, 10, 10]),
        det(1, 0.8, [0, 0, 10, 10]), // other class at the same place: kept
        det(0, 0.7, [30, 30, 10, 10]), // same class, far away: kept
      ],
      0.5,
    );
    assert.deepEqual(
      kept.map((d) => [d.classId, d.score]),
      [
        [0, 0.9],
        [1, 0.8],
        [0, 0.7],
      ],
    );
    assert.equal(nonMaxSuppression([det(0, 0.9, [0, 0, 1, 1]), det(0, 0.8, [5, 5, 1, 1])], 0.5, 1).length, 1);
  });
});

describe('CenterNet decoder', () => {
  const H = 8;
  const W = 8;
  const labels = ['person', 'car'];
  const opts = defaultDecodeOptions({ inputWidth: 32, inputHeight: 32, labels }, { scoreThreshold: 0.3 });
  function heads(peaks: Array<[number, number, number, number]>, wh: [number, number, number, number]) {
    const heat = new Float32Array(H * W * 2);
    for (const [y, x, c, s] of peaks) heat[(y * W + x) * 2 + c] = s;
    const sizes = new Float32Array(H * W * 4);
    for (let i = 0; i < H * W; i++) sizes.set(wh, i * 4);
    return {
      [CENTERNET_OUTPUTS.heatmap]: { data: heat, dims: [1, H, W, 2] },
      [CENTERNET_OUTPUTS.sizes]: { data: sizes, dims: [1, H, W, 4] },
    };
  }

  it('keeps 3x3 local maxima and turns l,t,r,b distances into boxes at stride input/heatmap', () => {
    const out = heads(
      [
        [2, 3, 0, 0.9], // peak person at x=3,y=2 → centre (12, 8)
        [2, 4, 0, 0.5], // neighbour, not a peak
        [6, 6, 1, 0.7], // car peak
        [6, 7, 0, 0.6], // person next to the car: other channel, still a peak
        [0, 0, 1, 0.2], // below threshold
      ],
      [2, 3, 4, 5],
    );
    const dets = decoderFor('centernet').decode(out, 0, opts);
    assert.deepEqual(
      dets.map((d) => [d.label, d.score, d.box.map((v) => Number(v.toFixed(3)))]),
      [
        ['person', Math.fround(0.9), [10, 5, 6, 8]],
        ['car', Math.fround(0.7), [22, 21, 6, 8]],
        ['person', Math.fround(0.6), [26, 21, 6, 8]],
      ],
    );
  });

  it('refuses heads that do not match the labels or each other', () => {
    const out = heads([[1, 1, 0, 0.9]], [1, 1, 1, 1]);
    assert.throws(
      () => decoderFor('centernet').decode(out, 0, { ...opts, labels: ['a'] }),
      /2 classes but 1 labels/,
    );
    assert.throws(
      () =>
        decoderFor('centernet').decode(
          { [CENTERNET_OUTPUTS.heatmap]: out[CENTERNET_OUTPUTS.heatmap]! },
          0,
          opts,
        ),
      /required/,
    );
  });
});

describe('letterbox mapping', () => {
  it('maps model boxes back to normalised source boxes', () => {
    const lb = letterboxFor({ width: 1280, height: 720 }, { width: 512, height: 512 });
    assert.equal(lb.scale, 0.4);
    assert.equal(lb.padX, 0);
    assert.equal(lb.padY, 112);
    const b = toSourceBox([128, 112 + 72, 256, 144], lb, { width: 1280, height: 720 })!;
    assert.deepEqual(
      b.map((v) => Number(v.toFixed(6))),
      [0.25, 0.25, 0.5, 0.5],
    );
    assert.equal(toSourceBox([0, 0, 100, 50], lb, { width: 1280, height: 720 }), null, 'box in the padding');
  });
});

describe('object filters', () => {
  const source = { width: 1000, height: 500 };
  const filters = objectFiltersSchema.parse({
    all: { minArea: 0.001 },
    byLabel: { person: { maxArea: 0.5, maxRatio: 1.5, minScore: 0.5 } },
    masks: [
      [
        [0.8, 0.8],
        [1, 0.8],
        [1, 1],
        [0.8, 1],
      ],
    ],
  });
  it('drops by area, ratio, score and mask (bottom-centre point)', () => {
    const d = (label: string, score: number, box: [number, number, number, number]) => ({
      label,
      score,
      box,
    });
    assert.equal(filterReason(d('person', 0.9, [0.1, 0.1, 0.01, 0.01]), filters, source), 'min_area');
    assert.equal(filterReason(d('person', 0.9, [0, 0, 0.9, 0.9]), filters, source), 'max_area');
    // w/h in pixels = (0.2*1000)/(0.2*500) = 2 > 1.5
    assert.equal(filterReason(d('person', 0.9, [0.1, 0.1, 0.2, 0.2]), filters, source), 'max_ratio');
    assert.equal(filterReason(d('person', 0.4, [0.1, 0.1, 0.05, 0.2]), filters, source), 'score');
    assert.equal(filterReason(d('car', 0.9, [0.85, 0.5, 0.1, 0.4]), filters, source), 'mask');
    assert.equal(filterReason(d('car', 0.9, [0.1, 0.1, 0.2, 0.2]), filters, source), null);
    assert.equal(
      applyObjectFilters(
        [d('car', 0.9, [0.1, 0.1, 0.2, 0.2]), d('car', 0.9, [0.85, 0.5, 0.1, 0.4])],
        filters,
        source,
      ).length,
      1,
    );
  });
  it('rejects inconsistent filters', () => {
    assert.throws(
      () => objectFiltersSchema.parse({ all: { minArea: 0.5, maxArea: 0.1 } }),
      /minArea must be <= maxArea/,
    );
  });
});
