import { join } from 'node:path';
import { Objm } from '@nats-io/obj';
import {
  checkNats,
  checkPostgres,
  checkRedis,
  connectNats,
  createMetricsRegistry,
  createPool,
  createRedis,
  type NatsConnection,
  objectStores,
  provisionJetStream,
} from '@sentinel/common';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.ts';
import type { AnnotatorConfig } from './config.ts';
import { ExportService } from './exports/service.ts';
import { ImageStore } from './images/store.ts';
import { IntakeConsumer } from './intake/consumer.ts';
import { ModelRegistry } from './models/registry.ts';
import { TaskQueue } from './queue/tasks.ts';

export type AnnotatorService = {
  app: FastifyInstance;
  url: string;
  queue: TaskQueue;
  images: ImageStore;
  exports: ExportService;
  models: ModelRegistry;
  intake: IntakeConsumer | undefined;
  nc: NatsConnection | undefined;
  stop: () => Promise<void>;
};

/**
 * Wire the annotator: PostgreSQL (queue, registry), Redis (export progress), NATS (intake, object
 * store, KV mirror), HTTP. `intake: false` runs without NATS (API-only tests).
 */
export async function startAnnotator(
  cfg: AnnotatorConfig,
  opts: {
    logger: Logger;
    secret: Uint8Array;
    port?: number;
    intake?: false | { durable?: string; filterSubject?: string; deliverPolicy?: 'all' | 'new' };
    distDir?: string;
  },
): Promise<AnnotatorService> {
  const { logger } = opts;
  const registry = createMetricsRegistry('annotator');
  const pool = createPool(cfg.DATABASE_URL, {
    onError: (err) => logger.warn({ err }, 'pg idle client error'),
  });
  const redis = createRedis(cfg.REDIS_URL, { name: 'annotator' });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  const images = new ImageStore(join(cfg.storageDir, 'images'));
  let nc: NatsConnection | undefined;
  let intake: IntakeConsumer | undefined;
  if (opts.intake !== false) {
    nc = await connectNats(cfg.NATS_URL, 'annotator', logger);
    if (cfg.SENTINEL_PROVISION_NATS) await provisionJetStream(nc);
  }
  const queue = new TaskQueue(pool, cfg.ANNOTATOR_LEASE_SECONDS);
  const exportsSvc = new ExportService({ pool, redis, images, dir: join(cfg.storageDir, 'exports'), logger });
  const models = new ModelRegistry({
    pool,
    images,
    modelsDir: cfg.modelsDir,
    uploadDir: join(cfg.storageDir, 'models'),
    maxUploadBytes: cfg.ANNOTATOR_MAX_MODEL_MB * 1024 * 1024,
    logger,
    redis,
    keyPrefix: new URL(cfg.DATABASE_URL).pathname.replace(/^\//, '') || 'default',
    ...(nc ? { nc } : {}),
  });
  const checks: Record<string, () => Promise<unknown>> = {
    postgres: () => checkPostgres(pool),
    redis: () => checkRedis(redis),
  };
  if (nc) {
    const conn = nc;
    checks.nats = () => checkNats(conn);
  }
  const fetchSnapshot = nc
    ? async (key: string) => {
        const store = await new Objm(nc!).open(objectStores.snapshots);
        return store.getBlob(key);
      }
    : undefined;
  const app = await buildApp({
    secret: opts.secret,
    queue,
    images,
    exports: exportsSvc,
    models,
    pool,
    logger,
    registry,
    checks,
    ...(fetchSnapshot ? { fetchSnapshot } : {}),
    ...(opts.distDir ? { distDir: opts.distDir } : {}),
  });
  const address = await app.listen({ port: opts.port ?? cfg.ANNOTATOR_OPS_PORT, host: cfg.ANNOTATOR_HOST });
  logger.info({ address }, 'annotator listening');
  if (nc && opts.intake !== false) {
    intake = new IntakeConsumer({
      nc,
      pool,
      images,
      logger,
      registry,
      durable: opts.intake?.durable ?? cfg.ANNOTATOR_INTAKE_DURABLE,
      dedupHamming: cfg.ANNOTATOR_DEDUP_HAMMING,
      dedupWindowSeconds: cfg.ANNOTATOR_DEDUP_WINDOW_SECONDS,
      ...(opts.intake?.filterSubject ? { filterSubject: opts.intake.filterSubject } : {}),
      deliverPolicy: opts.intake?.deliverPolicy ?? cfg.ANNOTATOR_INTAKE_DELIVER_POLICY,
    });
    await intake.start();
  }
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await app.close().catch((err) => logger.warn({ err }, 'http close failed'));
      await intake?.stop();
      await exportsSvc.drain();
      await models.drain();
      await nc?.drain().catch(() => {});
      redis.disconnect();
      await pool.end().catch(() => {});
    })());
  const a = app.server.address();
  const url = typeof a === 'object' && a ? `http://127.0.0.1:${a.port}` : address;
  return { app, url, queue, images, exports: exportsSvc, models, intake, nc, stop };
}
