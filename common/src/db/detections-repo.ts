import type { Pool, PoolClient } from 'pg';
import type { DetectionBatch } from '../schemas/detection.ts';

type Queryable = Pool | PoolClient;

export type StorageMode = 'timescale' | 'partitioned';

/** Which storage path the migrations took ('timescale' or 'partitioned'). */
export async function detectionsStorageMode(db: Queryable): Promise<StorageMode> {
  const { rows } = await db.query("SELECT value FROM sentinel_meta WHERE key = 'detections_storage'");
  const mode = rows[0]?.value;
  if (mode !== 'timescale' && mode !== 'partitioned')
    throw new Error('detections storage not migrated (run npm run db:migrate)');
  return mode;
}

const NO_PARTITION = '23514';

/**
 * Insert every detection of the batches in one statement (unnest of column arrays). Idempotent:
 * the primary key (camera_id, frame_id, det_index, time) makes redelivered batches insert nothing,
 * and the per-minute rollup counts only rows actually inserted. Creates missing day partitions.
 */
export async function insertDetectionBatches(
  db: Queryable,
  batches: readonly DetectionBatch[],
  mode: StorageMode = 'partitioned',
): Promise<{ inserted: number }> {
  const cols = {
    time: [] as string[],
    camera: [] as string[],
    frame: [] as string[],
    idx: [] as number[],
    track: [] as (string | null)[],
    label: [] as string[],
    score: [] as number[],
    x: [] as number[],
    y: [] as number[],
    w: [] as number[],
    h: [] as number[],
    stationary: [] as boolean[],
    model: [] as string[],
  };
  for (const b of batches) {
    const t = new Date(b.capturedAt).toISOString();
    b.detections.forEach((d, i) => {
      cols.time.push(t);
      cols.camera.push(b.cameraId);
      cols.frame.push(b.frameId);
      cols.idx.push(i);
      cols.track.push(d.trackId ?? null);
      cols.label.push(d.label);
      cols.score.push(d.score);
      cols.x.push(d.box[0]);
      cols.y.push(d.box[1]);
      cols.w.push(d.box[2]);
      cols.h.push(d.box[3]);
      cols.stationary.push(d.stationary);
      cols.model.push(b.modelId);
    });
  }
  if (cols.time.length === 0) return { inserted: 0 };
  const insert = `INSERT INTO detections (time, camera_id, frame_id, det_index, track_id, label, score, x, y, w, h, stationary, model_id)
    SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::smallint[], $5::text[], $6::text[], $7::real[],
      $8::real[], $9::real[], $10::real[], $11::real[], $12::boolean[], $13::text[])
    ON CONFLICT DO NOTHING RETURNING camera_id, label, time`;
  const sql =
    mode === 'timescale'
      ? `WITH ins AS (${insert}) SELECT count(*)::int AS n FROM ins`
      : `WITH ins AS (${insert}),
         roll AS (
           INSERT INTO detections_per_minute (camera_id, label, bucket, count)
           SELECT camera_id, label, date_trunc('minute', time), count(*) FROM ins GROUP BY 1, 2, 3
           ON CONFLICT (camera_id, label, bucket) DO UPDATE SET count = detections_per_minute.count + EXCLUDED.count
         )
         SELECT count(*)::int AS n FROM ins`;
  const params = Object.values(cols);
  try {
    const { rows } = await db.query(sql, params);
    return { inserted: rows[0].n };
  } catch (err) {
    if ((err as { code?: string }).code !== NO_PARTITION || mode !== 'partitioned') throw err;
    const days = cols.time.map((t) => t.slice(0, 10)).sort();
    await db.query('SELECT sentinel_ensure_detection_partitions($1::date, $2::date)', [
      days[0],
      days[days.length - 1],
    ]);
    const { rows } = await db.query(sql, params);
    return { inserted: rows[0].n };
  }
}

export type CountQuery = {
  from: Date;
  to: Date;
  /** Bucket width in seconds, a multiple of 60 (rollups are per minute). */
  intervalSeconds: number;
  cameraId?: string;
  label?: string;
};

export type CountRow = { bucket: Date; cameraId: string; label: string; count: number };

/** Detection counts per interval, camera and label, from the per-minute rollup. */
export async function countDetections(db: Queryable, q: CountQuery): Promise<CountRow[]> {
  if (!Number.isInteger(q.intervalSeconds) || q.intervalSeconds < 60 || q.intervalSeconds % 60 !== 0)
    throw new RangeError('intervalSeconds must be a whole number of minutes (>= 60)');
  const { rows } = await db.query(
    `SELECT date_bin(make_interval(secs => $1), bucket, TIMESTAMPTZ '2000-01-01') AS bucket, camera_id, label, sum(count)::bigint AS count
       FROM detections_per_minute
      WHERE bucket >= $2 AND bucket < $3 AND ($4::text IS NULL OR camera_id = $4) AND ($5::text IS NULL OR label = $5)
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [q.intervalSeconds, q.from, q.to, q.cameraId ?? null, q.label ?? null],
  );
  return rows.map((r) => ({
    bucket: r.bucket,
    cameraId: r.camera_id,
    label: r.label,
    count: Number(r.count),
  }));
}

/** Partition maintenance for the fallback path: create days ahead, drop days past retention. */
export async function maintainDetectionPartitions(
  db: Queryable,
  opts: { daysAhead: number; retentionDays: number },
): Promise<{ created: string[]; dropped: string[] }> {
  if ((await detectionsStorageMode(db)) !== 'partitioned') return { created: [], dropped: [] };
  const created = await db.query(
    "SELECT sentinel_ensure_detection_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + $1::int) AS n",
    [opts.daysAhead],
  );
  const dropped = await db.query('SELECT sentinel_drop_detection_partitions($1::int) AS n', [
    opts.retentionDays,
  ]);
  return { created: created.rows.map((r) => r.n), dropped: dropped.rows.map((r) => r.n) };
}
