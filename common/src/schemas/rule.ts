import { z } from 'zod';
import { isSelfIntersecting, polygonArea } from '../geometry.ts';
import { severitySchema } from './alert.ts';
import { polygonSchema } from './camera.ts';
import { cameraIdSchema, idSchema, normPointSchema } from './common.ts';

/** A zone: polygon in normalised coordinates; an object is inside when the bottom-centre of its box is. */
export const zoneSchema = z
  .object({
    id: idSchema,
    cameraId: cameraIdSchema,
    name: z.string().min(1).max(100),
    polygon: polygonSchema,
    /** Frames the object must be inside (or outside) before the state flips. */
    inertiaFrames: z.number().int().min(1).max(30).default(3),
  })
  .superRefine((zone, ctx) => {
    if (isSelfIntersecting(zone.polygon))
      ctx.addIssue({ code: 'custom', path: ['polygon'], message: 'polygon is self-intersecting' });
    else if (Math.abs(polygonArea(zone.polygon)) < 1e-6)
      ctx.addIssue({ code: 'custom', path: ['polygon'], message: 'polygon has no area' });
  });
export type Zone = z.infer<typeof zoneSchema>;

/** A directed line: crossing from the left of a→b to its right is direction 'a_to_b' ... see alerts/line-cross. */
export const lineSchema = z
  .object({
    a: normPointSchema,
    b: normPointSchema,
    direction: z.enum(['left_to_right', 'right_to_left', 'any']).default('any'),
  })
  .refine((l) => l.a[0] !== l.b[0] || l.a[1] !== l.b[1], {
    message: 'line endpoints must differ',
    path: ['b'],
  });

const seconds = z
  .number()
  .positive('must be > 0 seconds')
  .max(86_400 * 7);

export const ruleConditionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enter'), zoneId: idSchema }),
  z.object({ type: z.literal('exit'), zoneId: idSchema }),
  z.object({ type: z.literal('dwell'), zoneId: idSchema, seconds }),
  z.object({ type: z.literal('line_cross'), line: lineSchema }),
  z.object({
    type: z.literal('occupancy'),
    zoneId: idSchema,
    count: z.number().int().min(1).max(1000),
    seconds: seconds.default(1),
  }),
  z.object({
    type: z.literal('sequence'),
    zoneIds: z
      .tuple([idSchema, idSchema])
      .refine(([a, b]) => a !== b, { message: 'sequence needs two different zones' }),
    withinSeconds: seconds,
  }),
]);
export type RuleCondition = z.infer<typeof ruleConditionSchema>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:00-24:00)');
const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Weekly arming schedule; days 0 = Sunday ... 6 = Saturday, in the given IANA time zone. */
export const scheduleSchema = z
  .object({
    timezone: z.string().refine(isTimeZone, { message: 'unknown IANA time zone' }),
    windows: z
      .array(
        z
          .object({
            days: z.array(z.number().int().min(0).max(6)).min(1, 'pick at least one day'),
            start: hhmm,
            end: hhmm,
          })
          .refine((w) => w.start !== w.end, {
            message: 'window start and end are equal (empty window)',
            path: ['end'],
          }),
      )
      .min(1, 'schedule has no windows; omit the schedule to arm always'),
  })
  .strict();
export type Schedule = z.infer<typeof scheduleSchema>;

export const ruleSchema = z.object({
  id: idSchema,
  name: z.string().min(1).max(100),
  enabled: z.boolean().default(true),
  cameraIds: z.array(cameraIdSchema).min(1, 'pick at least one camera'),
  labels: z.array(z.string().min(1)).min(1, 'pick at least one object class'),
  minScore: z.number().min(0).max(1).default(0.5),
  condition: ruleConditionSchema,
  schedule: scheduleSchema.optional(),
  cooldownSeconds: z.number().min(0).max(86_400).default(60),
  severity: severitySchema.default('warning'),
  /** Auto-resolve the alert this many seconds after the object left. */
  autoResolveSeconds: z.number().min(0).max(86_400).default(30),
  /**
   * A stationary object (parked car) that alerted stays suppressed, even under a new track id, until
   * nothing has been seen at its place for this many seconds (then the place re-arms).
   */
  stationaryRearmSeconds: z.number().min(1).max(86_400).default(60),
  notify: z
    .object({ webPush: z.boolean().default(true), webhooks: z.array(z.string().url()).max(10).default([]) })
    .prefault({}),
});
export type Rule = z.infer<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;
