import { z } from 'zod';
import { cameraConfigSchema, cameraErrorReasonSchema, cameraStatusSchema } from '../schemas/camera.ts';

/** POST /cameras body: a camera config (credentials accepted here, never returned). */
export const createCameraRequestSchema = cameraConfigSchema;
export type CreateCameraRequest = z.input<typeof createCameraRequestSchema>;

/**
 * PATCH /cameras/:id body: any subset of the config except `id`. Send `username`/`password` to change
 * credentials, `null` to clear them; omit them to keep the stored ones.
 */
export const updateCameraRequestSchema = z
  .object({
    ...cameraConfigSchema.omit({ id: true, username: true, password: true }).partial().shape,
    username: z.string().max(256).nullable().optional(),
    password: z.string().max(256).nullable().optional(),
  })
  .strict();
export type UpdateCameraRequest = z.input<typeof updateCameraRequestSchema>;

/** A camera as the API returns it (publicCamera(): no credentials) plus bookkeeping and live status. */
export const cameraResponseSchema = cameraConfigSchema.omit({ username: true, password: true }).extend({
  hasCredentials: z.boolean(),
  version: z.number().int(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  status: cameraStatusSchema.nullable(),
});
export type CameraResponse = z.infer<typeof cameraResponseSchema>;

/** POST /cameras/:id/test (or POST /cameras/test with a config body, before saving). */
export const cameraTestRequestSchema = z
  .object({
    url: z.string().optional(),
    username: z.string().max(256).optional(),
    password: z.string().max(256).optional(),
    timeoutMs: z.number().int().min(500).max(30_000).optional(),
  })
  .strict();
export const cameraTestResultSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    codec: z.string(),
    profile: z.string().optional(),
    /** H.264/H.265 level as ffprobe reports it (e.g. 31 = 3.1) */
    level: z.number().int().optional(),
    width: z.number().int(),
    height: z.number().int(),
    fps: z.number().nullable(),
    audioCodec: z.string().nullable(),
    elapsedMs: z.number().int(),
  }),
  z.object({
    ok: z.literal(false),
    reason: cameraErrorReasonSchema.or(z.literal('timeout')),
    message: z.string(),
    elapsedMs: z.number().int(),
  }),
]);
export type CameraTestResult = z.infer<typeof cameraTestResultSchema>;

/** GET /cameras/:id/live: which live transports are available and how to join them. */
export const liveInfoSchema = z.object({
  cameraId: z.string(),
  /** the transport the client should use first */
  preferred: z.enum(['webrtc', 'jsmpeg']),
  webrtc: z.object({ available: z.boolean(), reason: z.string().optional() }),
  /** JSMpeg: open a WebSocket on `url` with `?token=<accessToken>`; binary MPEG-TS (MPEG-1 video) frames */
  jsmpeg: z.object({
    available: z.boolean(),
    url: z.string(),
    width: z.number().int(),
    bitrateKbps: z.number().int(),
  }),
});
export type LiveInfo = z.infer<typeof liveInfoSchema>;
