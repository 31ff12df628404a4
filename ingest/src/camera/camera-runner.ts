import {
  type CameraConfig,
  type CameraErrorReason,
  type CameraState,
  type CameraStatus,
  type FrameMeta,
  type Logger,
  redactUrl,
} from '@sentinel/common';
import type { IngestMetrics } from '../metrics.ts';
import { MotionDetector } from '../motion/motion-detector.ts';
import { type BusError, classifyBusError, errorDetail } from '../pipeline/classify.ts';
import { describePipeline, letterbox, type PipelineOptions } from '../pipeline/describe.ts';
import { type Caps, GstSession } from '../pipeline/gst-session.ts';
import { backoffMs } from './backoff.ts';

export type RunnerSettings = PipelineOptions & {
  watchdogMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  offlineAfterAttempts: number;
  motionHoldMs: number;
  disableGating: boolean;
  snapshotRing: number;
};

export type Snapshot = { jpeg: Buffer; capturedAt: number; width: number; height: number };

export type RunnerDeps = {
  workerId: string;
  settings: RunnerSettings;
  logger: Logger;
  metrics: IngestMetrics;
  /** Publish one frame; false when NATS cannot take it now (disconnected). */
  publishFrame(cameraId: string, meta: FrameMeta, rgb: Uint8Array): 'ok' | 'nats_down' | 'too_large';
  writeStatus(status: CameraStatus): void;
  storeSnapshot(cameraId: string, snap: Snapshot, slot: number): Promise<void>;
  hasActiveTracks(cameraId: string): boolean;
};

/** A camera the catalog holds but whose config does not validate. */
export type InvalidCamera = { id: string; invalid: string; tags: string[] };

/** Errors that will not fix themselves: reported as `error` (retries continue, slower). */
const PERMANENT: CameraErrorReason[] = ['unauthorized', 'not_found', 'unsupported_codec'];

/**
 * Runs one camera: pipeline sessions, state machine (starting -> streaming -> reconnecting ->
 * offline | error(reason)), reconnect backoff with jitter, no-frame watchdog, motion gating and
 * frame publishing (latest frame wins: appsink keeps one buffer and drops the rest).
 */
export class CameraRunner {
  state: CameraState = 'starting';
  reason: CameraErrorReason | undefined;
  detail: string | undefined;
  since = Date.now();
  reconnects = 0;
  private attempts = 0;
  private session: GstSession | undefined;
  private generation = 0;
  private sessionStartedAt = 0;
  private lastFrameAt = 0;
  private hadFrames = false;
  private noVideoStream = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private seq = 0;
  private source: { width: number; height: number } | undefined;
  private lastPublishedAt = 0;
  private lastMotionAt = 0;
  private frameTimes: number[] = [];
  /** Counter samples of this session: decoded frames and encoded units, when they last grew. */
  private counts = { decoded: 0, encoded: 0, frames: 0, encodedGrewAt: 0 };
  private decodeSamples: Array<{ at: number; decoded: number; encoded: number }> = [];
  private firstFrameAt = 0;
  private framesThisSession = 0;
  private motion: MotionDetector;
  private snapshotCount = 0;
  private snapshotBusy = false;
  private warnedTooLarge = false;
  /** Limit to the detect fps in Node (set for streams whose frame rate videorate cannot negotiate). */
  private jsRate = false;
  private lastAcceptedAt = 0;
  latestSnapshot: Snapshot | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(
    private camera: CameraConfig | InvalidCamera,
    private readonly deps: RunnerDeps,
  ) {
    this.log = deps.logger.child({ camera: camera.id });
    this.motion = new MotionDetector(this.motionOptions());
  }

  get id(): string {
    return this.camera.id;
  }

