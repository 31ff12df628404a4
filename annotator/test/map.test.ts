import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCenternetDetections, decodeYolo } from '@sentinel/common/detect/index';
import { averagePrecision, meanAveragePrecision } from '../src/models/map.ts';
import { computeAgreement } from '../src/stats/stats.ts';

const gt = (imageId: string, label: string, box: [number, number, number, number]) => ({
  imageId,
  label,
  box,
});
const pr = (imageId: string, label: string, box: [number, number, number, number], score: number) => ({
  imageId,
  label,
  box,
  score,
});
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

describe('mAP@0.5 on hand-computed cases', () => {
  it('a perfect detection is AP 1; no detection is AP 0', () => {
    close(averagePrecision([gt('a', 'p', [0, 0, 10, 10])], [pr('a', 'p', [0, 0, 10, 10], 0.9)]), 1);
    close(averagePrecision([gt('a', 'p', [0, 0, 10, 10])], []), 0);
  });

  it('TP, FP, TP gives 0.5·1 + 0.5·(2/3) = 0.8333 (precision envelope)', () => {
    const gts = [gt('a', 'p', [0, 0, 10, 10]), gt('b', 'p', [20, 20, 10, 10])];
    const preds = [
      pr('a', 'p', [0, 0, 10, 10], 0.9), // TP: recall .5, precision 1
      pr('a', 'p', [50, 50, 10, 10], 0.8), // FP: recall .5, precision .5
      pr('b', 'p', [21, 20, 10, 10], 0.7), // TP (IoU 90/110 = .818): recall 1, precision 2/3
    ];
    close(averagePrecision(gts, preds), 0.5 + 0.5 * (2 / 3));
  });

  it('the order is by score, not by input order: a top-ranked FP gives 2/3 (envelope)', () => {
    const gts = [gt('a', 'p', [0, 0, 10, 10]), gt('b', 'p', [20, 20, 10, 10])];
    const preds = [
      pr('a', 'p', [0, 0, 10, 10], 0.8),
      pr('a', 'p', [50, 50, 10, 10], 0.95), // FP ranked first: precision 0 at recall 0
      pr('b', 'p', [20, 20, 10, 10], 0.7),
    ];
    // ranks: FP (p 0, r 0), TP (p .5, r .5), TP (p 2/3, r 1); envelope: .667 for r in (0, 1]
    close(averagePrecision(gts, preds), 2 / 3);
  });

  it('a second detection of the same object is a false positive; IoU exactly 0.5 counts, below does not', () => {
    const g = [gt('a', 'p', [0, 0, 10, 10])];
    close(averagePrecision(g, [pr('a', 'p', [0, 0, 10, 10], 0.9), pr('a', 'p', [0, 0, 10, 10], 0.8)]), 1);
    close(averagePrecision(g, [pr('a', 'p', [0, 0, 10, 10], 0.5), pr('a', 'p', [0, 0, 10, 10], 0.9)]), 1);
    // [0,0,10,10] vs [0,0,10,5]: IoU 50/100 = 0.5 exactly → TP.
    close(averagePrecision(g, [pr('a', 'p', [0, 0, 10, 5], 0.9)]), 1);
    // [0,0,10,10] vs [0,0,10,4.9]: IoU .49 → FP.
    close(averagePrecision(g, [pr('a', 'p', [0, 0, 10, 4.9], 0.9)]), 0);
    // A detection in another image does not match.
    close(averagePrecision(g, [pr('b', 'p', [0, 0, 10, 10], 0.9)]), 0);
  });

  it('half recall at full precision is AP 0.5', () => {
    const gts = [gt('a', 'p', [0, 0, 10, 10]), gt('a', 'p', [30, 30, 10, 10])];
    close(averagePrecision(gts, [pr('a', 'p', [0, 0, 10, 10], 0.9)]), 0.5);
  });

  it('mAP averages over classes with ground truth; labels must match; extra classes are ignored', () => {
    const gts = [gt('a', 'person', [0, 0, 10, 10]), gt('a', 'car', [30, 30, 10, 10])];
    const preds = [
      pr('a', 'person', [0, 0, 10, 10], 0.9),
      pr('a', 'truck', [30, 30, 10, 10], 0.9), // wrong label: no car match
      pr('a', 'dog', [60, 60, 5, 5], 0.9), // class without ground truth: not averaged
    ];
    const r = meanAveragePrecision(gts, preds);
    close(r.perClass.person!, 1);
    close(r.perClass.car!, 0);
    assert.equal(r.perClass.dog, undefined);
    close(r.mAP, 0.5);
    assert.deepEqual(r.support, { car: 1, person: 1 });
    close(meanAveragePrecision([], preds).mAP, 0);
  });
});

