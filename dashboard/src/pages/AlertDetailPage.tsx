import type { AlertResponse, alertDetailResponseSchema } from '@sentinel/common/api/alerts';
import type { ListResponse } from '@sentinel/common/api/common';
import type { DetectionRow, TrackRow } from '@sentinel/common/api/detections';
import { useEffect } from 'react';
import type { z } from 'zod';
import { api } from '../api/client.ts';
import { useAsync } from '../app/hooks.ts';
import { useLiveAlerts } from '../app/live-alerts.tsx';
import { Link } from '../app/router.tsx';
import { useSession } from '../app/session.tsx';
import { AlertActions } from '../components/AlertActions.tsx';
import { SnapshotView } from '../components/SnapshotView.tsx';
import { timeAgo } from '../lib/alerts-feed.ts';
import { boxToPixels, labelColour, type NormBox, trackPathPoints } from '../lib/overlay-geometry.ts';
import { livePath } from '../lib/routes.ts';

type AlertDetail = z.infer<typeof alertDetailResponseSchema>;

const isBox = (v: unknown): v is NormBox =>
  Array.isArray(v) && v.length === 4 && v.every((n) => typeof n === 'number');

export function AlertDetailPage({ id }: { id: string }) {
  const { can } = useSession();
  const alert = useAsync(() => api.get<AlertDetail>(`/alerts/${encodeURIComponent(id)}`), [id]);
  const a = alert.data;
  const live = useLiveAlerts();
  const reload = alert.reload;
  useEffect(() => live.subscribe((ev) => ev.alertId === id && reload()), [live, id, reload]);

  // The track's path: its detections around the alert (±60 s).
  const path = useAsync(async () => {
    if (!a?.trackId || !can('detections:read')) return [] as DetectionRow[];
    const at = a.capturedAt ?? a.openedAt;
    const r = await api.get<ListResponse<DetectionRow>>('/detections', {
      cameraId: a.cameraId,
      trackId: a.trackId,
      from: at - 60_000,
      to: at + 60_000,
      limit: 200,
    });
    return r.items.slice().sort((x, y) => x.time - y.time);
  }, [a?.id, a?.trackId]);
  const zone = useAsync(async () => {
    if (!a?.zoneId || !can('zones:read')) return undefined;
    return api.get<{ name: string }>(`/zones/${encodeURIComponent(a.zoneId)}`).catch(() => undefined);
  }, [a?.zoneId]);
  const track = useAsync(async () => {
    if (!a?.trackId || !can('detections:read')) return undefined;
    const r = await api.get<ListResponse<TrackRow>>('/tracks', {
      cameraId: a.cameraId,
      trackId: a.trackId,
      limit: 1,
    });
    return r.items[0];
  }, [a?.id, a?.trackId]);

  // The history writer stores detections a moment after the alert: refresh the track while it is young.
  const reloadPath = path.reload;
  const reloadTrack = track.reload;
  const young = a ? Date.now() - (a.capturedAt ?? a.openedAt) < 120_000 : false;
  useEffect(() => {
    if (!young) return;
    const t = setInterval(() => {
      reloadPath();
      reloadTrack();
    }, 3000);
    return () => clearInterval(t);
  }, [young, reloadPath, reloadTrack]);

  if (alert.error)
    return (
      <section className="page">
        <h1>Alert</h1>
        <p className="error">{alert.error.message}</p>
        <Link to="/alerts">Back to alerts</Link>
      </section>
    );
  if (!a) return <section className="page">Loading…</section>;
  const box = isBox(a.details.box) ? a.details.box : undefined;
  const points = (path.data ?? []).map((d) => d.box as NormBox);
  const timeline = [
    ...(track.data
      ? [
          {
            at: track.data.firstSeen,
            what: `${track.data.label} #${track.data.trackId} first seen`,
            who: 'tracker',
          },
        ]
      : []),
    ...a.events.map((e) => ({
      at: e.at,
      what: e.event === 'opened' ? 'alert opened' : e.event,
      who: e.actor,
    })),
    ...(track.data
      ? [{ at: track.data.lastSeen, what: `last seen (${track.data.frames} frames)`, who: 'tracker' }]
      : []),
  ].sort((x, y) => x.at - y.at);

  return (
    <section className="page alert-detail" data-testid="alert-detail" data-status={a.status}>
      <div className="toolbar">
        <Link to="/alerts" className="btn ghost">
          ‹ Alerts
        </Link>
        <h1>
          <span className={`sev ${a.severity}`}>{a.severity}</span> {a.ruleName}
        </h1>
        <span className={`status-pill ${a.status}`}>{a.status}</span>
        {a.falsePositive && <span className="status-pill resolved">false positive</span>}
      </div>
      <div className="detail-layout">
        <div>
          <SnapshotView src={a.snapshotUrl} alt={`Snapshot of ${a.cameraId} at the alert`}>
            {(rect) => (
              <>
                {points.length > 1 && (
                  <polyline className="track-path" points={trackPathPoints(points, rect)} />
                )}
                {box &&
                  (() => {
                    const px = boxToPixels(box, rect);
                    return (
                      <rect
                        className="alert-box"
                        x={px.x}
                        y={px.y}
                        width={px.width}
                        height={px.height}
                        stroke={labelColour(a.label)}
                      />
                    );
                  })()}
              </>
            )}
          </SnapshotView>
          <p className="muted small">
            {points.length > 1
              ? `Track path: ${points.length} positions over ${Math.round((path.data!.at(-1)!.time - path.data![0]!.time) / 1000)} s.`
              : 'No track path recorded.'}
          </p>
        </div>
        <aside className="panel">
          <p className="alert-msg">{a.message}</p>
          <dl className="facts">
            <dt>Camera</dt>
            <dd>
              <Link to={livePath(a.cameraId)}>{a.cameraId}</Link>
            </dd>
            <dt>Object</dt>
            <dd>
              {a.label}
              {a.trackId ? ` #${a.trackId}` : ''}
            </dd>
            <dt>Condition</dt>
            <dd>{a.condition}</dd>
            {a.zoneId && (
              <>
                <dt>Zone</dt>
                <dd>{zone.data?.name ?? a.zoneId}</dd>
              </>
            )}
            <dt>Opened</dt>
            <dd>
              {new Date(a.openedAt).toLocaleString()} ({timeAgo(a.openedAt)})
            </dd>
          </dl>
          <AlertActions
            alert={a}
            onChange={(row: AlertResponse) => {
              alert.setData((prev) =>
                prev ? { ...prev, ...row, snapshotUrl: row.snapshotUrl ?? prev.snapshotUrl } : prev,
              );
              alert.reload(); // the timeline gets the new lifecycle event
            }}
          />
          <h2>Timeline</h2>
          <ol className="timeline" data-testid="alert-timeline">
            {timeline.map((t, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: static order
              <li key={i}>
                <time>{new Date(t.at).toLocaleTimeString()}</time> <span>{t.what}</span>{' '}
                <span className="muted small">by {t.who}</span>
              </li>
            ))}
          </ol>
        </aside>
      </div>
    </section>
  );
}
