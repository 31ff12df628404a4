import { hostname } from 'node:os';
import { type KV, Kvm } from '@nats-io/kv';
import { type ObjectStore, Objm } from '@nats-io/obj';
import {
  type CameraConfig,
  type CameraLease,
  type CameraStatus,
  cameraConfigSchema,
  cameraIdSchema,
  type FrameMeta,
  formatZodIssues,
  frameHeaders,
  type IngestHeartbeat,
  ingestHeartbeatSchema,
  kvBuckets,
  type Logger,
  modelInfoSchema,
  type NatsConnection,
  objectStores,
  type SnapshotReply,
  snapshotKeys,
  subjects,
} from '@sentinel/common';
import {
  CameraRunner,
  type InvalidCamera,
  type RunnerSettings,
  type Snapshot,
} from './camera/camera-runner.ts';
import { assignCameras, Membership } from './cluster/ownership.ts';
import type { IngestMetrics } from './metrics.ts';
import { GstSession } from './pipeline/gst-session.ts';

export type WorkerOptions = {
  workerId?: string | undefined;
  /** Only cameras tagged `ingest:<group>` ('' = untagged cameras). */
  group: string;
  maxCameras: number;
  settings: RunnerSettings;
  trackHoldMs: number;
  statusIntervalS: number;
  /** Per-camera RTP pass-through targets (cameraId -> host:port). */
  liveRtp: Map<string, { host: string; port: number }>;
  /** Timing of ownership (defaults suit the 6 s lease TTL). */
  reconcileMs?: number;
  renewMs?: number;
  heartbeatMs?: number;
  peerStaleMs?: number;
};

type CatalogEntry = CameraConfig | InvalidCamera;
const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * An ingest worker: watches KV `cameras`, takes cameras through TTL leases in `camera-leases`
 * (split across live workers by rendezvous hashing, heartbeats on `ingest.heartbeat`), runs one
 * CameraRunner per owned camera, writes `camera-status`, stores snapshots and answers snapshot requests.
 */
