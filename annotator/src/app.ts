import { resolve } from 'node:path';
import { type ReadinessCheck, registerOpsRoutes } from '@sentinel/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { installErrorHandler } from './http/errors.ts';
import { type ApiDeps, annotationRoutes } from './http/routes.ts';
import { webRoutes } from './http/web.ts';

export const API_PREFIX = '/api/v1/annotation';
export const DIST_DIR = resolve(import.meta.dirname, '../dist');

/** The annotator's HTTP server: API, web app and ops routes on one port. */
export async function buildApp(
  deps: ApiDeps & {
    logger: Logger;
    registry: Registry;
    checks: Record<string, ReadinessCheck>;
    distDir?: string;
    maxUploadBytes?: number;
  },
): Promise<FastifyInstance> {
  const app = Fastify({
    // Per-request lines only at warn and above (errors); the service logs its own events.
    loggerInstance: deps.logger.child(
      { component: 'http' },
      { level: deps.logger.levelVal > 40 ? deps.logger.level : 'warn' },
    ) as FastifyBaseLogger,
    bodyLimit: 10 * 1024 * 1024,
    requestIdHeader: 'x-request-id',
  });
  installErrorHandler(app);
  registerOpsRoutes(app, { registry: deps.registry, checks: deps.checks });
  await app.register(async (api) => annotationRoutes(api, deps), { prefix: API_PREFIX });
  await webRoutes(app, deps.distDir ?? DIST_DIR);
  return app;
}
