import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import {
  type AlertEvent,
  connectNats,
  createMetricsRegistry,
  createPool,
  type NatsConnection,
  type Pool,
  provisionJetStream,
  subjects,
} from '@sentinel/common';
import { createTestDatabase, stackConfig, uniqueId, waitFor } from '@sentinel/common/testing/index';
import { Catalog } from '../src/data/catalog.ts';
import { LocalEmbedder } from '../src/embeddings/local-embedder.ts';
import { AlertIndexer } from '../src/indexer/alert-indexer.ts';
import { EventIndex } from '../src/indexer/event-index.ts';
import { createIndexerMetrics } from '../src/indexer/metrics.ts';
import { TrackIndexer } from '../src/indexer/track-indexer.ts';
import { LanceDbStore } from '../src/store/lancedb-store.ts';
import { logger } from './fixture.ts';

let db: { url: string; drop: () => Promise<void> };
let pool: Pool;
let nc: NatsConnection;
let dir: string;
let store: LanceDbStore;
let index: EventIndex;
let catalog: Catalog;
const cam = uniqueId('idx');

before(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  nc = await connectNats(stackConfig().NATS_URL, 'assistant-indexer-test', logger);
  await provisionJetStream(nc);
  dir = mkdtempSync(join(tmpdir(), 'sentinel-idx-'));
  const embedder = new LocalEmbedder(128);
  store = new LanceDbStore(dir, embedder.name);
  index = new EventIndex(store, embedder);
  await index.init();
  catalog = new Catalog(pool, 0);
  await pool.query("INSERT INTO cameras (id, name, config) VALUES ($1, 'Dock', '{}')", [cam]);
  await pool.query("INSERT INTO zones (id, camera_id, name, definition) VALUES ($1, $2, 'Loading bay', $3)", [
    `${cam}-bay`,
    cam,
    JSON.stringify({
      polygon: [
        [0, 0.5],
        [0.5, 0.5],
        [0.5, 1],
        [0, 1],
      ],
    }),
  ]);
});

after(async () => {
  await store.close();
  await nc.drain();
  await pool.end();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('alert indexer (JetStream ALERTS)', () => {
  it('indexes alert lifecycle events into one document, skipping malformed messages', async () => {
    const registry = createMetricsRegistry('assistant-test');
    const metrics = createIndexerMetrics(registry);
    const durable = uniqueId('assistant-idx');
    const indexer = new AlertIndexer(nc, index, catalog, {
      durable,
      timeZone: 'UTC',
      logger,
      metrics,
      filterSubject: `alerts.${cam}.>`,
    });
    const js = jetstream(nc);
    const opened = Date.parse('2026-11-19T22:14:05Z');
    const alertId = uniqueId('A');
    const base = {
      cameraId: cam,
      frameId: 'f1',
      capturedAt: opened,
      trace: {},
      alertId,
      ruleId: 'r1',
      ruleName: 'Dock intrusion',
      severity: 'critical',
      condition: 'enter',
      label: 'person',
      trackId: '7',
      zoneId: `${cam}-bay`,
      message: 'person entered Loading bay',
      snapshotKey: `${cam}/snap.jpg`,
      actor: 'system',
    } satisfies Partial<AlertEvent>;
    try {
      await indexer.start();
      await js.publish(
        subjects.alerts(cam, 'opened'),
        JSON.stringify({ ...base, event: 'opened', status: 'open', at: opened }),
      );
      await js.publish(subjects.alerts(cam, 'opened'), 'not json at all');
      await js.publish(subjects.alerts(cam, 'opened'), JSON.stringify({ ...base, alertId: '' }));
      await js.publish(
        subjects.alerts(cam, 'resolved'),
        JSON.stringify({ ...base, event: 'resolved', status: 'resolved', at: opened + 45_000 }),
      );
      const doc = await waitFor(
        async () => {
          const [d] = await store.get([`alert:${alertId}`]);
          return d?.status === 'resolved' ? d : undefined;
        },
        { timeoutMs: 10_000, label: 'resolved alert document' },
      );
      assert.equal(
        doc.text.split('. ')[0],
        `person entered zone 'Loading bay' on camera 'Dock' at 22:14:05, stayed 45 s, alert ${alertId}`,
      );
      assert.equal(doc.startMs, opened);
      assert.equal(doc.endMs, opened + 45_000);
      assert.deepEqual(doc.zoneNames, ['Loading bay']);
      assert.equal(doc.snapshotKey, `${cam}/snap.jpg`);
      assert.equal(await store.count(), 1);
      const invalid = await waitFor(async () => {
        const m = (await registry.getSingleMetricAsString('assistant_indexed_events_total')).match(
          /result="invalid"[^\n]* (\d+)/,
        );
        return m && Number(m[1]) >= 2 ? Number(m[1]) : undefined;
      });
      assert.equal(invalid, 2);
    } finally {
      await indexer.stop();
      await indexer.deleteConsumer();
    }
  });
});

describe('track indexer (tracks table)', () => {
  it('indexes finished tracks once, with zones from the path, and re-indexes a track that comes back', async () => {
    const now = Date.parse('2026-11-19T12:00:00Z');
    const insert = (id: string, first: number, last: number, path: unknown) =>
      pool.query(
        `INSERT INTO tracks (camera_id, track_id, label, first_seen, last_seen, max_score, frames, stationary, path)
         VALUES ($1, $2, 'truck', $3, $4, 0.8, 10, false, $5)
         ON CONFLICT (camera_id, track_id) DO UPDATE SET last_seen = EXCLUDED.last_seen, path = EXCLUDED.path`,
        [cam, id, new Date(first), new Date(last), JSON.stringify(path)],
      );
    // Path points are [x, y, t] bottom-centre points (alerts history writer format).
    await insert('t1', now - 600_000, now - 540_000, [[0.25, 0.75, now - 600_000]]);
    await insert('t2', now - 300_000, now - 240_000, [[0.9, 0.1, now - 300_000]]);
    await insert('t3', now - 5_000, now - 2_000, [[0.25, 0.75, now - 5_000]]); // still active
    const indexer = new TrackIndexer(pool, index, catalog, {
      timeZone: 'UTC',
      settleSeconds: 10,
      pollSeconds: 60,
      logger,
    });
    assert.equal(await indexer.indexOnce(now), 2);
    assert.equal(await indexer.indexOnce(now), 0);
    const [t1, t2] = await store
      .get([`track:${cam}:t1`, `track:${cam}:t2`])
      .then((ds) => ds.sort((a, b) => a.id.localeCompare(b.id)));
    assert.deepEqual(t1?.zoneNames, ['Loading bay']);
    assert.deepEqual(t2?.zoneNames, []);
    assert.match(
      t1!.text,
      /^truck seen on camera 'Dock' from 11:50:00 to 11:51:00 \(1 min\) in zone 'Loading bay', track t1\./,
    );
    assert.deepEqual(await store.get([`track:${cam}:t3`]), []);
    // t3 settles, t1 is seen again later: both are (re)indexed.
    await insert('t1', now - 600_000, now + 20_000, [[0.25, 0.75, now - 600_000]]);
    assert.equal(await indexer.indexOnce(now + 60_000), 2);
    const [t1b] = await store.get([`track:${cam}:t1`]);
    assert.equal(t1b?.endMs, now + 20_000);
    // Progress survives a restart (kept in assistant_index_state).
    const again = new TrackIndexer(pool, index, catalog, {
      timeZone: 'UTC',
      settleSeconds: 10,
      pollSeconds: 60,
      logger,
    });
    assert.equal(await again.indexOnce(now + 60_000), 0);
  });
});
