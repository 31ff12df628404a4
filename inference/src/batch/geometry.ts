/**
 * Coordinate transforms between the three pixel spaces of one detection:
 *   model input pixels --(region letterbox)--> frame pixels --(frame letterbox)--> source frame (normalised)
 * The frame on NATS is the camera picture letterboxed to `width x height`: frame = source * scale + pad.
 * A region is a rectangle of the frame, resized (aspect kept) and padded to the model input size.
 */
import type { FrameMeta, NormBox } from '@sentinel/common';

/** [x, y, w, h] in pixels. */
export type PixelBox = [number, number, number, number];

/** Where a region of the frame lands in the model input: input = (frame - origin) * scale + pad. */
export type RegionTransform = {
  /** The region in frame pixels. */
  region: PixelBox;
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
};

/** Resize `region` into `inW x inH` keeping its aspect ratio and centring it (integer sizes). */
export function regionTransform(region: PixelBox, inW: number, inH: number): RegionTransform {
  const [, , rw, rh] = region;
  const s = Math.min(inW / rw, inH / rh);
  const outW = Math.max(1, Math.min(inW, Math.round(rw * s)));
  const outH = Math.max(1, Math.min(inH, Math.round(rh * s)));
  return {
    region,
    scaleX: outW / rw,
    scaleY: outH / rh,
    padX: Math.floor((inW - outW) / 2),
    padY: Math.floor((inH - outH) / 2),
  };
}

/** Model-input pixels of one region back to frame pixels. */
export function modelToFrame(box: PixelBox, t: RegionTransform): PixelBox {
  const [x, y, w, h] = box;
  return [
    (x - t.padX) / t.scaleX + t.region[0],
    (y - t.padY) / t.scaleY + t.region[1],
    w / t.scaleX,
    h / t.scaleY,
  ];
}

/**
 * Frame pixels back to the source picture, normalised to 0..1 and clipped to the picture (the
 * letterbox padding is not part of the camera image). Returns undefined when nothing is left.
 */
export function frameToSourceNorm(
  box: PixelBox,
  meta: Pick<FrameMeta, 'source' | 'letterbox'>,
): NormBox | undefined {
  const { scale, padX, padY } = meta.letterbox;
  const sw = meta.source.width;
  const sh = meta.source.height;
  const x0 = clamp01((box[0] - padX) / scale / sw);
  const y0 = clamp01((box[1] - padY) / scale / sh);
  const x1 = clamp01((box[0] + box[2] - padX) / scale / sw);
  const y1 = clamp01((box[1] + box[3] - padY) / scale / sh);
  if (x1 - x0 <= 0 || y1 - y0 <= 0) return undefined;
  return [x0, y0, x1 - x0, y1 - y0];
}

/** A normalised source box to frame pixels (used for motion boxes). */
export function sourceNormToFrame(box: NormBox, meta: Pick<FrameMeta, 'source' | 'letterbox'>): PixelBox {
  const { scale, padX, padY } = meta.letterbox;
  return [
    box[0] * meta.source.width * scale + padX,
    box[1] * meta.source.height * scale + padY,
    box[2] * meta.source.width * scale,
    box[3] * meta.source.height * scale,
  ];
}

/** The part of the frame that holds the camera picture (letterbox padding excluded), in whole pixels. */
export function pictureRect(meta: Pick<FrameMeta, 'source' | 'letterbox' | 'width' | 'height'>): PixelBox {
  const x = Math.max(0, Math.round(meta.letterbox.padX));
  const y = Math.max(0, Math.round(meta.letterbox.padY));
  const w = Math.min(meta.width - x, Math.round(meta.source.width * meta.letterbox.scale));
  const h = Math.min(meta.height - y, Math.round(meta.source.height * meta.letterbox.scale));
  return [x, y, Math.max(1, w), Math.max(1, h)];
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/** Intersection over union of two [x, y, w, h] boxes (any common unit). */
export function iou(a: readonly number[], b: readonly number[]): number {
  const ix = Math.max(0, Math.min(a[0]! + a[2]!, b[0]! + b[2]!) - Math.max(a[0]!, b[0]!));
  const iy = Math.max(0, Math.min(a[1]! + a[3]!, b[1]! + b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = ix * iy;
  const union = a[2]! * a[3]! + b[2]! * b[3]! - inter;
  return union > 0 ? inter / union : 0;
}
