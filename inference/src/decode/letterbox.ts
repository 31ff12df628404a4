/** Letterbox of a frame: model = source * scale + pad (see frameMetaSchema in common). */
export type Letterbox = { scale: number; padX: number; padY: number };

/** Fit a source picture into width x height keeping its aspect ratio, centred. */
export function letterboxFor(
  source: { width: number; height: number },
  target: { width: number; height: number },
): Letterbox {
  const scale = Math.min(target.width / source.width, target.height / source.height);
  return {
    scale,
    padX: (target.width - source.width * scale) / 2,
    padY: (target.height - source.height * scale) / 2,
  };
}

/**
 * Map an [x, y, w, h] box in model-input pixels back to the source picture, normalised to 0..1 and clipped.
 * Returns null when the box lies entirely in the padding.
 */
export function toSourceBox(
  box: readonly [number, number, number, number],
  lb: Letterbox,
  source: { width: number; height: number },
): [number, number, number, number] | null {
  const x1 = Math.min(1, Math.max(0, (box[0] - lb.padX) / lb.scale / source.width));
  const y1 = Math.min(1, Math.max(0, (box[1] - lb.padY) / lb.scale / source.height));
  const x2 = Math.min(1, Math.max(0, (box[0] + box[2] - lb.padX) / lb.scale / source.width));
  const y2 = Math.min(1, Math.max(0, (box[1] + box[3] - lb.padY) / lb.scale / source.height));
  if (x2 <= x1 || y2 <= y1) return null;
  return [x1, y1, x2 - x1, y2 - y1];
}
