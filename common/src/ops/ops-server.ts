import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { baseEnv } from '../config/base.ts';
import { parseEnv } from '../config/index.ts';

/** A named dependency check; throws (or rejects) when the dependency is not usable. */
export type ReadinessCheck = () => Promise<unknown> | unknown;

export type OpsRoutesOptions = {
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
  checkTimeoutMs?: number;
};

/** Runs every check with a timeout and reports { ok, checks: { name: 'ok' | error } }. */
export async function runReadinessChecks(checks: Record<string, ReadinessCheck>, timeoutMs = 2000) {
  const results: Record<string, string> = {};
  let ok = true;
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await Promise.race([
          Promise.resolve().then(check),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs).unref()),
        ]);
        results[name] = 'ok';
      } catch (err) {
        ok = false;
        results[name] = err instanceof Error ? err.message : String(err);
      }
    }),
  );
  return { ok, checks: results };
}

/** Adds /healthz (process alive), /readyz (dependencies usable, else 503) and /metrics to a fastify app. */
// biome-ignore lint/suspicious/noExplicitAny: any fastify instance, whatever its logger or type provider
type AnyFastify = FastifyInstance<any, any, any, any, any>;

export function registerOpsRoutes(app: AnyFastify, opts: OpsRoutesOptions): void {
  app.get('/healthz', async () => ({ ok: true, uptimeSeconds: Math.round(process.uptime()) }));
  app.get('/readyz', async (_req, reply) => {
    const result = await runReadinessChecks(opts.checks, opts.checkTimeoutMs);
    return reply.code(result.ok ? 200 : 503).send(result);
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.header('content-type', opts.registry.contentType).send(await opts.registry.metrics());
  });
}

/** A small HTTP server with only the ops routes, for services that have no API of their own. */
export async function startOpsServer(
  opts: OpsRoutesOptions & { port: number; host?: string; logger: Logger },
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'ops-http' }) as FastifyBaseLogger,
    disableRequestLogging: true,
  });
  registerOpsRoutes(app, opts);
  await app.listen({
    port: opts.port,
    host: opts.host ?? parseEnv(z.object({ OPS_HOST: baseEnv.OPS_HOST })).OPS_HOST,
  });
  return app;
}
