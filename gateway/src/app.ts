import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import {
  checkNats,
  checkPostgres,
  checkRedis,
  connectNats,
  createMetricsRegistry,
  createPool,
  createRedis,
  kvBuckets,
  type Logger,
  objectStores,
  prom,
  provisionJetStream,
  registerOpsRoutes,
} from '@sentinel/common';
import { claimsToUser, loadJwtSecret, verifyAccessToken } from '@sentinel/common/auth/index';
import { loadUrlSigningSecret } from '@sentinel/common/auth/signed-url';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { ensureAdminUser } from './auth/bootstrap-admin.ts';
import { probeCamera, withCredentials } from './cameras/probe.ts';
import type { GatewayConfig, GatewayContext } from './context.ts';
import { installAuthHook } from './http/auth-hook.ts';
import { errorHandler } from './http/errors.ts';
import { registerProxies } from './http/proxy.ts';
import { registerDashboard } from './http/static.ts';
import type { ZApp } from './http/types.ts';
import { parseRtpPorts } from './live/h264.ts';
import { JsmpegLive } from './live/jsmpeg.ts';
import { createLiveView } from './live/select.ts';
import { createRealtime } from './realtime/socket.ts';
import { registerAlertRoutes } from './routes/alerts.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerCameraRoutes } from './routes/cameras.ts';
import { registerDetectionRoutes } from './routes/detections.ts';
import {
  registerModelRoutes,
  registerPushRoutes,
  registerSnapshotRoutes,
} from './routes/snapshots-push-models.ts';
import { registerUserRoutes } from './routes/users.ts';
import { registerZoneRuleRoutes } from './routes/zones-rules.ts';
import { getCameraRow, storedConfig } from './store/cameras.ts';

export type StartOptions = {
  logger: Logger;
  /** socket.io Redis adapter channel prefix (gateways with the same key share rooms). */
  adapterKey?: string;
  /** NATS queue group for the alert relay. */
  alertsQueue?: string;
  /** Run JetStream provisioning at start. */
  provision?: boolean;
};

export type Gateway = {
  app: ZApp;
  ctx: GatewayContext;
  url: string;
  /** ids of the last alert events this gateway relayed from NATS */
  relayedAlertIds: readonly string[];
  close: () => Promise<void>;
};

