import { z } from 'zod';
import { cameraIdSchema, epochMsSchema, normPointSchema } from './common.ts';

const SOURCE_SCHEMES = ['rtsp:', 'rtsps:', 'file:', 'http:', 'https:'];

/** A camera source URL: rtsp(s)://host[:port]/path, file:///abs/path or http(s)://... */
export const cameraUrlSchema = z
  .string()
  .min(1, 'camera URL is required')
  .max(2048, 'camera URL is too long')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a valid URL (expected rtsp://host[:port]/path)' });
      return;
    }
    if (!SOURCE_SCHEMES.includes(url.protocol)) {
      ctx.addIssue({
        code: 'custom',
        message: `unsupported scheme '${url.protocol}' (use rtsp, rtsps, file, http or https)`,
      });
      return;
    }
    if (url.protocol !== 'file:' && !url.hostname)
      ctx.addIssue({ code: 'custom', message: 'URL has no host' });
    if (url.protocol === 'file:' && url.pathname.length < 2)
      ctx.addIssue({ code: 'custom', message: 'file URL has no path' });
  });

/** Polygon in normalised coordinates (at least 3 points). */
export const polygonSchema = z.array(normPointSchema).min(3, 'a polygon needs at least 3 points').max(64);

export const cameraConfigSchema = z.object({
  id: cameraIdSchema,
  name: z.string().min(1).max(100),
  url: cameraUrlSchema,
  /** Credentials kept apart from the URL; write-only through the API, never logged. */
  username: z.string().max(256).optional(),
  password: z.string().max(256).optional(),
  enabled: z.boolean().default(true),
  detectFps: z.number().min(0.2).max(30).default(5),
  /** Decoder: 'auto' picks avdec_*, 'nvidia' nvh264dec, 'vaapi' VA-API, when present. */
  decoder: z.enum(['auto', 'software', 'nvidia', 'vaapi']).default('auto'),
  modelId: z.string().optional(),
  motion: z
    .object({
      enabled: z.boolean().default(true),
      /** Per-pixel difference threshold 1..255 on the grey frame. */
      threshold: z.number().int().min(1).max(255).default(30),
      /** Smallest contour area as a fraction of the frame. */
      minArea: z.number().min(0).max(1).default(0.0005),
      masks: z.array(polygonSchema).max(32).default([]),
    })
    .prefault({}),
  /** With no motion and no active tracks, send one keep-alive frame every N seconds. */
  keepAliveSeconds: z.number().min(1).max(3600).default(10),
  /** Detect on motion-region crops or on the full frame. */
  detectRegions: z.enum(['full', 'motion']).default('full'),
  tags: z.array(z.string().max(50)).max(20).default([]),
});
export type CameraConfig = z.infer<typeof cameraConfigSchema>;
export type CameraConfigInput = z.input<typeof cameraConfigSchema>;

/** The camera as the API returns it: never with credentials. */
export function publicCamera(
  camera: CameraConfig,
): Omit<CameraConfig, 'password' | 'username'> & { hasCredentials: boolean } {
  const { password, username, ...rest } = camera;
  let url = rest.url;
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      url = u.toString();
    }
  } catch {
    /* validated earlier */
  }
  return { ...rest, url, hasCredentials: Boolean(password || username || url !== rest.url) };
}

export const cameraStateSchema = z.enum(['starting', 'streaming', 'reconnecting', 'offline', 'error']);
export type CameraState = z.infer<typeof cameraStateSchema>;

export const cameraErrorReasonSchema = z.enum([
  'invalid_url',
  'unreachable',
  'unauthorized',
  'not_found',
  'unsupported_codec',
  'stream_ended',
  'no_frames',
  'corrupt_stream',
  'internal',
]);
export type CameraErrorReason = z.infer<typeof cameraErrorReasonSchema>;

/** Value in KV `camera-status` (key = camera id). Never carries credentials. */
export const cameraStatusSchema = z.object({
  cameraId: cameraIdSchema,
  state: cameraStateSchema,
  reason: cameraErrorReasonSchema.optional(),
  detail: z.string().max(500).optional(),
  workerId: z.string(),
  since: epochMsSchema,
  updatedAt: epochMsSchema,
  fps: z.number().nonnegative().optional(),
  reconnects: z.number().int().nonnegative().default(0),
  source: z
    .object({ codec: z.string(), width: z.number().int(), height: z.number().int() })
    .partial()
    .optional(),
});
export type CameraStatus = z.infer<typeof cameraStatusSchema>;

/** Value in KV `camera-leases` (key = camera id). */
export const cameraLeaseSchema = z.object({
  cameraId: cameraIdSchema,
  workerId: z.string(),
  renewedAt: epochMsSchema,
});
export type CameraLease = z.infer<typeof cameraLeaseSchema>;
