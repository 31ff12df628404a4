import { type AlertEvent, type DetectionBatch, insertDetectionBatches, type Pool } from '@sentinel/common';

/**
 * A scripted event history with known answers (the golden set in golden.json is written against it).
 * "Now" is 2026-11-20 12:00 UTC. Camera ids get a prefix so runs never collide in shared NATS KV.
 */
export const SCENARIO_NOW = Date.parse('2026-11-20T12:00:00Z');

export type ScenarioTrack = {
  camera: CameraKey;
  id: string;
  label: string;
  start: string;
  seconds: number;
  /** Whether the path passes through the camera's zone. */
  inZone: boolean;
  stationary?: boolean;
};

export type ScenarioAlert = {
  id: string;
  camera: CameraKey;
  track: string;
  label: string;
  condition: 'enter' | 'dwell';
  rule: string;
  severity: 'info' | 'warning' | 'critical';
  opened: string;
  /** Seconds until resolved; undefined = still open. */
  resolvedAfter?: number;
  snapshot: boolean;
};

export const CAMERAS = {
  dock: 'Dock',
  'parking-lot': 'Parking Lot',
  'front-door': 'Front Door',
  garden: 'Back Garden',
} as const;
export type CameraKey = keyof typeof CAMERAS;

/** One zone per camera (the garden has none); `inside`/`outside` are path points for tracks. */
export const ZONES: Record<
  Exclude<CameraKey, 'garden'>,
  { id: string; name: string; polygon: [number, number][] }
> = {
  dock: {
    id: 'loading-bay',
    name: 'Loading bay',
    polygon: [
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [0, 1],
    ],
  },
  'parking-lot': {
    id: 'lot-entrance',
    name: 'Lot entrance',
    polygon: [
      [0.5, 0],
      [1, 0],
      [1, 0.5],
      [0.5, 0.5],
    ],
  },
  'front-door': {
    id: 'porch',
    name: 'Porch',
    polygon: [
      [0.2, 0.2],
      [0.8, 0.2],
      [0.8, 0.95],
      [0.2, 0.95],
    ],
  },
};
const INSIDE: Record<string, [number, number]> = {
  dock: [0.25, 0.75],
  'parking-lot': [0.75, 0.25],
  'front-door': [0.5, 0.6],
};
const OUTSIDE: [number, number] = [0.95, 0.98];

const T = (
  camera: CameraKey,
  id: string,
  label: string,
  start: string,
  seconds: number,
  inZone: boolean,
  stationary = false,
): ScenarioTrack => ({
  camera,
  id,
  label,
  start,
  seconds,
  inZone,
  stationary,
});

export const TRACKS: ScenarioTrack[] = [
  // 2026-11-18
  T('dock', 'd8', 'person', '2026-11-18T23:50:00Z', 60, true),
  T('parking-lot', 'p10', 'car', '2026-11-18T14:00:00Z', 90, false),
  // 2026-11-19 (yesterday)
  T('dock', 'd1', 'person', '2026-11-19T08:05:00Z', 60, true),
  T('dock', 'd2', 'person', '2026-11-19T08:40:00Z', 30, false),
  T('dock', 'd3', 'truck', '2026-11-19T09:15:00Z', 600, true),
  T('dock', 'd4', 'person', '2026-11-19T22:14:05Z', 45, true),
  T('dock', 'd5', 'person', '2026-11-19T22:30:00Z', 20, true),
  T('parking-lot', 'p1', 'car', '2026-11-19T07:30:00Z', 300, true),
  T('parking-lot', 'p2', 'car', '2026-11-19T07:45:00Z', 120, false),
  T('parking-lot', 'p3', 'car', '2026-11-19T08:10:00Z', 3600, false, true),
  T('parking-lot', 'p4', 'bus', '2026-11-19T12:00:00Z', 60, true),
  T('parking-lot', 'p5', 'person', '2026-11-19T12:05:00Z', 40, false),
  T('parking-lot', 'p6', 'motorcycle', '2026-11-19T17:20:00Z', 30, true),
  T('front-door', 'f1', 'person', '2026-11-19T09:00:00Z', 20, true),
  T('front-door', 'f2', 'dog', '2026-11-19T10:30:00Z', 15, true),
  T('front-door', 'f3', 'person', '2026-11-19T18:45:00Z', 90, true),
  // 2026-11-20 (today, before noon)
  T('dock', 'd6', 'person', '2026-11-20T06:10:00Z', 50, true),
  T('dock', 'd7', 'truck', '2026-11-20T07:00:00Z', 300, false),
  T('parking-lot', 'p7', 'car', '2026-11-20T08:00:00Z', 200, true),
  T('parking-lot', 'p8', 'car', '2026-11-20T09:30:00Z', 100, false),
  T('parking-lot', 'p9', 'truck', '2026-11-20T10:15:00Z', 120, true),
  T('front-door', 'f4', 'person', '2026-11-20T11:20:00Z', 30, true),
  T('front-door', 'f5', 'cat', '2026-11-20T11:40:00Z', 10, false),
];

