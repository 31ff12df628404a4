/**
 * The detection path of one inference worker: frames → per-model dynamic batcher → region crops →
 * session workers (tensor, run, decode) → boxes back in source coordinates → object filters →
 * per-camera tracker → JetStream `detections.<cameraId>` → hard-example miner.
 *
 * Batches of one model may run in several workers at once; their results are post-processed in the
 * order the batches were formed, so each camera's tracker sees its frames in capture order.
 */
import type { Detection, DetectionBatch, FrameMeta, Logger } from '@sentinel/common';
import { type Batch, type DropReason, DynamicBatcher } from '../batch/batcher.ts';
import { frameToSourceNorm, modelToFrame, type RegionTransform } from '../batch/geometry.ts';
import { computeRegions, type RegionOptions, regionInput } from '../batch/regions.ts';
import { applyObjectFilters, nonMaxSuppression } from '../decode/index.ts';
import type { DecodeOptions, ModelDetection } from '../decode/types.ts';
import type { HardExampleMiner } from '../mine/miner.ts';
import type { HardExamplePublisher } from '../mine/publisher.ts';
import { Tracker, type TrackerOptions } from '../track/tracker.ts';
import type { CameraSettings } from './camera-settings.ts';
import type { DetectionPublisher } from './detection-publisher.ts';
import type { InferenceMetrics } from './metrics.ts';
import type { ModelManager } from './model-manager.ts';

export type FrameJob = {
  cameraId: string;
  frameId: string;
  capturedAt: number;
  meta: FrameMeta;
  /** RGB24, meta.width x meta.height. */
  pixels: Uint8Array;
  receivedAt: number;
  modelId: string;
};

export type PipelineOptions = {
  maxBatchSize: number;
  maxDelayMs: number;
  maxFrameAgeMs: number;
  /** Batches in flight per model; 0 = one per session worker. */
  maxInFlight: number;
  /** Minimum score of a new or confirmed detection (tracker high score). */
  minScore: number;
  classThresholds: Readonly<Record<string, number>>;
  nmsIou: number;
  /** Only these labels are kept; empty = all. */
  labels: ReadonlySet<string>;
  /** Lowest score decoded (the tracker's second stage and the miner look below minScore). */
  decodeFloor: number;
  tracker: Partial<TrackerOptions>;
  regions: Omit<RegionOptions, 'mode'>;
};

export type PipelineDeps = {
  models: ModelManager;
  cameras: { get(id: string): CameraSettings | undefined };
  publisher: DetectionPublisher;
  miner?: HardExampleMiner;
  examples?: HardExamplePublisher;
  metrics: InferenceMetrics;
  logger: Logger;
};

const MAX_POST_BACKLOG = 4;

type Prepared = {
  job: FrameJob;
  transforms: RegionTransform[];
};

export class InferencePipeline {
  private readonly batchers = new Map<string, DynamicBatcher<FrameJob>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly trackers = new Map<string, Tracker>();
  /** Frames accepted and not yet published, `${camera}|${frame}`. */
  private readonly inFlight = new Set<string>();
  private readonly idPrefix = Math.random().toString(36).slice(2, 8);
  private trackerSeq = 0;
  /** Batches inferred and waiting for post-processing (publishing), per model. */
  private readonly postBacklog = new Map<string, number>();

  constructor(
    private readonly opts: PipelineOptions,
    private readonly deps: PipelineDeps,
  ) {}

  /** Queue a frame for detection; false when it was not taken (and why is counted). */
  submit(job: FrameJob): boolean {
    const key = `${job.cameraId}|${job.frameId}`;
    if (this.inFlight.has(key)) {
      this.deps.metrics.duplicates.inc();
      return false;
    }
    const accepted = this.batcher(job.modelId).push(job);
    if (accepted) this.inFlight.add(key);
    return accepted;
  }

  /** Frames waiting or running. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Forget a removed camera. */
  forget(cameraId: string): void {
    this.trackers.delete(cameraId);
    this.deps.miner?.forget(cameraId);
    this.deps.publisher.forget(cameraId);
  }

