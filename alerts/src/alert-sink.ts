import type { JetStreamClient } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import {
  type AlertEvent,
  alertEventSchema,
  encodeJson,
  type Logger,
  type Pool,
  type Rule,
  subjects,
} from '@sentinel/common';
import {
  AlertTransitionError,
  alertEventFromRecord,
  openAlert,
  recordAlertUpdate,
  transitionAlert,
} from '@sentinel/common/db/alerts-repo';
import type { RuleOutput } from '@sentinel/common/rules/engine';
import { snapshotKeys } from '@sentinel/common/snapshots';
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
    },
  ) {}

  async apply(rule: Rule, o: RuleOutput, trace: AlertEvent['trace'] = {}): Promise<void> {
    const { db, metrics } = this.deps;
    if (o.type === 'suppressed') {
      metrics?.suppressedTotal.inc({ rule: rule.id, reason: o.reason });
      return;
    }
    if (o.type === 'open') {
      const snapshotKey = await this.findSnapshot(o.cameraId, o.frameId);
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

  /** The frame's JPEG if ingest stored one, else the camera's latest snapshot, else none. */
  private async findSnapshot(cameraId: string, frameId: string): Promise<string | undefined> {
    const os = this.deps.snapshots;
    if (!os) return undefined;
    for (const key of [snapshotKeys.frame(cameraId, frameId), snapshotKeys.latest(cameraId)]) {
      try {
        const info = await os.info(key);
        if (info && !info.deleted) return key;
      } catch (err) {
        this.deps.logger.debug({ err, key }, 'snapshot lookup failed');
      }
    }
    return undefined;
  }
}
