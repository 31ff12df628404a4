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

/** POST /rules/replay body: evaluate a (possibly unsaved) rule over stored detections, at most 7 days. */
export const ruleReplayRequestSchema = z
  .object({ rule: ruleSchema, from: z.number().int().positive(), to: z.number().int().positive() })
  .refine((b) => b.to > b.from, { message: '`to` must be after `from`', path: ['to'] })
  .refine((b) => b.to - b.from <= 7 * 86_400_000, {
    message: 'replay at most 7 days at a time',
    path: ['from'],
  });

export const ruleReplayResponseSchema = z.object({
  ruleId: z.string(),
  from: z.number(),
  to: z.number(),
  frames: z.number().int(),
  detections: z.number().int(),
  summary: z.object({
    opened: z.number().int(),
    updated: z.number().int(),
    resolved: z.number().int(),
    suppressed: z.record(z.string(), z.number()),
  }),
  /** The first 200 outputs (alerts that would have opened, updated or resolved), in time order per camera. */
  outputs: z.array(z.record(z.string(), z.unknown())),
});
