import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { Kvm, KvWatchInclude } from '@nats-io/kv';
import {
  alertEventSchema,
  deadLetter,
  decodeJson,
  detectionBatchSchema,
  kvBuckets,
  type Logger,
  MessageValidationError,
  type NatsConnection,
  type Pool,
  streamNames,
  subjects,
} from '@sentinel/common';
import { type EngineOptions, type RuleOutput, RuleSet } from '@sentinel/common/rules/engine';
import { ruleKvEntrySchema } from '@sentinel/common/rules/rule-store';
import type { AlertSink } from './alert-sink.ts';
import { ensureDurable, retryDelayMs } from './jetstream-util.ts';
import type { AlertsMetrics } from './metrics.ts';
import { ownsCamera } from './partition.ts';
import { retryTransient } from './transient.ts';

export type RuleWorkerOptions = {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  sink: AlertSink;
  /** Where open alerts are read back from when a rule (re)loads. */
  db: Pool;
  logger: Logger;
  metrics?: AlertsMetrics;
  workerIndex: number;
  workerCount: number;
  maxDeliver: number;
  /** Durable consumer names are `<prefix>-<cameraId>` (one per camera: ordered, max_ack_pending 1). */
  consumerPrefix?: string;
  engine?: EngineOptions;
  tickMs?: number;
  /** KV bucket holding the rules (default `rules`). */
  bucket?: string;
};

/**
 * The rule engine's I/O: hot-reloads rules from KV `rules`, owns the cameras of its partition
 * (hash(cameraId) % workerCount == workerIndex), and runs one durable pull consumer per owned camera
 * with max_ack_pending 1 so each camera's detections are evaluated in order. Outputs are persisted
 * and published before the ack; a failure naks with backoff; bad messages and messages out of
 * deliveries go to `dlq.DETECTIONS` with the reason.
 */
export class RuleWorker {
  readonly rules: RuleSet;
  private readonly keyToRule = new Map<string, string>();
  private readonly loops = new Map<string, { msgs: ConsumerMessages; done: Promise<void> }>();
  private readonly prefix: string;
  private watchStop: (() => void) | null = null;
  private subStop: (() => void) | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private pendingTick: Array<RuleOutput> = [];
  private reconciling: Promise<void> = Promise.resolve();
  private loaded = false;
  /** Rules whose evaluator is fresh and must get their still-open alerts back from the database. */
  private readonly needsRestore = new Set<string>();
  private stopped = false;

  constructor(private readonly o: RuleWorkerOptions) {
    this.rules = new RuleSet(o.engine);
    this.prefix = o.consumerPrefix ?? 'alerts-rules';
  }

  get ready() {
    return this.loaded && !this.stopped;
  }

  /** Cameras this worker consumes now. */
  cameras(): string[] {
    return [...this.loops.keys()];
  }

  async start(): Promise<void> {
    const kv = await new Kvm(this.o.nc).open(this.o.bucket ?? kvBuckets.rules);
    // watch updates first, then read current values: nothing changed in between is missed
    const watch = await kv.watch({ include: KvWatchInclude.UpdatesOnly });
    this.watchStop = () => watch.stop();
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    for (const k of keys) {
      const e = await kv.get(k);
      if (e?.operation === 'PUT') this.applyKv(k, e.value);
    }
    this.loaded = true;
    await this.reconcile();
    void (async () => {
      for await (const e of watch) {
        if (e.operation === 'PUT') this.applyKv(e.key, e.value);
        else {
          const id = this.keyToRule.get(e.key);
          if (id) {
            this.rules.remove(id);
            this.keyToRule.delete(e.key);
            this.o.logger.info({ ruleId: id }, 'rule removed');
          }
        }
        await this.reconcile();
      }
    })().catch((err) => this.o.logger.error({ err }, 'rules watch ended'));
    // operators resolving alerts (the gateway publishes alerts.<cam>.resolved): free the engine's slot
    const resolvedSub = this.o.nc.subscribe('alerts.*.resolved', {
      callback: (err, msg) => {
        if (err) return;
        try {
          const ev = alertEventSchema.parse(JSON.parse(new TextDecoder().decode(msg.data)));
          if (ev.actor !== 'system' && this.rules.forget(ev.ruleId, ev.cameraId, ev.alertId))
            this.o.logger.debug({ alertId: ev.alertId, actor: ev.actor }, 'alert resolved by an operator');
        } catch {
          /* not ours to judge: the notifier dead-letters malformed alert events */
        }
      },
    });
    this.subStop = () => resolvedSub.unsubscribe();
    this.tickTimer = setInterval(() => void this.tick(), this.o.tickMs ?? 1000);
    this.tickTimer.unref();
  }

