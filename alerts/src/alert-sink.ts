import type { JetStreamClient } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import {
  type AlertEvent,
  alertEventSchema,
  encodeJson,
  type Logger,
  type NatsConnection,
  type Pool,
  type Rule,
  snapshotKeys,
  snapshotReplySchema,
  subjects,
} from '@sentinel/common';
import {
  AlertTransitionError,
  alertEventFromRecord,
  getAlert,
  openAlert,
  recordAlertUpdate,
  transitionAlert,
} from '@sentinel/common/db/alerts-repo';
import type { RuleOutput } from '@sentinel/common/rules/engine';
import type { AlertsMetrics } from './metrics.ts';

/**
 * Persists rule outputs (alerts + alert_events, idempotent by alert id / dedup key / event key) and
 * publishes lifecycle events on `alerts.<cameraId>.<event>` with a JetStream msgID, so a retried
 * message neither duplicates rows nor events. Throws on I/O failure (the caller naks and retries).
 */
export class AlertSink {
  constructor(
    private readonly deps: {
      db: Pool;
      js: JetStreamClient;
      logger: Logger;
      metrics?: AlertsMetrics;
      snapshots?: ObjectStore | null;
      /** For snapshot requests to ingest (`snapshots.request.<cam>`). */
      nc?: NatsConnection;
      snapshotTimeoutMs?: number;
    },
  ) {}

  async apply(rule: Rule, o: RuleOutput, trace: AlertEvent['trace'] = {}): Promise<void> {
    const { db, metrics } = this.deps;
    if (o.type === 'suppressed') {
      metrics?.suppressedTotal.inc({ rule: rule.id, reason: o.reason });
      return;
    }
    if (o.type === 'open') {
      // a retried open keeps the snapshot chosen the first time
      const existing = await getAlert(db, o.alertId);
      const snapshotKey = existing
        ? (existing.snapshotKey ?? undefined)
        : await this.findSnapshot(o.cameraId, o.alertId);
      const { created, alert } = await openAlert(db, {
        id: o.alertId,
        dedupKey: o.dedupKey,
        ruleId: rule.id,
        ruleName: rule.name,
        cameraId: o.cameraId,
        trackId: o.trackId,
        zoneId: o.zoneId,
        label: o.label,
        severity: rule.severity,
        condition: o.condition,
        message: o.message,
        frameId: o.frameId,
        capturedAt: o.capturedAt,
        openedAt: Date.now(),
        snapshotKey,
        details: o.details,
      });
      if (created) metrics?.alertsTotal.inc({ rule: rule.id, event: 'opened' });
      await this.publish(
        {
          ...alertEventFromRecord(alert, 'opened', 'system', alert.openedAt),
          trace: { ...trace, alertAt: Date.now() },
        },
        `${alert.id}:opened`,
      );
      metrics?.detectionToAlertMs.observe(Date.now() - o.capturedAt);
      return;
    }
    if (o.type === 'update') {
      const { recorded, alert } = await recordAlertUpdate(db, o.alertId, o.eventKey, o.details, o.capturedAt);
      if (!alert) return;
      if (recorded) metrics?.alertsTotal.inc({ rule: rule.id, event: 'updated' });
      await this.publish(
        { ...alertEventFromRecord(alert, 'updated', 'system', Date.now()), trackId: o.trackId, trace },
        `${alert.id}:updated:${o.eventKey}`,
      );
      return;
    }
    try {
      const ev = await transitionAlert(db, o.alertId, 'resolved', 'system', { reason: o.reason, auto: true });
      metrics?.alertsTotal.inc({ rule: rule.id, event: 'resolved' });
      await this.publish(ev, `${o.alertId}:resolved`);
    } catch (err) {
      // already resolved by an operator, or never persisted (rule changed): nothing to do
      if (!(err instanceof AlertTransitionError)) throw err;
    }
  }

  private async publish(ev: AlertEvent, msgID: string) {
    await this.deps.js.publish(
      subjects.alerts(ev.cameraId, ev.event),
      encodeJson(alertEventSchema, 'alert', ev),
      {
        msgID,
      },
    );
  }

  /**
   * A snapshot that stays as it is: ask the ingest worker owning the camera for a fresh JPEG
   * (`snapshots.request.<cam>`, kept under its own key), else copy the camera's `latest.jpg` to
   * `<cam>/alert-<alertId>.jpg`, else none. Bounded by `snapshotTimeoutMs` so alerts are never late.
   */
  private async findSnapshot(cameraId: string, alertId: string): Promise<string | undefined> {
    const { nc, snapshots: os, logger } = this.deps;
    if (nc) {
      try {
        const msg = await nc.request(subjects.snapshotRequest(cameraId), new Uint8Array(0), {
          timeout: this.deps.snapshotTimeoutMs ?? 400,
        });
        const reply = snapshotReplySchema.parse(JSON.parse(new TextDecoder().decode(msg.data)));
        if (reply.ok) return reply.key;
        logger.debug({ cameraId, error: reply.error }, 'no fresh snapshot from ingest');
      } catch (err) {
        logger.debug({ cameraId, err: (err as Error).message }, 'snapshot request failed');
      }
    }
    if (!os) return undefined;
    try {
      const latest = await os.getBlob(snapshotKeys.latest(cameraId));
      if (!latest) return undefined;
      const key = `${cameraId}/alert-${alertId}.jpg`;
      await os.putBlob({ name: key }, latest);
      return key;
    } catch (err) {
      logger.debug({ cameraId, err: (err as Error).message }, 'snapshot copy failed');
      return undefined;
    }
  }
}
