import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COCO_LABELS } from '@sentinel/common';
import ort from 'onnxruntime-node';
import { decoderFor, defaultDecodeOptions, type RawOutputs } from '../../src/decode/index.ts';
import { buildSyntheticYoloModel } from '../../src/model/index.ts';

const SIZE = 64;
const CELL = 8;

/** Paint a cell (row, col) of image b with an RGB colour in an NCHW batch. */
function paintCell(data: Float32Array, b: number, row: number, col: number, rgb: [number, number, number]) {
  for (let c = 0; c < 3; c++)
    for (let y = row * CELL; y < (row + 1) * CELL; y++)
      for (let x = col * CELL; x < (col + 1) * CELL; x++) data[((b * 3 + c) * SIZE + y) * SIZE + x] = rgb[c]!;
}

describe('YOLO decoder through onnxruntime', () => {
  let session: ort.InferenceSession;
  let outputs: RawOutputs;
  before(async () => {
    session = await ort.InferenceSession.create(
      buildSyntheticYoloModel({ size: SIZE, cell: CELL, boxSize: 24 }),
    );
    const data = new Float32Array(2 * 3 * SIZE * SIZE);
    // image 0: a "person" (red) over cells rows 1-2, cols 1-2, strongest at (1,1)
    paintCell(data, 0, 1, 1, [1, 0, 0]);
    paintCell(data, 0, 1, 2, [0.8, 0, 0]);
    paintCell(data, 0, 2, 1, [0.7, 0, 0]);
    paintCell(data, 0, 2, 2, [0.6, 0, 0]);
    // a "car" (blue) at rows 5-6, col 5, strongest at (6,5)
    paintCell(data, 0, 5, 5, [0, 0, 0.5]);
    paintCell(data, 0, 6, 5, [0, 0, 0.9]);
    // a faint person at (6,1): score 0.3
    paintCell(data, 0, 6, 1, [0.3, 0, 0]);
    // image 1 stays black
    const res = await session.run({ images: new ort.Tensor('float32', data, [2, 3, SIZE, SIZE]) });
    outputs = Object.fromEntries(
      Object.entries(res).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]),
    );
  });
  after(async () => session?.release());

  const opts = (over = {}) =>
    defaultDecodeOptions(
      { inputWidth: SIZE, inputHeight: SIZE, labels: COCO_LABELS },
      { iouThreshold: 0.25, ...over },
    );

  it('finds one box per object, in input pixels, after class-aware NMS', () => {
    const dec = decoderFor('yolo');
    assert.deepEqual(dec.outputNames, ['output0']);
    const dets = dec.decode(outputs, 0, opts());
    assert.deepEqual(
      dets.map((d) => [d.label, d.classId, Number(d.score.toFixed(3)), d.box]),
      [
        ['person', 0, 1, [0, 0, 24, 24]], // centre (12,12), side 24
        ['car', 2, 0.9, [32, 40, 24, 24]], // centre (44,52)
      ],
    );
    assert.deepEqual(dec.decode(outputs, 1, opts()), [], 'the black image of the batch has no detections');
  });

  it('applies per-class thresholds and maxDetections', () => {
    const dec = decoderFor('yolo');
    const lowPerson = dec.decode(outputs, 0, opts({ perClassThresholds: { person: 0.25 } }));
    assert.equal(lowPerson.filter((d) => d.label === 'person').length, 2, 'faint person kept at 0.25');
    assert.deepEqual(lowPerson.find((d) => Math.abs(d.score - 0.3) < 1e-3)?.box, [0, 40, 24, 24]);
    const noCars = dec.decode(outputs, 0, opts({ perClassThresholds: { car: 0.95 } }));
    assert.deepEqual(
      noCars.map((d) => d.label),
      ['person'],
    );
    assert.equal(dec.decode(outputs, 0, opts({ maxDetections: 1 })).length, 1);
    // without NMS (IoU 1) the person's four cells all survive
    const raw = dec.decode(outputs, 0, opts({ iouThreshold: 1, scoreThreshold: 0.5 }));
    assert.equal(raw.filter((d) => d.label === 'person').length, 4);
  });

  it('accepts a transposed [N,A,4+C] export and any single output name', () => {
    const o = outputs.output0!;
    const [n, ch, a] = o.dims as [number, number, number];
    const t = new Float32Array(o.data.length);
    for (let b = 0; b < n; b++)
      for (let c = 0; c < ch; c++)
        for (let i = 0; i < a; i++) t[(b * a + i) * ch + c] = o.data[(b * ch + c) * a + i]!;
    const dets = decoderFor('yolo').decode({ other: { data: t, dims: [n, a, ch] } }, 0, opts());
    assert.deepEqual(
      dets.map((d) => d.label),
      ['person', 'car'],
    );
  });

  it('explains outputs that do not fit', () => {
    const dec = decoderFor('yolo');
    assert.throws(
      () => dec.decode(outputs, 0, opts({ labels: ['a', 'b'] })),
      /does not have 4 \+ 2 \(labels\) channels/,
    );
    assert.throws(() => dec.decode(outputs, 5, opts()), /batch index 5 out of range/);
    assert.throws(() => dec.decode({}, 0, opts()), /output 'output0' missing/);
    assert.throws(() => decoderFor('ssd' as 'yolo'), /unknown model format 'ssd'/);
  });
});
