import { z } from 'zod';
import { bool, nonNegativeInt, optionalString, port, positiveInt } from './env-types.ts';

/** Environment variables read by the ingest service (documented in .env.example). */
export const ingestEnv = {
  /** HTTP port of /healthz, /readyz and /metrics. Several workers on one host need distinct ports. */
  INGEST_OPS_PORT: port(9101),
  /** Worker identity used in leases and camera status; default `<hostname>-<pid>`. */
  INGEST_WORKER_ID: optionalString(),
  /**
   * Worker group: the worker takes only cameras tagged `ingest:<group>` (untagged cameras when empty)
   * and splits them only with peers of the same group (tests use it to stay apart from a running stack).
   */
  INGEST_GROUP: z.string().max(64).default(''),
  /** Most cameras one worker takes (also sizes the libuv thread pool: 3 threads per camera + 8). */
  INGEST_MAX_CAMERAS: positiveInt(16),
  /** Model input size: every frame is letterboxed to this width x height (RGB24). */
  INGEST_FRAME_WIDTH: positiveInt(512),
  INGEST_FRAME_HEIGHT: positiveInt(512),
  /** RTSP jitter-buffer latency in ms (rtspsrc latency, with drop-on-latency). */
  INGEST_RTSP_LATENCY_MS: z.coerce.number().int().min(0).max(2000).default(150),
  /** Seconds to wait for an RTSP server to accept the TCP connection. */
  INGEST_CONNECT_TIMEOUT_S: positiveInt(5),
  /** A camera with no frame for this long is restarted with reason no_frames. */
  INGEST_WATCHDOG_MS: positiveInt(10_000),
  /** Reconnect backoff: first delay and cap in ms (exponential, with +-20% jitter). */
  INGEST_BACKOFF_INITIAL_MS: positiveInt(1_000),
  INGEST_BACKOFF_MAX_MS: positiveInt(30_000),
  /** After this many failed attempts in a row a reconnecting camera is reported offline (retries continue). */
  INGEST_OFFLINE_AFTER_ATTEMPTS: positiveInt(5),
  /** Keep publishing frames this long after the last motion (bridges until inference reports tracks). */
  INGEST_MOTION_HOLD_MS: nonNegativeInt(1_000),
  /** A camera has active tracks while detections with objects arrived on detections.<cam> within this window. */
  INGEST_TRACK_HOLD_MS: nonNegativeInt(3_000),
  /** JPEG snapshot rate per camera (the ring and <camera>/latest.jpg in object store `snapshots`); 0 disables. */
  INGEST_SNAPSHOT_FPS: z.coerce.number().min(0).max(5).default(1),
  /** Number of ring slots `<camera>/ring/<n>.jpg` besides `<camera>/latest.jpg`; 0 keeps only latest. */
  INGEST_SNAPSHOT_RING: nonNegativeInt(5),
  /** JPEG quality of snapshots (1-100). */
  INGEST_SNAPSHOT_QUALITY: z.coerce.number().int().min(1).max(100).default(80),
  /**
   * Optional H.264 pass-through for live view (no transcoding): `cameraId=host:port,...` sends that
   * camera's video as RTP/UDP (payload type 96) to host:port, e.g. a mediasoup PlainTransport. Off when empty.
   */
  INGEST_LIVE_RTP: optionalString(),
  /** Seconds between camera-status refreshes (fps, updatedAt) while nothing changes. */
  INGEST_STATUS_INTERVAL_S: positiveInt(5),
  /** Publish frames even without motion (disables motion gating for every camera; for benchmarks). */
  INGEST_DISABLE_MOTION_GATING: bool(false),
};