  private applyKv(key: string, value: Uint8Array) {
    try {
      const entry = ruleKvEntrySchema.parse(JSON.parse(new TextDecoder().decode(value)));
      const changed = this.rules.upsert(entry);
      this.keyToRule.set(key, entry.rule.id);
      if (changed) {
        this.needsRestore.add(entry.rule.id);
        this.o.logger.info({ ruleId: entry.rule.id, enabled: entry.rule.enabled }, 'rule loaded');
      }
    } catch (err) {
      this.o.logger.error({ key, err: (err as Error).message }, 'invalid rule in KV ignored');
    }
  }

  /** Start consumers for newly owned cameras, stop (and delete) those no rule watches any more. */
  reconcile(): Promise<void> {
    this.reconciling = this.reconciling.then(async () => {
      if (this.stopped) return;
      const wanted = [...this.rules.cameras()].filter((c) =>
        ownsCamera(c, this.o.workerIndex, this.o.workerCount),
      );
      for (const cam of wanted) if (!this.loops.has(cam)) await this.startCamera(cam);
      for (const cam of [...this.loops.keys()])
        if (!wanted.includes(cam)) {
          await this.stopCamera(cam);
          await this.o.jsm.consumers.delete(streamNames.detections, this.durable(cam)).catch(() => {});
        }
    });
    return this.reconciling.catch((err) => this.o.logger.error({ err }, 'reconcile failed'));
  }

  durable(cameraId: string) {
    return `${this.prefix}-${cameraId}`;
  }

  private async startCamera(cameraId: string) {
    const name = this.durable(cameraId);
    await ensureDurable(this.o.jsm, streamNames.detections, {
      name,
      filterSubject: subjects.detections(cameraId),
      maxDeliver: this.o.maxDeliver,
      maxAckPending: 1,
      ackWaitMs: 30_000,
      deliverNew: true,
    });
    const consumer = await this.o.js.consumers.get(streamNames.detections, name);
    const msgs = await consumer.consume({ max_messages: 1 });
    const done = (async () => {
      for await (const m of msgs) await this.handle(m);
    })().catch((err) => this.o.logger.error({ err, cameraId }, 'camera consumer ended'));
    this.loops.set(cameraId, { msgs, done });
    this.o.logger.info({ cameraId, consumer: name }, 'evaluating camera');
  }

  private async stopCamera(cameraId: string) {
    const l = this.loops.get(cameraId);
    if (!l) return;
    this.loops.delete(cameraId);
    await l.msgs.close().catch(() => {});
    await l.done;
  }

