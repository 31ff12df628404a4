import { type CameraConfig, cameraConfigSchema, formatZodIssues } from '@sentinel/common';
import {
  cameraResponseSchema,
  cameraTestRequestSchema,
  cameraTestResultSchema,
  createCameraRequestSchema,
  listResponse,
  liveInfoSchema,
  pageQueryShape,
  updateCameraRequestSchema,
} from '@sentinel/common/api/index';
import { mirrorRulesToKv } from '@sentinel/common/rules/rule-store';
import { z } from 'zod';
import { probeCamera, withCredentials } from '../cameras/probe.ts';
import type { GatewayContext } from '../context.ts';
import { audit } from '../http/audit.ts';
import { decodeCursor, page } from '../http/cursor.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { bus, withTx } from '../http/tx.ts';
import type { ZApp } from '../http/types.ts';
import {
  type CameraRow,
  cameraStatus,
  getCameraRow,
  mirrorCamera,
  storedConfig,
  toCameraResponse,
} from '../store/cameras.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });

export function registerCameraRoutes(app: ZApp, ctx: GatewayContext): void {
  const { pool } = ctx;

  const mustGet = async (id: string) => {
    const row = await getCameraRow(pool, id);
    if (!row) throw notFound('camera', id);
    return row;
  };

  app.get(
    '/cameras',
    {
      config: { access: 'cameras:read' },
      schema: {
        tags: ['cameras'],
        querystring: z.object({ ...pageQueryShape, limit: pageQueryShape.limit.default(200) }),
        response: { 200: listResponse(cameraResponseSchema) },
      },
    },
    async (req) => {
      const c = decodeCursor(req.query.cursor, 1);
      const { rows } = await pool.query(
        `SELECT id, config, version, created_at, updated_at FROM cameras WHERE ($1::text IS NULL OR id > $1)
          ORDER BY id LIMIT $2`,
        [c?.[0] ?? null, req.query.limit + 1],
      );
      const statuses = await Promise.all(
        (rows as CameraRow[]).map((r) => cameraStatus(ctx.kv.cameraStatus, r.id)),
      );
      const byId = new Map((rows as CameraRow[]).map((r, i) => [r.id, statuses[i] ?? null]));
      return page(
        rows as CameraRow[],
        req.query.limit,
        (r) => [r.id],
        (r) => toCameraResponse(r, byId.get(r.id) ?? null),
      );
    },
  );

  app.post(
    '/cameras',
    {
      config: { access: 'cameras:write' },
      schema: { tags: ['cameras'], body: createCameraRequestSchema, response: { 201: cameraResponseSchema } },
    },
    async (req, reply) => {
      const cfg = req.body;
      const row = await withTx(pool, async (db) => {
        const { rows } = await db.query(
          `INSERT INTO cameras (id, name, config) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING
           RETURNING id, config, version, created_at, updated_at`,
          [cfg.id, cfg.name, JSON.stringify(cfg)],
        );
        if (!rows[0]) throw conflict(`camera '${cfg.id}' already exists`);
        await audit(db, req, 'camera.create', 'camera', cfg.id, {
          name: cfg.name,
          hasCredentials: Boolean(cfg.password || cfg.username),
        });
        await bus('mirror the camera to KV', () => mirrorCamera(ctx.kv.cameras, cfg, cfg.id));
        return rows[0] as CameraRow;
      });
      return reply.code(201).send(toCameraResponse(row, null));
    },
  );

  app.get(
    '/cameras/:id',
    {
      config: { access: 'cameras:read' },
      schema: { tags: ['cameras'], params: idParams, response: { 200: cameraResponseSchema } },
    },
    async (req) =>
      toCameraResponse(await mustGet(req.params.id), await cameraStatus(ctx.kv.cameraStatus, req.params.id)),
  );

  app.patch(
    '/cameras/:id',
    {
      config: { access: 'cameras:write' },
      schema: {
        tags: ['cameras'],
        params: idParams,
        body: updateCameraRequestSchema,
        response: { 200: cameraResponseSchema },
      },
    },
    async (req) => {
      const row = await mustGet(req.params.id);
      const current = storedConfig(row);
      const { username, password, ...rest } = req.body;
      const merged: Record<string, unknown> = { ...current, ...rest, id: current.id };
      if (rest.motion) merged.motion = { ...current.motion, ...rest.motion };
      if (username !== undefined) merged.username = username ?? undefined;
      if (password !== undefined) merged.password = password ?? undefined;
      const parsed = cameraConfigSchema.safeParse(merged);
      if (!parsed.success)
        throw badRequest(
          'invalid camera',
          parsed.error.issues.map((i) => ({ path: ['body', ...i.path].join('.'), message: i.message })),
        );
      const next: CameraConfig = parsed.data;
      const updated = await withTx(pool, async (db) => {
        const { rows } = await db.query(
          `UPDATE cameras SET name = $2, config = $3, version = version + 1, updated_at = now() WHERE id = $1
           RETURNING id, config, version, created_at, updated_at`,
          [next.id, next.name, JSON.stringify(next)],
        );
        if (!rows[0]) throw notFound('camera', req.params.id);
        await audit(db, req, 'camera.update', 'camera', next.id, {
          fields: Object.keys(req.body),
          version: rows[0].version,
        });
        await bus('mirror the camera to KV', () => mirrorCamera(ctx.kv.cameras, next, next.id));
        return rows[0] as CameraRow;
      });
      return toCameraResponse(updated, await cameraStatus(ctx.kv.cameraStatus, next.id));
    },
  );

  app.delete(
    '/cameras/:id',
    { config: { access: 'cameras:write' }, schema: { tags: ['cameras'], params: idParams } },
    async (req, reply) => {
      await withTx(pool, async (db) => {
        const { rows } = await db.query('DELETE FROM cameras WHERE id = $1 RETURNING id', [req.params.id]);
        if (!rows[0]) throw notFound('camera', req.params.id);
        await audit(db, req, 'camera.delete', 'camera', req.params.id);
        await bus('remove the camera from KV', () => mirrorCamera(ctx.kv.cameras, null, req.params.id));
        // zones cascade in PostgreSQL: rules on this camera are re-mirrored (only those: explicit ids)
        const ruleIds = (
          await db.query(`SELECT id FROM rules WHERE definition->'cameraIds' ? $1`, [req.params.id])
        ).rows.map((r) => r.id as string);
        if (ruleIds.length) await bus('mirror rules to KV', () => mirrorRulesToKv(db, ctx.nc, ruleIds));
      });
      await ctx.live.stopCamera(req.params.id);
      return reply.code(204).send();
    },
  );

  const test = async (url: string, username?: string, password?: string, timeoutMs = 8000) => {
    const valid = cameraConfigSchema.shape.url.safeParse(url);
    if (!valid.success)
      return {
        ok: false as const,
        reason: 'invalid_url' as const,
        message: formatZodIssues(valid.error).join('; '),
        elapsedMs: 0,
      };
    return probeCamera(withCredentials(url, username, password), { timeoutMs });
  };

  app.post(
    '/cameras/:id/test',
    {
      config: { access: 'cameras:test' },
      schema: {
        tags: ['cameras'],
        params: idParams,
        body: cameraTestRequestSchema.optional(),
        response: { 200: cameraTestResultSchema },
      },
    },
    async (req) => {
      const cfg = storedConfig(await mustGet(req.params.id));
      const b = req.body ?? {};
      const result = await test(
        b.url ?? cfg.url,
        b.username ?? cfg.username,
        b.password ?? cfg.password,
        b.timeoutMs,
      );
      req.log.info(
        { cameraId: cfg.id, ok: result.ok, reason: result.ok ? undefined : result.reason },
        'camera probe',
      );
      return result;
    },
  );

  app.post(
    '/cameras/test',
    {
      config: { access: 'cameras:test' },
      schema: {
        tags: ['cameras'],
        body: cameraTestRequestSchema.extend({ url: z.string().min(1) }),
        response: { 200: cameraTestResultSchema },
      },
    },
    async (req) => test(req.body.url, req.body.username, req.body.password, req.body.timeoutMs),
  );

  app.get(
    '/cameras/:id/live',
    {
      config: { access: 'live:view' },
      schema: { tags: ['live'], params: idParams, response: { 200: liveInfoSchema } },
    },
    async (req) => {
      await mustGet(req.params.id);
      return ctx.live.info(req.params.id);
    },
  );
}