describe('shared decoders and agreement', () => {
  it('decodes a YOLO [1, 4+C, A] head (and its transpose) with NMS', () => {
    const C = 2;
    const A = 3;
    // anchors: (cx, cy, w, h, s0, s1)
    const rows = [
      [50, 50, 20, 10, 0.9, 0.1],
      [51, 50, 20, 10, 0.8, 0.0], // overlaps anchor 0, same class → suppressed
      [10, 10, 4, 4, 0.05, 0.6],
    ];
    const data = new Float32Array((4 + C) * A);
    for (const [a, r] of rows.entries()) for (const [f, v] of r.entries()) data[f * A + a] = v;
    const opts = { scoreThreshold: 0.25, iouThreshold: 0.45, maxDetections: 10 };
    const d = decodeYolo(data, [1, 4 + C, A], C, opts);
    assert.deepEqual(
      d.map((x) => [x.classId, x.box]),
      [
        [0, [40, 45, 20, 10]],
        [1, [8, 8, 4, 4]],
      ],
    );
    const t = new Float32Array(rows.flat());
    assert.deepEqual(decodeYolo(t, [1, A, 4 + C], C, opts), d);
    assert.throws(() => decodeYolo(data, [1, 7, A], C, opts), /4 \+ 2 features/);
  });

  it('decodes CenterNet [1, K, 6] corner rows', () => {
    const data = new Float32Array([10, 20, 30, 60, 0.9, 2, 0, 0, 5, 5, 0.1, 1]);
    const d = decodeCenternetDetections(data, [1, 2, 6], {
      scoreThreshold: 0.3,
      iouThreshold: 0.5,
      maxDetections: 5,
    });
    assert.equal(d.length, 1);
    assert.equal(d[0]!.classId, 2);
    assert.deepEqual(d[0]!.box, [10, 20, 20, 40]);
  });

  it('agreement: identical sets agree 1, a missing box halves, a wrong label drops', () => {
    const b = (label: string, x: number) => ({
      label,
      box: [x, 0.1, 0.2, 0.2] as [number, number, number, number],
      source: 'human' as const,
    });
    const r = computeAgreement([
      [
        { annotator: 'a', boxes: [b('person', 0.1), b('car', 0.5)] },
        { annotator: 'b', boxes: [b('person', 0.1), b('car', 0.5)] },
      ],
      [
        { annotator: 'a', boxes: [b('person', 0.1), b('car', 0.5)] },
        { annotator: 'b', boxes: [b('person', 0.1)] },
      ],
      [
        { annotator: 'b', boxes: [b('person', 0.1)] },
        { annotator: 'c', boxes: [b('dog', 0.1)] },
      ],
    ]);
    assert.equal(r.tasks, 3);
    const ab = r.pairs.find((p) => p.a === 'a' && p.b === 'b')!;
    assert.equal(ab.tasks, 2);
    close(ab.mean, (1 + 2 / 3) / 2);
    close(r.pairs.find((p) => p.a === 'b' && p.b === 'c')!.mean, 0);
    close(r.mean!, (1 + 2 / 3 + 0) / 3);
  });
});
