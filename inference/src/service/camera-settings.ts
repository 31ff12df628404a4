/**
 * What inference needs from a camera's entry in KV `cameras`: its model, whether to detect on motion
 * regions or the full frame, and optional object filters (`objectFilters`, Frigate style). Other
 * fields (URL, credentials...) are ignored and never logged.
 */
import { cameraIdSchema } from '@sentinel/common';
import { z } from 'zod';
import { type ObjectFilters, objectFiltersSchema } from '../decode/index.ts';

export const cameraSettingsSchema = z.object({
  id: cameraIdSchema,
  enabled: z.boolean().default(true),
  modelId: z.string().min(1).optional(),
  detectRegions: z.enum(['full', 'motion']).default('full'),
  objectFilters: objectFiltersSchema.optional(),
});
export type CameraSettings = z.infer<typeof cameraSettingsSchema> & { objectFilters?: ObjectFilters };

export function parseCameraSettings(key: string, raw: unknown): CameraSettings {
  const r = cameraSettingsSchema.safeParse(raw);
  if (!r.success)
    throw new Error(r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  if (r.data.id !== key) throw new Error(`camera id '${r.data.id}' differs from its key`);
  return r.data;
}
