import type { AuthUser, Permission } from '@sentinel/common/auth/index';
import { bearerToken, can, claimsToUser, TokenError, verifyAccessToken } from '@sentinel/common/auth/index';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.ts';

/** Per-route access: `public`, any signed-in user, or one permission of the matrix. */
export type RouteAccess = 'public' | 'authenticated' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    user: AuthUser | null;
  }
}

/** Verify the bearer token of a request; throws 401 HttpError. */
export async function authenticate(req: FastifyRequest, secret: Uint8Array): Promise<AuthUser> {
  const token = bearerToken(req.headers.authorization);
  if (!token) throw new HttpError(401, 'unauthorized', 'missing bearer token');
  try {
    return claimsToUser(await verifyAccessToken(token, secret));
  } catch (err) {
    if (err instanceof TokenError && err.reason === 'expired')
      throw new HttpError(401, 'token_expired', 'access token expired; refresh it');
    throw new HttpError(401, 'unauthorized', 'invalid access token');
  }
}

/**
 * Enforces the permission matrix on every /api/v1 route: a route without `config.access` is denied
 * (deny by default), so no route can be forgotten.
 */
export function installAuthHook(app: FastifyInstance, secret: Uint8Array): void {
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/v1/')) return;
    const access = req.routeOptions.config?.access;
    if (access === 'public') return;
    // unknown routes fall through to the 404 handler (after auth, so ids are not probed anonymously)
    req.user = await authenticate(req, secret);
    if (access === undefined) {
      if (req.routeOptions.url === undefined) return;
      throw new HttpError(403, 'forbidden', 'route has no access rule');
    }
    if (access === 'authenticated') return;
    if (!can(req.user.role, access))
      throw new HttpError(403, 'forbidden', `role '${req.user.role}' lacks permission '${access}'`);
  });
}

/** The signed-in user of a request guarded by the auth hook. */
export function userOf(req: FastifyRequest): AuthUser {
  if (!req.user) throw new HttpError(401, 'unauthorized', 'not signed in');
  return req.user;
}
