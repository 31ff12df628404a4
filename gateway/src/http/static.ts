import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFoundHandler } from './errors.ts';

const NOT_BUILT =
  '<!doctype html><meta charset="utf-8"><title>Sentinel</title><p>The dashboard is not built: run <code>npm run build -w dashboard</code> and reload.</p>\n';

const isApi = (url: string) => /^\/(api|socket\.io|live|metrics|healthz|readyz|annotator)(\/|$|\?)/.test(url);

/** Serve the built dashboard at / with SPA fallback (or a one-line page when it is not built). */
export async function registerDashboard(app: FastifyInstance, dir: string): Promise<{ built: boolean }> {
  const root = resolve(dir);
  const built = existsSync(resolve(root, 'index.html'));
  if (built) await app.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: ['index.html'] });
  else app.get('/', (_req, reply) => reply.type('text/html').send(NOT_BUILT));
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    if (
      (req.method === 'GET' || req.method === 'HEAD') &&
      !isApi(req.url) &&
      (req.headers.accept ?? '').includes('text/html')
    ) {
      if (built) return reply.sendFile('index.html');
      return reply.type('text/html').send(NOT_BUILT);
    }
    return notFoundHandler(req, reply);
  });
  return { built };
}
