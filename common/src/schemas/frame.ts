import { z } from 'zod';
import { envelopeShape, normBoxSchema } from './common.ts';

/** Metadata of one frame on core NATS `frames.<cameraId>`; the payload is raw RGB24 at width x height. */
export const frameMetaSchema = z.object({
  ...envelopeShape,
  seq: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  format: z.literal('rgb24'),
  /** Size of the decoded camera picture before letterboxing. */
  source: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  /** Letterbox applied to fit source into width x height: model = source * scale + pad. */
  letterbox: z.object({
    scale: z.number().positive(),
    padX: z.number().nonnegative(),
    padY: z.number().nonnegative(),
  }),
  motion: z.object({
    boxes: z.array(normBoxSchema).max(64),
    ratio: z.number().min(0).max(1),
  }),
  /** True when sent only as a keep-alive (no motion, no active tracks). */
  keepAlive: z.boolean().default(false),
  modelId: z.string().optional(),
});
export type FrameMeta = z.infer<typeof frameMetaSchema>;

/** NATS header holding the JSON frame metadata. */
export const FRAME_META_HEADER = 'Sentinel-Frame-Meta';
