import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import {
  countDetections,
  type DetectionBatch,
  detectionsStorageMode,
  insertDetectionBatches,
  maintainDetectionPartitions,
  migrateUp,
} from '../src/index.ts';
import { createTestDatabase } from '../src/testing/index.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
before(async () => {
  db = await createTestDatabase({ migrate: false });
  pool = new pg.Pool({ connectionString: db.url });
});
after(async () => {
  await pool.end();
  await db.drop();
});

const DAY = 86_400_000;
const batch = (cameraId: string, frameId: string, at: number, labels: string[]): DetectionBatch => ({
  cameraId,
  frameId,
  capturedAt: at,
  trace: {},
  modelId: 'm',
  source: { width: 640, height: 480 },
  detections: labels.map((label, i) => ({
    label,
    classId: 0,
    score: 0.8,
    box: [0.1, 0.1, 0.2, 0.2],
    trackId: `t${i}`,
    trackState: 'confirmed',
    stationary: false,
    age: 1,
  })),
});

test('migrations run on an empty database, then again with no change', async () => {
  const first = await migrateUp(db.url);
  assert.deepEqual(first.slice(0, 3), [
    '0001_core-schema',
    '0002_detections-storage',
    '0003_timescale-rollup',
  ]);
  assert.deepEqual(first, [...first].sort(), 'applied in file-name order');
  const tables = await pool.query(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema='public'",
  );
  assert.deepEqual(await migrateUp(db.url), []);
  const again = await pool.query(
    "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema='public'",
  );
  assert.equal(again.rows[0].n, tables.rows[0].n);
  for (const t of [
    'users',
    'alerts',
    'alert_events',
    'annotation_tasks',
    'dataset_exports',
    'detections',
    'tracks',
    'audit_log',
  ]) {
    assert.ok((await pool.query('SELECT to_regclass($1) AS r', [t])).rows[0].r, `table ${t}`);
  }
});

test('partition fallback: inserts and counts across several days, idempotent on redelivery, drops expired days', async () => {
  assert.equal(await detectionsStorageMode(pool), 'partitioned');
  const now = Date.now();
  const t0 = Math.floor(now / 60_000) * 60_000;
  const batches = [
    batch('cam-a', 'f1', t0 - 5 * DAY, ['person', 'car']),
    batch('cam-a', 'f2', t0 - 2 * DAY, ['person']),
    batch('cam-b', 'f3', t0, ['person', 'person', 'dog']),
    batch('cam-b', 'f4', t0 + 10_000, ['person']),
  ];
  assert.equal((await insertDetectionBatches(pool, batches)).inserted, 7);
  assert.equal((await insertDetectionBatches(pool, batches)).inserted, 0, 'redelivery inserts nothing');
  const parts = await pool.query(
    "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'detections'::regclass",
  );
  assert.ok(parts.rows[0].n >= 6, 'past days got partitions on demand');

  const perDay = await countDetections(pool, {
    from: new Date(t0 - 6 * DAY),
    to: new Date(t0 + DAY),
    intervalSeconds: 86_400,
    label: 'person',
  });
  assert.equal(
    perDay.reduce((s, r) => s + r.count, 0),
    5,
  );
  const perMinute = await countDetections(pool, {
    from: new Date(t0),
    to: new Date(t0 + 60_000),
    intervalSeconds: 60,
    cameraId: 'cam-b',
  });
  assert.deepEqual(
    perMinute.map((r) => [r.label, r.count]),
    [
      ['dog', 1],
      ['person', 3],
    ],
  );
  await assert.rejects(
    countDetections(pool, { from: new Date(0), to: new Date(), intervalSeconds: 90 }),
    /whole number of minutes/,
  );

  const { dropped, created } = await maintainDetectionPartitions(pool, { daysAhead: 3, retentionDays: 3 });
  assert.ok(dropped.length >= 1, 'the 5-day-old partition is dropped');
  assert.ok(Array.isArray(created));
  const left = await pool.query('SELECT count(*)::int AS n FROM detections');
  assert.equal(left.rows[0].n, 5, 'rows of the expired day are gone, the rest kept');
});
