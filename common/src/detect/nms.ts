/** A detection in model-input pixels: [x, y, w, h], top-left origin. */
export type PixelDetection = { classId: number; score: number; box: [number, number, number, number] };

function iouXywh(a: readonly number[], b: readonly number[]): number {
  const x1 = Math.max(a[0]!, b[0]!);
  const y1 = Math.max(a[1]!, b[1]!);
  const x2 = Math.min(a[0]! + a[2]!, b[0]! + b[2]!);
  const y2 = Math.min(a[1]! + a[3]!, b[1]! + b[3]!);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2]! * a[3]! + b[2]! * b[3]! - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy per-class non-maximum suppression; keeps at most `maxDetections`, best first. */
export function nmsPerClass(
  dets: PixelDetection[],
  iouThreshold: number,
  maxDetections: number,
): PixelDetection[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: PixelDetection[] = [];
  for (const d of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.some((k) => k.classId === d.classId && iouXywh(k.box, d.box) > iouThreshold)) continue;
    kept.push(d);
  }
  return kept;
}
