import { z } from 'zod';
import { envelopeShape, normBoxSchema } from './common.ts';

export const alertStatusSchema = z.enum(['open', 'acknowledged', 'resolved']);
export type AlertStatus = z.infer<typeof alertStatusSchema>;
export const alertEventTypeSchema = z.enum(['opened', 'updated', 'acknowledged', 'resolved']);
export const severitySchema = z.enum(['info', 'warning', 'critical']);

/** Alert lifecycle event on JetStream `alerts.<cameraId>.<event>`. */
export const alertEventSchema = z.object({
  ...envelopeShape,
  alertId: z.string().min(1).max(64),
  event: alertEventTypeSchema,
  status: alertStatusSchema,
  ruleId: z.string().min(1),
  ruleName: z.string(),
  severity: severitySchema,
  condition: z.string(),
  label: z.string(),
  trackId: z.string().optional(),
  zoneId: z.string().optional(),
  box: normBoxSchema.optional(),
  message: z.string(),
  snapshotKey: z.string().optional(),
  actor: z.string().default('system'),
  at: z.number().int().positive(),
});
export type AlertEvent = z.infer<typeof alertEventSchema>;