  /** Decoded frames per second over the last ~5 s (before rate limiting to the detect fps). */
  get fps(): number {
    const s = this.decodeSamples;
    if (s.length >= 2) {
      const a = s[0]!;
      const b = s[s.length - 1]!;
      const span = (b.at - a.at) / 1000;
      if (span > 0) return Math.round(((b.decoded - a.decoded) / span) * 100) / 100;
    }
    // No decoder counter (or too early): frames delivered at the detect rate.
    const now = Date.now();
    this.frameTimes = this.frameTimes.filter((t) => now - t <= 5000);
    if (this.frameTimes.length < 2) return 0;
    const span = (now - this.frameTimes[0]!) / 1000;
    return span > 0 ? Math.round((this.frameTimes.length / Math.max(span, 1)) * 100) / 100 : 0;
  }

  private motionOptions() {
    const c = this.camera as CameraConfig;
    return {
      threshold: c.motion?.threshold ?? 30,
      minArea: c.motion?.minArea ?? 0.0005,
      masks: (c.motion?.masks ?? []) as Array<Array<readonly [number, number]>>,
    };
  }

  start(): void {
    this.stopped = false;
    this.setState('starting');
    if ('invalid' in this.camera) {
      this.setState('error', 'invalid_url', this.camera.invalid);
      return;
    }
    this.watchdog = setInterval(() => this.checkWatchdog(), 1000);
    this.watchdog.unref();
    this.connect();
  }

  /** Apply a changed config: restart only when the pipeline would differ. */
  reconfigure(next: CameraConfig | InvalidCamera, frameSize?: { width: number; height: number }): void {
    const prev = this.camera;
    this.camera = next;
    const s = this.deps.settings;
    const resized = frameSize !== undefined && (frameSize.width !== s.width || frameSize.height !== s.height);
    if (resized) this.deps.settings = { ...s, ...frameSize };
    if (resized || 'invalid' in next || 'invalid' in prev || pipelineKey(prev) !== pipelineKey(next)) {
      this.log.info('camera config changed: restarting pipeline');
      this.jsRate = false;
      this.stop();
      this.attempts = 0;
      this.start();
      return;
    }
    this.motion.update(this.motionOptions());
  }

  private connect(): void {
    if (this.stopped || 'invalid' in this.camera) return;
    const camera = this.camera;
    const gen = ++this.generation;
    this.hadFrames = false;
    this.noVideoStream = false;
    this.sessionStartedAt = Date.now();
    this.counts = { decoded: 0, encoded: 0, frames: 0, encodedGrewAt: 0 };
    this.decodeSamples = [];
    this.framesThisSession = 0;
    let desc: ReturnType<typeof describePipeline>;
    try {
      desc = describePipeline(camera, this.deps.settings, this.jsRate);
    } catch (err) {
      this.fail('invalid_url', (err as Error).message);
      return;
    }
    const guard =
      <A extends unknown[]>(fn: (...a: A) => void) =>
      (...a: A) => {
        if (gen === this.generation && !this.stopped) fn(...a);
      };
    const props: Record<string, Record<string, string>> = {};
    if (desc.credentials && desc.kind === 'rtsp')
      props.src = { 'user-id': desc.credentials.user, 'user-pw': desc.credentials.password };
    this.session = new GstSession(
      desc.description,
      {
        onFrame: guard((buf: Buffer, caps: Caps) => this.onFrame(buf, caps)),
        onSnapshot: guard((buf: Buffer, caps: Caps) => this.onSnapshot(buf, caps)),
        onError: guard((err: BusError) => {
          if (!this.hadFrames && !this.jsRate && /not-negotiated/.test(err.debug ?? '')) {
            // Most likely a variable frame rate (no timing in the SPS) that videorate cannot
            // negotiate: retry at once with the detect rate limited in Node.
            this.jsRate = true;
            this.log.info('stream did not negotiate a frame rate: limiting to the detect fps in Node');
            this.session?.stop();
            this.session = undefined;
            this.generation++;
            setImmediate(() => this.connect());
            return;
          }
          const reason = classifyBusError(err, {
            hadFrames: this.hadFrames,
            noVideoStream: this.noVideoStream,
          });
          this.fail(reason, errorDetail(err, this.secrets()));
        }),
        onWarning: guard((w: BusError) => {
          if (/failed delayed linking/.test(w.debug ?? '')) this.noVideoStream = true;
        }),
        onEos: guard(() => this.fail('stream_ended', 'end of stream')),
      },
      props,
    );
    this.log.info(
      { location: redactUrl(desc.location), decoder: desc.decoder, attempt: this.attempts },
      'starting pipeline',
    );
    try {
      this.session.start();
    } catch (err) {
      this.fail('internal', errorDetail({ message: (err as Error).message }, this.secrets()));
    }
  }

