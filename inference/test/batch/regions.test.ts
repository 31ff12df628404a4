import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FrameMeta } from '@sentinel/common';
import {
  frameToSourceNorm,
  modelToFrame,
  type PixelBox,
  regionTransform,
  sourceNormToFrame,
} from '../../src/batch/geometry.ts';
import { computeRegions, regionInput } from '../../src/batch/regions.ts';

const close = (a: readonly number[], b: readonly number[], eps = 1e-6) =>
  assert.ok(
    a.every((v, i) => Math.abs(v - b[i]!) <= eps),
    `${a.map((v) => v.toFixed(4))} != ${b.map((v) => v.toFixed(4))}`,
  );

// 1280x720 camera letterboxed into 512x512: scale 0.4, 512x288 picture, 112 px bars top and bottom.
const meta512 = {
  width: 512,
  height: 512,
  source: { width: 1280, height: 720 },
  letterbox: { scale: 0.4, padX: 0, padY: 112 },
  motion: { boxes: [] as FrameMeta['motion']['boxes'], ratio: 0 },
};

describe('box mapping', () => {
  it('maps model pixels of a full letterboxed frame to normalised source coordinates', () => {
    const t = regionTransform([0, 0, 512, 512], 512, 512);
    // A person at source pixels (640,360) 128x256 -> frame (256, 256) 51.2x102.4
    const inFrame: PixelBox = [256, 112 + 144, 51.2, 102.4];
    const norm = frameToSourceNorm(modelToFrame(inFrame, t), meta512)!;
    close(norm, [0.5, 0.5, 0.1, 256 / 720]);
    close(sourceNormToFrame(norm, meta512), inFrame, 1e-9);
  });

  it('undoes a region letterbox (region smaller than the model is scaled up and centred)', () => {
    // A 200x100 region of the frame scaled to 320x320: scale 1.6, 320x160 content, 80 px bars.
    const t = regionTransform([100, 50, 200, 100], 320, 320);
    assert.equal(t.scaleX, 1.6);
    assert.equal(t.padY, 80);
    close(modelToFrame([0, 80, 320, 160], t), [100, 50, 200, 100]);
    close(modelToFrame([16, 96, 32, 16], t), [110, 60, 20, 10]);
  });

  it('clips to the picture and drops boxes lying in the letterbox bars', () => {
    assert.equal(frameToSourceNorm([10, 0, 50, 100], meta512), undefined);
    close(frameToSourceNorm([-20, 100, 100, 50], meta512)!, [0, 0, 80 / 0.4 / 1280, 38 / 0.4 / 720]);
  });
});

describe('motion regions', () => {
  const big = {
    width: 1280,
    height: 720,
    source: { width: 1280, height: 720 },
    letterbox: { scale: 1, padX: 0, padY: 0 },
  };

  it('uses the full frame in full mode, without motion, or when the frame is model-sized', () => {
    const motion = { boxes: [[0.1, 0.1, 0.05, 0.05]] as FrameMeta['motion']['boxes'], ratio: 0.01 };
    assert.deepEqual(
      computeRegions({ ...big, motion }, 320, 320, { mode: 'full', maxRegions: 4, margin: 1.25 }),
      [[0, 0, 1280, 720]],
    );
    assert.deepEqual(
      computeRegions({ ...big, motion: { boxes: [], ratio: 0 } }, 320, 320, {
        mode: 'motion',
        maxRegions: 4,
        margin: 1.25,
      }),
      [[0, 0, 1280, 720]],
    );
    assert.deepEqual(
      computeRegions({ ...meta512, motion }, 512, 512, { mode: 'motion', maxRegions: 4, margin: 1.25 }),
      [[0, 0, 512, 512]],
    );
  });

  it('puts model-sized regions around small motion, inside the frame, merging covered boxes', () => {
    const boxes: FrameMeta['motion']['boxes'] = [
      [0.01, 0.02, 0.05, 0.05], // top-left corner: region pushed inside the frame
      [0.02, 0.03, 0.02, 0.02], // inside the first region: no new region
      [0.7, 0.6, 0.1, 0.2], // bottom right
    ];
    const regions = computeRegions({ ...big, motion: { boxes, ratio: 0.05 } }, 320, 320, {
      mode: 'motion',
      maxRegions: 4,
      margin: 1.25,
    });
    assert.equal(regions.length, 2);
    for (const [x, y, w, h] of regions) {
      assert.ok(w >= 320 && h >= 320 && w === h, 'at least model size, model aspect');
      assert.ok(x >= 0 && y >= 0 && x + w <= 1280 && y + h <= 720, 'inside the frame');
    }
    // Every motion box lies inside some region.
    for (const b of boxes) {
      const f = sourceNormToFrame(b, big);
      assert.ok(
        regions.some(
          ([x, y, w, h]) => f[0] >= x && f[1] >= y && f[0] + f[2] <= x + w && f[1] + f[3] <= y + h,
        ),
      );
    }
  });

  it('falls back to the full frame when motion is too large or too scattered', () => {
    const huge = computeRegions({ ...big, motion: { boxes: [[0.1, 0.1, 0.8, 0.8]], ratio: 0.6 } }, 320, 320, {
      mode: 'motion',
      maxRegions: 4,
      margin: 1.25,
    });
    assert.deepEqual(huge, [[0, 0, 1280, 720]]);
    const scattered: FrameMeta['motion']['boxes'] = [];
    for (let i = 0; i < 4; i++) scattered.push([i * 0.25, i % 2 ? 0 : 0.7, 0.02, 0.02]);
    const many = computeRegions({ ...big, motion: { boxes: scattered, ratio: 0.01 } }, 320, 320, {
      mode: 'motion',
      maxRegions: 2,
      margin: 1.25,
    });
    assert.deepEqual(many, [[0, 0, 1280, 720]]);
  });

  it('builds model inputs whose pixels sit where the transform says', async () => {
    // A 640x360 frame, black, with a white 40x40 square at (400, 200).
    const W = 640;
    const H = 360;
    const frame = new Uint8Array(W * H * 3);
    for (let y = 200; y < 240; y++)
      for (let x = 400; x < 440; x++) frame.fill(255, (y * W + x) * 3, (y * W + x) * 3 + 3);
    const whiteBox = (pix: Uint8Array, w: number, h: number) => {
      let x0 = w;
      let y0 = h;
      let x1 = -1;
      let y1 = -1;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          if (pix[(y * w + x) * 3]! > 127) {
            x0 = Math.min(x0, x);
            y0 = Math.min(y0, y);
            x1 = Math.max(x1, x);
            y1 = Math.max(y1, y);
          }
      return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
    };
    // Crop at model size: a copy, no scaling.
    const crop = await regionInput(frame, W, H, [300, 100, 200, 200], 200, 200);
    assert.deepEqual(whiteBox(crop.pixels, 200, 200), [100, 100, 40, 40]);
    close(modelToFrame([100, 100, 40, 40], crop.transform), [400, 200, 40, 40]);
    // Full frame resized and letterboxed into 320x320 (scale 0.5, 90 px bars).
    const full = await regionInput(frame, W, H, [0, 0, W, H], 320, 320);
    assert.equal(full.pixels.length, 320 * 320 * 3);
    const found = whiteBox(full.pixels, 320, 320);
    close(modelToFrame(found as PixelBox, full.transform), [400, 200, 40, 40], 2.5);
    // Model-sized full frame passes through without a copy.
    const same = await regionInput(frame, W, H, [0, 0, W, H], W, H);
    assert.equal(same.pixels, frame);
  });
});
