/** Box helpers over [x, y, w, h] boxes (any unit, as long as both boxes share it). */
export type Box = readonly [number, number, number, number];

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

export type Labelled = { label: string; box: Box };

/**
 * Greedy one-to-one matching of same-label boxes by descending IoU (pairs at or above `minIou`).
 * Returns the number of matched pairs.
 */
export function countMatches(a: readonly Labelled[], b: readonly Labelled[], minIou = 0.5): number {
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < b.length; j++) {
      if (a[i]!.label !== b[j]!.label) continue;
      const v = iou(a[i]!.box, b[j]!.box);
      if (v >= minIou) pairs.push([v, i, j]);
    }
  pairs.sort((p, q) => q[0] - p[0]);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  let n = 0;
  for (const [, i, j] of pairs) {
    if (usedA.has(i) || usedB.has(j)) continue;
    usedA.add(i);
    usedB.add(j);
    n++;
  }
  return n;
}

/** Agreement of two box sets: F1 of the one-to-one same-label IoU>=minIou matching; 1 when both are empty. */
export function boxSetAgreement(a: readonly Labelled[], b: readonly Labelled[], minIou = 0.5): number {
  if (a.length === 0 && b.length === 0) return 1;
  return (2 * countMatches(a, b, minIou)) / (a.length + b.length);
}
