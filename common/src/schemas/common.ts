import { z } from 'zod';

/** Camera ids are NATS subject tokens: lowercase letters, digits, '_' and '-'. */
export const cameraIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'must be 1-63 chars of a-z, 0-9, _ or -, starting with a letter or digit',
  );

export const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'may contain letters, digits, _ . : and -');

/** Epoch milliseconds. */
export const epochMsSchema = z.number().int('must be integer epoch milliseconds').positive('must be > 0');

const unit = z.number().min(0, 'must be >= 0').max(1, 'must be <= 1');

/** A box [x, y, w, h] in normalised coordinates of the source frame (0..1, origin top-left). */
export const normBoxSchema = z
  .tuple([unit, unit, unit, unit])
  .refine(([x, y, w, h]) => x + w <= 1.0001 && y + h <= 1.0001, { message: 'box must lie inside the frame' });
export type NormBox = z.infer<typeof normBoxSchema>;

/** A point [x, y] in normalised coordinates. */
export const normPointSchema = z.tuple([unit, unit]);
export type NormPoint = z.infer<typeof normPointSchema>;

/** Per-hop timestamps (epoch ms) carried by every message so latency is measured from the data. */
export const traceSchema = z
  .object({
    decodedAt: epochMsSchema.optional(),
    batchedAt: epochMsSchema.optional(),
    inferredAt: epochMsSchema.optional(),
    publishedAt: epochMsSchema.optional(),
    ruleAt: epochMsSchema.optional(),
    alertAt: epochMsSchema.optional(),
    emittedAt: epochMsSchema.optional(),
  })
  .strict();
export type Trace = z.infer<typeof traceSchema>;

/** Fields every pipeline message carries. */
export const envelopeShape = {
  cameraId: cameraIdSchema,
  frameId: z.string().min(1).max(128),
  capturedAt: epochMsSchema,
  trace: traceSchema.default({}),
};
