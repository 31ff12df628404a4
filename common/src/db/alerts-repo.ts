import type { Pool, PoolClient } from 'pg';
import type { AlertEvent, AlertStatus } from '../schemas/alert.ts';
import type { AnnotationFeedback } from '../schemas/hard-example.ts';
import { withTransaction } from './pool.ts';

type Queryable = Pool | PoolClient;

/** An `alerts` row with camelCase names and epoch-ms times. */
export type AlertRecord = {
  id: string;
  ruleId: string;
  ruleName: string;
  cameraId: string;
  trackId: string | null;
  zoneId: string | null;
  label: string;
  severity: 'info' | 'warning' | 'critical';
  status: AlertStatus;
  condition: string;
  message: string;
  frameId: string | null;
  capturedAt: number | null;
  openedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  snapshotKey: string | null;
  falsePositive: boolean;
  dedupKey: string | null;
  details: Record<string, unknown>;
};

export type AlertEventRecord = {
  id: number;
  alertId: string;
  event: string;
  fromStatus: string | null;
  toStatus: string;
  actor: string;
  at: number;
  details: Record<string, unknown>;
};

/** Why a transition was refused: unknown alert id (HTTP 404) or not allowed from the current status (409). */
export class AlertTransitionError extends Error {
  constructor(
    readonly code: 'not_found' | 'invalid_transition',
    message: string,
    readonly currentStatus?: AlertStatus,
  ) {
    super(message);
    this.name = 'AlertTransitionError';
  }
}

const ms = (v: Date | null | undefined) => (v ? v.getTime() : null);

// biome-ignore lint/suspicious/noExplicitAny: pg rows are untyped
export function mapAlertRow(r: any): AlertRecord {
  return {
    id: r.id,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    cameraId: r.camera_id,
    trackId: r.track_id,
    zoneId: r.zone_id,
    label: r.label,
    severity: r.severity,
    status: r.status,
    condition: r.condition,
    message: r.message,
    frameId: r.frame_id,
    capturedAt: ms(r.captured_at),
    openedAt: r.opened_at.getTime(),
    acknowledgedAt: ms(r.acknowledged_at),
    resolvedAt: ms(r.resolved_at),
    snapshotKey: r.snapshot_key,
    falsePositive: r.false_positive,
    dedupKey: r.dedup_key,
    details: r.details ?? {},
  };
}

// biome-ignore lint/suspicious/noExplicitAny: pg rows are untyped
const mapEventRow = (r: any): AlertEventRecord => ({
  id: Number(r.id),
  alertId: r.alert_id,
  event: r.event,
  fromStatus: r.from_status,
  toStatus: r.to_status,
  actor: r.actor,
  at: r.at.getTime(),
  details: r.details ?? {},
});

/** The lifecycle event to publish on `alerts.<cameraId>.<event>` for an alert in its current state. */
export function alertEventFromRecord(
  a: AlertRecord,
  event: AlertEvent['event'],
  actor: string,
  at: number,
): AlertEvent {
  const box = a.details.box;
  return {
    cameraId: a.cameraId,
    frameId: a.frameId ?? a.id,
    capturedAt: a.capturedAt ?? a.openedAt,
    trace: {},
    alertId: a.id,
    event,
    status: a.status,
    ruleId: a.ruleId,
    ruleName: a.ruleName,
    severity: a.severity,
    condition: a.condition,
    label: a.label,
    ...(a.trackId ? { trackId: a.trackId } : {}),
    ...(a.zoneId ? { zoneId: a.zoneId } : {}),
    ...(Array.isArray(box) && box.length === 4 ? { box: box as [number, number, number, number] } : {}),
    message: a.message,
    ...(a.snapshotKey ? { snapshotKey: a.snapshotKey } : {}),
    actor,
    at,
  };
}

const ALLOWED: Record<AlertStatus, AlertStatus[]> = {
  open: ['acknowledged', 'resolved'],
  acknowledged: ['resolved'],
  resolved: [],
};

const inTransaction = withTransaction;

/**
 * Move an alert to `acknowledged` or `resolved` and record the transition in `alert_events`, in one
 * transaction (row locked). Throws AlertTransitionError for an unknown id or a transition the
 * lifecycle does not allow (open → acknowledged → resolved; open → resolved). Returns the event to
 * publish on NATS (`subjects.alerts(cameraId, event.event)`).
 */
