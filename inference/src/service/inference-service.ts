/**
 * The inference worker: frames from core NATS (`frames.>`, queue group `inference`, so N workers share
 * the cameras' frames; camera affinity forwards each frame to the one worker that owns its camera, so
 * the per-camera tracker sees the whole stream), per-camera model routing from KV `cameras`/`models`, the detection pipeline,
 * the hard-example miner and its feedback consumer. Bad input (missing/invalid headers, a payload of
 * the wrong size, an unknown model) is counted and logged (rate-limited) and never stops the worker.
 */
import { jetstream } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { Msg, Subscription } from '@nats-io/transport-node';
import {
  kvBuckets,
  type Logger,
  type ModelInfo,
  type NatsConnection,
  objectStores,
  queueGroups,
  readFrameHeaders,
  subjects,
} from '@sentinel/common';
import { HardExampleMiner, type MinerOptions } from '../mine/miner.ts';
import { HardExamplePublisher } from '../mine/publisher.ts';
import type { RuntimeOptions } from '../runtime/loaded-model.ts';
import { CameraAffinity } from './camera-affinity.ts';
import { type CameraSettings, parseCameraSettings } from './camera-settings.ts';
import { DetectionPublisher } from './detection-publisher.ts';
import { FeedbackConsumer } from './feedback-consumer.ts';
import { KvMirror } from './kv-mirror.ts';
import { createInferenceMetrics, type InferenceMetrics } from './metrics.ts';
import { ModelManager } from './model-manager.ts';
import { InferencePipeline, type PipelineOptions } from './pipeline.ts';

export type InferenceServiceOptions = {
  runtime: RuntimeOptions;
  defaultModelId: string;
  /** Registry entries used when KV `models` lacks them (the provisioned default model). */
  fallbackModels?: ModelInfo[];
  pipeline: PipelineOptions;
  miner: Partial<MinerOptions>;
  /** Durable name of the feedback consumer (shared by all workers). */
  feedbackDurable?: string;
  /** Frames subjects (default `frames.>`). */
  framesSubjects?: string[];
  /** Queue group (default `inference`); tests use their own. */
  queue?: string;
  modelManager?: { retryMs?: number; unloadIdleMs?: number; pinDefault?: boolean };
};

