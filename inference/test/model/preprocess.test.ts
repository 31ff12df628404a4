import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { fillInputTensor, inputSpecFor, loadLetterboxed, toInputTensor } from '../../src/model/index.ts';

describe('input preprocessing', () => {
  const rgb = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]); // 2x2 pixels

  it('centernet: NHWC raw pixel values', () => {
    const spec = inputSpecFor({ format: 'centernet', inputWidth: 2, inputHeight: 2 });
    const t = toInputTensor([rgb, rgb], spec);
    assert.deepEqual(t.dims, [2, 2, 2, 3]);
    assert.deepEqual(Array.from(t.data.subarray(12)), Array.from(rgb));
  });

  it('yolo: NCHW planes scaled to 0..1, with optional mean/std', () => {
    const spec = inputSpecFor({ format: 'yolo', inputWidth: 2, inputHeight: 2 });
    const t = toInputTensor([rgb], spec);
    assert.deepEqual(t.dims, [1, 3, 2, 2]);
    const expect = [10, 40, 70, 100, 20, 50, 80, 110, 30, 60, 90, 120].map((v) => v / 255);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(t.data[i]! - expect[i]!) < 1e-6);
    const norm = { ...spec, mean: [0.5, 0.5, 0.5] as const, std: [0.25, 0.25, 0.25] as const };
    const n = new Float32Array(12);
    fillInputTensor(n, 0, rgb, norm);
    assert.ok(Math.abs(n[0]! - (10 / 255 - 0.5) / 0.25) < 1e-6);
  });

  it('refuses a frame of the wrong size or a batch slot outside the buffer', () => {
    const spec = inputSpecFor({ format: 'yolo', inputWidth: 2, inputHeight: 2 });
    assert.throws(
      () => fillInputTensor(new Float32Array(12), 0, rgb.subarray(0, 9), spec),
      /9 bytes, expected 12 \(2x2 RGB24\)/,
    );
    assert.throws(() => fillInputTensor(new Float32Array(12), 1, rgb, spec), /batch index 1 does not fit/);
  });

  it('letterboxes an image file into the model size, centred with black bars', async () => {
    const png = await sharp({
      create: { width: 200, height: 100, channels: 3, background: { r: 200, g: 100, b: 50 } },
    })
      .png()
      .toBuffer();
    const img = await loadLetterboxed(png, 64, 64);
    assert.deepEqual(img.source, { width: 200, height: 100 });
    assert.deepEqual(img.letterbox, { scale: 0.32, padX: 0, padY: 16 });
    const px = (x: number, y: number) => Array.from(img.rgb.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
    assert.deepEqual(px(10, 5), [0, 0, 0], 'top bar');
    assert.deepEqual(px(10, 60), [0, 0, 0], 'bottom bar');
    assert.deepEqual(px(32, 32), [200, 100, 50], 'picture');
    await assert.rejects(loadLetterboxed(Buffer.from('nope'), 64, 64));
  });
});
