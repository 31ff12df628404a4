import { z } from 'zod';
import { modelInfoSchema } from '../schemas/model.ts';

/** GET /snapshots/:cameraId/url?key=... → a signed URL valid for a short time (no auth header needed). */
export const snapshotUrlResponseSchema = z.object({ url: z.string(), expiresAt: z.number().int() });

/** POST /cameras/:id/snapshot: a fresh JPEG taken by the ingest worker that owns the camera. */
export const freshSnapshotResponseSchema = snapshotUrlResponseSchema.extend({
  key: z.string(),
  capturedAt: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
});

/** GET /push/vapid-public-key */
export const vapidPublicKeyResponseSchema = z.object({ publicKey: z.string() });

/** POST /push/subscriptions body: the browser PushSubscription JSON (+ option). */
export const pushSubscriptionRequestSchema = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).max(2048),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: z.string().min(1).max(512), auth: z.string().min(1).max(512) }),
  notifyResolved: z.boolean().default(false),
});
export const pushSubscriptionResponseSchema = z.object({
  id: z.string(),
  endpoint: z.string(),
  notifyResolved: z.boolean(),
  createdAt: z.number().int(),
  lastSuccessAt: z.number().int().nullable(),
});
/** DELETE /push/subscriptions body (or DELETE /push/subscriptions/:id). */
export const pushUnsubscribeRequestSchema = z.object({ endpoint: z.string().min(1).max(2048) });

export const modelResponseSchema = modelInfoSchema.extend({
  createdAt: z.number().int(),
  evaluation: z.record(z.string(), z.unknown()).nullable(),
});
export type ModelResponse = z.infer<typeof modelResponseSchema>;
