import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COCO_LABELS } from '@sentinel/common';
import {
  buildSyntheticYoloModel,
  centernetSource,
  convertTfGraph,
  ModelFileError,
  readTfjsGraph,
  validateModelFile,
} from '../../src/model/index.ts';
import { attr, DataType, GraphBuilder } from '../../src/onnx/index.ts';

describe('validateModelFile', () => {
  let dir: string;
  let centernet: Uint8Array;
  const write = (name: string, bytes: Uint8Array | string) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'validate-'));
    centernet = convertTfGraph(await readTfjsGraph(centernetSource().json), {
      outputs: ['tower_0/keypoints', 'tower_0/wh'],
    }).bytes;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the converted CenterNet and a YOLO export, returning what the runtime needs', async () => {
    const c = await validateModelFile(write('c.onnx', centernet), 'centernet', { labels: COCO_LABELS });
    assert.deepEqual(
      { w: c.inputWidth, h: c.inputHeight, classes: c.classes, outputs: c.outputNames, dyn: c.dynamicBatch },
      { w: 512, h: 512, classes: 80, outputs: ['tower_0/keypoints', 'tower_0/wh'], dyn: true },
    );
    assert.equal(c.inputSpec.layout, 'nhwc');
    assert.equal(c.inputSpec.inputName, 'tower_0/images');
    const y = await validateModelFile(write('y.onnx', buildSyntheticYoloModel()), 'yolo');
    assert.deepEqual(
      {
        w: y.inputWidth,
        classes: y.classes,
        outputs: y.outputNames,
        layout: y.inputSpec.layout,
        name: y.inputSpec.inputName,
      },
      { w: 64, classes: 80, outputs: ['output0'], layout: 'nchw', name: 'images' },
    );
    assert.ok(Math.abs(y.inputSpec.scale - 1 / 255) < 1e-12);
  });

  it('rejects corrupt, truncated, empty and missing files with the reason', async () => {
    const reject = async (p: string, format: 'centernet' | 'yolo', re: RegExp) => {
      await assert.rejects(validateModelFile(p, format), (err: unknown) => {
        assert.ok(err instanceof ModelFileError, String(err));
        assert.match(err.message, re);
        assert.ok(err.message.includes(p), 'names the file');
        return true;
      });
    };
    await reject(write('garbage.onnx', 'this is not a model, just text'), 'centernet', /not an ONNX model/);
    await reject(write('truncated.onnx', centernet.subarray(0, 1_000_000)), 'centernet', /not an ONNX model/);
    await reject(write('empty.onnx', new Uint8Array()), 'yolo', /is empty/);
    await reject(join(dir, 'missing.onnx'), 'yolo', /cannot be read \(ENOENT\)/);
  });

  it('rejects a model of the wrong shape or with the wrong outputs for its format', async () => {
    const yolo = write('yolo.onnx', buildSyntheticYoloModel());
    await assert.rejects(validateModelFile(yolo, 'centernet'), /centernet input must be NHWC \[N,H,W,3\]/);
    await assert.rejects(validateModelFile(write('cn.onnx', centernet), 'yolo'), /yolo input must be NCHW/);
    await assert.rejects(
      validateModelFile(yolo, 'yolo', { labels: ['a', 'b', 'c'] }),
      /output0 \[batch,84,64\] does not have 4 \+ 3 channels/,
    );
    // NHWC input but outputs named differently
    const g = new GraphBuilder('wrong-outputs');
    const x = g.input('images', DataType.FLOAT, ['batch', 32, 32, 3]);
    g.output(
      g.node('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) }),
      DataType.FLOAT,
      ['batch', 3, 32, 32],
      'out',
    );
    await assert.rejects(
      validateModelFile(write('wrong.onnx', g.toBytes()), 'centernet'),
      /needs outputs tower_0\/keypoints and tower_0\/wh; it has out \[batch,3,32,32\]/,
    );
  });

  it('rejects a well-formed file onnxruntime cannot load', async () => {
    // declared shapes are fine but the graph uses an op that does not exist
    const g = new GraphBuilder('bad-op');
    const x = g.input('images', DataType.FLOAT, ['batch', 3, 64, 64]);
    g.output(g.node('NoSuchOperator', [x]), DataType.FLOAT, ['batch', 84, 64], 'output0');
    await assert.rejects(
      validateModelFile(write('badop.onnx', g.toBytes()), 'yolo'),
      /onnxruntime cannot load it/,
    );
    // the same check passes when loading is skipped (shape-only validation)
    const v = await validateModelFile(join(dir, 'badop.onnx'), 'yolo', { load: false });
    assert.equal(v.classes, 80);
    assert.ok(readFileSync(join(dir, 'badop.onnx')).length > 0);
  });
});