  private secrets(): string[] {
    const c = this.camera as CameraConfig;
    const out = [c.password ?? '', c.username ?? ''];
    try {
      const u = new URL(c.url);
      out.push(decodeURIComponent(u.password), decodeURIComponent(u.username));
    } catch {
      /* ignore */
    }
    return out.filter((s) => s.length > 0);
  }

  /** Every second: sample the decoder counters (metrics) and fail a session that stopped delivering frames. */
  private checkWatchdog(): void {
    if (this.stopped || !this.session) return;
    const now = Date.now();
    const c = this.session.counters();
    const m = this.deps.metrics;
    if (c.decoded !== undefined) {
      const dDecoded = Math.max(0, c.decoded - this.counts.decoded);
      const dFrames = this.framesThisSession - this.counts.frames;
      m.decoded.inc({ camera: this.id }, dDecoded);
      // Decoded frames the detect branch skipped (videorate to detect fps, leaky queue).
      if (dDecoded > dFrames) m.dropped.inc({ camera: this.id, reason: 'rate' }, dDecoded - dFrames);
      this.counts.decoded = c.decoded;
      this.counts.frames = this.framesThisSession;
      this.decodeSamples.push({ at: now, decoded: c.decoded, encoded: c.encoded ?? 0 });
      if (this.decodeSamples.length > 6) this.decodeSamples.shift();
      m.fps.set({ camera: this.id }, this.fps);
    }
    if (c.encoded !== undefined && c.encoded > this.counts.encoded) {
      this.counts.encoded = c.encoded;
      this.counts.encodedGrewAt = now;
    }
    if (this.detectCorruption(now)) return;
    // A session that streams for 10 s counts as healthy: later failures start the backoff again.
    if (this.hadFrames && this.attempts > 0 && now - this.firstFrameAt > 10_000) this.attempts = 0;
    const since = Math.max(this.lastFrameAt, this.sessionStartedAt);
    if (now - since <= this.deps.settings.watchdogMs) return;
    const secs = Math.round((now - since) / 1000);
    if (this.counts.encodedGrewAt > since)
      this.fail('corrupt_stream', `video data keeps arriving but nothing decoded for ${secs} s`);
    else this.fail('no_frames', `no frame for ${secs} s`);
  }

  /**
   * After the first decoded frame every encoded unit should decode (one picture per access unit).
   * When video keeps arriving but fewer than half of it decodes for ~5 s, the bitstream is corrupt
   * (the decoder conceals damage and only now and then emits a picture, so the watchdog alone never fires).
   */
  private detectCorruption(now: number): boolean {
    if (!this.hadFrames) return false;
    const from = Math.max(now - 5000, this.firstFrameAt);
    const first = this.decodeSamples.find((x) => x.at >= from);
    const last = this.decodeSamples[this.decodeSamples.length - 1];
    if (!first || !last || last.at - first.at < 4000) return false;
    const units = last.encoded - first.encoded;
    const pictures = last.decoded - first.decoded;
    if (units < 10 || pictures >= units / 2) return false;
    this.fail(
      'corrupt_stream',
      `only ${pictures} of ${units} video units decoded in ${Math.round((last.at - first.at) / 1000)} s`,
    );
    return true;
  }

