import type { ModelDetection } from './types.ts';

type Box = readonly [number, number, number, number];

/** Intersection over union of two [x, y, w, h] boxes. */
export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  if (inter <= 0) return 0;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Class-aware greedy non-maximum suppression: boxes are visited by descending score and a box is
 * dropped when it overlaps (IoU > iouThreshold) an already kept box of the same class. Boxes of
 * different classes never suppress each other. Returns at most maxDetections, best first.
 */
export function nonMaxSuppression(
  dets: readonly ModelDetection[],
  iouThreshold: number,
  maxDetections = Number.POSITIVE_INFINITY,
): ModelDetection[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const keptByClass = new Map<number, ModelDetection[]>();
  const out: ModelDetection[] = [];
  for (const d of sorted) {
    if (out.length >= maxDetections) break;
    const kept = keptByClass.get(d.classId) ?? [];
    if (kept.some((k) => iou(k.box, d.box) > iouThreshold)) continue;
    kept.push(d);
    keptByClass.set(d.classId, kept);
    out.push(d);
  }
  return out;
}
