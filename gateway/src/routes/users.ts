import {
  auditEntrySchema,
  createUserRequestSchema,
  listResponse,
  pageQueryShape,
  updateUserRequestSchema,
  userSchema,
} from '@sentinel/common/api/index';
import { z } from 'zod';
import { hashPassword } from '../auth/passwords.ts';
import { revokeAllSessions } from '../auth/sessions.ts';
import type { GatewayContext } from '../context.ts';
import { audit } from '../http/audit.ts';
import { userOf } from '../http/auth-hook.ts';
import { decodeCursor, ms, page } from '../http/cursor.ts';
import { conflict, HttpError, notFound } from '../http/errors.ts';
import type { ZApp } from '../http/types.ts';

type UserRow = {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
};
const toUser = (r: UserRow) => ({
  id: r.id,
  username: r.username,
  role: r.role as z.infer<typeof userSchema>['role'],
  disabled: r.disabled,
  createdAt: r.created_at.getTime(),
  updatedAt: ms(r.updated_at),
});
const COLS = 'id, username, role, disabled, created_at, updated_at';
const uuidParams = z.object({ id: z.uuid('must be a user id (uuid)') });

export function registerUserRoutes(app: ZApp, ctx: GatewayContext): void {
  const { pool } = ctx;

  app.get(
    '/users',
    {
      config: { access: 'users:read' },
      schema: {
        tags: ['users'],
        querystring: z.object(pageQueryShape),
        response: { 200: listResponse(userSchema) },
      },
    },
    async (req) => {
      const c = decodeCursor(req.query.cursor, 1);
      const { rows } = await pool.query(
        `SELECT ${COLS} FROM users WHERE ($1::text IS NULL OR username > $1) ORDER BY username LIMIT $2`,
        [c?.[0] ?? null, req.query.limit + 1],
      );
      return page(rows as UserRow[], req.query.limit, (r) => [r.username], toUser);
    },
  );

  app.post(
    '/users',
    {
      config: { access: 'users:write' },
      schema: { tags: ['users'], body: createUserRequestSchema, response: { 201: userSchema } },
    },
    async (req, reply) => {
      const hash = await hashPassword(req.body.password);
      const { rows } = await pool.query(
        `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
         ON CONFLICT (username) DO NOTHING RETURNING ${COLS}`,
        [req.body.username, hash, req.body.role],
      );
      if (!rows[0]) throw conflict(`user '${req.body.username}' already exists`);
      await audit(pool, req, 'user.create', 'user', rows[0].id, {
        username: req.body.username,
        role: req.body.role,
      });
      return reply.code(201).send(toUser(rows[0]));
    },
  );

  app.get(
    '/users/:id',
    {
      config: { access: 'users:read' },
      schema: { tags: ['users'], params: uuidParams, response: { 200: userSchema } },
    },
    async (req) => {
      const { rows } = await pool.query(`SELECT ${COLS} FROM users WHERE id = $1`, [req.params.id]);
      if (!rows[0]) throw notFound('user', req.params.id);
      return toUser(rows[0]);
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { access: 'users:write' },
      schema: {
        tags: ['users'],
        params: uuidParams,
        body: updateUserRequestSchema,
        response: { 200: userSchema },
      },
    },
    async (req) => {
      const me = userOf(req);
      const b = req.body;
      if (req.params.id === me.id && (b.disabled === true || (b.role && b.role !== 'admin')))
        throw new HttpError(409, 'conflict', 'you cannot disable or demote yourself');
      const hash = b.password ? await hashPassword(b.password) : null;
      const { rows } = await pool.query(
        `UPDATE users SET password_hash = coalesce($2, password_hash), role = coalesce($3, role),
                disabled = coalesce($4, disabled), updated_at = now()
          WHERE id = $1 RETURNING ${COLS}`,
        [req.params.id, hash, b.role ?? null, b.disabled ?? null],
      );
      if (!rows[0]) throw notFound('user', req.params.id);
      await revokeAllSessions(pool, req.params.id);
      await audit(pool, req, 'user.update', 'user', req.params.id, {
        role: b.role,
        disabled: b.disabled,
        passwordChanged: Boolean(b.password),
      });
      return toUser(rows[0]);
    },
  );

  app.delete(
    '/users/:id',
    { config: { access: 'users:write' }, schema: { tags: ['users'], params: uuidParams } },
    async (req, reply) => {
      if (req.params.id === userOf(req).id)
        throw new HttpError(409, 'conflict', 'you cannot delete yourself');
      const { rows } = await pool.query('DELETE FROM users WHERE id = $1 RETURNING username', [
        req.params.id,
      ]);
      if (!rows[0]) throw notFound('user', req.params.id);
      await audit(pool, req, 'user.delete', 'user', req.params.id, { username: rows[0].username });
      return reply.code(204).send();
    },
  );

  app.get(
    '/audit',
    {
      config: { access: 'audit:read' },
      schema: {
        tags: ['users'],
        querystring: z.object({
          ...pageQueryShape,
          entity: z.string().optional(),
          actor: z.string().optional(),
        }),
        response: { 200: listResponse(auditEntrySchema) },
      },
    },
    async (req) => {
      const c = decodeCursor(req.query.cursor, 1);
      const { rows } = await pool.query(
        `SELECT * FROM audit_log WHERE ($1::bigint IS NULL OR id < $1) AND ($2::text IS NULL OR entity = $2)
           AND ($3::text IS NULL OR actor = $3) ORDER BY id DESC LIMIT $4`,
        [c?.[0] ?? null, req.query.entity ?? null, req.query.actor ?? null, req.query.limit + 1],
      );
      return page(
        rows,
        req.query.limit,
        (r) => [Number(r.id)],
        (r) => ({
          id: Number(r.id),
          at: r.at.getTime(),
          actor: r.actor,
          actorId: r.actor_id,
          action: r.action,
          entity: r.entity,
          entityId: r.entity_id,
          details: r.details,
          requestId: r.request_id,
          ip: r.ip,
        }),
      );
    },
  );
}
