import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ort from 'onnxruntime-node';
import { buildSyntheticYoloModel } from '../../src/model/synthetic-yolo.ts';
import { attr, DataType, GraphBuilder, inspectModel } from '../../src/onnx/index.ts';

describe('ONNX graph builder', () => {
  it('writes a model onnxruntime runs, with a dynamic batch axis and int/float attributes', async () => {
    const g = new GraphBuilder('tiny');
    const x = g.input('x', DataType.FLOAT, ['batch', 2, 3, 3]);
    // depthwise 3x3 conv (group = 2) with all-ones weights = sum of each 3x3 window (SAME padding)
    const w = g.constFloat(new Float32Array(2 * 9).fill(1), [2, 1, 3, 3]);
    const conv = g.node('Conv', [x, w], {
      group: attr.int(2),
      kernel_shape: attr.ints([3, 3]),
      pads: attr.ints([1, 1, 1, 1]),
    });
    const clipped = g.node('Clip', [conv, g.constFloat([0], []), g.constFloat([6], [])]);
    const mean = g.node('ReduceMean', [clipped], { axes: attr.ints([2, 3]), keepdims: attr.int(1) });
    const lrelu = g.node('LeakyRelu', [g.node('Sub', [mean, g.constFloat([5], [])])], {
      alpha: attr.float(0.5),
    });
    g.output(clipped, DataType.FLOAT, ['batch', 2, 3, 3], 'clipped');
    g.output(lrelu, DataType.FLOAT, ['batch', 2, 1, 1], 'pooled');
    const bytes = g.toBytes({ purpose: 'test' });

    const info = inspectModel(bytes);
    assert.deepEqual(info.inputs, [{ name: 'x', elemType: DataType.FLOAT, dims: ['batch', 2, 3, 3] }]);
    assert.deepEqual(
      info.outputs.map((o) => o.name),
      ['clipped', 'pooled'],
    );
    assert.equal(info.metadata.purpose, 'test');

    const session = await ort.InferenceSession.create(bytes);
    try {
      for (const n of [1, 3]) {
        const data = new Float32Array(n * 18);
        for (let i = 0; i < data.length; i++) data[i] = (i % 5) * 0.5;
        const out = await session.run({ x: new ort.Tensor('float32', data, [n, 2, 3, 3]) });
        assert.deepEqual(out.clipped!.dims, [n, 2, 3, 3]);
        assert.deepEqual(out.pooled!.dims, [n, 2, 1, 1]);
        // check against a straightforward JS computation
        const got = out.clipped!.data as Float32Array;
        const pooled = out.pooled!.data as Float32Array;
        for (let b = 0; b < n; b++)
          for (let c = 0; c < 2; c++) {
            let sum = 0;
            for (let y = 0; y < 3; y++)
              for (let xx = 0; xx < 3; xx++) {
                let s = 0;
                for (let dy = -1; dy <= 1; dy++)
                  for (let dx = -1; dx <= 1; dx++) {
                    const yy = y + dy;
                    const x2 = xx + dx;
                    if (yy >= 0 && yy < 3 && x2 >= 0 && x2 < 3) s += data[b * 18 + c * 9 + yy * 3 + x2]!;
                  }
                const v = Math.min(6, Math.max(0, s));
                sum += v;
                assert.ok(Math.abs(got[b * 18 + c * 9 + y * 3 + xx]! - v) < 1e-5);
              }
            const m = sum / 9 - 5;
            assert.ok(Math.abs(pooled[b * 2 + c]! - (m > 0 ? m : 0.5 * m)) < 1e-5);
          }
      }
    } finally {
      await session.release();
    }
  });

  it('rejects duplicate value names and wrong-sized initializers', () => {
    const g = new GraphBuilder('bad');
    g.input('x', DataType.FLOAT, [1]);
    assert.throws(() => g.input('x', DataType.FLOAT, [1]), /duplicate value name x/);
    assert.throws(() => g.initializer('w', new Float32Array(3), [2, 2]), /3 values for dims \[2,2\]/);
  });

  it('inspectModel refuses bytes that are not ONNX', () => {
    assert.throws(
      () => inspectModel(new TextEncoder().encode('definitely not a model')),
      /not an ONNX model/,
    );
  });
});

describe('synthetic YOLO model', () => {
  it('is [N,84,A] and scores the colour of each grid cell', async () => {
    const session = await ort.InferenceSession.create(buildSyntheticYoloModel({ size: 64, cell: 8 }));
    try {
      const n = 2;
      const data = new Float32Array(n * 3 * 64 * 64);
      // image 1: a red 16x16 square covering cells (1,1),(1,2),(2,1),(2,2); image 0 stays black
      for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) data[3 * 4096 + y * 64 + x] = 1;
      const out = (await session.run({ images: new ort.Tensor('float32', data, [n, 3, 64, 64]) })).output0!;
      assert.deepEqual(out.dims, [2, 84, 64]);
      const d = out.data as Float32Array;
      const A = 64;
      const base = 84 * A; // image 1
      const hot = [];
      for (let a = 0; a < A; a++) {
        assert.equal(d[4 * A + a], 0, 'black image has no person score');
        if (d[base + 4 * A + a]! > 0.5) hot.push(a);
      }
      assert.deepEqual(hot, [9, 10, 17, 18]);
      assert.deepEqual(
        [d[base + 9], d[base + A + 9], d[base + 2 * A + 9], d[base + 3 * A + 9]],
        [12, 12, 16, 16],
      );
    } finally {
      await session.release();
    }
  });
});
