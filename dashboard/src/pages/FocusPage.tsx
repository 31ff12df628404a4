import type { AlertResponse } from '@sentinel/common/api/alerts';
import type { ListResponse } from '@sentinel/common/api/common';
import type { RuleResponse, ZoneResponse } from '@sentinel/common/api/zones-rules';
import { useEffect } from 'react';
import { api } from '../api/client.ts';
import { useCameras } from '../app/cameras.ts';
import { useAsync } from '../app/hooks.ts';
import { useLiveAlerts } from '../app/live-alerts.tsx';
import { Link } from '../app/router.tsx';
import { useSession } from '../app/session.tsx';
import { CameraTile } from '../components/CameraTile.tsx';
import type { OverlayLine } from '../components/DetectionOverlay.tsx';
import { timeAgo } from '../lib/alerts-feed.ts';
import { alertPath } from '../lib/routes.ts';

/** One camera, large, with its zones and tripwires drawn, and its latest alerts. */
export function FocusPage({ cameraId }: { cameraId: string }) {
  const cameras = useCameras();
  const { can } = useSession();
  const camera = cameras.data?.find((c) => c.id === cameraId);
  const zones = useAsync(
    () => api.get<ListResponse<ZoneResponse>>('/zones', { cameraId, limit: 200 }).then((r) => r.items),
    [cameraId],
  );
  const rules = useAsync(
    () =>
      can('rules:read')
        ? api.get<ListResponse<RuleResponse>>('/rules', { cameraId, limit: 200 }).then((r) => r.items)
        : Promise.resolve([]),
    [cameraId],
  );
  const alerts = useAsync(
    () =>
      can('alerts:read')
        ? api.get<ListResponse<AlertResponse>>('/alerts', { cameraId, limit: 10 }).then((r) => r.items)
        : Promise.resolve([]),
    [cameraId],
  );
  const live = useLiveAlerts();
  const reloadAlerts = alerts.reload;
  useEffect(
    () => live.subscribe((ev) => ev.cameraId === cameraId && reloadAlerts()),
    [live, cameraId, reloadAlerts],
  );
  const lines: OverlayLine[] = (rules.data ?? []).flatMap((r) =>
    r.enabled && r.condition.type === 'line_cross'
      ? [{ a: r.condition.line.a, b: r.condition.line.b, direction: r.condition.line.direction }]
      : [],
  );
  if (cameras.loading && !camera) return <section className="page">Loading…</section>;
  if (!camera)
    return (
      <section className="page">
        <h1>Unknown camera</h1>
        <p>
          <code>{cameraId}</code> does not exist. <Link to="/">Back to the wall</Link>
        </p>
      </section>
    );
  return (
    <section className="page focus-page">
      <div className="toolbar">
        <Link to="/" className="btn ghost">
          ‹ Wall
        </Link>
        <h1>{camera.name}</h1>
        {can('rules:write') && (
          <Link to={`/rules/new?camera=${encodeURIComponent(camera.id)}`} className="btn">
            New rule on this camera
          </Link>
        )}
      </div>
      <div className="focus-layout">
        <CameraTile camera={camera} zones={zones.data ?? []} lines={lines} />
        <aside className="panel">
          <h2>Latest alerts</h2>
          {alerts.loading && !alerts.data && <p className="muted">Loading…</p>}
          {alerts.data?.length === 0 && <p className="muted">No alerts for this camera.</p>}
          <ul className="mini-list">
            {(alerts.data ?? []).map((a) => (
              <li key={a.id}>
                <Link to={alertPath(a.id)}>
                  <span className={`sev ${a.severity}`}>{a.severity}</span> {a.ruleName}
                  <span className="muted small">
                    {' '}
                    · {timeAgo(a.openedAt)} · {a.status}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
          <h2>Source</h2>
          <dl className="facts">
            <dt>Status</dt>
            <dd>{camera.status?.state ?? 'unknown'}</dd>
            {camera.status?.source?.width && (
              <>
                <dt>Resolution</dt>
                <dd>
                  {camera.status.source.width}×{camera.status.source.height}{' '}
                  {camera.status.source.codec ?? ''}
                </dd>
              </>
            )}
            {camera.status?.fps !== undefined && (
              <>
                <dt>FPS</dt>
                <dd>{camera.status.fps.toFixed(1)}</dd>
              </>
            )}
            <dt>Detect</dt>
            <dd>{camera.detectFps} fps</dd>
            <dt>Zones</dt>
            <dd>{(zones.data ?? []).map((z) => z.name).join(', ') || 'none'}</dd>
          </dl>
        </aside>
      </div>
    </section>
  );
}
