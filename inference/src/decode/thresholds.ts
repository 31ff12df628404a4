import type { DecodeOptions } from './types.ts';

/**
 * Per-class score thresholds resolved into an array indexed by class id, plus the smallest one
 * (a cheap pre-filter while scanning raw outputs).
 */
export function classThresholds(
  opts: DecodeOptions,
  classCount: number,
): { perClass: Float32Array; min: number } {
  const perClass = new Float32Array(classCount);
  let min = Number.POSITIVE_INFINITY;
  for (let c = 0; c < classCount; c++) {
    const label = opts.labels[c];
    const t = (label !== undefined ? opts.perClassThresholds?.[label] : undefined) ?? opts.scoreThreshold;
    perClass[c] = t;
    if (t < min) min = t;
  }
  return { perClass, min };
}

export const labelOf = (labels: readonly string[], classId: number) => labels[classId] ?? `class${classId}`;
