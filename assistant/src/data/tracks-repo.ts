import { type Pool, pointInPolygon } from '@sentinel/common';
import type { Point, ZoneInfo } from './catalog.ts';

export type TrackRow = {
  cameraId: string;
  trackId: string;
  label: string;
  firstSeen: number;
  lastSeen: number;
  maxScore: number;
  frames: number;
  stationary: boolean;
  /** Bottom-centre points of the object's box along its path (normalised). */
  points: Point[];
};

export type TrackQuery = {
  cameraIds?: string[];
  labels?: string[];
  /** Tracks overlapping [fromMs, toMs). */
  fromMs?: number;
  toMs?: number;
  order?: 'latest' | 'earliest';
  limit?: number;
};

const COLUMNS =
  'camera_id, track_id, label, first_seen, last_seen, max_score, frames, stationary, last_box, path';

type Raw = {
  camera_id: string;
  track_id: string;
  label: string;
  first_seen: Date;
  last_seen: Date;
  max_score: number;
  frames: number;
  stationary: boolean;
  last_box: number[] | null;
  path: unknown;
};

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Read one path entry written by the history writer: [x,y(,t)], {x,y}, {box:[x,y,w,h]} or [x,y,w,h]-boxes. */
function pathPoint(entry: unknown): Point | undefined {
  if (Array.isArray(entry)) {
    if (entry.length === 4 && entry.every(num)) {
      const [x, y, w, h] = entry as [number, number, number, number];
      return [x + w / 2, y + h];
    }
    if (entry.length >= 2 && num(entry[0]) && num(entry[1])) return [entry[0], entry[1]];
    return undefined;
  }
  if (entry && typeof entry === 'object') {
    const o = entry as Record<string, unknown>;
    if (Array.isArray(o.box)) return pathPoint(o.box);
    if (num(o.x) && num(o.y)) {
      if (num(o.w) && num(o.h)) return [o.x + o.w / 2, o.y + o.h];
      return [o.x, o.y];
    }
  }
  return undefined;
}

function toRow(r: Raw): TrackRow {
  const points = Array.isArray(r.path) ? r.path.map(pathPoint).filter((p): p is Point => !!p) : [];
  if (points.length === 0 && r.last_box && r.last_box.length === 4) {
    const [x, y, w, h] = r.last_box as [number, number, number, number];
    points.push([x + w / 2, y + h]);
  }
  return {
    cameraId: r.camera_id,
    trackId: r.track_id,
    label: r.label,
    firstSeen: r.first_seen.getTime(),
    lastSeen: r.last_seen.getTime(),
    maxScore: Number(r.max_score),
    frames: r.frames,
    stationary: r.stationary,
    points,
  };
}

/** Tracks overlapping a time range, newest or oldest first. */
export async function listTracks(pool: Pool, q: TrackQuery): Promise<TrackRow[]> {
  const { rows } = await pool.query<Raw>(
    `SELECT ${COLUMNS} FROM tracks
      WHERE ($1::text[] IS NULL OR camera_id = ANY($1)) AND ($2::text[] IS NULL OR label = ANY($2))
        AND ($3::timestamptz IS NULL OR last_seen >= $3) AND ($4::timestamptz IS NULL OR first_seen < $4)
      ORDER BY ${q.order === 'earliest' ? 'first_seen ASC' : 'last_seen DESC'}, camera_id, track_id
      LIMIT $5`,
    [
      q.cameraIds?.length ? q.cameraIds : null,
      q.labels?.length ? q.labels : null,
      q.fromMs === undefined ? null : new Date(q.fromMs),
      q.toMs === undefined ? null : new Date(q.toMs),
      q.limit ?? 100,
    ],
  );
  return rows.map(toRow);
}

/** Position of the track indexer: tracks are read in (last_seen, camera_id, track_id) order. */
export type TrackCursor = { lastSeenMs: number; cameraId: string; trackId: string };

/** Tracks after the cursor that have been idle for settleSeconds (finished), in cursor order. */
export async function finishedTracksAfter(
  pool: Pool,
  cursor: TrackCursor | undefined,
  settleSeconds: number,
  limit: number,
  nowMs = Date.now(),
): Promise<TrackRow[]> {
  const c = cursor ?? { lastSeenMs: 0, cameraId: '', trackId: '' };
  const { rows } = await pool.query<Raw>(
    `SELECT ${COLUMNS} FROM tracks WHERE (date_trunc('milliseconds', last_seen), camera_id, track_id) > ($1, $2, $3) AND last_seen < $4
      ORDER BY last_seen ASC, camera_id, track_id LIMIT $5`,
    [new Date(c.lastSeenMs), c.cameraId, c.trackId, new Date(nowMs - settleSeconds * 1000), limit],
  );
  return rows.map(toRow);
}

/** Zones of the track's camera that any point of its path fell inside. */
export function zonesVisited(track: TrackRow, zones: readonly ZoneInfo[]): ZoneInfo[] {
  return zones.filter(
    (z) =>
      z.cameraId === track.cameraId &&
      z.polygon.length >= 3 &&
      track.points.some((p) => pointInPolygon(p, z.polygon)),
  );
}
