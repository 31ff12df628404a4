import { z } from 'zod';
import { envelopeShape, normBoxSchema } from './common.ts';

export const detectionSchema = z.object({
  label: z.string().min(1).max(64),
  classId: z.number().int().nonnegative(),
  score: z.number().min(0).max(1),
  /** [x, y, w, h] normalised to the source frame. */
  box: normBoxSchema,
});
export type Detection = z.infer<typeof detectionSchema>;

export const trackStateSchema = z.enum(['tentative', 'confirmed', 'lost']);

export const trackedDetectionSchema = detectionSchema.extend({
  trackId: z.string().min(1).max(64),
  trackState: trackStateSchema,
  /** The object has not moved for a while (parked car). */
  stationary: z.boolean().default(false),
  /** Frames since the track was created. */
  age: z.number().int().nonnegative().default(0),
  /** Velocity of the box centre in normalised units per second; signed (left/up is negative). */
  velocity: z.tuple([z.number().min(-100).max(100), z.number().min(-100).max(100)]).optional(),
});
export type TrackedDetection = z.infer<typeof trackedDetectionSchema>;

/** One processed frame's tracked detections on JetStream `detections.<cameraId>`. */
export const detectionBatchSchema = z.object({
  ...envelopeShape,
  modelId: z.string().min(1),
  source: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  detections: z.array(trackedDetectionSchema).max(500),
});
export type DetectionBatch = z.infer<typeof detectionBatchSchema>;
