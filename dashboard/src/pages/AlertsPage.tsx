import type { AlertResponse } from '@sentinel/common/api/alerts';
import type { ListResponse } from '@sentinel/common/api/common';
import { COCO_LABELS } from '@sentinel/common/schemas/coco-labels';
import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import { useCameras } from '../app/cameras.ts';
import { useNow, useStoredState } from '../app/hooks.ts';
import { useLiveAlerts } from '../app/live-alerts.tsx';
import { Link } from '../app/router.tsx';
import { AlertActions } from '../components/AlertActions.tsx';
import {
  type AlertFilter,
  type AlertRow,
  applyAlertEvent,
  defaultFilter,
  filterToQuery,
  matchesFilter,
  timeAgo,
  upsertRow,
} from '../lib/alerts-feed.ts';
import { alertPath } from '../lib/routes.ts';

const STATUSES = ['open', 'acknowledged', 'resolved'] as const;
const SEVERITIES = ['critical', 'warning', 'info'] as const;

export function AlertsPage() {
  const [filter, setFilter] = useStoredState<AlertFilter>('sentinel.alerts.filter', defaultFilter());
  const [rows, setRows] = useState<AlertRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const live = useLiveAlerts();
  const cameras = useCameras();
  useNow(5000);

  const query = JSON.stringify(filterToQuery(filter));
  useEffect(() => {
    let alive = true;
    setLoading(true);
    api
      .get<ListResponse<AlertResponse>>('/alerts', { ...JSON.parse(query), limit: 50 })
      .then((r) => {
        if (!alive) return;
        setRows(r.items);
        setCursor(r.nextCursor);
        setError(null);
      })
      .catch((e: Error) => alive && setError(e.message))
      .finally(() => alive && setLoading(false));
    return () => {
      alive = false;
    };
  }, [query]);

  useEffect(() => live.subscribe((ev) => setRows((list) => applyAlertEvent(list, ev))), [live]);
  // Safety net besides the socket (a reconnect gap, another gateway taking the event): refresh the first
  // page every 5 s and merge it.
  useEffect(() => {
    const t = setInterval(() => {
      if (document.hidden) return;
      api
        .get<ListResponse<AlertResponse>>('/alerts', { ...JSON.parse(query), limit: 50 })
        .then((r) => setRows((list) => r.items.reduceRight((acc, row) => upsertRow(acc, row), list)))
        .catch(() => undefined);
    }, 5000);
    return () => clearInterval(t);
  }, [query]);

  const more = async () => {
    if (!cursor) return;
    const r = await api.get<ListResponse<AlertResponse>>('/alerts', {
      ...filterToQuery(filter),
      limit: 50,
      cursor,
    });
    setRows((list) => [...list, ...r.items.filter((x) => !list.some((y) => y.id === x.id))]);
    setCursor(r.nextCursor);
  };
  const toggle = <K extends 'status' | 'severity'>(key: K, v: AlertFilter[K][number]) => {
    const cur = filter[key] as string[];
    setFilter({ ...filter, [key]: cur.includes(v) ? cur.filter((x) => x !== v) : [...cur, v] });
  };
  const visible = rows.filter((r) => matchesFilter(r, filter));

  return (
    <section className="page alerts-page">
      <div className="toolbar">
        <h1>Alerts</h1>
        <span
          className={`dot ${live.connected ? 'ok' : 'bad'}`}
          title={live.connected ? 'live' : 'disconnected'}
        />
        <label className="check">
          <input type="checkbox" checked={live.sound} onChange={(e) => live.setSound(e.target.checked)} />{' '}
          Sound
        </label>
      </div>
      <div className="filters">
        <div className="chips">
          {STATUSES.map((s) => (
            <button
              type="button"
              key={s}
              className={`chip ${filter.status.includes(s) ? 'on' : ''}`}
              onClick={() => toggle('status', s)}
            >
              {s}
            </button>
          ))}
        </div>
        <div className="chips">
          {SEVERITIES.map((s) => (
            <button
              type="button"
              key={s}
              className={`chip sev-${s} ${filter.severity.includes(s) ? 'on' : ''}`}
              onClick={() => toggle('severity', s)}
            >
              {s}
            </button>
          ))}
        </div>
        <select
          value={filter.cameraId}
          onChange={(e) => setFilter({ ...filter, cameraId: e.target.value })}
          aria-label="Camera"
        >
          <option value="">All cameras</option>
          {(cameras.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <select
          value={filter.label}
          onChange={(e) => setFilter({ ...filter, label: e.target.value })}
          aria-label="Object class"
        >
          <option value="">All classes</option>
          {COCO_LABELS.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
        <input
          type="search"
          placeholder="Search rule, message…"
          value={filter.text}
          onChange={(e) => setFilter({ ...filter, text: e.target.value })}
          aria-label="Search"
        />
        <label className="check">
          <input
            type="checkbox"
            checked={filter.hideFalsePositives}
            onChange={(e) => setFilter({ ...filter, hideFalsePositives: e.target.checked })}
          />{' '}
          Hide false positives
        </label>
      </div>
      {error && <p className="error">{error}</p>}
      {!loading && visible.length === 0 && <p className="empty">No alerts match.</p>}
      <ul className="alert-list" data-testid="alert-feed">
        {visible.map((a) => (
          <li
            key={a.id}
            className={`alert-item ${a.status} sev-${a.severity}`}
            data-testid="alert-item"
            data-camera={a.cameraId}
            data-alert={a.id}
            data-status={a.status}
          >
            <Link to={alertPath(a.id)} className="alert-main">
              <span className={`sev ${a.severity}`}>{a.severity}</span>
              <strong>{a.ruleName}</strong>
              <span className="muted">
                {a.cameraId} · {a.label} · {a.condition}
              </span>
              <span className="alert-msg">{a.message}</span>
              <span className="muted small">
                {timeAgo(a.openedAt)} · <span className="status">{a.status}</span>
                {a.falsePositive && ' · false positive'}
              </span>
            </Link>
            <AlertActions alert={a} compact onChange={(row) => setRows((list) => upsertRow(list, row))} />
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" className="btn" onClick={() => void more()}>
          Load more
        </button>
      )}
    </section>
  );
}
