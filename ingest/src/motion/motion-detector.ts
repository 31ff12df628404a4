import type { NormBox } from '@sentinel/common';
import { connectedBoxes } from './components.ts';
import { rasterizeMask } from './mask.ts';

/** Where the picture lies inside the letterboxed RGB frame (model pixels). */
export type ContentRect = { x: number; y: number; width: number; height: number };

export type MotionOptions = {
  /** Per-pixel difference (0-255) above which a pixel counts as changed. */
  threshold: number;
  /** Smallest box as a fraction of the (downscaled) picture area. */
  minArea: number;
  /** Polygons (normalised picture coordinates) where motion is ignored. */
  masks: Array<Array<readonly [number, number]>>;
  /** Height of the grey image motion runs on (Frigate uses ~100 px). */
  height?: number;
  /** Weight of the current frame in the running-average background. */
  alpha?: number;
  /** Fraction of changed pixels treated as a global change (lights, exposure): recalibrate. */
  recalibrateRatio?: number;
};

export type MotionResult = {
  boxes: NormBox[];
  /** Changed pixels / unmasked pixels, 0..1. */
  ratio: number;
  /** True when this frame reset the background (first frame, size change, global change). */
  calibrated: boolean;
};

const MAX_BOXES = 64;
const WARMUP_FRAMES = 3;

/**
 * Motion detection in the Frigate manner on a downscaled grey picture: area-average downscale,
 * 3x3 blur, running-average background, absolute difference, threshold, mask, dilate, connected
 * components to boxes. A sudden global change (most pixels changed) recalibrates the background
 * instead of reporting motion everywhere.
 */
export class MotionDetector {
  private background: Float32Array | undefined;
  private mask: Uint8Array | undefined;
  private gw = 0;
  private gh = 0;
  private maskKey = '';
  /** Frames left in which the background is re-learned quickly (after a start or a global change). */
  private warmup = 0;

  constructor(private opts: MotionOptions) {}

  /** Change threshold, area or masks without losing the learned background. */
  update(opts: MotionOptions): void {
    this.opts = opts;
  }

  reset(): void {
    this.background = undefined;
  }

  /** Analyse one RGB24 frame of frameWidth x frameHeight whose picture lies in `content`. */
  detect(rgb: Uint8Array, frameWidth: number, content: ContentRect): MotionResult {
    const targetH = Math.min(this.opts.height ?? 96, content.height);
    const gh = Math.max(8, Math.round(targetH));
    const gw = Math.max(8, Math.round((content.width * gh) / content.height));
    const grey = blur3(downscaleGrey(rgb, frameWidth, content, gw, gh), gw, gh);
    const key = JSON.stringify(this.opts.masks);
    if (!this.mask || gw !== this.gw || gh !== this.gh || key !== this.maskKey) {
      this.mask = rasterizeMask(this.opts.masks, gw, gh);
      this.maskKey = key;
    }
    if (!this.background || gw !== this.gw || gh !== this.gh) {
      this.gw = gw;
      this.gh = gh;
      this.background = Float32Array.from(grey);
      this.warmup = WARMUP_FRAMES;
      return { boxes: [], ratio: 0, calibrated: true };
    }
    if (this.warmup > 0) {
      // The first decoded frames of a stream are often incomplete (joined mid-GOP): learn fast, report nothing.
      this.warmup--;
      const bg = this.background;
      for (let i = 0; i < grey.length; i++) bg[i] = bg[i]! + 0.5 * (grey[i]! - bg[i]!);
      return { boxes: [], ratio: 0, calibrated: true };
    }
    const bg = this.background;
    const mask = this.mask;
    const alpha = this.opts.alpha ?? 0.05;
    const binary = new Uint8Array(gw * gh);
    let changed = 0;
    let unmasked = 0;
    for (let i = 0; i < grey.length; i++) {
      const v = grey[i]!;
      const b = bg[i]!;
      if (!mask[i]) {
        unmasked++;
        if (Math.abs(v - b) > this.opts.threshold) {
          binary[i] = 1;
          changed++;
        }
      }
      bg[i] = b + alpha * (v - b);
    }
    const ratio = unmasked ? changed / unmasked : 0;
    if (ratio > (this.opts.recalibrateRatio ?? 0.6)) {
      this.background = Float32Array.from(grey);
      this.warmup = WARMUP_FRAMES;
      return { boxes: [], ratio: 0, calibrated: true };
    }
    if (changed === 0) return { boxes: [], ratio: 0, calibrated: false };
    const dilated = dilate3(binary, gw, gh);
    const minPixels = Math.max(1, this.opts.minArea * gw * gh);
    const boxes = connectedBoxes(dilated, gw, gh)
      .filter((b) => b.pixels >= minPixels)
      .sort((a, b) => b.pixels - a.pixels)
      .slice(0, MAX_BOXES)
      .map((b): NormBox => {
        const x = clamp01(b.x0 / gw);
        const y = clamp01(b.y0 / gh);
        return [x, y, Math.min(1 - x, (b.x1 + 1 - b.x0) / gw), Math.min(1 - y, (b.y1 + 1 - b.y0) / gh)];
      });
    return { boxes, ratio, calibrated: false };
  }
}

