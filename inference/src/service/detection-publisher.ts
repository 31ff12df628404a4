/**
 * Publishes one detection batch per processed frame on JetStream `detections.<cameraId>` with
 * `Nats-Msg-Id` = frameId, so the stream stores a frame once however often it is sent (a retry after
 * a lost ack, a frame delivered twice, two workers racing). Recent payloads are kept per camera so a
 * frame seen again is answered with the very same bytes instead of being detected (and tracked) twice.
 */
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import {
  type DetectionBatch,
  detectionBatchSchema,
  encodeJson,
  type Logger,
  subjects,
} from '@sentinel/common';

export type PublishOutcome = { ack?: PubAck; error?: Error };

const RECENT_PER_CAMERA = 64;

export class DetectionPublisher {
  private readonly recent = new Map<string, Map<string, Uint8Array>>();
  private outstanding = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly logger: Logger,
    private readonly opts: { retries: number; timeoutMs: number; maxOutstanding: number } = {
      retries: 3,
      timeoutMs: 5000,
      maxOutstanding: 256,
    },
    private readonly onFailure?: (err: Error, batch: { cameraId: string; frameId: string }) => void,
  ) {}

  /** True when this frame was already published by this worker. */
  seen(cameraId: string, frameId: string): boolean {
    return this.recent.get(cameraId)?.has(frameId) ?? false;
  }

  /** Send a frame's stored payload again (same Nats-Msg-Id: the stream keeps one). */
  republish(cameraId: string, frameId: string): Promise<PublishOutcome> | undefined {
    const data = this.recent.get(cameraId)?.get(frameId);
    if (!data) return undefined;
    return this.send(cameraId, frameId, data);
  }

  /**
   * Validate, remember and send a batch. Returns once the message is handed to the connection (in
   * order per camera); the returned promise resolves with the ack (or the final error).
   */
  async publish(batch: DetectionBatch): Promise<{ sent: Promise<PublishOutcome> }> {
    const data = encodeJson(detectionBatchSchema, 'detection batch', batch);
    let cam = this.recent.get(batch.cameraId);
    if (!cam) {
      cam = new Map();
      this.recent.set(batch.cameraId, cam);
    }
    cam.set(batch.frameId, data);
    if (cam.size > RECENT_PER_CAMERA) cam.delete(cam.keys().next().value!);
    // Bound memory when JetStream is slow: wait for acks before sending more.
    while (this.outstanding >= this.opts.maxOutstanding) await new Promise((r) => setTimeout(r, 5));
    return { sent: this.send(batch.cameraId, batch.frameId, data) };
  }

  /** Forget a camera. */
  forget(cameraId: string): void {
    this.recent.delete(cameraId);
  }

  private async send(cameraId: string, frameId: string, data: Uint8Array): Promise<PublishOutcome> {
    this.outstanding++;
    try {
      let last: Error | undefined;
      for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
        try {
          const ack = await this.js.publish(subjects.detections(cameraId), data, {
            msgID: frameId,
            timeout: this.opts.timeoutMs,
          });
          return { ack };
        } catch (err) {
          last = err as Error;
          if (attempt < this.opts.retries) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
      this.logger.warn({ cameraId, frameId, err: last?.message }, 'detection batch not stored in JetStream');
      this.onFailure?.(last!, { cameraId, frameId });
      return { error: last! };
    } finally {
      this.outstanding--;
    }
  }
}
