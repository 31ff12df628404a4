/** Environment configuration → service options. */
import type { Config } from '@sentinel/common';
import { defaultModelInfo } from '../model/default-model.ts';
import { defaultTrackerOptions } from '../track/tracker.ts';
import type { InferenceServiceOptions } from './inference-service.ts';

export function serviceOptions(cfg: Config): InferenceServiceOptions {
  const classThresholds = cfg.INFERENCE_CLASS_THRESHOLDS;
  const band = cfg.INFERENCE_MINER_BAND;
  const labels = new Set(
    (cfg.INFERENCE_LABELS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  return {
    runtime: {
      workers: cfg.INFERENCE_WORKERS,
      intraOpThreads: cfg.INFERENCE_INTRA_OP_THREADS,
      interOpThreads: cfg.INFERENCE_INTER_OP_THREADS,
      provider: cfg.INFERENCE_PROVIDER,
      modelsDir: cfg.SENTINEL_MODELS_DIR,
    },
    defaultModelId: cfg.INFERENCE_DEFAULT_MODEL_ID,
    fallbackModels: [defaultModelInfo()],
    pipeline: {
      maxBatchSize: cfg.INFERENCE_MAX_BATCH,
      maxDelayMs: cfg.INFERENCE_MAX_BATCH_DELAY_MS,
      maxFrameAgeMs: cfg.INFERENCE_MAX_FRAME_AGE_MS,
      maxInFlight: cfg.INFERENCE_MAX_IN_FLIGHT,
      minScore: cfg.INFERENCE_MIN_SCORE,
      classThresholds,
      nmsIou: cfg.INFERENCE_NMS_IOU,
      labels,
      decodeFloor: Math.min(
        defaultTrackerOptions.lowScore,
        band[0],
        cfg.INFERENCE_MIN_SCORE,
        ...Object.values(classThresholds),
      ),
      tracker: {
        maxLostMs: cfg.INFERENCE_TRACK_MAX_LOST_MS,
        maxLostStationaryMs: cfg.INFERENCE_TRACK_MAX_LOST_STATIONARY_MS,
        stationaryMs: cfg.INFERENCE_STATIONARY_MS,
      },
      regions: { maxRegions: 4, margin: 1.25 },
    },
    miner: {
      enabled: cfg.INFERENCE_MINER_ENABLED,
      band,
      caps: {
        maxPerCameraPerHour: cfg.INFERENCE_MINER_MAX_PER_HOUR,
        minIntervalMs: cfg.INFERENCE_MINER_MIN_INTERVAL_MS,
        maxFeedbackPerCameraPerHour: 120,
      },
    },
  };
}
