/**
 * The live alert feed: merges socket `alert` events (AlertEvent, from JetStream) into the list loaded
 * from GET /alerts (AlertResponse rows), and the filters of the feed. Pure.
 */
import type { AlertResponse } from '@sentinel/common/api/alerts';
import type { AlertEvent } from '@sentinel/common/schemas/alert';

export type AlertRow = AlertResponse;

export type AlertFilter = {
  status: ('open' | 'acknowledged' | 'resolved')[];
  severity: ('info' | 'warning' | 'critical')[];
  cameraId: string;
  label: string;
  text: string;
  hideFalsePositives: boolean;
};

export const defaultFilter = (): AlertFilter => ({
  status: ['open', 'acknowledged'],
  severity: [],
  cameraId: '',
  label: '',
  text: '',
  hideFalsePositives: true,
});

/** Row for an alert first seen through an event (before the list or detail was fetched). */
export function rowFromEvent(ev: AlertEvent): AlertRow {
  return {
    id: ev.alertId,
    ruleId: ev.ruleId,
    ruleName: ev.ruleName,
    cameraId: ev.cameraId,
    trackId: ev.trackId ?? null,
    zoneId: ev.zoneId ?? null,
    label: ev.label,
    severity: ev.severity,
    status: ev.status,
    condition: ev.condition,
    message: ev.message,
    frameId: ev.frameId,
    capturedAt: ev.capturedAt,
    openedAt: ev.at,
    acknowledgedAt: ev.status === 'acknowledged' ? ev.at : null,
    resolvedAt: ev.status === 'resolved' ? ev.at : null,
    falsePositive: false,
    snapshotUrl: null,
    details: ev.box ? { box: ev.box } : {},
  };
}

/** Apply one lifecycle event: insert a new alert at the top, or update the existing row's status. */
export function applyAlertEvent(list: readonly AlertRow[], ev: AlertEvent, max = 500): AlertRow[] {
  const i = list.findIndex((r) => r.id === ev.alertId);
  if (i === -1) return [rowFromEvent(ev), ...list].slice(0, max);
  const row = list[i]!;
  const updated: AlertRow = {
    ...row,
    status: ev.status,
    message: ev.message || row.message,
    acknowledgedAt: ev.status === 'acknowledged' ? (row.acknowledgedAt ?? ev.at) : row.acknowledgedAt,
    resolvedAt: ev.status === 'resolved' ? (row.resolvedAt ?? ev.at) : row.resolvedAt,
  };
  const out = list.slice();
  out[i] = updated;
  return out;
}

/** Replace a row with the server's answer (after ack/resolve/mark-false). */
export function upsertRow(list: readonly AlertRow[], row: AlertRow): AlertRow[] {
  const i = list.findIndex((r) => r.id === row.id);
  if (i === -1) return [row, ...list].sort((a, b) => b.openedAt - a.openedAt);
  const out = list.slice();
  out[i] = { ...row, snapshotUrl: row.snapshotUrl ?? list[i]!.snapshotUrl };
  return out;
}

export function matchesFilter(row: AlertRow, f: AlertFilter): boolean {
  if (f.status.length && !f.status.includes(row.status)) return false;
  if (f.severity.length && !f.severity.includes(row.severity)) return false;
  if (f.cameraId && row.cameraId !== f.cameraId) return false;
  if (f.label && row.label !== f.label) return false;
  if (f.hideFalsePositives && row.falsePositive) return false;
  if (f.text) {
    const q = f.text.toLowerCase();
    const hay = `${row.ruleName} ${row.message} ${row.cameraId} ${row.label} ${row.condition}`.toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

/** The filter as GET /alerts query parameters. */
export function filterToQuery(f: AlertFilter): Record<string, string | undefined> {
  return {
    status: f.status.length ? f.status.join(',') : undefined,
    severity: f.severity.length ? f.severity.join(',') : undefined,
    cameraId: f.cameraId || undefined,
    label: f.label || undefined,
    falsePositive: f.hideFalsePositives ? 'false' : undefined,
  };
}

/** Which actions the lifecycle allows for a row (open → acknowledged → resolved). */
export function allowedActions(row: Pick<AlertRow, 'status' | 'falsePositive'>): {
  ack: boolean;
  resolve: boolean;
  markFalse: boolean;
} {
  return {
    ack: row.status === 'open',
    resolve: row.status !== 'resolved',
    markFalse: !row.falsePositive,
  };
}

/** "12 s ago", "5 min ago", "3 h ago", else a date. */
export function timeAgo(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(at).toLocaleString();
}