  /** Finish everything queued, then stop. */
  async drain(): Promise<void> {
    await Promise.all([...this.batchers.values()].map((b) => b.drain()));
    await Promise.all([...this.chains.values()]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.batchers.values()].map((b) => b.close()));
    await Promise.all([...this.chains.values()]);
  }

  private batcher(modelId: string): DynamicBatcher<FrameJob> {
    let b = this.batchers.get(modelId);
    if (b) return b;
    const lease = this.deps.models.acquire(modelId);
    const workers = lease?.model.pool.size ?? 1;
    lease?.release();
    b = new DynamicBatcher<FrameJob>(
      {
        maxBatchSize: this.opts.maxBatchSize,
        maxDelayMs: this.opts.maxDelayMs,
        maxFrameAgeMs: this.opts.maxFrameAgeMs,
        maxInFlight: this.opts.maxInFlight > 0 ? this.opts.maxInFlight : workers,
      },
      (batch) => this.runBatch(modelId, batch),
      {
        onDrop: (job, reason) => this.drop(job, reason),
        onError: (err, batch) => {
          this.deps.logger.error({ modelId, err: (err as Error).message }, 'batch failed');
          for (const job of batch.items) this.drop(job, 'error');
        },
      },
    );
    this.batchers.set(modelId, b);
    return b;
  }

  private drop(job: FrameJob, reason: DropReason | 'error' | 'no_model'): void {
    this.inFlight.delete(`${job.cameraId}|${job.frameId}`);
    this.deps.metrics.framesDropped.inc({ reason });
  }

  /** Runs one batch through a session; post-processing is chained in batch order. */
  private runBatch(modelId: string, batch: Batch<FrameJob>): Promise<void> {
    const inference = this.infer(modelId, batch);
    const prev = this.chains.get(modelId) ?? Promise.resolve();
    const next = prev.then(() =>
      inference.then(
        (r) => (r ? this.post(r.prepared, r.detections, r.inferredAt, r.modelId, batch.formedAt) : undefined),
        () => undefined,
      ),
    );
    this.chains.set(modelId, next);
    this.postBacklog.set(modelId, (this.postBacklog.get(modelId) ?? 0) + 1);
    void next.then(() => {
      this.postBacklog.set(modelId, (this.postBacklog.get(modelId) ?? 1) - 1);
      if (this.chains.get(modelId) === next) this.chains.delete(modelId);
    });
    // The batcher may start the next batch as soon as the session is free — unless publishing lags
    // (JetStream slow or down): then hold the batch slot, so frames wait in the batcher (latest wins,
    // stale ones dropped) instead of piling up in memory.
    return inference.then(async () => {
      if ((this.postBacklog.get(modelId) ?? 0) > MAX_POST_BACKLOG) await next;
    });
  }

  private async infer(modelId: string, batch: Batch<FrameJob>) {
    const { metrics } = this.deps;
    const lease = this.deps.models.acquire(modelId);
    if (!lease) {
      for (const job of batch.items) this.drop(job, 'no_model');
      return undefined;
    }
    try {
      const model = lease.model;
      const inW = model.spec.width;
      const inH = model.spec.height;
      metrics.batchFill.observe(batch.items.length / this.opts.maxBatchSize);
      for (const age of batch.queueAgesMs) metrics.queueAge.observe(age);
      const t0 = performance.now();
      const prepared: Prepared[] = [];
      const images: Uint8Array[] = [];
      for (const job of batch.items) {
        const cam = this.deps.cameras.get(job.cameraId);
        const regions = computeRegions(job.meta, inW, inH, {
          ...this.opts.regions,
          mode: cam?.detectRegions ?? 'full',
        });
        const inputs = await Promise.all(
          regions.map((r) => regionInput(job.pixels, job.meta.width, job.meta.height, r, inW, inH)),
        );
        prepared.push({ job, transforms: inputs.map((i) => i.transform) });
        for (const i of inputs) images.push(i.pixels);
      }
      const frameBytes = inW * inH * 3;
      const packed = new Uint8Array(images.length * frameBytes);
      for (const [i, img] of images.entries()) packed.set(img, i * frameBytes);
      const decode: DecodeOptions = model.decodeOptions({
        scoreThreshold: this.opts.decodeFloor,
        iouThreshold: this.opts.nmsIou,
      });
      const t1 = performance.now();
      metrics.stageLatency.observe({ stage: 'regions' }, t1 - t0);
      const result = await model.pool.detect(
        packed.buffer,
        images.length,
        images.map(() => decode),
      );
      const { prepMs, runMs, decodeMs } = result.timings;
      metrics.batchLatency.observe({ batch_size: String(images.length) }, prepMs + runMs + decodeMs);
      metrics.stageLatency.observe({ stage: 'prep' }, prepMs);
      metrics.stageLatency.observe({ stage: 'run' }, runMs);
      metrics.stageLatency.observe({ stage: 'decode' }, decodeMs);
      return { prepared, detections: result.detections, inferredAt: Date.now(), modelId: model.info.id };
    } finally {
      lease.release();
    }
  }

  private async post(
    prepared: Prepared[],
    detections: ModelDetection[][],
    inferredAt: number,
    modelId: string,
    batchedAt: number,
  ): Promise<void> {
    const t0 = performance.now();
    let image = 0;
    for (const { job, transforms } of prepared) {
      const perRegion = transforms.map((t) => ({ t, dets: detections[image++] ?? [] }));
      try {
        await this.postFrame(job, perRegion, inferredAt, modelId, batchedAt);
      } catch (err) {
        this.deps.logger.error(
          { cameraId: job.cameraId, frameId: job.frameId, err: (err as Error).message },
          'frame post-processing failed',
        );
        this.drop(job, 'error');
      }
    }
    this.deps.metrics.stageLatency.observe({ stage: 'post' }, performance.now() - t0);
  }

  private async postFrame(
    job: FrameJob,
    perRegion: Array<{ t: RegionTransform; dets: ModelDetection[] }>,
    inferredAt: number,
    modelId: string,
    batchedAt: number,
  ): Promise<void> {
    const { metrics } = this.deps;
    let raw: Detection[] = [];
    for (const { t, dets } of perRegion)
      for (const d of dets) {
        const box = frameToSourceNorm(modelToFrame(d.box, t), job.meta);
        if (box)
          raw.push({ label: d.label, classId: d.classId, score: Math.min(1, Math.max(0, d.score)), box });
      }
    if (perRegion.length > 1) raw = nonMaxSuppression(raw, this.opts.nmsIou, 300);
    if (this.opts.labels.size > 0) raw = raw.filter((d) => this.opts.labels.has(d.label));
    const filters = this.deps.cameras.get(job.cameraId)?.objectFilters;
    if (filters) raw = applyObjectFilters(raw, filters, job.meta.source);

    let tracker = this.trackers.get(job.cameraId);
    if (!tracker) {
      tracker = new Tracker(
        {
          highScore: this.opts.minScore,
          newTrackScore: Math.min(1, this.opts.minScore + 0.1),
          classHighScore: this.opts.classThresholds,
          ...this.opts.tracker,
        },
        `${this.idPrefix}${(this.trackerSeq++).toString(36)}`,
      );
      this.trackers.set(job.cameraId, tracker);
    }
    const last = tracker.lastUpdateAt;
    const key = `${job.cameraId}|${job.frameId}`;
    if (last !== undefined && job.capturedAt < last) {
      // Older than a frame already tracked (model switch race): not published, never out of order.
      this.inFlight.delete(key);
      metrics.framesDropped.inc({ reason: 'out_of_order' });
      return;
    }
    const update = tracker.update(raw, job.capturedAt, job.frameId);
    const batch: DetectionBatch = {
      cameraId: job.cameraId,
      frameId: job.frameId,
      capturedAt: job.capturedAt,
      trace: { ...job.meta.trace, batchedAt, inferredAt, publishedAt: Date.now() },
      modelId,
      source: job.meta.source,
      detections: update.detections.slice(0, 500),
    };
    const { sent } = await this.deps.publisher.publish(batch);
    this.inFlight.delete(key);
    const now = Date.now();
    metrics.framesProcessed.inc();
    metrics.fps.mark(job.cameraId, now);
    metrics.frameAge.observe(now - job.capturedAt);
    for (const d of update.detections)
      if (d.trackState !== 'lost') metrics.detections.inc({ label: d.label });
    void sent;

    if (this.deps.miner && this.deps.examples) {
      const jobs = this.deps.miner.observe(
        {
          meta: job.meta,
          pixels: job.pixels,
          modelId,
          raw,
          tracked: update.detections,
          ended: update.ended,
          labelSwitches: update.labelSwitches,
        },
        now,
      );
      for (const j of jobs)
        if (!this.deps.examples.enqueue(j)) metrics.hardExampleFailures.inc({ why: 'backlog_full' });
    }
  }
}
