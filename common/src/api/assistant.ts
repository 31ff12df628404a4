import { z } from 'zod';
import { cameraIdSchema } from '../schemas/common.ts';

/** POST /api/v1/assistant/query (gateway) → POST /query (assistant). */
export const assistantQueryRequestSchema = z
  .object({
    question: z
      .string()
      .trim()
      .min(1, 'question must not be empty')
      .max(1000, 'question must be at most 1000 characters'),
  })
  .strict();
export type AssistantQueryRequest = z.infer<typeof assistantQueryRequestSchema>;

/** What a citation points at: an alert, a track (one tracked object), or a per-minute detection count bucket. */
export const assistantCitationTypeSchema = z.enum(['alert', 'track', 'detections', 'camera']);

/** One event an answer used. `time` is ISO 8601 (UTC); `snapshotUrl` is null when the event has no snapshot. */
export const assistantCitationSchema = z.object({
  type: assistantCitationTypeSchema,
  id: z.string().min(1),
  cameraId: cameraIdSchema,
  time: z.iso.datetime(),
  snapshotUrl: z.string().nullable(),
});
export type AssistantCitation = z.infer<typeof assistantCitationSchema>;

export const assistantQueryResponseSchema = z.object({
  answer: z.string(),
  citations: z.array(assistantCitationSchema),
  /** 'agent' (LLM with tools) or 'planner' (offline deterministic planner). */
  mode: z.enum(['agent', 'planner']),
});
export type AssistantQueryResponse = z.infer<typeof assistantQueryResponseSchema>;

/**
 * POST /api/v1/assistant/voice: body is either multipart/form-data with a file field `audio`
 * (and optional text field `speak=true|false`) or the raw audio bytes with content-type
 * audio/webm, audio/ogg, audio/wav (then `?speak=true` asks for a spoken reply).
 */
export const assistantVoiceOptionsSchema = z.object({
  speak: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});

export const assistantVoiceResponseSchema = assistantQueryResponseSchema.extend({
  transcript: z.string(),
  /** Spoken reply (only when asked for and a speech model is configured). */
  speech: z.object({ contentType: z.string(), base64: z.string() }).nullable(),
});
export type AssistantVoiceResponse = z.infer<typeof assistantVoiceResponseSchema>;

/** Errors use the gateway's error body (`apiErrorSchema` in ./errors.ts): `{ error: { code, message, details? } }`. */
