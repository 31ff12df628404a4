/**
 * Sends hard examples: the frame's picture (letterbox bars cut off) as a JPEG into the `snapshots`
 * object store, then the example on JetStream `annotate.candidates.<cameraId>` with its id as
 * `Nats-Msg-Id` (a retry within the duplicate window is stored once). Jobs run in the background, one
 * at a time, with a bounded backlog so mining never slows the detection path.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import {
  encodeJson,
  type HardExample,
  hardExampleSchema,
  type Logger,
  objectStores,
  subjects,
} from '@sentinel/common';
import sharp from 'sharp';
import { pictureRect } from '../batch/geometry.ts';
import type { HardExampleJob } from './miner.ts';

export type PublisherHooks = {
  onPublished?: (example: HardExample) => void;
  onFailed?: (job: HardExampleJob, err: unknown) => void;
  onDropped?: (job: HardExampleJob) => void;
};

export class HardExamplePublisher {
  private readonly queue: HardExampleJob[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly store: ObjectStore,
    private readonly logger: Logger,
    private readonly hooks: PublisherHooks = {},
    private readonly maxBacklog = 8,
  ) {}

  /** Queue a job; drops it (and says so) when the backlog is full. */
  enqueue(job: HardExampleJob): boolean {
    if (this.queue.length >= this.maxBacklog) {
      this.hooks.onDropped?.(job);
      return false;
    }
    this.queue.push(job);
    this.running ??= this.work().finally(() => {
      this.running = undefined;
    });
    return true;
  }

  /** Wait until the queue is empty. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async work(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      try {
        const example = await this.publish(job);
        this.hooks.onPublished?.(example);
      } catch (err) {
        this.logger.warn(
          { err, cameraId: job.cameraId, frameId: job.frameId, reason: job.reason },
          'hard example not published',
        );
        this.hooks.onFailed?.(job, err);
      }
    }
  }

  /** Encode, store and publish one job now. */
  async publish(job: HardExampleJob): Promise<HardExample> {
    let imageKey: string;
    let width: number;
    let height: number;
    if (job.image.kind === 'frame') {
      const { meta, pixels } = job.image;
      const [left, top, w, h] = pictureRect(meta);
      const jpeg = await sharp(pixels, { raw: { width: meta.width, height: meta.height, channels: 3 } })
        .extract({ left, top, width: w, height: h })
        .jpeg({ quality: 90 })
        .toBuffer();
      imageKey = `hard-examples/${job.cameraId}/${job.exampleId}.jpg`;
      await this.store.putBlob(
        { name: imageKey, description: `hard example ${job.reason} of ${job.cameraId}` },
        new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.length),
      );
      width = w;
      height = h;
    } else {
      imageKey = job.image.key;
      const blob = await this.store.getBlob(imageKey);
      if (!blob)
        throw new Error(`snapshot '${imageKey}' is not in the ${objectStores.snapshots} object store`);
      const info = await sharp(blob).metadata();
      if (!info.width || !info.height) throw new Error(`snapshot '${imageKey}' is not a readable image`);
      width = info.width;
      height = info.height;
    }
    const example: HardExample = {
      cameraId: job.cameraId,
      frameId: job.frameId,
      capturedAt: job.capturedAt,
      trace: {},
      exampleId: job.exampleId,
      reason: job.reason,
      imageKey,
      width,
      height,
      modelId: job.modelId,
      ...(job.trackId ? { trackId: job.trackId } : {}),
      boxes: job.boxes,
    };
    const data = encodeJson(hardExampleSchema, 'hard example', example);
    await this.js.publish(subjects.annotateCandidates(job.cameraId), data, { msgID: job.exampleId });
    return example;
  }
}