export class IngestWorker {
  readonly workerId: string;
  private cameras!: KV;
  private leases!: KV;
  private statusKv!: KV;
  private store!: ObjectStore;
  private readonly catalog = new Map<string, CatalogEntry>();
  private readonly owned = new Map<string, { runner: CameraRunner; revision: number }>();
  private readonly freeSince = new Map<string, number>();
  private readonly lastTrackAt = new Map<string, number>();
  /** Model input sizes from KV `models` (id -> size, and whether it is the active model). */
  private readonly models = new Map<string, { width: number; height: number; active: boolean }>();
  private readonly membership: Membership;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly subs: Array<{ unsubscribe(): void }> = [];
  private readonly trackSubs = new Map<string, { unsubscribe(): void }>();
  private readonly watchStops: Array<() => void> = [];
  private reconciling = false;
  private closed = false;
  catalogReady = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: WorkerOptions,
    private readonly logger: Logger,
    private readonly metrics: IngestMetrics,
  ) {
    this.workerId = opts.workerId ?? `${hostname()}-${process.pid}`;
    this.membership = new Membership(this.workerId, opts.peerStaleMs ?? 3500);
  }

  async start(): Promise<void> {
    const kvm = new Kvm(this.nc);
    this.cameras = await kvm.open(kvBuckets.cameras);
    this.leases = await kvm.open(kvBuckets.cameraLeases);
    this.statusKv = await kvm.open(kvBuckets.cameraStatus);
    this.store = await new Objm(this.nc).open(objectStores.snapshots);
    await this.watchModels(await kvm.open(kvBuckets.models));
    await this.watchCatalog();
    const hb = this.nc.subscribe(subjects.ingestHeartbeat, {
      callback: (_err, msg) => {
        try {
          const h = ingestHeartbeatSchema.parse(JSON.parse(dec.decode(msg.data)));
          if (h.group !== this.opts.group) return;
          this.membership.seen(
            { workerId: h.workerId, at: Date.now(), owned: h.owned.length, capacity: h.capacity },
            h.alive,
          );
        } catch {
          /* not a heartbeat */
        }
      },
    });
    this.subs.push(hb);
    this.subs.push(
      this.nc.subscribe(subjects.snapshotRequestAll, {
        callback: (_e, msg) => void this.onSnapshotRequest(msg),
      }),
    );
    this.heartbeat(true);
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.heartbeatMs ?? 1000, () => this.heartbeat(true));
    every(this.opts.reconcileMs ?? 1000, () => void this.reconcile());
    every(this.opts.renewMs ?? 2000, () => void this.renewLeases());
    every(this.opts.statusIntervalS * 1000, () => {
      for (const { runner } of this.owned.values()) this.writeStatus(runner.status());
    });
    this.logger.info({ workerId: this.workerId, maxCameras: this.opts.maxCameras }, 'ingest worker started');
    void this.reconcile();
  }

  /** Cameras this worker runs now, with their runners (for tests and ops). */
  ownedCameras(): Map<string, CameraRunner> {
    return new Map([...this.owned].map(([k, v]) => [k, v.runner]));
  }

  private async watchCatalog(): Promise<void> {
    const iter = await this.cameras.watch();
    this.watchStops.push(() => iter.stop());
    let initial = true;
    const ready = new Promise<void>((resolve) => {
      void (async () => {
        // An empty bucket has no initial entries: the watcher reports that through isUpdate on the next entry.
        const t = setTimeout(() => resolve(), 300);
        for await (const e of iter) {
          if (e.operation !== 'PUT') this.catalog.delete(e.key);
          else this.catalog.set(e.key, parseCamera(e.key, e.value));
          if (initial && (e.delta === 0 || e.isUpdate)) {
            initial = false;
            clearTimeout(t);
            resolve();
          }
          if (!initial) this.applyCatalogChange(e.key);
        }
      })();
    });
    await ready;
    this.catalogReady = true;
  }

  /**
   * Follow KV `models`: a camera's frames are letterboxed to its model's input size (its modelId, else
   * the active model), falling back to INGEST_FRAME_WIDTH x INGEST_FRAME_HEIGHT.
   */
  private async watchModels(kv: KV): Promise<void> {
    const iter = await kv.watch();
    this.watchStops.push(() => iter.stop());
    void (async () => {
      for await (const e of iter) {
        if (e.operation !== 'PUT') this.models.delete(e.key);
        else {
          const r = modelInfoSchema.safeParse(
            (() => {
              try {
                return JSON.parse(dec.decode(e.value));
              } catch {
                return undefined;
              }
            })(),
          );
          if (!r.success) continue;
          this.models.set(e.key, {
            width: r.data.inputWidth,
            height: r.data.inputHeight,
            active: r.data.active,
          });
        }
        if (this.catalogReady) for (const id of this.owned.keys()) this.applyCatalogChange(id);
      }
    })();
  }

  /** The frame size for a camera: its model's input size when the registry knows it. */
  frameSizeFor(entry: CatalogEntry): { width: number; height: number } {
    const def = { width: this.opts.settings.width, height: this.opts.settings.height };
    if ('invalid' in entry) return def;
    const m = entry.modelId
      ? this.models.get(entry.modelId)
      : [...this.models.values()].find((x) => x.active);
    if (!m) return def;
    // A frame must fit one NATS message; else keep the default size (inference rescales).
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    if (m.width * m.height * 3 > max - 4096) {
      this.logger.warn(
        { camera: entry.id, model: entry.modelId, size: [m.width, m.height], maxPayload: max },
        'model input size does not fit a NATS message: frames keep the default size',
      );
      return def;
    }
    return { width: m.width, height: m.height };
  }

  /** Hot reconfigure or stop an owned camera after its KV entry changed. */
  private applyCatalogChange(key: string): void {
    const own = this.owned.get(key);
    if (!own) return;
    const entry = this.catalog.get(key);
    if (!entry || !this.runnable(entry)) {
      void this.release(key, entry ? 'disabled' : 'removed');
      return;
    }
    own.runner.reconfigure(entry, this.frameSizeFor(entry));
  }

  private runnable(entry: CatalogEntry): boolean {
    return groupOf(entry.tags) === this.opts.group && ('invalid' in entry || entry.enabled);
  }

  private async reconcile(): Promise<void> {
    if (this.reconciling || this.closed || !this.catalogReady) return;
    this.reconciling = true;
    try {
      const now = Date.now();
      const runnable = [...this.catalog].filter(([, e]) => this.runnable(e)).map(([id]) => id);
      const assignment = assignCameras(runnable, this.membership.liveWorkers(this.opts.maxCameras, now));
      for (const [id] of this.owned) {
        const entry = this.catalog.get(id);
        if (!entry || !this.runnable(entry)) {
          await this.release(id, entry ? 'disabled' : 'removed');
          continue;
        }
        // Hand over to the worker the shared assignment names, once it is alive and announced.
        const target = assignment.get(id);
        if (target && target !== this.workerId && this.membership.peer(target))
          await this.release(id, 'handover');
      }
      for (const id of runnable) {
        const entry = this.catalog.get(id)!;
        if (this.closed || this.owned.has(id)) continue;
        if (this.owned.size >= this.opts.maxCameras) break;
        const lease = await this.leases.get(id).catch(() => null);
        if (lease?.operation === 'PUT') {
          this.freeSince.delete(id);
          continue;
        }
        if (!this.freeSince.has(id)) this.freeSince.set(id, now);
        // Take cameras assigned to us; any free camera left unclaimed for 2 s (its worker is gone or full).
        const freeLong = now - (this.freeSince.get(id) ?? now) > 2000;
        if (assignment.get(id) === this.workerId || freeLong) await this.acquire(id, entry);
      }
      this.metrics.owned.set(this.owned.size);
      this.metrics.busPolls.set(GstSession.pendingBusPolls);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'reconcile failed');
    } finally {
      this.reconciling = false;
    }
  }

  private leaseValue(id: string): Uint8Array {
    const lease: CameraLease = { cameraId: id, workerId: this.workerId, renewedAt: Date.now() };
    return enc.encode(JSON.stringify(lease));
  }

  private async acquire(id: string, entry: CatalogEntry): Promise<void> {
    let revision: number;
    try {
      revision = await this.leases.create(id, this.leaseValue(id));
    } catch {
      return; // another worker was faster
    }
    this.freeSince.delete(id);
    const settings = {
      ...this.opts.settings,
      liveRtp: this.opts.liveRtp.get(id),
      ...this.frameSizeFor(entry),
    };
    const runner = new CameraRunner(entry, {
      workerId: this.workerId,
      settings,
      logger: this.logger,
      metrics: this.metrics,
      publishFrame: (cameraId, meta, rgb) => this.publishFrame(cameraId, meta, rgb),
      writeStatus: (s) => this.writeStatus(s),
      storeSnapshot: (cameraId, snap, slot) => this.storeSnapshot(cameraId, snap, slot),
      hasActiveTracks: (cameraId) =>
        Date.now() - (this.lastTrackAt.get(cameraId) ?? 0) < this.opts.trackHoldMs,
    });
    this.owned.set(id, { runner, revision });
    this.watchTracks(id);
    this.logger.info({ camera: id }, 'camera acquired');
    runner.start();
    this.heartbeat(true);
  }

  /** Stop a camera and give its lease back. */
  private async release(
    id: string,
    why: 'handover' | 'removed' | 'disabled' | 'lost' | 'shutdown',
  ): Promise<void> {
    const own = this.owned.get(id);
    if (!own) return;
    this.owned.delete(id);
    own.runner.stop();
    this.trackSubs.get(id)?.unsubscribe();
    this.trackSubs.delete(id);
    this.logger.info({ camera: id, why }, 'camera released');
    if (why === 'removed') await this.statusKv.delete(id).catch(() => undefined);
    if (why === 'disabled' || why === 'shutdown') {
      // Offline until a peer takes the camera (it then writes `starting`); a killed worker leaves its
      // last status, which readers can tell from a stale updatedAt (refreshed every INGEST_STATUS_INTERVAL_S).
      const s = own.runner.status();
      const detail = why === 'disabled' ? 'disabled' : 'worker stopped';
      this.writeStatus({ ...s, state: 'offline', reason: undefined, detail, since: Date.now(), fps: 0 });
    }
    if (why !== 'lost') await this.leases.delete(id, { previousSeq: own.revision }).catch(() => undefined);
    this.heartbeat(true);
  }

  private async renewLeases(): Promise<void> {
    for (const [id, own] of this.owned) {
      try {
        own.revision = await this.leases.update(id, this.leaseValue(id), own.revision);
      } catch {
        // Expired (we stalled) or taken: try to take it back once, else let it go.
        try {
          own.revision = await this.leases.create(id, this.leaseValue(id));
        } catch {
          this.logger.warn({ camera: id }, 'lease lost to another worker');
          await this.release(id, 'lost');
        }
      }
    }
  }

  private heartbeat(alive: boolean): void {
    if (this.nc.isClosed()) return;
    const h: IngestHeartbeat = {
      workerId: this.workerId,
      at: Date.now(),
      owned: [...this.owned.keys()],
      capacity: this.opts.maxCameras,
      group: this.opts.group,
      alive,
    };
    try {
      this.nc.publish(subjects.ingestHeartbeat, enc.encode(JSON.stringify(h)));
    } catch {
      /* reconnecting */
    }
  }

  private watchTracks(id: string): void {
    const sub = this.nc.subscribe(subjects.detections(id), {
      callback: (_e, msg) => {
        try {
          const batch = JSON.parse(dec.decode(msg.data)) as { detections?: Array<{ trackState?: string }> };
          if (batch.detections?.some((d) => d.trackState !== 'lost')) this.lastTrackAt.set(id, Date.now());
        } catch {
          /* not ours to validate */
        }
      },
    });
    this.trackSubs.set(id, sub);
  }

  private publishFrame(cameraId: string, meta: FrameMeta, rgb: Uint8Array): 'ok' | 'nats_down' | 'too_large' {
    if (this.nc.isClosed()) return 'nats_down';
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    if (rgb.length > max - 4096) return 'too_large';
    try {
      this.nc.publish(subjects.frames(cameraId), rgb, { headers: frameHeaders(meta) });
      return 'ok';
    } catch {
      return 'nats_down';
    }
  }

  private writeStatus(s: CameraStatus): void {
    if (this.closed && s.state !== 'offline') return;
    this.statusKv.put(s.cameraId, enc.encode(JSON.stringify(s))).catch((err) => {
      this.logger.warn({ camera: s.cameraId, err: (err as Error).message }, 'status write failed');
    });
  }

  private async storeSnapshot(cameraId: string, snap: Snapshot, slot: number): Promise<void> {
    await this.store.putBlob({ name: snapshotKeys.latest(cameraId) }, snap.jpeg);
    if (slot >= 0) await this.store.putBlob({ name: snapshotKeys.ring(cameraId, slot) }, snap.jpeg);
  }

  private async onSnapshotRequest(msg: {
    subject: string;
    respond(data: Uint8Array): boolean;
  }): Promise<void> {
    const cameraId = msg.subject.split('.').pop() ?? '';
    const own = this.owned.get(cameraId);
    if (!own) return; // the owner answers
    const reply = (r: SnapshotReply) => msg.respond(enc.encode(JSON.stringify(r)));
    const { runner } = own;
    if (runner.state !== 'streaming') {
      reply({ ok: false, cameraId, error: 'not_streaming', detail: runner.reason ?? runner.state });
      return;
    }
    const maxAge = Math.max(2000, 2500 / Math.max(0.2, this.opts.settings.snapshotFps || 0.2));
    const snap = runner.freshSnapshot(maxAge);
    if (!snap) {
      reply({ ok: false, cameraId, error: 'no_recent_frame' });
      return;
    }
    const key = snapshotKeys.onDemand(cameraId, snap.capturedAt);
    try {
      await this.store.putBlob({ name: key }, snap.jpeg);
      this.metrics.snapshots.inc({ camera: cameraId, kind: 'on_demand' });
      reply({
        ok: true,
        cameraId,
        key,
        capturedAt: snap.capturedAt,
        width: snap.width,
        height: snap.height,
        bytes: snap.jpeg.length,
      });
    } catch (err) {
      reply({ ok: false, cameraId, error: 'store_failed', detail: (err as Error).message.slice(0, 200) });
    }
  }

  /** Graceful stop: pipelines down, leases given back (peers take the cameras at once), heartbeat alive=false. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const stop of this.watchStops) stop();
    for (const s of this.subs) s.unsubscribe();
    for (const id of [...this.owned.keys()]) await this.release(id, 'shutdown');
    this.heartbeat(false);
    await this.nc.flush().catch(() => undefined);
  }
}

/** Parse a KV camera entry; an entry that does not validate becomes an InvalidCamera with the reason. */
export function parseCamera(key: string, value: Uint8Array): CatalogEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(dec.decode(value));
  } catch {
    return { id: key, invalid: 'camera config is not JSON', tags: [] };
  }
  const rawTags = (raw as { tags?: unknown })?.tags;
  const tags = Array.isArray(rawTags) ? rawTags.filter((t): t is string => typeof t === 'string') : [];
  const r = cameraConfigSchema.safeParse(raw);
  if (r.success)
    return r.data.id === key
      ? r.data
      : { id: key, invalid: `config id '${r.data.id}' differs from key`, tags };
  // Never echo the URL: it may carry credentials.
  return { id: key, invalid: formatZodIssues(r.error).join('; ').slice(0, 400), tags };
}

/** The ingest group a camera belongs to: its `ingest:<group>` tag, '' when untagged. */
export function groupOf(tags: readonly string[]): string {
  return tags.find((t) => t.startsWith('ingest:'))?.slice('ingest:'.length) ?? '';
}

/** Parse INGEST_LIVE_RTP (`cam=host:port,...`). */
export function parseLiveRtp(value: string | undefined): Map<string, { host: string; port: number }> {
  const out = new Map<string, { host: string; port: number }>();
  for (const part of (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([^=]+)=([^:]+):(\d+)$/.exec(part);
    if (!m || !cameraIdSchema.safeParse(m[1]).success || Number(m[3]) < 1 || Number(m[3]) > 65535)
      throw new Error(`INGEST_LIVE_RTP: '${part}' is not cameraId=host:port`);
    out.set(m[1]!, { host: m[2]!, port: Number(m[3]) });
  }
  return out;
}