  private fail(reason: CameraErrorReason, detail: string): void {
    this.session?.stop();
    this.session = undefined;
    this.generation++;
    if (this.stopped) return;
    this.attempts++;
    this.reconnects++;
    this.deps.metrics.reconnects.inc({ camera: this.id, reason });
    const state: CameraState =
      reason === 'invalid_url' || PERMANENT.includes(reason)
        ? 'error'
        : this.attempts >= this.deps.settings.offlineAfterAttempts
          ? 'offline'
          : 'reconnecting';
    this.setState(state, reason, detail);
    if (reason === 'invalid_url') return;
    const s = this.deps.settings;
    const delay = backoffMs(this.attempts, s.backoffInitialMs, s.backoffMaxMs);
    this.log.warn(
      { reason, detail, state, retryInMs: delay, attempt: this.attempts },
      'camera pipeline failed',
    );
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.retryTimer.unref();
  }

  private onSnapshot(buf: Buffer, caps: Caps): void {
    if (!caps.width || !caps.height) return;
    this.source = { width: caps.width, height: caps.height };
    const snap: Snapshot = { jpeg: buf, capturedAt: Date.now(), width: caps.width, height: caps.height };
    this.latestSnapshot = snap;
    if (this.snapshotBusy) return; // the store is slower than the ring rate: skip, never queue
    this.snapshotBusy = true;
    const ring = this.deps.settings.snapshotRing;
    const slot = ring > 0 ? this.snapshotCount++ % ring : -1;
    this.deps
      .storeSnapshot(this.id, snap, slot)
      .then(() => this.deps.metrics.snapshots.inc({ camera: this.id, kind: 'ring' }))
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'snapshot store failed'))
      .finally(() => {
        this.snapshotBusy = false;
      });
  }

  private onFrame(rgb: Buffer, caps: Caps): void {
    const capturedAt = Date.now();
    const camera = this.camera as CameraConfig;
    const m = this.deps.metrics;
    this.framesThisSession++;
    this.lastFrameAt = capturedAt;
    this.frameTimes.push(capturedAt);
    if (this.frameTimes.length > 200) this.frameTimes.splice(0, 100);
    if (!this.hadFrames) {
      this.hadFrames = true;
      this.firstFrameAt = capturedAt;
      this.setState('streaming');
    }
    // Never more than the detect fps (videorate already limits, unless the stream has no fixed rate).
    if (capturedAt - this.lastAcceptedAt < (1000 / camera.detectFps) * 0.6) {
      m.dropped.inc({ camera: this.id, reason: 'rate' });
      return;
    }
    this.lastAcceptedAt = capturedAt;
    const width = caps.width ?? this.deps.settings.width;
    const height = caps.height ?? this.deps.settings.height;
    const source =
      this.source ?? (this.deps.settings.snapshotFps > 0 ? undefined : contentSize(rgb, width, height));
    if (!source) {
      m.dropped.inc({ camera: this.id, reason: 'no_source_size' });
      return;
    }
    const lb = letterbox(source, { width, height });
    const gating = camera.motion.enabled && !this.deps.settings.disableGating;
    const motion = camera.motion.enabled
      ? this.motion.detect(rgb, width, lb.content)
      : { boxes: [], ratio: 0, calibrated: false };
    m.motionRatio.set({ camera: this.id }, motion.ratio);
    let kind: 'motion' | 'track' | 'keepalive' | 'ungated' | undefined;
    if (!gating) kind = 'ungated';
    else if (motion.boxes.length > 0) {
      kind = 'motion';
      this.lastMotionAt = capturedAt;
    } else if (capturedAt - this.lastMotionAt < this.deps.settings.motionHoldMs) kind = 'motion';
    else if (this.deps.hasActiveTracks(this.id)) kind = 'track';
    else if (capturedAt - this.lastPublishedAt >= camera.keepAliveSeconds * 1000) kind = 'keepalive';
    if (!kind) {
      m.dropped.inc({ camera: this.id, reason: 'no_motion' });
      return;
    }
    const seq = this.seq++;
    const meta: FrameMeta = {
      cameraId: this.id,
      frameId: `${this.id}-${this.sessionStartedAt}-${seq}`,
      capturedAt,
      trace: { decodedAt: capturedAt },
      seq,
      width,
      height,
      format: 'rgb24',
      source,
      letterbox: { scale: lb.scale, padX: lb.padX, padY: lb.padY },
      motion: { boxes: motion.boxes, ratio: motion.ratio },
      keepAlive: kind === 'keepalive',
      ...(camera.modelId ? { modelId: camera.modelId } : {}),
    };
    const r = this.deps.publishFrame(this.id, meta, rgb);
    if (r === 'ok') {
      this.lastPublishedAt = capturedAt;
      m.published.inc({ camera: this.id, kind });
    } else {
      m.dropped.inc({ camera: this.id, reason: r });
      if (r === 'too_large' && !this.warnedTooLarge) {
        this.warnedTooLarge = true;
        this.log.error(
          { bytes: rgb.length },
          'frame larger than the NATS max_payload: raise max_payload on the server or lower INGEST_FRAME_WIDTH/HEIGHT',
        );
      }
    }
  }

  /** A JPEG no older than maxAgeMs, for on-demand snapshot requests. */
  freshSnapshot(maxAgeMs: number): Snapshot | undefined {
    const s = this.latestSnapshot;
    return s && Date.now() - s.capturedAt <= maxAgeMs ? s : undefined;
  }

  status(): CameraStatus {
    const now = Date.now();
    return {
      cameraId: this.id,
      state: this.state,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.detail ? { detail: this.detail.slice(0, 500) } : {}),
      workerId: this.deps.workerId,
      since: this.since,
      updatedAt: now,
      fps: this.fps,
      reconnects: this.reconnects,
      ...(this.source ? { source: { width: this.source.width, height: this.source.height } } : {}),
    };
  }

  private setState(state: CameraState, reason?: CameraErrorReason, detail?: string): void {
    const changed = state !== this.state || reason !== this.reason || detail !== this.detail;
    if (state !== this.state) this.since = Date.now();
    this.state = state;
    this.reason = reason;
    this.detail = detail;
    this.deps.metrics.setState(this.id, state);
    if (changed || state === 'starting') this.deps.writeStatus(this.status());
  }

  /** Stop the pipeline and timers (the caller decides what status to write). */
  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    this.session?.stop();
    this.session = undefined;
    this.deps.metrics.forget(this.id);
  }
}

/** Fields whose change needs a new pipeline. */
function pipelineKey(c: CameraConfig | InvalidCamera): string {
  if ('invalid' in c) return `invalid:${c.invalid}`;
  return JSON.stringify([c.url, c.username, c.password, c.detectFps, c.decoder]);
}

/** Size of the picture inside black letterbox borders (used when no snapshot branch tells the source size). */
function contentSize(rgb: Uint8Array, w: number, h: number): { width: number; height: number } {
  const rowBlack = (y: number) => {
    for (let x = 0; x < w; x += 4) {
      const p = (y * w + x) * 3;
      if (rgb[p]! > 8 || rgb[p + 1]! > 8 || rgb[p + 2]! > 8) return false;
    }
    return true;
  };
  const colBlack = (x: number) => {
    for (let y = 0; y < h; y += 4) {
      const p = (y * w + x) * 3;
      if (rgb[p]! > 8 || rgb[p + 1]! > 8 || rgb[p + 2]! > 8) return false;
    }
    return true;
  };
  let top = 0;
  while (top < h / 2 && rowBlack(top)) top++;
  let left = 0;
  while (left < w / 2 && colBlack(left)) left++;
  return { width: Math.max(1, w - 2 * left), height: Math.max(1, h - 2 * top) };
}
