import {
  changeOwnPasswordRequestSchema,
  loginRequestSchema,
  logoutRequestSchema,
  meResponseSchema,
  okSchema,
  refreshRequestSchema,
  tokenPairSchema,
} from '@sentinel/common/api/index';
import { PERMISSION_MATRIX, type Role } from '@sentinel/common/auth/index';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/passwords.ts';
import {
  openSession,
  refreshFailure,
  revokeAllSessions,
  revokeFamilyOf,
  rotateRefreshToken,
} from '../auth/sessions.ts';
import type { GatewayContext } from '../context.ts';
import { audit } from '../http/audit.ts';
import { userOf } from '../http/auth-hook.ts';
import { HttpError } from '../http/errors.ts';
import type { ZApp } from '../http/types.ts';

export function registerAuthRoutes(app: ZApp, ctx: GatewayContext): void {
  const { pool, jwtSecret } = ctx;
  const loginLimit = { max: ctx.cfg.GATEWAY_LOGIN_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 };

  app.post(
    '/auth/login',
    {
      config: { access: 'public', rateLimit: loginLimit },
      schema: { tags: ['auth'], body: loginRequestSchema, response: { 200: tokenPairSchema } },
    },
    async (req) => {
      const { rows } = await pool.query(
        'SELECT id, username, password_hash, role, disabled FROM users WHERE username = $1',
        [req.body.username.toLowerCase()],
      );
      const user = rows[0];
      const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), req.body.password);
      if (!user || !ok || user.disabled) {
        await audit(
          pool,
          req,
          'auth.login_failed',
          'user',
          user?.id ?? null,
          { username: req.body.username },
          {
            id: null,
            name: 'anonymous',
          },
        );
        throw new HttpError(
          401,
          'unauthorized',
          user?.disabled && ok ? 'user is disabled' : 'wrong username or password',
        );
      }
      const authUser = { id: user.id as string, username: user.username as string, role: user.role as Role };
      const { tokens, familyId } = await openSession(pool, authUser, jwtSecret, {
        userAgent: req.headers['user-agent'],
        ip: req.ip,
      });
      await audit(
        pool,
        req,
        'auth.login',
        'session',
        familyId,
        {},
        { id: authUser.id, name: authUser.username },
      );
      return tokens;
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { access: 'public', rateLimit: { max: 60, timeWindow: 60_000 } },
      schema: { tags: ['auth'], body: refreshRequestSchema, response: { 200: tokenPairSchema } },
    },
    async (req) => {
      const r = await rotateRefreshToken(pool, req.body.refreshToken, jwtSecret, {
        userAgent: req.headers['user-agent'],
        ip: req.ip,
      });
      if (!r.ok) {
        if (r.reason === 'reused')
          await audit(
            pool,
            req,
            'auth.refresh_reuse_detected',
            'session',
            r.familyId ?? null,
            {},
            {
              id: r.userId ?? null,
              name: 'system',
            },
          );
        throw refreshFailure(r.reason);
      }
      return r.tokens;
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['auth'], body: logoutRequestSchema.optional(), response: { 200: okSchema } },
    },
    async (req) => {
      const user = userOf(req);
      let family: string | null = null;
      if (req.body?.refreshToken) family = await revokeFamilyOf(pool, req.body.refreshToken, user.id);
      await audit(pool, req, 'auth.logout', 'session', family);
      return { ok: true as const };
    },
  );

  app.get(
    '/auth/me',
    { config: { access: 'authenticated' }, schema: { tags: ['auth'], response: { 200: meResponseSchema } } },
    async (req) => {
      const user = userOf(req);
      return { ...user, permissions: [...PERMISSION_MATRIX[user.role]] };
    },
  );

  app.post(
    '/auth/password',
    {
      config: { access: 'authenticated', rateLimit: loginLimit },
      schema: { tags: ['auth'], body: changeOwnPasswordRequestSchema, response: { 200: okSchema } },
    },
    async (req) => {
      const user = userOf(req);
      const { rows } = await pool.query('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      if (!rows[0] || !(await verifyPassword(rows[0].password_hash, req.body.currentPassword)))
        throw new HttpError(403, 'forbidden', 'current password is wrong');
      await pool.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [
        user.id,
        await hashPassword(req.body.newPassword),
      ]);
      await revokeAllSessions(pool, user.id);
      await audit(pool, req, 'user.password_changed', 'user', user.id);
      return { ok: true as const };
    },
  );
}