const clamp01 = (v: number) => (v < 0 ? 0 : Math.min(v, 1));

/** Area-average the picture region of an RGB24 frame into a gw x gh luma image. */
export function downscaleGrey(
  rgb: Uint8Array,
  frameWidth: number,
  c: ContentRect,
  gw: number,
  gh: number,
): Float32Array {
  const out = new Float32Array(gw * gh);
  const sx = c.width / gw;
  const sy = c.height / gh;
  // Sample a fixed grid of up to 3x3 points per cell: cheap and close to an area average.
  const stepX = Math.max(1, Math.floor(sx / 3));
  const stepY = Math.max(1, Math.floor(sy / 3));
  for (let gy = 0; gy < gh; gy++) {
    const y0 = c.y + Math.floor(gy * sy);
    const y1 = Math.max(y0 + 1, c.y + Math.floor((gy + 1) * sy));
    for (let gx = 0; gx < gw; gx++) {
      const x0 = c.x + Math.floor(gx * sx);
      const x1 = Math.max(x0 + 1, c.x + Math.floor((gx + 1) * sx));
      let sum = 0;
      let n = 0;
      for (let y = y0; y < y1; y += stepY) {
        let p = (y * frameWidth + x0) * 3;
        for (let x = x0; x < x1; x += stepX, p += 3 * stepX) {
          sum += 0.299 * rgb[p]! + 0.587 * rgb[p + 1]! + 0.114 * rgb[p + 2]!;
          n++;
        }
      }
      out[gy * gw + gx] = n ? sum / n : 0;
    }
  }
  return out;
}

/** 3x3 binomial blur (1 2 1 / 2 4 2 / 1 2 1) with clamped edges. */
export function blur3(src: Float32Array, w: number, h: number): Float32Array {
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const r = y * w;
    for (let x = 0; x < w; x++) {
      const l = src[r + Math.max(0, x - 1)]!;
      const m = src[r + x]!;
      const rr = src[r + Math.min(w - 1, x + 1)]!;
      tmp[r + x] = (l + 2 * m + rr) / 4;
    }
  }
  for (let y = 0; y < h; y++) {
    const up = Math.max(0, y - 1) * w;
    const mid = y * w;
    const dn = Math.min(h - 1, y + 1) * w;
    for (let x = 0; x < w; x++) out[mid + x] = (tmp[up + x]! + 2 * tmp[mid + x]! + tmp[dn + x]!) / 4;
  }
  return out;
}

/** 3x3 binary dilation. */
export function dilate3(src: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!src[y * w + x]) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w) out[yy * w + xx] = 1;
        }
      }
    }
  }
  return out;
}
