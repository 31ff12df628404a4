import type { AlertResponse } from '@sentinel/common/api/alerts';
import type { ListResponse } from '@sentinel/common/api/common';
import type { TrackRow } from '@sentinel/common/api/detections';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { useCameras } from '../app/cameras.ts';
import { useAsync } from '../app/hooks.ts';
import { Link } from '../app/router.tsx';
import { useSession } from '../app/session.tsx';
import { CameraIcon } from '../components/Icons.tsx';
import { LineChart } from '../components/LineChart.tsx';
import { bucketTimes, type CountBucket, intervalFor, toSeries } from '../lib/charts.ts';
import { alertPath } from '../lib/routes.ts';

const RANGES = [
  { label: '6 h', ms: 6 * 3600_000 },
  { label: '24 h', ms: 86_400_000 },
  { label: '7 days', ms: 7 * 86_400_000 },
];

export function HistoryPage() {
  const { can } = useSession();
  const cameras = useCameras();
  const [range, setRange] = useState(RANGES[1]!.ms);
  const [cameraId, setCameraId] = useState('');
  const [by, setBy] = useState<'label' | 'cameraId'>('label');
  const [search, setSearch] = useState('');
  const [to] = useState(() => Date.now());
  const from = to - range;
  const interval = intervalFor(range);
  const counts = useAsync(
    () =>
      api.get<{ intervalSeconds: number; buckets: CountBucket[] }>('/detections/counts', {
        from,
        to,
        intervalSeconds: interval,
        cameraId: cameraId || undefined,
      }),
    [from, to, interval, cameraId],
  );
  const times = bucketTimes(from, to, interval * 1000);
  const series = toSeries(counts.data?.buckets ?? [], times, by);
  const events = useAsync(
    () =>
      can('alerts:read')
        ? api
            .get<ListResponse<AlertResponse>>('/alerts', {
              from,
              to,
              cameraId: cameraId || undefined,
              limit: 200,
            })
            .then((r) => r.items)
        : Promise.resolve([]),
    [from, to, cameraId],
  );
  const tracks = useAsync(
    () =>
      api
        .get<ListResponse<TrackRow>>('/tracks', { from, to, cameraId: cameraId || undefined, limit: 100 })
        .then((r) => r.items),
    [from, to, cameraId],
  );
  const q = search.trim().toLowerCase();
  const visibleEvents = (events.data ?? []).filter(
    (a) => !q || `${a.ruleName} ${a.message} ${a.label} ${a.cameraId}`.toLowerCase().includes(q),
  );
  const visibleTracks = (tracks.data ?? []).filter(
    (t) => !q || `${t.label} ${t.cameraId} ${t.trackId}`.toLowerCase().includes(q),
  );

  return (
    <section className="page history-page">
      <div className="toolbar">
        <h1>History</h1>
        <fieldset className="segmented">
          <legend className="sr-only">Range</legend>
          {RANGES.map((r) => (
            <button
              type="button"
              key={r.ms}
              className={r.ms === range ? 'on' : ''}
              onClick={() => setRange(r.ms)}
            >
              {r.label}
            </button>
          ))}
        </fieldset>
        <select value={cameraId} onChange={(e) => setCameraId(e.target.value)} aria-label="Camera">
          <option value="">All cameras</option>
          {(cameras.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <fieldset className="segmented">
          <legend className="sr-only">Group by</legend>
          <button type="button" className={by === 'label' ? 'on' : ''} onClick={() => setBy('label')}>
            per class
          </button>
          <button type="button" className={by === 'cameraId' ? 'on' : ''} onClick={() => setBy('cameraId')}>
            per camera
          </button>
        </fieldset>
      </div>
      <div className="card">
        <h2>Detections per {interval >= 3600 ? `${interval / 3600} h` : `${interval / 60} min`}</h2>
        {counts.error && <p className="error">{counts.error.message}</p>}
        <LineChart times={times} series={series.slice(0, 8)} />
        {series.length === 0 && !counts.loading && <p className="muted">No detections in this period.</p>}
      </div>
      <div className="grid-2 history-lists">
        <div className="card">
          <div className="toolbar">
            <h2>Events</h2>
            <input
              type="search"
              placeholder="Search…"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              aria-label="Search events"
            />
          </div>
          <ul className="mini-list">
            {visibleEvents.map((a) => (
              <li key={a.id}>
                <Link to={alertPath(a.id)}>
                  <time>{new Date(a.openedAt).toLocaleString()}</time>{' '}
                  <span className={`sev ${a.severity}`}>{a.severity}</span> {a.ruleName}
                  <span className="muted small">
                    {' '}
                    · {a.cameraId} · {a.label} {a.snapshotUrl ? <CameraIcon /> : null}
                  </span>
                </Link>
              </li>
            ))}
            {visibleEvents.length === 0 && <li className="muted">No events.</li>}
          </ul>
        </div>
        <div className="card">
          <h2>Tracked objects</h2>
          <ul className="mini-list">
            {visibleTracks.map((t) => (
              <li key={`${t.cameraId}/${t.trackId}`}>
                <time>{new Date(t.firstSeen).toLocaleTimeString()}</time> {t.label} #{t.trackId}
                <span className="muted small">
                  {' '}
                  · {t.cameraId} · {Math.round((t.lastSeen - t.firstSeen) / 1000)} s ·{' '}
                  {Math.round(t.maxScore * 100)}%{t.stationary ? ' · stationary' : ''}
                </span>
              </li>
            ))}
            {visibleTracks.length === 0 && <li className="muted">No tracks.</li>}
          </ul>
        </div>
      </div>
    </section>
  );
}