export const ALERTS: ScenarioAlert[] = [
  {
    id: 'A-1000',
    camera: 'dock',
    track: 'd8',
    label: 'person',
    condition: 'enter',
    rule: 'Dock intrusion',
    severity: 'critical',
    opened: '2026-11-18T23:50:05Z',
    resolvedAfter: 55,
    snapshot: true,
  },
  {
    id: 'A-1001',
    camera: 'dock',
    track: 'd4',
    label: 'person',
    condition: 'enter',
    rule: 'Dock intrusion',
    severity: 'critical',
    opened: '2026-11-19T22:14:05Z',
    resolvedAfter: 45,
    snapshot: true,
  },
  {
    id: 'A-1002',
    camera: 'front-door',
    track: 'f1',
    label: 'person',
    condition: 'enter',
    rule: 'Visitor at door',
    severity: 'info',
    opened: '2026-11-19T09:00:02Z',
    resolvedAfter: 18,
    snapshot: true,
  },
  {
    id: 'A-1003',
    camera: 'front-door',
    track: 'f3',
    label: 'person',
    condition: 'dwell',
    rule: 'Porch loitering',
    severity: 'warning',
    opened: '2026-11-19T18:45:30Z',
    resolvedAfter: 60,
    snapshot: true,
  },
  {
    id: 'A-1004',
    camera: 'dock',
    track: 'd6',
    label: 'person',
    condition: 'enter',
    rule: 'Dock intrusion',
    severity: 'critical',
    opened: '2026-11-20T06:10:03Z',
    resolvedAfter: 47,
    snapshot: false,
  },
  {
    id: 'A-1005',
    camera: 'front-door',
    track: 'f4',
    label: 'person',
    condition: 'enter',
    rule: 'Visitor at door',
    severity: 'info',
    opened: '2026-11-20T11:20:01Z',
    snapshot: true,
  },
];

/** One detection every 10 s of a track (at least one): the per-minute rollups the counts come from. */
export const DETECTION_PERIOD_S = 10;

export type Scenario = { cameraId: (key: CameraKey) => string; prefix: string };

