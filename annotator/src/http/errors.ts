import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';

export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'token_expired'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unavailable'
  | 'internal';

/** Why a task operation conflicted; clients use it to decide between "reload" and "take a new task". */
export type ConflictReason =
  | 'stale_version'
  | 'lease_expired'
  | 'not_leaseholder'
  | 'wrong_stage'
  | 'own_work'
  | 'empty_dataset'
  | 'not_better'
  | 'not_evaluated';

/** An API error rendered as { error: { code, message, details?, reason? } } (common/src/api/errors.ts shape). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { details?: Array<{ path: string; message: string }>; reason?: ConflictReason } & Record<
      string,
      unknown
    > = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (reason: ConflictReason, message: string, more: Record<string, unknown> = {}) =>
  new ApiError(409, 'conflict', message, { reason, ...more });

/** Parse a request part with zod; failures become 400 validation_failed with one entry per field. */
export function parseOr400<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params',
) {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data as z.infer<S>;
  const details = r.error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new ApiError(
    400,
    'validation_failed',
    `invalid ${where}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
    {
      details,
    },
  );
}

/** One error handler: ApiError as is, fastify's own errors (bad JSON, too large) mapped, the rest 500. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.status).send({ error: { code: err.code, message: err.message, ...err.extra } });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status === 413)
      return reply.code(413).send({ error: { code: 'payload_too_large', message: err.message } });
    if (status >= 400 && status < 500)
      return reply.code(status).send({ error: { code: 'bad_request', message: err.message } });
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: 'internal error' } });
  });
}
