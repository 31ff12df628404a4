import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COCO_LABELS } from '@sentinel/common';
import ort from 'onnxruntime-node';
import {
  CENTERNET_OUTPUTS,
  decoderFor,
  defaultDecodeOptions,
  type RawOutputs,
} from '../../src/decode/index.ts';
import {
  centernetSource,
  convertTfGraph,
  defaultModelInfo,
  ImageDetector,
  inputSpecFor,
  loadLetterboxed,
  readTfjsGraph,
  toInputTensor,
} from '../../src/model/index.ts';
import { sha256Bytes } from '../../src/model/manifest.ts';
import { loadTfjsReference, runTfjsReference } from '../../src/model/tfjs-reference.ts';

const HUMAN_ASSETS = join(centernetSource().json, '../../assets');
const SAMPLES = join(HUMAN_ASSETS, 'samples.jpg');
const FACEDETECT = join(HUMAN_ASSETS, 'screenshot-facedetect.jpg');
const VTEST = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
const HEADS = [CENTERNET_OUTPUTS.heatmap, CENTERNET_OUTPUTS.sizes];

const toRaw = (res: ort.InferenceSession.ReturnType): RawOutputs =>
  Object.fromEntries(
    Object.entries(res).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]),
  );

describe('TF.js CenterNet → ONNX converter', () => {
  let bytes: Uint8Array;
  let session: ort.InferenceSession;
  let ops: Record<string, number>;
  before(async () => {
    const graph = await readTfjsGraph(centernetSource().json);
    const res = convertTfGraph(graph, { outputs: HEADS });
    bytes = res.bytes;
    ops = res.ops;
    assert.deepEqual(res.inputShape, ['batch', 512, 512, 3]);
    assert.deepEqual(res.outputs, [
      { name: 'tower_0/keypoints', shape: ['batch', 128, 128, 80] },
      { name: 'tower_0/wh', shape: ['batch', 128, 128, 4] },
    ]);
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  });
  after(async () => session?.release());

  it('maps every op kind of the graph and is deterministic', async () => {
    for (const op of [
      '_FusedConv2D',
      'FusedDepthwiseConv2dNative',
      'DepthwiseConv2dNative',
      'Conv2D',
      'Relu6',
      'Mean',
      'ResizeBilinear',
      'ConcatV2',
      'Sigmoid',
      'Mul',
      'Add',
    ])
      assert.ok((ops[op] ?? 0) > 0, `${op} converted`);
    const again = convertTfGraph(await readTfjsGraph(centernetSource().json), { outputs: HEADS });
    assert.equal(sha256Bytes(again.bytes), sha256Bytes(bytes));
  });

  it('matches the TF.js reference (CPU backend) within 1e-3 on a real photo, and its decoded head', async () => {
    const spec = inputSpecFor(defaultModelInfo());
    const img = await loadLetterboxed(SAMPLES, 512, 512);
    const x = toInputTensor([img.rgb], spec);
    // a batch of two (the photo twice) also checks the dynamic batch axis
    const both = toInputTensor([img.rgb, img.rgb], spec);
    const onnx = toRaw(
      await session.run({ [spec.inputName]: new ort.Tensor('float32', both.data, both.dims) }),
    );
    const ref = await runTfjsReference(await loadTfjsReference(centernetSource().json), x.data, x.dims, [
      ...HEADS,
      'tower_0/detections',
    ]);
    for (const name of HEADS) {
      const a = onnx[name]!;
      const b = ref[name]!;
      assert.deepEqual(a.dims.slice(1), b.dims.slice(1));
      assert.equal(a.dims[0], 2);
      const n = b.data.length;
      let maxAbs = 0;
      let maxRel = 0;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(a.data[i]! - b.data[i]!);
        maxAbs = Math.max(maxAbs, d);
        maxRel = Math.max(maxRel, d / Math.max(1, Math.abs(b.data[i]!)));
        // second batch element equals the first
        assert.ok(Math.abs(a.data[n + i]! - a.data[i]!) < 1e-5, `${name}[1] differs from [0] at ${i}`);
      }
      // scores (0..1) absolute; box distances (input pixels, up to hundreds) relative to their size
      if (name === CENTERNET_OUTPUTS.heatmap) assert.ok(maxAbs < 1e-3, `${name} max abs diff ${maxAbs}`);
      else assert.ok(maxRel < 1e-3, `${name} max diff ${maxAbs} (relative ${maxRel})`);
    }

    // our TypeScript decoding of the ONNX heads reproduces the graph's own decoded head tower_0/detections
    const dets = decoderFor('centernet').decode(
      onnx,
      0,
      defaultDecodeOptions(defaultModelInfo(), { scoreThreshold: 0.3, iouThreshold: 1 }),
    );
    const tfDets = [];
    const d = ref['tower_0/detections']!.data;
    for (let i = 0; i < 100; i++)
      if (d[i * 6 + 4]! >= 0.3) tfDets.push(Array.from(d.slice(i * 6, i * 6 + 6)));
    assert.ok(tfDets.length >= 3, 'the photo has confident detections');
    assert.equal(dets.length, tfDets.length);
    for (const [x1, y1, x2, y2, score, cls] of tfDets) {
      const clip = (v: number) => Math.min(512, Math.max(0, v));
      const m = dets.find(
        (k) =>
          k.classId === cls &&
          Math.abs(k.score - score!) < 1e-3 &&
          Math.abs(k.box[0] - clip(x1!)) < 0.05 &&
          Math.abs(k.box[1] - clip(y1!)) < 0.05 &&
          Math.abs(k.box[0] + k.box[2] - clip(x2!)) < 0.05 &&
          Math.abs(k.box[1] + k.box[3] - clip(y2!)) < 0.05,
      );
      assert.ok(m, `TF detection ${[x1, y1, x2, y2, score, cls].map((v) => v!.toFixed(2))} decoded`);
    }
  });
});

