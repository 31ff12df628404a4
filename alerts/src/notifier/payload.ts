import type { AlertEvent } from '@sentinel/common';
import { signSnapshotUrl } from '@sentinel/common/auth/signed-url';

/** What a push notification and a webhook carry. */
export type NotificationPayload = {
  title: string;
  body: string;
  alertId: string;
  event: AlertEvent['event'];
  severity: AlertEvent['severity'];
  camera: string;
  label: string;
  rule: string;
  /** ISO time the frame was captured. */
  time: string;
  /** Signed, expiring snapshot URL (absent when the alert has no snapshot). */
  snapshotUrl?: string;
  /** Deep link into the dashboard. */
  url: string;
};

export function buildPayload(
  ev: AlertEvent,
  opts: { baseUrl: string; signingSecret: string; snapshotTtlSeconds: number; now?: number },
): NotificationPayload {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const resolved = ev.event === 'resolved';
  return {
    title: `${resolved ? 'Resolved' : ev.severity === 'critical' ? 'ALERT' : 'Alert'}: ${ev.ruleName}`,
    body: `${ev.message} (camera ${ev.cameraId})`,
    alertId: ev.alertId,
    event: ev.event,
    severity: ev.severity,
    camera: ev.cameraId,
    label: ev.label,
    rule: ev.ruleName,
    time: new Date(ev.capturedAt).toISOString(),
    ...(ev.snapshotKey
      ? {
          snapshotUrl: signSnapshotUrl(
            base,
            ev.snapshotKey,
            (opts.now ?? Date.now()) + opts.snapshotTtlSeconds * 1000,
            opts.signingSecret,
          ),
        }
      : {}),
    url: `${base}/alerts/${encodeURIComponent(ev.alertId)}`,
  };
}
