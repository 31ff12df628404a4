import { z } from 'zod';
import { cameraIdSchema, envelopeShape, epochMsSchema } from './common.ts';
import { detectionSchema } from './detection.ts';

export const hardExampleReasonSchema = z.enum([
  'low_confidence',
  'track_flicker',
  'short_track',
  'operator_false_positive',
]);

/** A frame worth annotating, on JetStream `annotate.candidates.<cameraId>`. */
export const hardExampleSchema = z.object({
  ...envelopeShape,
  exampleId: z.string().min(1).max(128),
  reason: hardExampleReasonSchema,
  /** Key of the JPEG in the `snapshots` object store. */
  imageKey: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  modelId: z.string().min(1),
  trackId: z.string().optional(),
  /** Model boxes, used as pre-annotations. */
  boxes: z.array(detectionSchema.extend({ trackId: z.string().optional() })).max(500),
});
export type HardExample = z.infer<typeof hardExampleSchema>;

/** Operator feedback on `annotate.feedback` (e.g. an alert marked false positive). */
export const annotationFeedbackSchema = z.object({
  kind: z.literal('false_positive'),
  alertId: z.string().min(1),
  cameraId: cameraIdSchema,
  frameId: z.string().optional(),
  trackId: z.string().optional(),
  capturedAt: epochMsSchema.optional(),
  snapshotKey: z.string().optional(),
  actor: z.string().min(1),
  at: epochMsSchema,
});
export type AnnotationFeedback = z.infer<typeof annotationFeedbackSchema>;