export async function transitionAlert(
  db: Pool,
  alertId: string,
  to: 'acknowledged' | 'resolved',
  actor: string,
  details: Record<string, unknown> = {},
  now = Date.now(),
): Promise<AlertEvent> {
  return inTransaction(db, async (c) => {
    const cur = await c.query('SELECT * FROM alerts WHERE id = $1 FOR UPDATE', [alertId]);
    if (cur.rows.length === 0)
      throw new AlertTransitionError('not_found', `alert '${alertId}' does not exist`);
    const from = cur.rows[0].status as AlertStatus;
    if (!ALLOWED[from].includes(to))
      throw new AlertTransitionError(
        'invalid_transition',
        from === to
          ? `alert '${alertId}' is already ${from}`
          : `alert '${alertId}' cannot go from ${from} to ${to}`,
        from,
      );
    const at = new Date(now);
    const { rows } = await c.query(
      `UPDATE alerts SET status = $2,
         acknowledged_at = CASE WHEN $2 = 'acknowledged' THEN $3 ELSE acknowledged_at END,
         resolved_at = CASE WHEN $2 = 'resolved' THEN $3 ELSE resolved_at END
       WHERE id = $1 RETURNING *`,
      [alertId, to, at],
    );
    await c.query(
      'INSERT INTO alert_events (alert_id, event, from_status, to_status, actor, at, details) VALUES ($1,$2,$3,$4,$5,$6,$7)',
      [alertId, to, from, to, actor, at, details],
    );
    return alertEventFromRecord(mapAlertRow(rows[0]), to, actor, now);
  });
}

/**
 * Mark (or unmark) an alert as a false positive; records an `alert_events` row (event
 * `false_positive`, status unchanged). Returns the alert and the feedback message to publish on
 * `annotate.feedback` so the frame lands in the annotation queue.
 */
export async function markAlertFalsePositive(
  db: Pool,
  alertId: string,
  actor: string,
  falsePositive = true,
  details: Record<string, unknown> = {},
  now = Date.now(),
): Promise<{ alert: AlertRecord; feedback: AnnotationFeedback }> {
  return inTransaction(db, async (c) => {
    const { rows } = await c.query('UPDATE alerts SET false_positive = $2 WHERE id = $1 RETURNING *', [
      alertId,
      falsePositive,
    ]);
    if (rows.length === 0) throw new AlertTransitionError('not_found', `alert '${alertId}' does not exist`);
    const alert = mapAlertRow(rows[0]);
    await c.query(
      'INSERT INTO alert_events (alert_id, event, from_status, to_status, actor, at, details) VALUES ($1,$2,$3,$3,$4,$5,$6)',
      [
        alertId,
        falsePositive ? 'false_positive' : 'not_false_positive',
        alert.status,
        actor,
        new Date(now),
        details,
      ],
    );
    const feedback: AnnotationFeedback = {
      kind: 'false_positive',
      alertId,
      cameraId: alert.cameraId,
      ...(alert.frameId ? { frameId: alert.frameId } : {}),
      ...(alert.trackId ? { trackId: alert.trackId } : {}),
      ...(alert.capturedAt ? { capturedAt: alert.capturedAt } : {}),
      ...(alert.snapshotKey ? { snapshotKey: alert.snapshotKey } : {}),
      actor,
      at: now,
    };
    return { alert, feedback };
  });
}

export async function getAlert(db: Queryable, alertId: string): Promise<AlertRecord | null> {
  const { rows } = await db.query('SELECT * FROM alerts WHERE id = $1', [alertId]);
  return rows[0] ? mapAlertRow(rows[0]) : null;
}

export async function listAlertEvents(db: Queryable, alertId: string): Promise<AlertEventRecord[]> {
  const { rows } = await db.query('SELECT * FROM alert_events WHERE alert_id = $1 ORDER BY at, id', [
    alertId,
  ]);
  return rows.map(mapEventRow);
}

export type AlertFilter = {
  status?: AlertStatus[];
  severity?: string[];
  cameraId?: string[];
  ruleId?: string;
  label?: string;
  falsePositive?: boolean;
  from?: number;
  to?: number;
  /** Keyset cursor: the (openedAt, id) of the last row of the previous page. */
  before?: { openedAt: number; id: string };
  limit?: number;
};

