import { envSchema, parseEnv } from '@sentinel/common';
import type { RunnerSettings } from './camera/camera-runner.ts';
import { hasElement } from './pipeline/gst-session.ts';
import { parseLiveRtp, type WorkerOptions } from './worker.ts';

export type IngestConfig = ReturnType<typeof loadIngestConfig>;

/** Ingest configuration from the environment (common/src/config/ingest.ts documents each variable). */
export function loadIngestConfig(env: Record<string, string | undefined> = process.env) {
  return parseEnv(envSchema, env);
}

/** Threads the libuv pool needs: per camera one frame pull, one snapshot pull, one bus poll; plus headroom. */
export const threadPoolSize = (maxCameras: number) => maxCameras * 3 + 8;

export function workerOptions(cfg: IngestConfig): WorkerOptions {
  const availableDecoders = new Set(['nvh264dec', 'vah264dec'].filter((d) => hasElement(d)));
  const settings: RunnerSettings = {
    width: cfg.INGEST_FRAME_WIDTH,
    height: cfg.INGEST_FRAME_HEIGHT,
    latencyMs: cfg.INGEST_RTSP_LATENCY_MS,
    connectTimeoutS: cfg.INGEST_CONNECT_TIMEOUT_S,
    snapshotFps: cfg.INGEST_SNAPSHOT_FPS,
    snapshotQuality: cfg.INGEST_SNAPSHOT_QUALITY,
    availableDecoders,
    watchdogMs: cfg.INGEST_WATCHDOG_MS,
    backoffInitialMs: cfg.INGEST_BACKOFF_INITIAL_MS,
    backoffMaxMs: cfg.INGEST_BACKOFF_MAX_MS,
    offlineAfterAttempts: cfg.INGEST_OFFLINE_AFTER_ATTEMPTS,
    motionHoldMs: cfg.INGEST_MOTION_HOLD_MS,
    disableGating: cfg.INGEST_DISABLE_MOTION_GATING,
    snapshotRing: cfg.INGEST_SNAPSHOT_RING,
  };
  return {
    workerId: cfg.INGEST_WORKER_ID,
    group: cfg.INGEST_GROUP,
    maxCameras: cfg.INGEST_MAX_CAMERAS,
    settings,
    trackHoldMs: cfg.INGEST_TRACK_HOLD_MS,
    statusIntervalS: cfg.INGEST_STATUS_INTERVAL_S,
    liveRtp: parseLiveRtp(cfg.INGEST_LIVE_RTP),
  };
}
