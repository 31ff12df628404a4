import { z } from 'zod';
import { cameraIdSchema, epochMsSchema } from './common.ts';

/** Reply to `snapshots.request.<cameraId>`: where the fresh JPEG lies in object store `snapshots`, or why not. */
export const snapshotReplySchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    cameraId: cameraIdSchema,
    /** Object-store key, e.g. `<cameraId>/snap-<capturedAt>.jpg`. */
    key: z.string().min(1),
    capturedAt: epochMsSchema,
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    bytes: z.number().int().positive(),
  }),
  z.object({
    ok: z.literal(false),
    cameraId: cameraIdSchema,
    error: z.enum(['not_streaming', 'no_recent_frame', 'store_failed']),
    detail: z.string().max(500).optional(),
  }),
]);
export type SnapshotReply = z.infer<typeof snapshotReplySchema>;

/** Object-store keys of a camera's snapshots. */
export const snapshotKeys = {
  latest: (cameraId: string) => `${cameraId}/latest.jpg`,
  ring: (cameraId: string, slot: number) => `${cameraId}/ring/${slot}.jpg`,
  onDemand: (cameraId: string, capturedAt: number) => `${cameraId}/snap-${capturedAt}.jpg`,
};

/** Heartbeat of one ingest worker on core NATS `ingest.heartbeat`. */
export const ingestHeartbeatSchema = z.object({
  workerId: z.string().min(1).max(128),
  at: epochMsSchema,
  owned: z.array(cameraIdSchema),
  capacity: z.number().int().nonnegative(),
  /** Workers only split cameras with peers of the same group (cameras tagged `ingest:<group>`; '' = untagged). */
  group: z.string().max(64).default(''),
  /** False when the worker is shutting down: peers stop counting it at once. */
  alive: z.boolean().default(true),
});
export type IngestHeartbeat = z.infer<typeof ingestHeartbeatSchema>;