/** Connect to PostgreSQL, NATS and Redis, build the HTTP API, socket.io and live video, and listen. */
export async function startGateway(cfg: GatewayConfig, opts: StartOptions): Promise<Gateway> {
  const logger = opts.logger;
  const pool = createPool(cfg.DATABASE_URL, {
    onError: (err) => logger.warn({ err: err.message }, 'postgres idle client error'),
  });
  const nc = await connectNats(cfg.NATS_URL, 'gateway', logger);
  if (opts.provision ?? cfg.SENTINEL_PROVISION_NATS) await provisionJetStream(nc);
  const redis = createRedis(cfg.REDIS_URL, { name: 'gateway' });
  const redisPub = createRedis(cfg.REDIS_URL, { name: 'gateway-io-pub' });
  const redisSub = createRedis(cfg.REDIS_URL, { name: 'gateway-io-sub' });
  for (const r of [redis, redisPub, redisSub])
    r.on('error', (err) => logger.debug({ err: err.message }, 'redis error'));

  const kvm = new Kvm(nc);
  const kv = {
    cameras: await kvm.open(kvBuckets.cameras),
    rules: await kvm.open(kvBuckets.rules),
    models: await kvm.open(kvBuckets.models),
    cameraStatus: await kvm.open(kvBuckets.cameraStatus),
  };
  const snapshots = await new Objm(nc).open(objectStores.snapshots);
  const jwtSecret = loadJwtSecret({
    env: { SENTINEL_JWT_SECRET: cfg.SENTINEL_JWT_SECRET },
    dataDir: cfg.SENTINEL_DATA_DIR,
  });
  const urlSigningSecret = loadUrlSigningSecret({ dataDir: cfg.SENTINEL_DATA_DIR });
  const registry = createMetricsRegistry('gateway');
  const verify = async (token: string) => claimsToUser(await verifyAccessToken(token, jwtSecret));

  const liveStreams = new prom.Gauge({
    name: 'gateway_live_streams',
    help: 'Live transcodes/feeds running',
    registers: [registry],
  });
  const liveViewers = new prom.Gauge({
    name: 'gateway_live_viewers',
    help: 'Live viewers connected',
    registers: [registry],
  });
  const jsmpeg = new JsmpegLive({
    logger: logger.child({ component: 'live-jsmpeg' }),
    authenticate: verify,
    resolveSource: async (cameraId) => {
      const row = await getCameraRow(pool, cameraId);
      if (!row) return null;
      const c = storedConfig(row);
      return withCredentials(c.url, c.username, c.password);
    },
    width: cfg.LIVE_JSMPEG_WIDTH,
    bitrateKbps: cfg.LIVE_JSMPEG_BITRATE_KBPS,
    fps: cfg.LIVE_JSMPEG_FPS,
    maxStreams: cfg.LIVE_MAX_STREAMS,
    onStreamsChanged: (s, v) => {
      liveStreams.set(s);
      liveViewers.set(v);
    },
  });
  const live = await createLiveView({
    mode: cfg.LIVE_TRANSPORT,
    jsmpeg,
    logger,
    nc,
    rtcMinPort: cfg.MEDIASOUP_RTC_MIN_PORT,
    rtcMaxPort: cfg.MEDIASOUP_RTC_MAX_PORT,
    ...(cfg.MEDIASOUP_ANNOUNCED_IP ? { announcedIp: cfg.MEDIASOUP_ANNOUNCED_IP } : {}),
    cameraExists: async (id) => Boolean(await getCameraRow(pool, id)),
    staticRtpPorts: parseRtpPorts(cfg.LIVE_RTP_PORTS),
    probeProfile: async (id) => {
      const row = await getCameraRow(pool, id);
      if (!row) return null;
      const c = storedConfig(row);
      const r = await probeCamera(withCredentials(c.url, c.username, c.password), { timeoutMs: 5000 });
      return r.ok
        ? { ...(r.profile ? { profile: r.profile } : {}), ...(r.level ? { level: r.level } : {}) }
        : null;
    },
  });

  const ctx: GatewayContext = {
    cfg,
    logger,
    pool,
    nc,
    redis,
    registry,
    jwtSecret,
    urlSigningSecret,
    kv,
    snapshots,
    live,
  };

  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: cfg.GATEWAY_BODY_LIMIT_BYTES,
    trustProxy: cfg.GATEWAY_TRUST_PROXY,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', String(req.id));
  });

  const httpRequests = new prom.Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpLatency = new prom.Histogram({
    name: 'gateway_http_request_duration_ms',
    help: 'HTTP request latency',
    labelNames: ['route'] as const,
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    httpLatency.observe({ route }, reply.elapsedTime);
  });

  const corsOrigins = cfg.GATEWAY_CORS_ORIGINS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        'connect-src': ["'self'", 'ws:', 'wss:'],
        'img-src': ["'self'", 'data:', 'blob:'],
        'worker-src': ["'self'", 'blob:'],
        'media-src': ["'self'", 'data:', 'blob:'],
        'script-src': ["'self'", "'wasm-unsafe-eval'"],
      },
    },
  });
  await app.register(cors, { origin: corsOrigins.length ? corsOrigins : false, credentials: true });
  installAuthHook(app, jwtSecret);
  await app.register(rateLimit, {
    global: true,
    max: cfg.GATEWAY_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    redis,
    nameSpace: `sentinel-rl:${opts.adapterKey ?? 'sentinel'}:`,
    skipOnError: true,
    keyGenerator: (req) => (req.user ? `u:${req.user.id}` : `ip:${req.ip}`),
    allowList: (req) => !req.url.startsWith('/api/v1/'),
    errorResponseBuilder: (_req, c) => ({
      statusCode: 429,
      code: 'rate_limited',
      message: `too many requests; retry in ${Math.ceil(c.ttl / 1000)} s`,
    }),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Sentinel gateway API', version: '1.0.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    // proxied services document themselves: keep their catch-all routes out of this document
    transform: (t) =>
      /^\/(api\/v1\/(assistant|annotation)|annotator)(\/|$)/.test(t.url)
        ? { schema: { hide: true }, url: t.url }
        : jsonSchemaTransform(t),
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  registerOpsRoutes(app, {
    registry,
    checks: {
      postgres: () => checkPostgres(pool),
      nats: () => checkNats(nc),
      redis: () => checkRedis(redis),
    },
  });

  await app.register(
    async (api) => {
      const z = api.withTypeProvider<ZodTypeProvider>() as unknown as ZApp;
      registerAuthRoutes(z, ctx);
      registerUserRoutes(z, ctx);
      registerCameraRoutes(z, ctx);
      registerZoneRuleRoutes(z, ctx);
      registerAlertRoutes(z, ctx);
      registerDetectionRoutes(z, ctx);
      registerSnapshotRoutes(z, ctx);
      registerPushRoutes(z, ctx);
      registerModelRoutes(z, ctx);
    },
    { prefix: '/api/v1' },
  );
  await registerProxies(app, { assistantUrl: cfg.ASSISTANT_URL, annotatorUrl: cfg.ANNOTATOR_URL });
  await registerDashboard(app, resolve(cfg.rootDir, cfg.GATEWAY_DASHBOARD_DIR));

  await ensureAdminUser(pool, {
    ...(cfg.SENTINEL_ADMIN_PASSWORD ? { password: cfg.SENTINEL_ADMIN_PASSWORD } : {}),
    dataDir: cfg.SENTINEL_DATA_DIR,
    logger,
  });

  await app.ready();
  const relayed = new prom.Counter({
    name: 'gateway_socket_events_total',
    help: 'Events relayed to socket.io',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  const dropped = new prom.Counter({
    name: 'gateway_socket_dropped_total',
    help: 'Events not relayed (invalid or throttled)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const realtime = createRealtime({
    server: app.server,
    logger: logger.child({ component: 'socket' }),
    nc,
    pool,
    redisPub,
    redisSub,
    adapterKey: opts.adapterKey ?? 'sentinel-io',
    alertsQueue: opts.alertsQueue ?? 'gateway-alerts',
    cameraStatusKv: kv.cameraStatus,
    authenticate: async (token) => {
      const claims = await verifyAccessToken(token, jwtSecret);
      return { ...claimsToUser(claims), exp: claims.exp };
    },
    live,
    detectionsMinIntervalMs: cfg.GATEWAY_DETECTIONS_MIN_INTERVAL_MS,
    corsOrigins,
    metrics: { relayed, dropped },
  });
  app.server.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').startsWith('/socket.io')) return; // engine.io handles its own upgrades
    if (!live.handleUpgrade(req, socket, head)) socket.destroy();
  });

  await app.listen({ port: cfg.PORT, host: cfg.GATEWAY_HOST });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.PORT;
  const url = `http://${cfg.GATEWAY_HOST === '0.0.0.0' ? '127.0.0.1' : cfg.GATEWAY_HOST}:${port}`;
  logger.info({ url, live: live.preferred }, 'gateway listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await live.close();
      await realtime.close();
      await app.close();
      await nc.drain().catch(() => {});
      await pool.end().catch(() => {});
      for (const r of [redis, redisPub, redisSub]) r.disconnect();
    })();
    return closing;
  };
  return { app: app as unknown as ZApp, ctx, url, relayedAlertIds: realtime.relayedAlertIds, close };
}
