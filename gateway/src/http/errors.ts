import type { ApiErrorCode } from '@sentinel/common/api/index';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

/** An error with an HTTP status and an API error code; thrown by handlers, rendered by the error handler. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string, id: string) =>
  new HttpError(404, 'not_found', `${what} '${id}' not found`);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
export const forbidden = (message = 'your role does not allow this') =>
  new HttpError(403, 'forbidden', message);
export const badRequest = (message: string, details?: Array<{ path: string; message: string }>) =>
  new HttpError(400, 'validation_failed', message, details);
export const unavailable = (message: string) => new HttpError(503, 'unavailable', message);

const PG_CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', 'EPIPE']);

/** True for errors that mean PostgreSQL or NATS cannot be reached right now. */
export function isDependencyDown(err: unknown): string | undefined {
  const e = err as { code?: string; message?: string; name?: string };
  if (e?.code && PG_CONNECTION_CODES.has(e.code)) return 'database unavailable';
  const msg = e?.message ?? '';
  if (/Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(msg))
    return 'database unavailable';
  if (
    /CONNECTION_CLOSED|CONNECTION_DRAINING|DISCONNECT|no responders|TIMEOUT/i.test(`${e?.code} ${msg}`) &&
    /nats|jetstream|kv|503/i.test(`${e?.name} ${msg} ${e?.code}`)
  )
    return 'message bus unavailable';
  return undefined;
}

const sendError = (
  reply: FastifyReply,
  req: FastifyRequest,
  status: number,
  code: ApiErrorCode,
  message: string,
  details?: Array<{ path: string; message: string }>,
) =>
  reply
    .code(status)
    .send({ error: { code, message, ...(details ? { details } : {}), requestId: String(req.id) } });

const contextName = (c: string | undefined) => (c === 'querystring' ? 'query' : (c ?? 'body'));

/** Renders every error as `{ error: { code, message, details?, requestId } }`. */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof HttpError) {
    if (err.statusCode === 503) reply.header('retry-after', '5');
    return sendError(reply, req, err.statusCode, err.code, err.message, err.details);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const ctx = contextName(err.validationContext);
    const details = err.validation.map((v) => ({
      path: [ctx, ...v.instancePath.split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'invalid',
    }));
    return sendError(
      reply,
      req,
      400,
      'validation_failed',
      `invalid ${ctx}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  if (isResponseSerializationError(err)) {
    req.log.error({ err, cause: err.cause?.issues }, 'response does not match its schema');
    return sendError(reply, req, 500, 'internal', 'internal error (response serialization)');
  }
  const status = err.statusCode ?? 500;
  if (status === 429) return sendError(reply, req, 429, 'rate_limited', err.message);
  if (status === 413) return sendError(reply, req, 413, 'payload_too_large', 'request body is too large');
  if (status === 415 || err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return sendError(reply, req, 415, 'bad_request', err.message);
  if (status === 400 && err.code?.startsWith('FST_ERR_CTP'))
    return sendError(reply, req, 400, 'bad_request', `malformed body: ${err.message}`);
  if (status >= 400 && status < 500) return sendError(reply, req, status, 'bad_request', err.message);
  const down = isDependencyDown(err);
  if (down) {
    req.log.warn({ err: err.message }, down);
    reply.header('retry-after', '5');
    return sendError(reply, req, 503, 'unavailable', `${down}; retry shortly`);
  }
  req.log.error({ err }, 'unhandled error');
  return sendError(reply, req, 500, 'internal', 'internal error');
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  return sendError(reply, req, 404, 'not_found', `route ${req.method} ${req.url.split('?')[0]} not found`);
}
