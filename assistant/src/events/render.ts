import type { AlertEvent } from '@sentinel/common';
import type { TrackRow } from '../data/tracks-repo.ts';
import { alertDocId, type EventDoc, trackDocId } from './event-doc.ts';
import { formatClock, formatDateTime, formatDuration } from './format-time.ts';

export type NamedZone = { id: string; name: string };

const CONDITION_VERBS: Record<string, string> = {
  enter: 'entered',
  exit: 'left',
  dwell: 'loitered in',
  occupancy: 'crowded',
  sequence: 'moved through',
};

/** "person entered zone 'Loading bay'" from the alert's condition (falls back to the rule name). */
function alertAction(
  e: Pick<AlertEvent, 'label' | 'condition' | 'ruleName'>,
  zone: NamedZone | undefined,
): string {
  const kind = e.condition.split(/[\s:(]/)[0]?.toLowerCase() ?? '';
  if (kind === 'line_cross') return `${e.label} crossed a line`;
  const verb = CONDITION_VERBS[kind];
  if (verb && zone) return `${e.label} ${verb} zone '${zone.name}'`;
  if (zone) return `${e.label} triggered rule '${e.ruleName}' in zone '${zone.name}'`;
  return `${e.label} triggered rule '${e.ruleName}'`;
}

/**
 * Build (or update) the document of an alert from one lifecycle event. `previous` is the document
 * already indexed for this alert, so later events (acknowledged, resolved) keep the start time and
 * extend the duration: "person entered zone 'Loading bay' on camera 'Dock' at 22:14:05, stayed 45 s, alert 123".
 */
export function renderAlertDoc(
  e: AlertEvent,
  ctx: { cameraName: string; zone?: NamedZone; timeZone: string; previous?: EventDoc },
): EventDoc {
  const prev = ctx.previous;
  const startMs = Math.min(
    prev?.startMs ?? Number.POSITIVE_INFINITY,
    e.event === 'opened' ? e.capturedAt : e.at,
    e.capturedAt,
  );
  const endMs = Math.max(prev?.endMs ?? 0, e.at, startMs);
  const status = e.status;
  const snapshotKey = e.snapshotKey ?? prev?.snapshotKey ?? null;
  const parts = [
    `${alertAction(e, ctx.zone)} on camera '${ctx.cameraName}' at ${formatClock(startMs, ctx.timeZone)}`,
  ];
  if (status === 'resolved' && endMs > startMs) parts.push(`stayed ${formatDuration(endMs - startMs)}`);
  parts.push(`alert ${e.alertId}`);
  const text =
    `${parts.join(', ')}. ${e.severity} alert from rule '${e.ruleName}' (${status}) on ${formatDateTime(startMs, ctx.timeZone)}. ${e.message}`.trim();
  return {
    id: alertDocId(e.alertId),
    kind: 'alert',
    text,
    cameraId: e.cameraId,
    cameraName: ctx.cameraName,
    labels: [e.label],
    zoneIds: ctx.zone ? [ctx.zone.id] : [],
    zoneNames: ctx.zone ? [ctx.zone.name] : [],
    startMs,
    endMs,
    alertId: e.alertId,
    trackId: e.trackId ?? prev?.trackId ?? null,
    snapshotKey,
    severity: e.severity,
    status,
  };
}

/** "person seen on camera 'Dock' from 22:14:05 to 22:14:50 (45 s) in zone 'Loading bay', track 7". */
export function renderTrackDoc(
  t: TrackRow,
  ctx: { cameraName: string; zones: NamedZone[]; timeZone: string },
): EventDoc {
  const zonesText = ctx.zones.length ? ` in zone ${ctx.zones.map((z) => `'${z.name}'`).join(' and ')}` : '';
  const stationary = t.stationary ? ', stationary (parked)' : '';
  const text =
    `${t.label} seen on camera '${ctx.cameraName}' from ${formatClock(t.firstSeen, ctx.timeZone)} to ` +
    `${formatClock(t.lastSeen, ctx.timeZone)} (${formatDuration(t.lastSeen - t.firstSeen)})${zonesText}${stationary}, ` +
    `track ${t.trackId}. On ${formatDateTime(t.firstSeen, ctx.timeZone)}, ${t.frames} frames, best score ${t.maxScore.toFixed(2)}.`;
  return {
    id: trackDocId(t.cameraId, t.trackId),
    kind: 'track',
    text,
    cameraId: t.cameraId,
    cameraName: ctx.cameraName,
    labels: [t.label],
    zoneIds: ctx.zones.map((z) => z.id),
    zoneNames: ctx.zones.map((z) => z.name),
    startMs: t.firstSeen,
    endMs: t.lastSeen,
    alertId: null,
    trackId: t.trackId,
    snapshotKey: null,
    severity: null,
    status: null,
  };
}