  private async handle(m: JsMsg): Promise<void> {
    let batch: ReturnType<typeof detectionBatchSchema.parse>;
    try {
      batch = decodeJson(detectionBatchSchema, 'detection batch', m.data);
      if (m.subject !== subjects.detections(batch.cameraId))
        throw new MessageValidationError('detection batch', [
          `cameraId: '${batch.cameraId}' does not match subject ${m.subject}`,
        ]);
    } catch (err) {
      await this.toDlq(m, (err as Error).message);
      return;
    }
    const keepGoing = () => !this.stopped;
    const onWait = (attempt: number, err: unknown) => {
      m.working();
      if (attempt === 1 || attempt % 10 === 0)
        this.o.logger.warn(
          { err: (err as Error).message, subject: m.subject, attempt },
          'storage unavailable; holding the message and retrying',
        );
    };
    try {
      await retryTransient(() => this.restorePending(), { keepGoing, onWait });
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'restoring open alerts failed; retrying later');
    }
    const started = performance.now();
    let outputs: RuleOutput[];
    try {
      outputs = this.rules.process(batch);
    } catch (err) {
      this.o.logger.error({ err, subject: m.subject }, 'rule evaluation threw');
      await this.toDlq(m, `rule evaluation failed: ${(err as Error).message}`);
      return;
    }
    this.o.metrics?.ruleEvalMs.observe(performance.now() - started);
    this.o.logger.debug(
      { frameId: batch.frameId, outputs: outputs.length, n: batch.detections.length },
      'evaluated',
    );
    try {
      const ruleAt = Date.now();
      // every apply is idempotent, so a retry re-applies all outputs of the frame
      await retryTransient(
        async () => {
          for (const o of outputs) {
            const rule = this.rules.get(o.ruleId)?.rule;
            if (rule) await this.o.sink.apply(rule, o, { ...batch.trace, ruleAt });
          }
        },
        { keepGoing, onWait },
      );
      m.ack();
    } catch (err) {
      const n = m.info.deliveryCount;
      this.o.logger.warn(
        { err: (err as Error).message, subject: m.subject, delivery: n },
        'alert persist failed',
      );
      if (n >= this.o.maxDeliver)
        await this.toDlq(m, `persisting alerts failed ${n} times: ${(err as Error).message}`);
      else m.nak(retryDelayMs(n));
    }
  }

  private async toDlq(m: JsMsg, reason: string) {
    this.o.metrics?.dlqTotal.inc({ consumer: 'rules' });
    this.o.logger.warn({ subject: m.subject, reason }, 'detection message dead-lettered');
    try {
      await deadLetter(this.o.js, streamNames.detections, m, reason);
    } catch (err) {
      this.o.logger.error({ err }, 'dead-letter publish failed; will be redelivered');
      m.nak(retryDelayMs(m.info.deliveryCount));
    }
  }

  /** Hand alerts still open in PostgreSQL back to fresh evaluators (restart, rule edit). */
  private async restorePending(): Promise<void> {
    for (const id of [...this.needsRestore]) {
      const ev = this.rules.get(id);
      if (!ev) {
        this.needsRestore.delete(id);
        continue;
      }
      const owned = ev.rule.cameraIds.filter((c) => ownsCamera(c, this.o.workerIndex, this.o.workerCount));
      const { rows } = await this.o.db.query(
        `SELECT a.id, a.camera_id, a.track_id, a.zone_id, a.label, a.captured_at, a.opened_at, a.details,
                ARRAY(SELECT DISTINCT e.details->>'lastTrackId' FROM alert_events e
                       WHERE e.alert_id = a.id AND e.event = 'updated') AS joined,
                t.stationary AS track_stationary, t.last_box AS track_box, t.last_seen AS track_last_seen
           FROM alerts a
           LEFT JOIN tracks t ON t.camera_id = a.camera_id AND t.track_id = a.track_id
          WHERE a.rule_id = $1 AND a.status <> 'resolved' AND a.camera_id = ANY($2::text[])`,
        [id, owned],
      );
      for (const r of rows) {
        const details = (r.details ?? {}) as { trackIds?: unknown; box?: unknown };
        const trackIds = [
          r.track_id,
          ...(Array.isArray(details.trackIds) ? details.trackIds : []),
          ...(r.joined as Array<string | null>),
        ].filter((t): t is string => typeof t === 'string' && t.length > 0);
        ev.restore({
          alertId: r.id,
          cameraId: r.camera_id,
          trackIds: [...new Set(trackIds)],
          ...(r.zone_id ? { zoneId: r.zone_id } : {}),
          label: r.label,
          openedAt: (r.captured_at ?? r.opened_at).getTime(),
          ...(Array.isArray(details.box) && details.box.length === 4
            ? { box: details.box as [number, number, number, number] }
            : {}),
          ...(r.track_stationary && Array.isArray(r.track_box) && r.track_box.length === 4
            ? {
                stationaryAt: {
                  box: r.track_box as [number, number, number, number],
                  lastSeen: (r.track_last_seen as Date).getTime(),
                },
              }
            : {}),
        });
      }
      if (rows.length) this.o.logger.info({ ruleId: id, alerts: rows.length }, 'open alerts restored');
      this.needsRestore.delete(id);
    }
  }

  /** Wall-clock resolution of alerts whose objects left while no frames arrive. */
  async tick(now = Date.now()): Promise<void> {
    if (this.needsRestore.size) {
      try {
        await this.restorePending();
      } catch (err) {
        this.o.logger.debug({ err: (err as Error).message }, 'restore pending');
        return;
      }
    }
    const outs = [...this.pendingTick, ...this.rules.tick(now)];
    this.pendingTick = [];
    for (const o of outs) {
      const rule = this.rules.get(o.ruleId)?.rule;
      if (!rule) continue;
      try {
        await this.o.sink.apply(rule, o);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'auto-resolve failed; retrying');
        this.pendingTick.push(o);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.watchStop?.();
    this.subStop?.();
    await this.reconciling.catch(() => {});
    for (const cam of [...this.loops.keys()]) await this.stopCamera(cam);
  }

  /** Delete this worker's durable consumers (tests, decommissioning). */
  async deleteConsumers(cameraIds: string[]): Promise<void> {
    for (const c of cameraIds)
      await this.o.jsm.consumers.delete(streamNames.detections, this.durable(c)).catch(() => {});
  }
}
