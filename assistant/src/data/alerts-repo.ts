import type { Pool } from '@sentinel/common';

export type AlertRow = {
  id: string;
  ruleName: string;
  cameraId: string;
  trackId: string | null;
  zoneId: string | null;
  label: string;
  severity: string;
  status: string;
  condition: string;
  message: string;
  openedAt: number;
  resolvedAt: number | null;
  snapshotKey: string | null;
};

export type AlertQuery = {
  cameraIds?: string[];
  labels?: string[];
  zoneIds?: string[];
  status?: string[];
  /** Alerts opened in [fromMs, toMs). */
  fromMs?: number;
  toMs?: number;
  order?: 'latest' | 'earliest';
  limit?: number;
};

const where = `($1::text[] IS NULL OR camera_id = ANY($1)) AND ($2::text[] IS NULL OR label = ANY($2))
  AND ($3::text[] IS NULL OR zone_id = ANY($3)) AND ($4::text[] IS NULL OR status = ANY($4))
  AND ($5::timestamptz IS NULL OR opened_at >= $5) AND ($6::timestamptz IS NULL OR opened_at < $6)`;

function params(q: AlertQuery) {
  const list = (v?: string[]) => (v?.length ? v : null);
  return [
    list(q.cameraIds),
    list(q.labels),
    list(q.zoneIds),
    list(q.status),
    q.fromMs === undefined ? null : new Date(q.fromMs),
    q.toMs === undefined ? null : new Date(q.toMs),
  ];
}

/** Alerts from the `alerts` table, newest first (or oldest first). */
export async function listAlerts(pool: Pool, q: AlertQuery): Promise<AlertRow[]> {
  const { rows } = await pool.query(
    `SELECT id, rule_name, camera_id, track_id, zone_id, label, severity, status, condition, message,
            opened_at, resolved_at, snapshot_key
       FROM alerts WHERE ${where}
      ORDER BY opened_at ${q.order === 'earliest' ? 'ASC' : 'DESC'}, id LIMIT $7`,
    [...params(q), q.limit ?? 50],
  );
  return rows.map((r) => ({
    id: r.id,
    ruleName: r.rule_name,
    cameraId: r.camera_id,
    trackId: r.track_id,
    zoneId: r.zone_id,
    label: r.label,
    severity: r.severity,
    status: r.status,
    condition: r.condition,
    message: r.message,
    openedAt: r.opened_at.getTime(),
    resolvedAt: r.resolved_at ? r.resolved_at.getTime() : null,
    snapshotKey: r.snapshot_key,
  }));
}

/** How many alerts match (no limit). */
export async function countAlerts(pool: Pool, q: AlertQuery): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM alerts WHERE ${where}`, params(q));
  return rows[0].n;
}
