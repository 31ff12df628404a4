import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { COCO_LABELS, createLogger, type ModelInfo } from '@sentinel/common';
import { buildSyntheticYoloModel } from '../../src/model/index.ts';
import { loadModel, type RuntimeOptions } from '../../src/runtime/loaded-model.ts';

const logger = createLogger('test', 'silent');

/** A size x size RGB24 picture, black, with a red square. */
function picture(size: number, square?: [number, number, number]): Uint8Array {
  const px = new Uint8Array(size * size * 3);
  if (square) {
    const [x0, y0, s] = square;
    for (let y = y0; y < y0 + s; y++) for (let x = x0; x < x0 + s; x++) px[(y * size + x) * 3] = 255;
  }
  return px;
}

function pack(pictures: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(pictures.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of pictures) {
    out.set(p, o);
    o += p.length;
  }
  return out.buffer;
}

describe('session pool (worker threads, real onnxruntime)', () => {
  let dir: string;
  let opts: RuntimeOptions;
  const info = (over: Partial<ModelInfo> = {}): ModelInfo => ({
    id: 'synthetic',
    file: 'synthetic-64.onnx',
    format: 'yolo',
    inputWidth: 64,
    inputHeight: 64,
    labels: [...COCO_LABELS],
    provider: 'cpu',
    active: false,
    ...over,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inference-runtime-'));
    await writeFile(join(dir, 'synthetic-64.onnx'), buildSyntheticYoloModel({ size: 64, cell: 8 }));
    await writeFile(join(dir, 'synthetic-512.onnx'), buildSyntheticYoloModel({ size: 512, cell: 8 }));
    await writeFile(join(dir, 'corrupt.onnx'), Buffer.from('this is not a protobuf model at all'));
    opts = { workers: 1, intraOpThreads: 1, interOpThreads: 1, provider: 'auto', modelsDir: dir };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('detects in a batch, in worker threads, each image decoded apart', async () => {
    const m = await loadModel(info(), { ...opts, workers: 2 }, logger);
    try {
      assert.equal(m.pool.size, 2);
      assert.equal(m.provider, 'cpu');
      const images = [picture(64, [8, 8, 16]), picture(64), picture(64, [40, 24, 16])];
      const r = await m.pool.detect(pack(images), 3, [
        m.decodeOptions(),
        m.decodeOptions(),
        m.decodeOptions(),
      ]);
      assert.equal(r.detections.length, 3);
      assert.equal(r.detections[1]!.length, 0, 'nothing in a black picture');
      for (const [i, [x, y]] of [
        [0, [8, 8]],
        [2, [40, 24]],
      ] as const) {
        const dets = r.detections[i]!;
        assert.ok(dets.length >= 1, `image ${i}`);
        assert.ok(dets.every((d) => d.label === 'person' && d.score > 0.9));
        const best = dets[0]!;
        assert.ok(
          Math.abs(best.box[0] - x) <= 8 && Math.abs(best.box[1] - y) <= 8,
          `box ${best.box} near ${x},${y}`,
        );
      }
      assert.ok(r.timings.runMs >= 0 && r.timings.prepMs >= 0);
    } finally {
      await m.pool.close();
    }
  });

  it('keeps the event loop free while sessions run', async () => {
    const m = await loadModel(
      info({ file: 'synthetic-512.onnx', inputWidth: 512, inputHeight: 512 }),
      opts,
      logger,
    );
    try {
      const images = Array.from({ length: 8 }, () => picture(512, [100, 100, 64]));
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      const t0 = performance.now();
      let workerMs = 0;
      for (let i = 0; i < 4; i++) {
        const r = await m.pool.detect(
          pack(images),
          8,
          images.map(() => m.decodeOptions()),
        );
        workerMs += r.timings.prepMs + r.timings.runMs + r.timings.decodeMs;
      }
      const wall = performance.now() - t0;
      h.disable();
      const maxLagMs = h.max / 1e6;
      assert.ok(workerMs > 40, `the worker did real work (${workerMs.toFixed(0)} ms)`);
      assert.ok(
        maxLagMs < Math.max(40, workerMs / 4),
        `event loop lag ${maxLagMs.toFixed(1)} ms while workers ran ${workerMs.toFixed(0)} ms (wall ${wall.toFixed(0)} ms)`,
      );
    } finally {
      await m.pool.close();
    }
  });

  it('returns raw outputs and rejects a batch of the wrong size with a clear error, then goes on', async () => {
    const m = await loadModel(info(), opts, logger);
    try {
      const raw = await m.pool.runRaw(pack([picture(64)]), 1);
      assert.deepEqual(raw.outputs.output0!.dims, [1, 84, 64]);
      await assert.rejects(m.pool.detect(new ArrayBuffer(100), 1, [m.decodeOptions()]), /expected 1 x 12288/);
      const ok = await m.pool.detect(pack([picture(64, [0, 0, 16])]), 1, [m.decodeOptions()]);
      assert.ok(ok.detections[0]!.length >= 1);
    } finally {
      await m.pool.close();
    }
  });

  it('replaces a session worker that dies; the request it held fails clearly, the next ones run', async () => {
    const m = await loadModel(info(), opts, logger);
    try {
      const worker = (m.pool as unknown as { slots: Array<{ worker: import('node:worker_threads').Worker }> })
        .slots[0]!.worker;
      // Keep the worker busy so that a request is surely in flight when it dies (one alone may finish first).
      const inflight = Array.from({ length: 50 }, () =>
        m.pool.detect(pack([picture(64)]), 1, [m.decodeOptions()]),
      );
      await worker.terminate();
      const settled = await Promise.all(
        inflight.map((p) =>
          p.then(
            () => 'ok',
            (e: Error) => e.message,
          ),
        ),
      );
      const failed = settled.filter((r) => r !== 'ok');
      assert.ok(failed.length >= 1, 'the request the dead worker held fails');
      for (const msg of failed) assert.match(msg, /session worker exited/);
      const r = await m.pool.detect(pack([picture(64, [8, 8, 16])]), 1, [m.decodeOptions()]);
      assert.ok(r.detections[0]!.length >= 1, 'a new worker took over');
      assert.equal(m.pool.size, 1);
    } finally {
      await m.pool.close();
    }
  });

  it('uses cuda when asked and loadable, else cpu with the reason', async () => {
    const m = await loadModel(info({ provider: 'cuda' }), opts, logger);
    try {
      if (m.provider === 'cpu')
        assert.match(m.pool.ready.fallbackReason ?? '', /CUDA execution provider not loadable/);
      else assert.equal(m.pool.ready.fallbackReason, undefined);
      const r = await m.pool.detect(pack([picture(64, [8, 8, 16])]), 1, [m.decodeOptions()]);
      assert.ok(r.detections[0]!.length >= 1);
    } finally {
      await m.pool.close();
    }
  });

  it('fails clearly for a missing, corrupt or wrong-shaped model file', async () => {
    await assert.rejects(
      loadModel(info({ file: 'nope.onnx' }), opts, logger),
      /model 'synthetic': file .*nope\.onnx does not exist/,
    );
    await assert.rejects(
      loadModel(info({ file: 'corrupt.onnx' }), opts, logger),
      /model 'synthetic': cannot load model .*corrupt\.onnx/,
    );
    // A YOLO file registered as CenterNet: no such input/outputs.
    await assert.rejects(
      loadModel(info({ format: 'centernet' }), opts, logger),
      /model 'synthetic': model .* does not fit its registry entry: model has no input 'tower_0\/images'/,
    );
    // Labels that do not match the output's classes: caught by the warm-up decode.
    await assert.rejects(
      loadModel(info({ labels: ['person', 'car'] }), opts, logger),
      /does not fit its registry entry: YOLO decoder: output \[1,84,64\]/,
    );
    // Input size that does not match the file.
    await assert.rejects(
      loadModel(info({ inputWidth: 96, inputHeight: 96 }), opts, logger),
      /does not fit its registry entry/,
    );
  });
});
