import {
  bearerToken,
  FORWARDED_USER_HEADER,
  TokenError,
  verifyAccessToken,
} from '@sentinel/common/auth/index';
import type { FastifyReply, FastifyRequest } from 'fastify';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may ask: a request with `Authorization: Bearer <access token>` is verified here (so the service
 * is safe if reached directly); without it, only the gateway's forwarded-user header from a loopback
 * peer is accepted (the gateway authenticates and proxies). Anything else is 401.
 */
export function authHook(secret: Uint8Array) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    if (header) {
      const token = bearerToken(header);
      if (!token) return sendAuthError(reply, 'unauthorized', 'Authorization must be "Bearer <token>"');
      try {
        await verifyAccessToken(token, secret);
        return;
      } catch (err) {
        const expired = err instanceof TokenError && err.reason === 'expired';
        return sendAuthError(
          reply,
          expired ? 'token_expired' : 'unauthorized',
          expired ? 'access token expired' : 'invalid access token',
        );
      }
    }
    if (req.headers[FORWARDED_USER_HEADER] && LOOPBACK.has(req.socket.remoteAddress ?? '')) return;
    return sendAuthError(reply, 'unauthorized', 'authentication required');
  };
}

function sendAuthError(reply: FastifyReply, code: 'unauthorized' | 'token_expired', message: string) {
  return reply.code(401).send({ error: { code, message } });
}
