import { pointInPolygon } from '@sentinel/common';

/** Rasterise mask polygons (normalised coordinates) to a w x h bitmap: 1 = motion ignored there. */
export function rasterizeMask(
  polygons: Array<Array<readonly [number, number]>>,
  w: number,
  h: number,
): Uint8Array {
  const out = new Uint8Array(w * h);
  if (polygons.length === 0) return out;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = [(x + 0.5) / w, (y + 0.5) / h] as const;
      if (polygons.some((poly) => pointInPolygon(p, poly))) out[y * w + x] = 1;
    }
  }
  return out;
}