export class InferenceService {
  readonly metrics: InferenceMetrics;
  readonly models: ModelManager;
  private readonly cameras: KvMirror<CameraSettings>;
  private pipeline: InferencePipeline | undefined;
  private subs: Subscription[] = [];
  private feedback: FeedbackConsumer | undefined;
  private examples: HardExamplePublisher | undefined;
  private publisher: DetectionPublisher | undefined;
  private readonly warnedAt = new Map<string, number>();
  /** Keeps each camera on one worker when several share the queue group (the tracker is per camera). */
  readonly affinity: CameraAffinity;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: InferenceServiceOptions,
    private readonly logger: Logger,
    metrics?: InferenceMetrics,
  ) {
    this.metrics = metrics ?? createInferenceMetrics();
    this.models = new ModelManager(
      {
        runtime: opts.runtime,
        defaultModelId: opts.defaultModelId,
        fallbackModels: opts.fallbackModels ?? [],
        ...opts.modelManager,
      },
      logger.child({ component: 'models' }),
      this.metrics,
    );
    this.affinity = new CameraAffinity(nc, { group: opts.queue ?? queueGroups.inference });
    this.cameras = new KvMirror<CameraSettings>(kvBuckets.cameras, parseCameraSettings, logger, (c) => {
      if (!c.value) this.pipeline?.forget(c.key);
    });
  }

  async start(): Promise<void> {
    const js = jetstream(this.nc);
    await this.cameras.start(this.nc);
    await this.models.start(this.nc);
    const publisher = new DetectionPublisher(js, this.logger, undefined, () =>
      this.metrics.publishFailures.inc(),
    );
    let miner: HardExampleMiner | undefined;
    if (this.opts.miner.enabled !== false) {
      miner = new HardExampleMiner(this.opts.miner);
      const store = await new Objm(this.nc).open(objectStores.snapshots);
      this.examples = new HardExamplePublisher(js, store, this.logger.child({ component: 'miner' }), {
        onPublished: (e) => this.metrics.hardExamples.inc({ reason: e.reason }),
        onFailed: () => this.metrics.hardExampleFailures.inc({ why: 'error' }),
        onDropped: () => this.metrics.hardExampleFailures.inc({ why: 'backlog_full' }),
      });
      this.feedback = new FeedbackConsumer(
        this.nc,
        js,
        miner,
        this.examples,
        this.logger.child({ component: 'feedback' }),
        this.metrics,
        { durable: this.opts.feedbackDurable ?? 'inference-feedback', maxDeliver: 5 },
      );
      await this.feedback.start();
    }
    this.pipeline = new InferencePipeline(this.opts.pipeline, {
      models: this.models,
      cameras: this.cameras,
      publisher,
      ...(miner && this.examples ? { miner, examples: this.examples } : {}),
      metrics: this.metrics,
      logger: this.logger.child({ component: 'pipeline' }),
    });
    this.publisher = publisher;
    this.affinity.start((msg) => this.onFrame(msg, true));
    const framesSubjects = this.opts.framesSubjects ?? [subjects.framesAll];
    for (const subject of framesSubjects)
      this.subs.push(
        this.nc.subscribe(subject, {
          queue: this.opts.queue ?? queueGroups.inference,
          callback: (err, msg) => {
            if (err) this.logger.warn({ err: err.message }, 'frames subscription error');
            else this.onFrame(msg);
          },
        }),
      );
    this.logger.info(
      { subjects: framesSubjects, defaultModel: this.models.defaultModelId() },
      'inference service started',
    );
  }

  /** Frames accepted and not yet published. */
  get pending(): number {
    return this.pipeline?.pending ?? 0;
  }

  /** Readiness checks for /readyz. */
  readinessChecks(): Record<string, () => unknown> {
    return {
      nats: async () => {
        if (this.nc.isClosed()) throw new Error('nats connection closed');
        await this.nc.flush();
      },
      model: () => this.models.checkReady(),
      frames: () => {
        if (this.subs.length === 0 || this.subs.some((s) => s.isClosed()))
          throw new Error('not subscribed to frames');
      },
    };
  }

  /** Stop taking frames, finish those in flight (bounded), then release everything. */
  async stop(): Promise<void> {
    this.affinity.stop();
    await Promise.all(this.subs.filter((s) => !s.isClosed()).map((s) => s.drain().catch(() => undefined)));
    await this.feedback?.stop().catch(() => undefined);
    await Promise.race([this.pipeline?.drain(), new Promise((r) => setTimeout(r, 5000).unref())]);
    await this.pipeline?.close();
    await this.examples?.idle();
    await this.models.close();
    this.cameras.stop();
  }

  private onFrame(msg: Msg, forwarded = false): void {
    const { metrics } = this;
    if (!forwarded) metrics.framesReceived.inc();
    let meta: ReturnType<typeof readFrameHeaders>;
    try {
      meta = readFrameHeaders(msg.headers);
    } catch (err) {
      metrics.framesDropped.inc({ reason: 'invalid' });
      this.warn(
        `invalid:${msg.subject}`,
        { subject: msg.subject, err: (err as Error).message },
        'invalid frame dropped',
      );
      return;
    }
    // Forwarded frames are processed where they land, so differing membership views never ping-pong.
    if (!forwarded && this.affinity.forwardIfNotOwner(meta.cameraId, msg)) {
      metrics.framesForwarded.inc();
      return;
    }
    const expected = meta.width * meta.height * 3;
    if (msg.data.length !== expected) {
      metrics.framesDropped.inc({ reason: 'wrong_size' });
      this.warn(
        `size:${meta.cameraId}`,
        { cameraId: meta.cameraId, frameId: meta.frameId, bytes: msg.data.length, expected },
        `frame dropped: ${msg.data.length} bytes is not ${meta.width}x${meta.height} RGB24 (${expected} bytes)`,
      );
      return;
    }
    if (this.publisher?.seen(meta.cameraId, meta.frameId)) {
      metrics.duplicates.inc();
      void this.publisher.republish(meta.cameraId, meta.frameId);
      return;
    }
    const camera = this.cameras.get(meta.cameraId);
    // The camera's entry in KV is the source of truth; the frame's modelId (set by ingest) is a fallback.
    const modelId = this.models.route(meta.cameraId, camera?.modelId ?? meta.modelId);
    if (!modelId) {
      metrics.framesDropped.inc({ reason: 'no_model' });
      const wanted = camera?.modelId ?? meta.modelId ?? this.models.defaultModelId();
      this.warn(
        `nomodel:${meta.cameraId}`,
        { cameraId: meta.cameraId, modelId: wanted, error: this.models.failure(wanted) },
        'frame dropped: no model loaded for this camera yet',
      );
      return;
    }
    this.pipeline?.submit({
      cameraId: meta.cameraId,
      frameId: meta.frameId,
      capturedAt: meta.capturedAt,
      meta,
      pixels: msg.data,
      receivedAt: Date.now(),
      modelId,
    });
  }

  /** At most one warning per key per 30 s. */
  private warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if (now - (this.warnedAt.get(key) ?? 0) < 30_000) return;
    this.warnedAt.set(key, now);
    if (this.warnedAt.size > 10_000) this.warnedAt.clear();
    this.logger.warn(fields, message);
  }
}
