import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import {
  checkNats,
  checkPostgres,
  checkRedis,
  connectNats,
  createLogger,
  createMetricsRegistry,
  createPool,
  createRedis,
  detectionsStorageMode,
  objectStores,
  provisionJetStream,
  Shutdown,
  startOpsServer,
} from '@sentinel/common';
import { loadUrlSigningSecret } from '@sentinel/common/auth/signed-url';
import { loadOrCreateVapidKeys } from '@sentinel/common/push/vapid';
import { mirrorRulesToKv } from '@sentinel/common/rules/rule-store';
import { randomSecret, readOrCreateSecretFile } from '@sentinel/common/secret-file';
import { AlertSink } from './alert-sink.ts';
import { loadAlertsConfig } from './config.ts';
import { HistoryWriter } from './history-writer.ts';
import { createAlertsMetrics } from './metrics.ts';
import { Notifier } from './notifier/notifier.ts';
import { RuleWorker } from './rule-worker.ts';

const logger = createLogger('alerts');
const cfg = loadAlertsConfig();
const shutdown = new Shutdown(logger).installSignalHandlers();
const registry = createMetricsRegistry('alerts');
const metrics = createAlertsMetrics(registry);

const pool = createPool(cfg.DATABASE_URL, {
  onError: (err) => logger.warn({ err: err.message }, 'pg idle client error'),
});
shutdown.add('postgres', () => pool.end());
const redis = createRedis(cfg.REDIS_URL, { name: 'alerts' });
shutdown.add('redis', () => redis.quit());
const nc = await connectNats(cfg.NATS_URL, `alerts-${cfg.ALERTS_WORKER_INDEX}`, logger);
shutdown.add('nats', () => nc.drain());
if (cfg.SENTINEL_PROVISION_NATS) logger.info(await provisionJetStream(nc), 'jetstream provisioned');
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);

const parts: Array<{ ready: () => boolean }> = [];
if (cfg.roles.has('rules')) {
  // PostgreSQL is the source of truth: refresh the KV mirror at start (worker 0 only)
  if (cfg.ALERTS_WORKER_INDEX === 0)
    await mirrorRulesToKv(pool, nc).then(
      (r) => logger.info(r, 'rules mirrored to KV'),
      (err) => logger.warn({ err: err.message }, 'rules mirror skipped (PostgreSQL unavailable); using KV'),
    );
  const snapshots = await new Objm(nc).open(objectStores.snapshots).catch(() => null);
  const sink = new AlertSink({ db: pool, js, nc, logger, metrics, snapshots });
  const worker = new RuleWorker({
    nc,
    js,
    jsm,
    sink,
    db: pool,
    logger: logger.child({ component: 'rules' }),
    metrics,
    workerIndex: cfg.ALERTS_WORKER_INDEX,
    workerCount: cfg.ALERTS_WORKER_COUNT,
    maxDeliver: cfg.ALERTS_MAX_DELIVER,
  });
  await worker.start();
  shutdown.add('rule worker', () => worker.stop());
  parts.push({ ready: () => worker.ready });
  logger.info({ cameras: worker.cameras(), rules: worker.rules.rules().length }, 'rule worker started');
}
if (cfg.roles.has('writer')) {
  const storageMode = await detectionsStorageMode(pool).catch(() => 'partitioned' as const);
  const writer = new HistoryWriter({
    js,
    jsm,
    db: pool,
    logger: logger.child({ component: 'writer' }),
    metrics,
    batchSize: cfg.ALERTS_WRITER_BATCH,
    fetchExpiresMs: cfg.ALERTS_WRITER_FLUSH_MS,
    storageMode,
  });
  await writer.start();
  shutdown.add('history writer', () => writer.stop());
}
if (cfg.roles.has('notifier')) {
  const notifier = new Notifier({
    js,
    jsm,
    db: pool,
    redis,
    logger: logger.child({ component: 'notifier' }),
    metrics,
    vapid: loadOrCreateVapidKeys(cfg.dataDir),
    vapidSubject: cfg.ALERTS_VAPID_SUBJECT,
    webhookSecret:
      cfg.ALERTS_WEBHOOK_SECRET ??
      readOrCreateSecretFile(cfg.dataDir, 'webhook-secret', () => randomSecret(32)),
    urlSigningSecret: loadUrlSigningSecret({ dataDir: cfg.dataDir }),
    publicBaseUrl: cfg.ALERTS_PUBLIC_BASE_URL,
    snapshotTtlSeconds: cfg.ALERTS_SNAPSHOT_URL_TTL_SECONDS,
    maxAttempts: cfg.ALERTS_NOTIFY_MAX_ATTEMPTS,
    backoffMs: cfg.ALERTS_NOTIFY_BACKOFF_MS,
    channelPerMinute: cfg.ALERTS_RATE_LIMIT_CHANNEL_PER_MINUTE,
    userPerMinute: cfg.ALERTS_RATE_LIMIT_USER_PER_MINUTE,
    timeoutMs: cfg.ALERTS_NOTIFY_TIMEOUT_MS,
    maxDeliver: cfg.ALERTS_MAX_DELIVER,
  });
  await notifier.start();
  shutdown.add('notifier', () => notifier.stop());
}

const ops = await startOpsServer({
  port: cfg.ALERTS_OPS_PORT,
  logger,
  registry,
  checks: {
    postgres: () => checkPostgres(pool),
    nats: () => checkNats(nc),
    redis: () => checkRedis(redis),
    workers: () => {
      if (!parts.every((p) => p.ready())) throw new Error('rule worker not loaded');
    },
  },
});
shutdown.add('ops server', () => ops.close());
logger.info({ port: cfg.ALERTS_OPS_PORT, roles: [...cfg.roles] }, 'alerts service ready');
