import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the built web app (annotator/dist, `npm run build -w annotator`) at /annotator/. Unknown
 * paths under /annotator/ get index.html (client-side routing). Assets use relative URLs under
 * /annotator/, so the app works directly and behind the gateway's /annotator/ proxy.
 */
export async function webRoutes(app: FastifyInstance, distDir: string): Promise<void> {
  const index = join(distDir, 'index.html');
  app.get('/annotator', async (_req, reply) => reply.redirect('/annotator/'));
  const built = existsSync(index);
  if (built)
    await app.register(fastifyStatic, {
      root: distDir,
      prefix: '/annotator/',
      index: ['index.html'],
      wildcard: true,
    });
  else
    app.get('/annotator/*', async (_req, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send('annotator web app is not built: run `npm run build -w annotator`'),
    );
  app.setNotFoundHandler((req, reply) => {
    if (
      built &&
      req.method === 'GET' &&
      req.url.startsWith('/annotator/') &&
      !req.url.startsWith('/annotator/assets/')
    )
      return reply.type('text/html').sendFile('index.html');
    return reply
      .code(404)
      .send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } });
  });
}
