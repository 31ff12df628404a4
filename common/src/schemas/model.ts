import { z } from 'zod';

export const modelFormatSchema = z.enum(['centernet', 'yolo']);

/** A detector in the registry (table `models`, KV `models`). */
export const modelInfoSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be 1-63 chars of a-z, 0-9, _ . or -'),
  /** Path relative to the models directory, or absolute. */
  file: z.string().min(1),
  format: modelFormatSchema,
  inputWidth: z.number().int().positive(),
  inputHeight: z.number().int().positive(),
  labels: z.array(z.string().min(1)).min(1),
  provider: z.enum(['cpu', 'cuda']).default('cpu'),
  active: z.boolean().default(false),
  sha256: z.string().length(64).optional(),
  createdAt: z.number().int().optional(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;
