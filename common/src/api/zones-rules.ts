import { z } from 'zod';
import { ruleSchema, zoneSchema } from '../schemas/rule.ts';

/** POST /zones body (zoneSchema: id, cameraId, name, polygon, inertiaFrames). */
export const createZoneRequestSchema = zoneSchema;
/** PATCH /zones/:id body: name, polygon and/or inertiaFrames (camera and id are fixed). */
export const updateZoneRequestSchema = z
  .object({
    name: z.string().min(1).max(100),
    polygon: z
      .array(z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]))
      .min(3)
      .max(64),
    inertiaFrames: z.number().int().min(1).max(30),
  })
  .partial()
  .strict();
export const zoneResponseSchema = z.object({
  id: z.string(),
  cameraId: z.string(),
  name: z.string(),
  polygon: z.array(z.tuple([z.number(), z.number()])),
  inertiaFrames: z.number().int(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type ZoneResponse = z.infer<typeof zoneResponseSchema>;

/** POST /rules body (ruleSchema). Zone ids referenced must exist on every camera of the rule. */
export const createRuleRequestSchema = ruleSchema;
/** PUT /rules/:id body: the whole rule without id (replaces it). */
export const replaceRuleRequestSchema = ruleSchema.omit({ id: true });
/** PATCH /rules/:id body: only `enabled` (quick arm/disarm). */
export const patchRuleRequestSchema = z.object({ enabled: z.boolean() }).strict();
export const ruleResponseSchema = z.object({
  ...ruleSchema.shape,
  version: z.number().int(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type RuleResponse = z.infer<typeof ruleResponseSchema>;
