import proxy from '@fastify/http-proxy';
import { can, FORWARDED_USER_HEADER } from '@sentinel/common/auth/index';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.ts';

const unavailable =
  // biome-ignore lint/suspicious/noExplicitAny: reply-from types its reply over every server flavour
    (service: string): any =>
    (reply: FastifyReply, { error }: { error: Error }) => {
      reply.request.log.warn({ service, err: error.message }, 'upstream unavailable');
      if (reply.sent) return;
      reply
        .code(503)
        .header('retry-after', '5')
        .send({
          error: {
            code: 'unavailable',
            message: `the ${service} service is unavailable; retry shortly`,
            requestId: String(reply.request.id),
          },
        });
    };

// biome-ignore lint/suspicious/noExplicitAny: same as above
const forwardUser: any = (req: FastifyRequest, headers: Record<string, unknown>) => {
  const out = { ...headers };
  delete out[FORWARDED_USER_HEADER];
  if (req.user) out[FORWARDED_USER_HEADER] = JSON.stringify(req.user);
  out['x-request-id'] = String(req.id);
  return out as never;
};

/** Proxy the assistant and annotator services (the web apps talk only to the gateway). */
export async function registerProxies(
  app: FastifyInstance,
  opts: { assistantUrl: string; annotatorUrl: string },
): Promise<void> {
  await app.register(proxy, {
    upstream: opts.assistantUrl,
    prefix: '/api/v1/assistant',
    rewritePrefix: '',
    config: { access: 'assistant:query' },
    replyOptions: { rewriteRequestHeaders: forwardUser, onError: unavailable('assistant') },
  });
  await app.register(proxy, {
    upstream: opts.annotatorUrl,
    prefix: '/api/v1/annotation',
    rewritePrefix: '/api/v1/annotation',
    config: { access: 'annotation:read' },
    preHandler: async (req: FastifyRequest) => {
      if (
        req.method !== 'GET' &&
        req.method !== 'HEAD' &&
        req.user &&
        !can(req.user.role, 'annotation:write')
      )
        throw new HttpError(403, 'forbidden', `role '${req.user.role}' lacks permission 'annotation:write'`);
    },
    replyOptions: { rewriteRequestHeaders: forwardUser, onError: unavailable('annotator') },
  });
  // the annotator web app (static files, public; its API calls go through /api/v1/annotation)
  await app.register(proxy, {
    upstream: opts.annotatorUrl,
    prefix: '/annotator',
    rewritePrefix: '/annotator',
    httpMethods: ['GET', 'HEAD'],
    replyOptions: { onError: unavailable('annotator') },
  });
}
