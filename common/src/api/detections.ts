import { z } from 'zod';
import { pageQueryShape, timeParamSchema } from './common.ts';

/** GET /detections and GET /tracks query; newest first. */
export const detectionQuerySchema = z.object({
  ...pageQueryShape,
  cameraId: z.string().min(1).optional(),
  label: z.string().min(1).optional(),
  trackId: z.string().min(1).optional(),
  from: timeParamSchema.optional(),
  to: timeParamSchema.optional(),
  minScore: z.coerce.number().min(0).max(1).optional(),
});
export type DetectionQuery = z.input<typeof detectionQuerySchema>;

export const detectionRowSchema = z.object({
  time: z.number().int(),
  cameraId: z.string(),
  frameId: z.string(),
  index: z.number().int(),
  trackId: z.string().nullable(),
  label: z.string(),
  score: z.number(),
  /** [x, y, w, h] normalised */
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  stationary: z.boolean(),
  modelId: z.string().nullable(),
});
export type DetectionRow = z.infer<typeof detectionRowSchema>;

export const trackRowSchema = z.object({
  cameraId: z.string(),
  trackId: z.string(),
  label: z.string(),
  firstSeen: z.number().int(),
  lastSeen: z.number().int(),
  maxScore: z.number(),
  frames: z.number().int(),
  stationary: z.boolean(),
  lastBox: z.array(z.number()).nullable(),
});
export type TrackRow = z.infer<typeof trackRowSchema>;

/** GET /detections/counts query: counts per interval from the per-minute rollup. */
export const detectionCountsQuerySchema = z.object({
  from: timeParamSchema,
  to: timeParamSchema,
  /** bucket width in seconds, whole minutes (default 3600) */
  intervalSeconds: z.coerce
    .number()
    .int()
    .min(60)
    .max(31 * 86_400)
    .refine((v) => v % 60 === 0, { message: 'must be a whole number of minutes' })
    .default(3600),
  cameraId: z.string().min(1).optional(),
  label: z.string().min(1).optional(),
});
export const detectionCountsResponseSchema = z.object({
  intervalSeconds: z.number().int(),
  buckets: z.array(
    z.object({ bucket: z.number().int(), cameraId: z.string(), label: z.string(), count: z.number().int() }),
  ),
});
