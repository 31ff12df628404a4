/** Helpers for service tests against the real local NATS. */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  type DetectionBatch,
  decodeJson,
  detectionBatchSchema,
  type FrameMeta,
  frameHeaders,
  kvBuckets,
  streamNames,
  subjects,
} from '@sentinel/common';
import { uniqueId } from '@sentinel/common/testing/index';

/** 64x64 frames of a 128x64 camera: scale 0.5, 16 px bars top and bottom. */
export const FRAME = { width: 64, height: 64, source: { width: 128, height: 64 }, scale: 0.5, padY: 16 };

/** A black 64x64 frame with a red 8x8 square on grid cell (cx, cy) (8 px cells). */
export function redSquare(cx: number, cy: number, size = 64): Uint8Array {
  const px = new Uint8Array(size * size * 3);
  for (let y = cy * 8; y < cy * 8 + 8; y++)
    for (let x = cx * 8; x < cx * 8 + 8; x++) px[(y * size + x) * 3] = 255;
  return px;
}

export function frameMeta(cameraId: string, seq: number, over: Partial<FrameMeta> = {}): FrameMeta {
  const now = Date.now();
  return {
    cameraId,
    frameId: `${cameraId}-${seq}`,
    capturedAt: now,
    trace: { decodedAt: now },
    seq,
    width: FRAME.width,
    height: FRAME.height,
    format: 'rgb24',
    source: FRAME.source,
    letterbox: { scale: FRAME.scale, padX: 0, padY: FRAME.padY },
    motion: { boxes: [], ratio: 0 },
    keepAlive: false,
    ...over,
  };
}

export function sendFrame(nc: NatsConnection, meta: FrameMeta, pixels: Uint8Array): void {
  nc.publish(subjects.frames(meta.cameraId), pixels, { headers: frameHeaders(meta) });
}

/** Every detection batch stored for a camera so far (reads the stream with a temporary consumer). */
export async function storedBatches(nc: NatsConnection, cameraId: string): Promise<DetectionBatch[]> {
  const jsm = await jetstreamManager(nc);
  const name = uniqueId('svc-read');
  await jsm.consumers.add(streamNames.detections, {
    name,
    filter_subject: subjects.detections(cameraId),
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
  });
  try {
    const c = await jetstream(nc).consumers.get(streamNames.detections, name);
    const info = await c.info();
    const total = info.num_pending;
    const out: DetectionBatch[] = [];
    if (total === 0) return out;
    const batch = await c.fetch({ max_messages: total, expires: 2000 });
    for await (const m of batch) {
      out.push(decodeJson(detectionBatchSchema, 'detection batch', m.data));
      if (out.length >= total) break;
    }
    return out;
  } finally {
    await jsm.consumers.delete(streamNames.detections, name).catch(() => undefined);
  }
}

export async function putKv(nc: NatsConnection, bucket: string, key: string, value: unknown): Promise<void> {
  const kv = await new Kvm(nc).open(bucket);
  await kv.put(key, new TextEncoder().encode(JSON.stringify(value)));
}

export async function deleteKv(nc: NatsConnection, bucket: string, key: string): Promise<void> {
  const kv = await new Kvm(nc).open(bucket);
  await kv.delete(key).catch(() => undefined);
}

/** A camera entry that no ingest worker will run (disabled), routed to `modelId`. */
export function cameraEntry(id: string, modelId?: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: id,
    url: 'rtsp://127.0.0.1:9/none',
    enabled: false,
    ...(modelId ? { modelId } : {}),
    ...extra,
  };
}

export { kvBuckets };
