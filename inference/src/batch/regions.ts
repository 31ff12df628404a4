/**
 * Detection regions, Frigate style: instead of the full frame, detect on rectangles around the motion
 * boxes, each at least the model's input size (so small objects keep their pixels), in the model's
 * aspect ratio, inside the frame. Falls back to the full frame when there is no motion (keep-alive
 * frames), when regions would cover more than the frame, or when there would be too many of them.
 */
import type { FrameMeta } from '@sentinel/common';
import sharp from 'sharp';
import { type PixelBox, type RegionTransform, regionTransform, sourceNormToFrame } from './geometry.ts';

export type RegionMode = 'full' | 'motion';

export type RegionOptions = {
  mode: RegionMode;
  /** Above this many regions, detect on the full frame instead. */
  maxRegions: number;
  /** Region side = max(model side, motion box side * margin). */
  margin: number;
};

export const defaultRegionOptions: RegionOptions = { mode: 'full', maxRegions: 4, margin: 1.25 };

type FrameGeometry = Pick<FrameMeta, 'width' | 'height' | 'source' | 'letterbox' | 'motion'>;

/** Rectangles of the frame (integer pixels) to run the detector on. */
export function computeRegions(
  meta: FrameGeometry,
  inW: number,
  inH: number,
  opts: RegionOptions = defaultRegionOptions,
): PixelBox[] {
  const full: PixelBox[] = [[0, 0, meta.width, meta.height]];
  if (opts.mode === 'full' || meta.motion.boxes.length === 0) return full;
  // A frame no larger than the model input gains nothing from crops.
  if (meta.width <= inW && meta.height <= inH) return full;

  const boxes = meta.motion.boxes
    .map((b) => sourceNormToFrame(b, meta))
    .sort((a, b) => b[2] * b[3] - a[2] * a[3]);
  const regions: PixelBox[] = [];
  for (const b of boxes) {
    if (regions.some((r) => coveredFraction(b, r) >= 0.9)) continue;
    const k = Math.max(1, (b[2] * opts.margin) / inW, (b[3] * opts.margin) / inH);
    let rw = Math.round(inW * k);
    let rh = Math.round(inH * k);
    if (rw >= meta.width || rh >= meta.height) return full;
    rw = Math.min(rw, meta.width);
    rh = Math.min(rh, meta.height);
    const cx = b[0] + b[2] / 2;
    const cy = b[1] + b[3] / 2;
    const x = Math.round(Math.min(Math.max(0, cx - rw / 2), meta.width - rw));
    const y = Math.round(Math.min(Math.max(0, cy - rh / 2), meta.height - rh));
    regions.push([x, y, rw, rh]);
    if (regions.length > opts.maxRegions) return full;
  }
  const area = regions.reduce((s, r) => s + r[2] * r[3], 0);
  if (regions.length === 0 || area >= meta.width * meta.height) return full;
  return regions;
}

/** Share of box a's area that lies inside box b. */
function coveredFraction(a: PixelBox, b: PixelBox): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const area = a[2] * a[3];
  return area > 0 ? (ix * iy) / area : 1;
}

export type RegionInput = { pixels: Uint8Array; transform: RegionTransform };

/**
 * RGB24 pixels of one region at exactly `inW x inH` (letterboxed like `regionTransform` says), from
 * the frame's RGB24 payload. The full frame at model size is passed through without a copy; a crop at
 * model size is copied row by row; anything else is resized with sharp (libvips, off the event loop).
 */
export async function regionInput(
  frame: Uint8Array,
  frameW: number,
  frameH: number,
  region: PixelBox,
  inW: number,
  inH: number,
): Promise<RegionInput> {
  const transform = regionTransform(region, inW, inH);
  const [rx, ry, rw, rh] = region;
  if (rw === inW && rh === inH) {
    if (rx === 0 && ry === 0 && frameW === inW && frameH === inH) return { pixels: frame, transform };
    const out = new Uint8Array(inW * inH * 3);
    for (let row = 0; row < inH; row++) {
      const start = ((ry + row) * frameW + rx) * 3;
      out.set(frame.subarray(start, start + inW * 3), row * inW * 3);
    }
    return { pixels: out, transform };
  }
  const outW = Math.round(rw * transform.scaleX);
  const outH = Math.round(rh * transform.scaleY);
  const buf = await sharp(frame, { raw: { width: frameW, height: frameH, channels: 3 } })
    .extract({ left: rx, top: ry, width: rw, height: rh })
    .resize(outW, outH, { fit: 'fill', kernel: 'linear' })
    .extend({
      left: transform.padX,
      top: transform.padY,
      right: inW - outW - transform.padX,
      bottom: inH - outH - transform.padY,
      background: { r: 0, g: 0, b: 0 },
    })
    .removeAlpha()
    .raw()
    .toBuffer();
  if (buf.length !== inW * inH * 3) throw new Error(`region resize produced ${buf.length} bytes`);
  return { pixels: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), transform };
}
