import {
  type AuthUser,
  bearerToken,
  can,
  claimsToUser,
  type Permission,
  TokenError,
  verifyAccessToken,
} from '@sentinel/common/auth/index';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
  }
}

/**
 * Every API call carries `Authorization: Bearer <access token>` (the gateway forwards it unchanged).
 * The annotator verifies it itself with the shared HS256 secret and checks the permission matrix:
 *  - annotation:read   list tasks, see images, stats, labels, exports and models
 *  - annotation:write  lease, heartbeat, submit, skip tasks; add custom labels
 *  - annotation:review review-stage tasks (accept / reject); admin and annotator roles hold it, and a
 *                      reviewer may not review an annotation they made (admins may)
 *  - annotation:export build dataset exports
 *  - models:write      register, evaluate and promote models (admin only)
 */
export function authenticate(secret: Uint8Array) {
  return async (req: FastifyRequest): Promise<void> => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new ApiError(401, 'unauthorized', 'missing bearer token');
    try {
      req.user = claimsToUser(await verifyAccessToken(token, secret));
    } catch (err) {
      if (err instanceof TokenError && err.reason === 'expired')
        throw new ApiError(401, 'token_expired', 'access token expired');
      throw new ApiError(401, 'unauthorized', 'invalid access token');
    }
  };
}

/** preHandler: 403 unless the caller's role grants the permission. */
export function requirePermission(permission: Permission) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const user = req.user;
    if (!user) throw new ApiError(401, 'unauthorized', 'not authenticated');
    if (!can(user.role, permission))
      throw new ApiError(403, 'forbidden', `role ${user.role} lacks permission ${permission}`);
  };
}

export const userOf = (req: FastifyRequest): AuthUser => {
  if (!req.user) throw new ApiError(401, 'unauthorized', 'not authenticated');
  return req.user;
};
