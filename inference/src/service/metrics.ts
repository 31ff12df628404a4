/** Prometheus metrics of the inference service. */
import { createMetricsRegistry, latencyBucketsMs, prom } from '@sentinel/common';

export type InferenceMetrics = ReturnType<typeof createInferenceMetrics>;

export function createInferenceMetrics(registry = createMetricsRegistry('inference')) {
  const fps = new CameraRate(10_000);
  const m = {
    registry,
    fps,
    framesReceived: new prom.Counter({
      name: 'inference_frames_received_total',
      help: 'Frames received on frames.>',
      registers: [registry],
    }),
    framesForwarded: new prom.Counter({
      name: 'inference_frames_forwarded_total',
      help: 'Frames handed to the worker that owns their camera (camera affinity)',
      registers: [registry],
    }),
    framesDropped: new prom.Counter({
      name: 'inference_frames_dropped_total',
      help: 'Frames not detected, by reason (stale, superseded, wrong_size, invalid, no_model, duplicate, closed, error)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    framesProcessed: new prom.Counter({
      name: 'inference_frames_processed_total',
      help: 'Frames detected and published',
      registers: [registry],
    }),
    batchLatency: new prom.Histogram({
      name: 'inference_batch_latency_ms',
      help: 'Time of one batch in the session worker (tensor prep + run + decode), by batch size',
      labelNames: ['batch_size'] as const,
      buckets: latencyBucketsMs,
      registers: [registry],
    }),
    stageLatency: new prom.Histogram({
      name: 'inference_stage_ms',
      help: 'Time per pipeline stage (regions, prep, run, decode, post)',
      labelNames: ['stage'] as const,
      buckets: latencyBucketsMs,
      registers: [registry],
    }),
    batchFill: new prom.Histogram({
      name: 'inference_batch_fill_ratio',
      help: 'Frames in a batch / max batch size',
      buckets: [0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1],
      registers: [registry],
    }),
    queueAge: new prom.Histogram({
      name: 'inference_queue_age_ms',
      help: 'Time a frame waited in the batcher',
      buckets: latencyBucketsMs,
      registers: [registry],
    }),
    frameAge: new prom.Histogram({
      name: 'inference_frame_age_ms',
      help: 'Capture to publish of a detection batch',
      buckets: latencyBucketsMs,
      registers: [registry],
    }),
    detections: new prom.Counter({
      name: 'inference_detections_total',
      help: 'Published detections (rate() = detections per second), by label',
      labelNames: ['label'] as const,
      registers: [registry],
    }),
    cameraFps: new prom.Gauge({
      name: 'inference_camera_fps',
      help: 'Frames per second detected per camera (last 10 s)',
      labelNames: ['camera'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [camera, rate] of fps.rates()) this.set({ camera }, rate);
      },
    }),
    modelLoaded: new prom.Gauge({
      name: 'inference_model_loaded',
      help: '1 for each loaded model, with its execution provider',
      labelNames: ['model', 'provider'] as const,
      registers: [registry],
    }),
    modelErrors: new prom.Counter({
      name: 'inference_model_errors_total',
      help: 'Model load failures and routing errors (unknown model id), by model',
      labelNames: ['model', 'kind'] as const,
      registers: [registry],
    }),
    publishFailures: new prom.Counter({
      name: 'inference_publish_failures_total',
      help: 'Detection batches that could not be stored in JetStream after retries',
      registers: [registry],
    }),
    duplicates: new prom.Counter({
      name: 'inference_duplicate_frames_total',
      help: 'Frames received again (republished with the same Nats-Msg-Id)',
      registers: [registry],
    }),
    hardExamples: new prom.Counter({
      name: 'inference_hard_examples_total',
      help: 'Hard examples published, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    hardExampleFailures: new prom.Counter({
      name: 'inference_hard_example_failures_total',
      help: 'Hard examples not published (error or backlog full), by why',
      labelNames: ['why'] as const,
      registers: [registry],
    }),
  };
  return m;
}

/** Events per second per camera over a sliding window. */
export class CameraRate {
  private readonly times = new Map<string, number[]>();

  constructor(private readonly windowMs: number) {}

  mark(cameraId: string, now = Date.now()): void {
    const list = this.times.get(cameraId) ?? [];
    list.push(now);
    while (list.length > 0 && now - list[0]! > this.windowMs) list.shift();
    this.times.set(cameraId, list);
  }

  rates(now = Date.now()): Map<string, number> {
    const out = new Map<string, number>();
    for (const [cam, list] of this.times) {
      while (list.length > 0 && now - list[0]! > this.windowMs) list.shift();
      if (list.length === 0) this.times.delete(cam);
      else out.set(cam, list.length / (this.windowMs / 1000));
    }
    return out;
  }
}
