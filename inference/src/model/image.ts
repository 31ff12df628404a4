import sharp from 'sharp';
import { type Letterbox, letterboxFor } from '../decode/letterbox.ts';

export type LetterboxedImage = {
  /** RGB24 pixels at width x height. */
  rgb: Uint8Array;
  width: number;
  height: number;
  source: { width: number; height: number };
  letterbox: Letterbox;
};

/**
 * Decode an image file (JPEG, PNG, WebP, ...) with sharp and letterbox it into width x height RGB24:
 * scaled to fit keeping the aspect ratio, centred, padded with black.
 */
export async function loadLetterboxed(
  file: string | Buffer,
  width: number,
  height: number,
): Promise<LetterboxedImage> {
  const img = sharp(file, { failOn: 'error' }).rotate();
  const meta = await img.metadata();
  if (!meta.width || !meta.height) throw new Error('image has no size');
  const oriented = (meta.orientation ?? 1) >= 5;
  const source = oriented
    ? { width: meta.height, height: meta.width }
    : { width: meta.width, height: meta.height };
  const lb = letterboxFor(source, { width, height });
  const w = Math.max(1, Math.round(source.width * lb.scale));
  const h = Math.max(1, Math.round(source.height * lb.scale));
  const left = Math.floor((width - w) / 2);
  const top = Math.floor((height - h) / 2);
  const { data } = await img
    .removeAlpha()
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .extend({
      left,
      top,
      right: width - w - left,
      bottom: height - h - top,
      background: { r: 0, g: 0, b: 0 },
    })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (data.length !== width * height * 3)
    throw new Error(`decoded ${data.length} bytes, expected ${width * height * 3}`);
  return {
    rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width,
    height,
    source,
    // the exact letterbox after rounding the scaled size
    letterbox: { scale: lb.scale, padX: left, padY: top },
  };
}
