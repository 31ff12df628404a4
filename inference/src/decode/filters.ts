import { pointInPolygon, polygonSchema } from '@sentinel/common';
import { z } from 'zod';

/**
 * Object filters (Frigate style), applied to detections whose boxes are normalised to the source frame.
 * Areas are fractions of the frame; ratio is width / height in source pixels.
 */
export const objectFilterSchema = z
  .object({
    minScore: z.number().min(0).max(1).optional(),
    minArea: z.number().min(0).max(1).optional(),
    maxArea: z.number().min(0).max(1).optional(),
    minRatio: z.number().positive().optional(),
    maxRatio: z.number().positive().optional(),
  })
  .refine((f) => f.minArea === undefined || f.maxArea === undefined || f.minArea <= f.maxArea, {
    message: 'minArea must be <= maxArea',
  })
  .refine((f) => f.minRatio === undefined || f.maxRatio === undefined || f.minRatio <= f.maxRatio, {
    message: 'minRatio must be <= maxRatio',
  });
export type ObjectFilter = z.infer<typeof objectFilterSchema>;

export const objectFiltersSchema = z.object({
  /** Filter for every label, merged under the per-label ones. */
  all: objectFilterSchema.optional(),
  byLabel: z.record(z.string(), objectFilterSchema).default({}),
  /** An object whose bottom-centre point lies inside one of these polygons is dropped. */
  masks: z.array(polygonSchema).max(32).default([]),
});
export type ObjectFilters = z.infer<typeof objectFiltersSchema>;
export type ObjectFiltersInput = z.input<typeof objectFiltersSchema>;

type NormDetection = { label: string; score: number; box: readonly [number, number, number, number] };

/** Why a detection was dropped, or null when it passes. */
export function filterReason(
  d: NormDetection,
  filters: ObjectFilters,
  source: { width: number; height: number },
): string | null {
  const f = { ...filters.all, ...filters.byLabel[d.label] };
  const [x, y, w, h] = d.box;
  if (f.minScore !== undefined && d.score < f.minScore) return 'score';
  const area = w * h;
  if (f.minArea !== undefined && area < f.minArea) return 'min_area';
  if (f.maxArea !== undefined && area > f.maxArea) return 'max_area';
  const ratio = h > 0 ? (w * source.width) / (h * source.height) : Number.POSITIVE_INFINITY;
  if (f.minRatio !== undefined && ratio < f.minRatio) return 'min_ratio';
  if (f.maxRatio !== undefined && ratio > f.maxRatio) return 'max_ratio';
  const foot: [number, number] = [x + w / 2, y + h];
  if (filters.masks.some((m) => pointInPolygon(foot, m))) return 'mask';
  return null;
}

/** Keep the detections that pass the filters. */
export function applyObjectFilters<T extends NormDetection>(
  dets: readonly T[],
  filters: ObjectFilters,
  source: { width: number; height: number },
): T[] {
  return dets.filter((d) => filterReason(d, filters, source) === null);
}