describe('default detector on real pictures', () => {
  let detector: ImageDetector;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'centernet-'));
    const file = join(dir, 'model.onnx');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      convertTfGraph(await readTfjsGraph(centernetSource().json), { outputs: HEADS }).bytes,
    );
    detector = await ImageDetector.open(file, { format: 'centernet', labels: [...COCO_LABELS] });
  });
  after(async () => {
    await detector?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const people = (dets: Awaited<ReturnType<ImageDetector['detectFile']>>['detections']) =>
    dets.filter((d) => d.label === 'person');

  it("finds people in the package's photos", async () => {
    const samples = await detector.detectFile(SAMPLES);
    assert.deepEqual(samples.source, { width: 1280, height: 1158 });
    assert.ok(people(samples.detections).length >= 3, JSON.stringify(samples.detections));
    const faces = await detector.detectFile(FACEDETECT);
    // a row of five portraits
    const row = people(faces.detections).filter((d) => d.score >= 0.5);
    assert.ok(row.length >= 5, JSON.stringify(faces.detections));
    for (const d of row) {
      assert.ok(d.box[0] >= 0 && d.box[1] >= 0, 'boxes inside the image');
      assert.ok(
        d.box[0] + d.box[2] <= faces.source.width + 0.01 && d.box[1] + d.box[3] <= faces.source.height + 0.01,
      );
    }
  });

  it('finds the four walkers in a frame of the demo footage (vtest.avi)', async () => {
    const frame = join(dir, 'vtest.png');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '2', '-i', VTEST, '-frames:v', '1', frame]);
    const res = await detector.detectFile(frame);
    assert.deepEqual(res.source, { width: 768, height: 576 });
    const ps = people(res.detections);
    // a point on each walker's body, in image pixels
    for (const [x, y] of [
      [378, 235],
      [458, 270],
      [705, 315],
      [741, 315],
    ] as const) {
      const hit = ps.find(
        (d) => x >= d.box[0] && x <= d.box[0] + d.box[2] && y >= d.box[1] && y <= d.box[1] + d.box[3],
      );
      assert.ok(hit, `a person box covers (${x},${y}): ${JSON.stringify(ps)}`);
    }
    // no person boxes on the empty lawn in the lower half
    assert.ok(
      ps.every((d) => d.box[1] < 400),
      JSON.stringify(ps),
    );
  });
});
