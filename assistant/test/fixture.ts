import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createPool, type Pool } from '@sentinel/common';
import { createTestDatabase, uniqueId } from '@sentinel/common/testing/index';
import { SCENARIO_NOW, seedScenario } from '../eval/scenario.ts';
import type { SnapshotUrlFn } from '../src/citations/citations.ts';
import { Catalog } from '../src/data/catalog.ts';
import { LocalEmbedder } from '../src/embeddings/local-embedder.ts';
import { indexAlertEvent } from '../src/indexer/alert-indexer.ts';
import { EventIndex } from '../src/indexer/event-index.ts';
import { TrackIndexer } from '../src/indexer/track-indexer.ts';
import { LanceDbStore } from '../src/store/lancedb-store.ts';
import type { ToolContext } from '../src/tools/context.ts';

export const logger = createLogger('assistant-test', 'silent');
export const testSnapshotUrl: SnapshotUrlFn = (key) => (key ? `/api/v1/snapshots/${key}` : null);

export type Fixture = {
  dbUrl: string;
  pool: Pool;
  index: EventIndex;
  catalog: Catalog;
  ctx: ToolContext;
  cameraId: (key: 'dock' | 'parking-lot' | 'front-door' | 'garden') => string;
  now: number;
  close: () => Promise<void>;
};

/** A migrated test database seeded with the evaluation scenario, indexed into a fresh LanceDB folder. */
export async function scenarioFixture(): Promise<Fixture> {
  const db = await createTestDatabase();
  const pool = createPool(db.url, { max: 4 });
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-assistant-test-'));
  const { scenario, alertEvents } = await seedScenario(pool, uniqueId('tc'));
  const embedder = new LocalEmbedder(256);
  const store = new LanceDbStore(dir, embedder.name);
  const index = new EventIndex(store, embedder);
  await index.init();
  const catalog = new Catalog(pool);
  for (const e of alertEvents) await indexAlertEvent(index, catalog, e, 'UTC');
  await new TrackIndexer(pool, index, catalog, {
    timeZone: 'UTC',
    settleSeconds: 1,
    pollSeconds: 60,
    logger,
  }).indexOnce();
  const ctx: ToolContext = { pool, index, catalog, timeZone: 'UTC', snapshotUrl: testSnapshotUrl };
  return {
    dbUrl: db.url,
    pool,
    index,
    catalog,
    ctx,
    cameraId: scenario.cameraId,
    now: SCENARIO_NOW,
    close: async () => {
      await store.close();
      await pool.end();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
