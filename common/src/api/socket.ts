import { z } from 'zod';
import { alertEventSchema } from '../schemas/alert.ts';
import { cameraStatusSchema } from '../schemas/camera.ts';
import { detectionBatchSchema } from '../schemas/detection.ts';

/**
 * socket.io contract (path /socket.io on the gateway). Connect with `auth: { token: <accessToken> }`.
 * A bad or expired token fails the handshake with connect_error `message` 'unauthorized' or
 * 'token_expired'. Rooms: `camera:<id>` (live:view) and `alerts` (alerts:read).
 */
export const socketEvents = {
  // client → server (with ack)
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  // server → client
  detections: 'detections',
  alert: 'alert',
  cameraStatus: 'camera:status',
  /** sent just before the server disconnects a socket whose access token expired; reconnect with a fresh token */
  sessionExpired: 'session:expired',
  // mediasoup signalling (client → server with ack)
  liveCapabilities: 'live:capabilities',
  liveCreateTransport: 'live:createTransport',
  liveConnectTransport: 'live:connectTransport',
  liveConsume: 'live:consume',
  liveResume: 'live:resume',
  liveClose: 'live:close',
} as const;

export const roomNameSchema = z
  .string()
  .regex(/^(alerts|camera:[a-z0-9][a-z0-9_-]{0,62})$/, 'room must be "alerts" or "camera:<id>"');
export const subscribeRequestSchema = z.object({ room: roomNameSchema });
export const subscribeAckSchema = z.union([
  z.object({ ok: z.literal(true), room: z.string() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type SubscribeAck = z.infer<typeof subscribeAckSchema>;

/** `detections` payload (room camera:<id>; volatile, throttled per client): a DetectionBatch. */
export const detectionsEventSchema = detectionBatchSchema;
/** `alert` payload (room alerts): an AlertEvent as on JetStream (trace.emittedAt stamped by the gateway). */
export const alertSocketEventSchema = alertEventSchema;
/** `camera:status` payload (rooms alerts and camera:<id>): KV camera-status value, or a removal. */
export const cameraStatusEventSchema = z.union([
  cameraStatusSchema,
  z.object({ cameraId: z.string(), state: z.literal('removed') }),
]);

/** mediasoup signalling payloads (opaque mediasoup objects are passed through as JSON). */
export const liveCapabilitiesRequestSchema = z.object({ cameraId: z.string() });
export const liveCreateTransportRequestSchema = z.object({ cameraId: z.string() });
export const liveConnectTransportRequestSchema = z.object({
  transportId: z.string(),
  dtlsParameters: z.record(z.string(), z.unknown()),
});
export const liveConsumeRequestSchema = z.object({
  cameraId: z.string(),
  transportId: z.string(),
  rtpCapabilities: z.record(z.string(), z.unknown()),
});
export const liveResumeRequestSchema = z.object({ consumerId: z.string() });
export const liveCloseRequestSchema = z.object({ cameraId: z.string() });