/** Alerts newest first with keyset pagination (pass the last row's openedAt/id as `before`). */
export async function listAlerts(db: Queryable, f: AlertFilter = {}): Promise<AlertRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replaceAll('$?', `$${params.length}`));
  };
  if (f.status?.length) add('status = ANY($?::text[])', f.status);
  if (f.severity?.length) add('severity = ANY($?::text[])', f.severity);
  if (f.cameraId?.length) add('camera_id = ANY($?::text[])', f.cameraId);
  if (f.ruleId) add('rule_id = $?', f.ruleId);
  if (f.label) add('label = $?', f.label);
  if (f.falsePositive !== undefined) add('false_positive = $?', f.falsePositive);
  if (f.from !== undefined) add('opened_at >= $?', new Date(f.from));
  if (f.to !== undefined) add('opened_at < $?', new Date(f.to));
  if (f.before) {
    params.push(new Date(f.before.openedAt), f.before.id);
    where.push(`(opened_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(Math.min(Math.max(f.limit ?? 50, 1), 500));
  const { rows } = await db.query(
    `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY opened_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(mapAlertRow);
}

export type NewAlert = {
  id: string;
  dedupKey: string;
  ruleId: string;
  ruleName: string;
  cameraId: string;
  trackId?: string | undefined;
  zoneId?: string | undefined;
  label: string;
  severity: 'info' | 'warning' | 'critical';
  condition: string;
  message: string;
  frameId: string;
  capturedAt: number;
  openedAt: number;
  snapshotKey?: string | undefined;
  details: Record<string, unknown>;
};

/**
 * Insert an open alert and its `opened` event in one transaction. Idempotent: a second call with the
 * same id or dedup key inserts nothing and returns `created: false` with the stored row.
 */
export async function openAlert(db: Pool, a: NewAlert): Promise<{ created: boolean; alert: AlertRecord }> {
  return inTransaction(db, async (c) => {
    const ins = await c.query(
      `INSERT INTO alerts (id, rule_id, rule_name, camera_id, track_id, zone_id, label, severity, status, condition,
         message, frame_id, captured_at, opened_at, snapshot_key, dedup_key, details)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'open',$9,$10,$11,$12,$13,$14,$15,$16)
       ON CONFLICT DO NOTHING RETURNING *`,
      [
        a.id,
        a.ruleId,
        a.ruleName,
        a.cameraId,
        a.trackId ?? null,
        a.zoneId ?? null,
        a.label,
        a.severity,
        a.condition,
        a.message,
        a.frameId,
        new Date(a.capturedAt),
        new Date(a.openedAt),
        a.snapshotKey ?? null,
        a.dedupKey,
        a.details,
      ],
    );
    if (ins.rows.length === 0) {
      const { rows } = await c.query('SELECT * FROM alerts WHERE id = $1 OR dedup_key = $2', [
        a.id,
        a.dedupKey,
      ]);
      return { created: false, alert: mapAlertRow(rows[0]) };
    }
    await c.query(
      `INSERT INTO alert_events (alert_id, event, from_status, to_status, actor, at, details)
       VALUES ($1, 'opened', NULL, 'open', 'system', $2, $3)`,
      [a.id, new Date(a.openedAt), { frameId: a.frameId }],
    );
    return { created: true, alert: mapAlertRow(ins.rows[0]) };
  });
}

/**
 * Record an `updated` event (another track joined an open alert) and merge `details`. Idempotent per
 * `eventKey` (stored in the event details): a replayed update records nothing.
 */
export async function recordAlertUpdate(
  db: Pool,
  alertId: string,
  eventKey: string,
  details: Record<string, unknown>,
  at: number,
): Promise<{ recorded: boolean; alert: AlertRecord | null }> {
  return inTransaction(db, async (c) => {
    const cur = await c.query('SELECT * FROM alerts WHERE id = $1 FOR UPDATE', [alertId]);
    if (!cur.rows[0]) return { recorded: false, alert: null };
    const seen = await c.query(
      "SELECT 1 FROM alert_events WHERE alert_id = $1 AND event = 'updated' AND details->>'eventKey' = $2",
      [alertId, eventKey],
    );
    if (seen.rows.length > 0 || cur.rows[0].status === 'resolved')
      return { recorded: false, alert: mapAlertRow(cur.rows[0]) };
    const { rows } = await c.query(
      'UPDATE alerts SET details = details || $2::jsonb WHERE id = $1 RETURNING *',
      [alertId, details],
    );
    const status = cur.rows[0].status;
    await c.query(
      `INSERT INTO alert_events (alert_id, event, from_status, to_status, actor, at, details)
       VALUES ($1, 'updated', $2, $2, 'system', $3, $4)`,
      [alertId, status, new Date(at), { ...details, eventKey }],
    );
    return { recorded: true, alert: mapAlertRow(rows[0]) };
  });
}
