import { latencyBucketsMs, prom } from '@sentinel/common';

export type AlertsMetrics = ReturnType<typeof createAlertsMetrics>;

/** Metrics of the alerts service, registered on the service registry. */
export function createAlertsMetrics(registry: prom.Registry) {
  const r = [registry];
  return {
    ruleEvalMs: new prom.Histogram({
      name: 'sentinel_alerts_rule_eval_ms',
      help: 'Rule evaluation time per detection batch (all rules of the camera), ms',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100],
      registers: r,
    }),
    detectionToAlertMs: new prom.Histogram({
      name: 'sentinel_alerts_capture_to_alert_ms',
      help: 'Frame capturedAt to alert persisted and published, ms',
      buckets: latencyBucketsMs,
      registers: r,
    }),
    alertsTotal: new prom.Counter({
      name: 'sentinel_alerts_total',
      help: 'Alert lifecycle outputs per rule',
      labelNames: ['rule', 'event'],
      registers: r,
    }),
    suppressedTotal: new prom.Counter({
      name: 'sentinel_alerts_suppressed_total',
      help: 'Rule firings suppressed, by reason',
      labelNames: ['rule', 'reason'],
      registers: r,
    }),
    dlqTotal: new prom.Counter({
      name: 'sentinel_alerts_dlq_total',
      help: 'Messages moved to the dead-letter stream',
      labelNames: ['consumer'],
      registers: r,
    }),
    notifyMs: new prom.Histogram({
      name: 'sentinel_alerts_notification_ms',
      help: 'Notification delivery latency per attempt, ms',
      labelNames: ['channel'],
      buckets: latencyBucketsMs,
      registers: r,
    }),
    notifyTotal: new prom.Counter({
      name: 'sentinel_alerts_notifications_total',
      help: 'Notification attempts by channel and outcome (sent, failed, dead, rate_limited)',
      labelNames: ['channel', 'status'],
      registers: r,
    }),
    writerRows: new prom.Counter({
      name: 'sentinel_alerts_writer_rows_total',
      help: 'Detection rows inserted by the history writer (rate() = rows/s)',
      registers: r,
    }),
    writerBatches: new prom.Counter({
      name: 'sentinel_alerts_writer_batches_total',
      help: 'Detection messages written (acked) by the history writer',
      registers: r,
    }),
    writerLag: new prom.Gauge({
      name: 'sentinel_alerts_writer_lag_messages',
      help: 'Detection messages waiting for the history writer (consumer pending + buffered)',
      registers: r,
    }),
    writerBuffered: new prom.Gauge({
      name: 'sentinel_alerts_writer_buffered_messages',
      help: 'Messages held in memory while PostgreSQL is unavailable',
      registers: r,
    }),
    writerErrors: new prom.Counter({
      name: 'sentinel_alerts_writer_errors_total',
      help: 'Failed PostgreSQL writes (retried)',
      registers: r,
    }),
  };
}
