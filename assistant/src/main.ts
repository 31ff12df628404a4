import {
  checkNats,
  checkPostgres,
  connectNats,
  createLogger,
  createMetricsRegistry,
  createPool,
  migrateUp,
  provisionJetStream,
  Shutdown,
} from '@sentinel/common';
import { loadJwtSecret } from '@sentinel/common/auth/index';
import { loadAssistantConfig } from './config.ts';
import { Catalog } from './data/catalog.ts';
import { AlertIndexer } from './indexer/alert-indexer.ts';
import { EventIndex } from './indexer/event-index.ts';
import { createIndexerMetrics } from './indexer/metrics.ts';
import { TrackIndexer } from './indexer/track-indexer.ts';
import { buildApp } from './server/app.ts';
import { createAnswering, createEmbedder, createStore } from './service.ts';

const logger = createLogger('assistant');
const cfg = loadAssistantConfig();
const shutdown = new Shutdown(logger).installSignalHandlers();
const registry = createMetricsRegistry('assistant');

try {
  const pool = createPool(cfg.DATABASE_URL, {
    onError: (err) => logger.warn({ err }, 'postgres pool error'),
  });
  shutdown.add('postgres', () => pool.end());
  await migrateUp(cfg.DATABASE_URL);
  const nc = await connectNats(cfg.NATS_URL, 'assistant', logger);
  shutdown.add('nats', () => nc.drain());
  if (cfg.SENTINEL_PROVISION_NATS) await provisionJetStream(nc);

  const embedder = createEmbedder(cfg);
  const store = createStore(cfg, embedder);
  const index = new EventIndex(store, embedder);
  await index.init();
  shutdown.add('vector store', async () => {
    await embedder.flush?.();
    await store.close();
  });
  logger.info(
    { store: store.name, embedder: embedder.name, documents: await store.count() },
    'vector store ready',
  );

  const catalog = new Catalog(pool);
  const metrics = createIndexerMetrics(registry);
  const alertIndexer = new AlertIndexer(nc, index, catalog, {
    durable: cfg.ASSISTANT_INDEXER_CONSUMER,
    timeZone: cfg.ASSISTANT_TIMEZONE,
    logger,
    metrics,
  });
  await alertIndexer.start();
  shutdown.add('alert indexer', () => alertIndexer.stop());
  const trackIndexer = new TrackIndexer(pool, index, catalog, {
    timeZone: cfg.ASSISTANT_TIMEZONE,
    settleSeconds: cfg.ASSISTANT_TRACK_SETTLE_SECONDS,
    pollSeconds: cfg.ASSISTANT_TRACK_POLL_SECONDS,
    logger,
    metrics,
  });
  trackIndexer.start();
  shutdown.add('track indexer', () => trackIndexer.stop());
  const flushTimer = setInterval(() => void embedder.flush?.().catch(() => {}), 30_000);
  shutdown.add('embedder flush timer', () => clearInterval(flushTimer));

  const { answerer, speech } = createAnswering(cfg, { pool, nc, index, catalog, logger });
  const app = await buildApp({
    answerer,
    speech,
    logger,
    registry,
    checks: {
      postgres: () => checkPostgres(pool),
      nats: () => checkNats(nc),
      vectorStore: () => store.check(),
    },
    jwtSecret: loadJwtSecret({ dataDir: cfg.SENTINEL_DATA_DIR }),
    voice: { maxBytes: cfg.ASSISTANT_VOICE_MAX_BYTES, maxSeconds: cfg.ASSISTANT_VOICE_MAX_SECONDS },
  });
  await app.listen({ port: cfg.ASSISTANT_PORT, host: cfg.ASSISTANT_HOST });
  shutdown.add('http', () => app.close());
  logger.info(
    { port: cfg.ASSISTANT_PORT, host: cfg.ASSISTANT_HOST, mode: answerer.mode, voice: Boolean(speech) },
    'assistant listening',
  );
} catch (err) {
  logger.fatal({ err }, 'assistant failed to start');
  await shutdown.run();
  process.exit(1);
}