/** Insert cameras, zones, tracks, alerts and detections; returns the alert lifecycle events to index. */
export async function seedScenario(
  pool: Pool,
  prefix: string,
): Promise<{ scenario: Scenario; alertEvents: AlertEvent[] }> {
  const cameraId = (key: CameraKey) => `${prefix}-${key}`;
  for (const [key, name] of Object.entries(CAMERAS) as [CameraKey, string][])
    await pool.query('INSERT INTO cameras (id, name, config) VALUES ($1, $2, $3)', [
      cameraId(key),
      name,
      JSON.stringify({ id: cameraId(key), name, url: 'rtsp://127.0.0.1:8554/eval' }),
    ]);
  for (const [key, z] of Object.entries(ZONES) as [CameraKey, (typeof ZONES)['dock']][])
    await pool.query('INSERT INTO zones (id, camera_id, name, definition) VALUES ($1, $2, $3, $4)', [
      `${prefix}-${z.id}`,
      cameraId(key),
      z.name,
      JSON.stringify({ id: `${prefix}-${z.id}`, cameraId: cameraId(key), name: z.name, polygon: z.polygon }),
    ]);
  const batches: DetectionBatch[] = [];
  for (const t of TRACKS) {
    const start = Date.parse(t.start);
    const point = t.inZone ? INSIDE[t.camera]! : OUTSIDE;
    const n = Math.max(1, Math.floor(t.seconds / DETECTION_PERIOD_S));
    const path = [
      [OUTSIDE[0], OUTSIDE[1], start],
      [point[0], point[1], start + (t.seconds * 1000) / 2],
    ];
    await pool.query(
      `INSERT INTO tracks (camera_id, track_id, label, first_seen, last_seen, max_score, frames, stationary, last_box, path)
       VALUES ($1, $2, $3, $4, $5, 0.9, $6, $7, $8, $9)`,
      [
        cameraId(t.camera),
        t.id,
        t.label,
        new Date(start),
        new Date(start + t.seconds * 1000),
        n,
        t.stationary ?? false,
        [0.1, 0.1, 0.1, 0.1],
        JSON.stringify(path),
      ],
    );
    for (let i = 0; i < n; i++)
      batches.push({
        cameraId: cameraId(t.camera),
        frameId: `${t.id}-${i}`,
        capturedAt: start + i * DETECTION_PERIOD_S * 1000,
        trace: {},
        modelId: 'eval',
        source: { width: 1280, height: 720 },
        detections: [
          {
            label: t.label,
            classId: 0,
            score: 0.9,
            box: [0.2, 0.5, 0.1, 0.2],
            trackId: t.id,
            trackState: 'confirmed',
            stationary: t.stationary ?? false,
            age: i,
          },
        ],
      });
  }
  for (let i = 0; i < batches.length; i += 500) await insertDetectionBatches(pool, batches.slice(i, i + 500));

  const alertEvents: AlertEvent[] = [];
  for (const a of ALERTS) {
    const opened = Date.parse(a.opened);
    const resolved = a.resolvedAfter === undefined ? null : opened + a.resolvedAfter * 1000;
    const zoneId = `${prefix}-${ZONES[a.camera as Exclude<CameraKey, 'garden'>].id}`;
    const snapshotKey = a.snapshot ? `${cameraId(a.camera)}/${a.id}.jpg` : undefined;
    const message = `${a.label} ${a.condition === 'dwell' ? 'loitering' : 'entered'} (${a.rule})`;
    await pool.query(
      `INSERT INTO alerts (id, rule_id, rule_name, camera_id, track_id, zone_id, label, severity, status, condition, message,
                           opened_at, resolved_at, snapshot_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        a.id,
        `rule-${a.rule}`.replace(/\s+/g, '-').toLowerCase(),
        a.rule,
        cameraId(a.camera),
        a.track,
        zoneId,
        a.label,
        a.severity,
        resolved ? 'resolved' : 'open',
        a.condition,
        message,
        new Date(opened),
        resolved ? new Date(resolved) : null,
        snapshotKey ?? null,
      ],
    );
    const base = {
      cameraId: cameraId(a.camera),
      frameId: `${a.id}-f`,
      capturedAt: opened,
      trace: {},
      alertId: a.id,
      ruleId: `rule-${a.id}`,
      ruleName: a.rule,
      severity: a.severity,
      condition: a.condition,
      label: a.label,
      trackId: a.track,
      zoneId,
      message,
      actor: 'system',
      ...(snapshotKey ? { snapshotKey } : {}),
    } satisfies Partial<AlertEvent>;
    alertEvents.push({ ...base, event: 'opened', status: 'open', at: opened });
    if (resolved) alertEvents.push({ ...base, event: 'resolved', status: 'resolved', at: resolved });
  }
  return { scenario: { cameraId, prefix }, alertEvents };
}
