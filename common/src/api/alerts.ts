import { z } from 'zod';
import { alertStatusSchema, severitySchema } from '../schemas/alert.ts';
import { pageQueryShape, timeParamSchema } from './common.ts';

/** An alert row as the API returns it (times in epoch ms). */
export const alertResponseSchema = z.object({
  id: z.string(),
  ruleId: z.string(),
  ruleName: z.string(),
  cameraId: z.string(),
  trackId: z.string().nullable(),
  zoneId: z.string().nullable(),
  label: z.string(),
  severity: severitySchema,
  status: alertStatusSchema,
  condition: z.string(),
  message: z.string(),
  frameId: z.string().nullable(),
  capturedAt: z.number().int().nullable(),
  openedAt: z.number().int(),
  acknowledgedAt: z.number().int().nullable(),
  resolvedAt: z.number().int().nullable(),
  falsePositive: z.boolean(),
  /** signed, expiring URL of the snapshot JPEG (null when none) */
  snapshotUrl: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AlertResponse = z.infer<typeof alertResponseSchema>;

export const alertEventResponseSchema = z.object({
  event: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string(),
  actor: z.string(),
  at: z.number().int(),
  details: z.record(z.string(), z.unknown()),
});

export const alertDetailResponseSchema = alertResponseSchema.extend({
  events: z.array(alertEventResponseSchema),
});

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item));

/** GET /alerts query; list is newest first. `status`, `severity`, `cameraId` accept comma lists. */
export const alertListQuerySchema = z.object({
  ...pageQueryShape,
  status: csv(alertStatusSchema).optional(),
  severity: csv(severitySchema).optional(),
  cameraId: csv(z.string().min(1)).optional(),
  ruleId: z.string().optional(),
  label: z.string().optional(),
  falsePositive: z.enum(['true', 'false']).optional(),
  from: timeParamSchema.optional(),
  to: timeParamSchema.optional(),
});
export type AlertListQuery = z.input<typeof alertListQuerySchema>;

/** POST /alerts/:id/ack | resolve | mark-false body (optional note). */
export const alertActionRequestSchema = z.object({ note: z.string().max(1000).optional() }).strict();
