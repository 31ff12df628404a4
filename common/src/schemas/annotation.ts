import { z } from 'zod';
import { normBoxSchema } from './common.ts';
import { modelFormatSchema } from './model.ts';

/**
 * Annotator API bodies (browser-safe): shared by the annotator service, its web app and the gateway.
 * Boxes are normalised [x, y, w, h] of the frame, like every other box in Sentinel.
 */

export const annotationStageSchema = z.enum(['annotation', 'review', 'accepted', 'rejected']);
export type AnnotationStage = z.infer<typeof annotationStageSchema>;

/** Custom labels: lowercase words, digits, spaces, '_' and '-'. */
export const labelNameSchema = z
  .string()
  .trim()
  .min(1, 'label must not be empty')
  .max(64, 'label must be at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9 _-]*$/, 'label may contain a-z, 0-9, spaces, _ and - (lowercase)');

export const annotationBoxSchema = z.object({
  label: z.string().min(1, 'label is required').max(64),
  box: normBoxSchema.refine(([, , w, h]) => w > 0 && h > 0, { message: 'box must have a non-zero size' }),
  /** Where the box came from: the model's pre-annotation (possibly corrected) or drawn by a person. */
  source: z.enum(['model', 'human']).default('human'),
});
export type AnnotationBox = z.infer<typeof annotationBoxSchema>;

/** POST /tasks/:id/submit */
export const submitAnnotationSchema = z
  .object({
    version: z.number().int().positive(),
    boxes: z.array(annotationBoxSchema).max(500),
    /** Explicit "the frame holds no objects": boxes must then be empty. */
    noObjects: z.boolean().default(false),
  })
  .strict()
  .refine((b) => !(b.noObjects && b.boxes.length > 0), {
    message: 'noObjects submissions must not carry boxes',
    path: ['boxes'],
  })
  .refine((b) => b.noObjects || b.boxes.length > 0, {
    message: 'submit at least one box, or noObjects: true',
    path: ['boxes'],
  });
export type SubmitAnnotation = z.infer<typeof submitAnnotationSchema>;

/** POST /tasks/:id/review: accept (optionally with corrected boxes) or reject with a comment. */
export const reviewDecisionSchema = z.discriminatedUnion('decision', [
  z
    .object({
      decision: z.literal('accept'),
      version: z.number().int().positive(),
      comment: z.string().max(2000).optional(),
      /** Reviewer corrections; absent = accept the annotator's boxes as they are. */
      boxes: z.array(annotationBoxSchema).max(500).optional(),
      noObjects: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      decision: z.literal('reject'),
      version: z.number().int().positive(),
      comment: z.string().trim().min(1, 'a rejection needs a comment').max(2000),
    })
    .strict(),
]);
export type ReviewDecision = z.infer<typeof reviewDecisionSchema>;

/** POST /tasks/:id/heartbeat | skip | release */
export const taskVersionBodySchema = z.object({ version: z.number().int().positive() }).strict();

/** POST /tasks/next */
export const nextTaskRequestSchema = z
  .object({ stage: z.enum(['annotation', 'review']).default('annotation') })
  .strict();

export const exportFormatSchema = z.enum(['coco', 'yolo', 'voc']);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

/** POST /exports */
export const exportRequestSchema = z
  .object({
    format: exportFormatSchema,
    /** Share of images that go to the validation split. */
    valFraction: z.number().min(0).max(0.9).default(0.2),
    /** Seed of the deterministic split (same seed + same images = same split). */
    seed: z.string().max(64).default('sentinel'),
    name: z.string().max(128).optional(),
  })
  .strict();
export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** POST /models: register an ONNX file already on disk (absolute or relative to the models dir). */
export const registerModelSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be 1-63 chars of a-z, 0-9, _ . or -'),
    path: z.string().min(1).optional(),
    format: modelFormatSchema,
    /** Class names in output order; default: the 80 COCO labels. */
    labels: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type RegisterModel = z.infer<typeof registerModelSchema>;

/** Shadow evaluation result stored on the candidate model (models.evaluation). */
export const modelEvaluationSchema = z.object({
  evaluatedAt: z.number().int(),
  images: z.number().int(),
  iouThreshold: z.number(),
  candidate: z.object({ modelId: z.string(), mAP: z.number(), perClass: z.record(z.string(), z.number()) }),
  baseline: z
    .object({ modelId: z.string(), mAP: z.number(), perClass: z.record(z.string(), z.number()) })
    .nullable(),
  better: z.boolean(),
});
export type ModelEvaluation = z.infer<typeof modelEvaluationSchema>;
