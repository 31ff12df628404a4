import { type PoolClient, type Rule, ruleSchema, type Zone, zoneSchema } from '@sentinel/common';
import {
  createRuleRequestSchema,
  createZoneRequestSchema,
  listResponse,
  pageQueryShape,
  patchRuleRequestSchema,
  replaceRuleRequestSchema,
  ruleReplayRequestSchema,
  ruleReplayResponseSchema,
  ruleResponseSchema,
  updateZoneRequestSchema,
  zoneResponseSchema,
} from '@sentinel/common/api/index';
import { replayRule } from '@sentinel/common/rules/replay';
import { mirrorRulesToKv, ruleFromRow, ruleZoneIds } from '@sentinel/common/rules/rule-store';
import {
  loadRuleReferenceContext,
  validateRuleReferences,
  zoneFromRow,
} from '@sentinel/common/rules/validate-references';
import type { z } from 'zod';
import { z as zod } from 'zod';
import type { GatewayContext } from '../context.ts';
import { audit } from '../http/audit.ts';
import { decodeCursor, page } from '../http/cursor.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { bus, withTx } from '../http/tx.ts';
import type { ZApp } from '../http/types.ts';

const idParams = zod.object({ id: zod.string().min(1).max(128) });
const issuesToDetails = (issues: Array<{ path: PropertyKey[] | string; message: string }>) =>
  issues.map((i) => ({
    path: ['body', ...(typeof i.path === 'string' ? [i.path] : i.path.map(String))].join('.'),
    message: i.message,
  }));

type ZoneRow = {
  id: string;
  camera_id: string;
  name: string;
  definition: unknown;
  created_at: Date;
  updated_at: Date;
};
type RuleRow = {
  id: string;
  name: string;
  enabled: boolean;
  definition: unknown;
  version: number;
  created_at: Date;
  updated_at: Date;
};

const toZone = (r: ZoneRow): z.infer<typeof zoneResponseSchema> => {
  const zone = zoneFromRow(r);
  const def = (r.definition ?? {}) as Partial<Zone>;
  return {
    id: r.id,
    cameraId: r.camera_id,
    name: r.name,
    polygon: (zone?.polygon ?? def.polygon ?? []) as Array<[number, number]>,
    inertiaFrames: zone?.inertiaFrames ?? def.inertiaFrames ?? 3,
    createdAt: r.created_at.getTime(),
    updatedAt: r.updated_at.getTime(),
  };
};
const toRule = (r: RuleRow) => ({
  ...ruleFromRow(r),
  version: r.version,
  createdAt: r.created_at.getTime(),
  updatedAt: r.updated_at.getTime(),
});

export function registerZoneRuleRoutes(app: ZApp, ctx: GatewayContext): void {
  const { pool } = ctx;
  /** Mirror rules (with their zones) to KV inside the transaction: a NATS failure rolls the change back. */
  const mirror = async (db: PoolClient, ruleIds: string[]) => {
    // always with explicit ids: without them the mirror would delete keys of rules it does not know
    if (ruleIds.length) await bus('mirror rules to KV', () => mirrorRulesToKv(db, ctx.nc, ruleIds));
  };
  /** Rules on the zone's camera (a zone edit changes their KV entries). */
  const rulesOfZoneCamera = async (db: PoolClient, zoneCameraId: string) =>
    (await db.query(`SELECT id FROM rules WHERE definition->'cameraIds' ? $1`, [zoneCameraId])).rows.map(
      (r) => r.id as string,
    );

  /** Rules that use a zone. */
  const rulesUsingZone = async (zoneId: string) => {
    const { rows } = await pool.query('SELECT id, name, enabled, definition FROM rules');
    return rows.filter((r) => {
      try {
        return ruleZoneIds(ruleFromRow(r)).includes(zoneId);
      } catch {
        return false;
      }
    });
  };

  // ---------- zones ----------
  app.get(
    '/zones',
    {
      config: { access: 'zones:read' },
      schema: {
        tags: ['zones'],
        querystring: zod.object({
          ...pageQueryShape,
          limit: pageQueryShape.limit.default(200),
          cameraId: zod.string().optional(),
        }),
        response: { 200: listResponse(zoneResponseSchema) },
      },
    },
    async (req) => {
      const c = decodeCursor(req.query.cursor, 1);
      const { rows } = await pool.query(
        `SELECT * FROM zones WHERE ($1::text IS NULL OR camera_id = $1) AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
        [req.query.cameraId ?? null, c?.[0] ?? null, req.query.limit + 1],
      );
      return page(rows as ZoneRow[], req.query.limit, (r) => [r.id], toZone);
    },
  );

  app.get(
    '/zones/:id',
    {
      config: { access: 'zones:read' },
      schema: { tags: ['zones'], params: idParams, response: { 200: zoneResponseSchema } },
    },
    async (req) => {
      const { rows } = await pool.query('SELECT * FROM zones WHERE id = $1', [req.params.id]);
      if (!rows[0]) throw notFound('zone', req.params.id);
      return toZone(rows[0]);
    },
  );

  app.post(
    '/zones',
    {
      config: { access: 'zones:write' },
      schema: { tags: ['zones'], body: createZoneRequestSchema, response: { 201: zoneResponseSchema } },
    },
    async (req, reply) => {
      const zone = req.body;
      const cam = await pool.query('SELECT 1 FROM cameras WHERE id = $1', [zone.cameraId]);
      if (!cam.rows[0])
        throw badRequest('unknown camera', [
          { path: 'body.cameraId', message: `unknown camera '${zone.cameraId}'` },
        ]);
      const row = await withTx(pool, async (db) => {
        const { rows } = await db.query(
          `INSERT INTO zones (id, camera_id, name, definition) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING *`,
          [zone.id, zone.cameraId, zone.name, JSON.stringify(zone)],
        );
        if (!rows[0]) throw conflict(`zone '${zone.id}' already exists`);
        await audit(db, req, 'zone.create', 'zone', zone.id, { cameraId: zone.cameraId });
        await mirror(db, await rulesOfZoneCamera(db, zone.cameraId));
        return rows[0] as ZoneRow;
      });
      return reply.code(201).send(toZone(row));
    },
  );

  app.patch(
    '/zones/:id',
    {
      config: { access: 'zones:write' },
      schema: {
        tags: ['zones'],
        params: idParams,
        body: updateZoneRequestSchema,
        response: { 200: zoneResponseSchema },
      },
    },
    async (req) => {
      const { rows: cur } = await pool.query('SELECT * FROM zones WHERE id = $1', [req.params.id]);
      if (!cur[0]) throw notFound('zone', req.params.id);
      const base = toZone(cur[0]);
      const parsed = zoneSchema.safeParse({
        id: base.id,
        cameraId: base.cameraId,
        name: req.body.name ?? base.name,
        polygon: req.body.polygon ?? base.polygon,
        inertiaFrames: req.body.inertiaFrames ?? base.inertiaFrames,
      });
      if (!parsed.success) throw badRequest('invalid zone', issuesToDetails(parsed.error.issues));
      const row = await withTx(pool, async (db) => {
        const { rows } = await db.query(
          'UPDATE zones SET name = $2, definition = $3, updated_at = now() WHERE id = $1 RETURNING *',
          [req.params.id, parsed.data.name, JSON.stringify(parsed.data)],
        );
        if (!rows[0]) throw notFound('zone', req.params.id);
        await audit(db, req, 'zone.update', 'zone', req.params.id, { fields: Object.keys(req.body) });
        await mirror(db, await rulesOfZoneCamera(db, base.cameraId));
        return rows[0] as ZoneRow;
      });
      return toZone(row);
    },
  );

  app.delete(
    '/zones/:id',
    { config: { access: 'zones:write' }, schema: { tags: ['zones'], params: idParams } },
    async (req, reply) => {
      const users = await rulesUsingZone(req.params.id);
      if (users.length)
        throw conflict(
          `zone '${req.params.id}' is used by rule(s) ${users.map((r) => `'${r.id}'`).join(', ')}`,
        );
      await withTx(pool, async (db) => {
        const { rows } = await db.query('DELETE FROM zones WHERE id = $1 RETURNING camera_id', [
          req.params.id,
        ]);
        if (!rows[0]) throw notFound('zone', req.params.id);
        await audit(db, req, 'zone.delete', 'zone', req.params.id);
        await mirror(db, await rulesOfZoneCamera(db, rows[0].camera_id));
      });
      return reply.code(204).send();
    },
  );

  // ---------- rules ----------
  const checkReferences = async (rule: Rule) => {
    const issues = validateRuleReferences(rule, await loadRuleReferenceContext(pool));
    if (issues.length)
      throw badRequest(
        `invalid rule: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issuesToDetails(issues),
      );
  };

  app.get(
    '/rules',
    {
      config: { access: 'rules:read' },
      schema: {
        tags: ['rules'],
        querystring: zod.object({
          ...pageQueryShape,
          limit: pageQueryShape.limit.default(200),
          cameraId: zod.string().optional(),
        }),
        response: { 200: listResponse(ruleResponseSchema) },
      },
    },
    async (req) => {
      const c = decodeCursor(req.query.cursor, 1);
      const { rows } = await pool.query(
        `SELECT * FROM rules WHERE ($1::text IS NULL OR id > $1)
           AND ($2::text IS NULL OR definition->'cameraIds' ? $2) ORDER BY id LIMIT $3`,
        [c?.[0] ?? null, req.query.cameraId ?? null, req.query.limit + 1],
      );
      const valid = (rows as RuleRow[]).filter(
        (r) => ruleSchema.safeParse({ ...(r.definition as object), id: r.id }).success,
      );
      return page(valid, req.query.limit, (r) => [r.id], toRule);
    },
  );

  app.get(
    '/rules/:id',
    {
      config: { access: 'rules:read' },
      schema: { tags: ['rules'], params: idParams, response: { 200: ruleResponseSchema } },
    },
    async (req) => {
      const { rows } = await pool.query('SELECT * FROM rules WHERE id = $1', [req.params.id]);
      if (!rows[0]) throw notFound('rule', req.params.id);
      return toRule(rows[0]);
    },
  );

  app.post(
    '/rules',
    {
      config: { access: 'rules:write' },
      schema: { tags: ['rules'], body: createRuleRequestSchema, response: { 201: ruleResponseSchema } },
    },
    async (req, reply) => {
      const rule = req.body;
      await checkReferences(rule);
      const row = await withTx(pool, async (db) => {
        const { rows } = await db.query(
          `INSERT INTO rules (id, name, enabled, definition) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING *`,
          [rule.id, rule.name, rule.enabled, JSON.stringify(rule)],
        );
        if (!rows[0]) throw conflict(`rule '${rule.id}' already exists`);
        await audit(db, req, 'rule.create', 'rule', rule.id, { name: rule.name });
        await mirror(db, [rule.id]);
        return rows[0] as RuleRow;
      });
      return reply.code(201).send(toRule(row));
    },
  );

  const saveRule = (
    req: Parameters<typeof audit>[1],
    id: string,
    rule: Rule,
    action: string,
  ): Promise<RuleRow> =>
    withTx(pool, async (db) => {
      const { rows } = await db.query(
        `UPDATE rules SET name = $2, enabled = $3, definition = $4, version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING *`,
        [id, rule.name, rule.enabled, JSON.stringify(rule)],
      );
      if (!rows[0]) throw notFound('rule', id);
      await audit(db, req, action, 'rule', id, { version: rows[0].version });
      await mirror(db, [id]);
      return rows[0] as RuleRow;
    });

  app.put(
    '/rules/:id',
    {
      config: { access: 'rules:write' },
      schema: {
        tags: ['rules'],
        params: idParams,
        body: replaceRuleRequestSchema,
        response: { 200: ruleResponseSchema },
      },
    },
    async (req) => {
      const exists = await pool.query('SELECT 1 FROM rules WHERE id = $1', [req.params.id]);
      if (!exists.rows[0]) throw notFound('rule', req.params.id);
      const rule: Rule = { ...req.body, id: req.params.id };
      await checkReferences(rule);
      return toRule(await saveRule(req, req.params.id, rule, 'rule.update'));
    },
  );

  app.patch(
    '/rules/:id',
    {
      config: { access: 'rules:write' },
      schema: {
        tags: ['rules'],
        params: idParams,
        body: patchRuleRequestSchema,
        response: { 200: ruleResponseSchema },
      },
    },
    async (req) => {
      const { rows } = await pool.query('SELECT * FROM rules WHERE id = $1', [req.params.id]);
      if (!rows[0]) throw notFound('rule', req.params.id);
      const rule = { ...ruleFromRow(rows[0]), enabled: req.body.enabled };
      return toRule(
        await saveRule(req, req.params.id, rule, req.body.enabled ? 'rule.enable' : 'rule.disable'),
      );
    },
  );

  app.delete(
    '/rules/:id',
    { config: { access: 'rules:write' }, schema: { tags: ['rules'], params: idParams } },
    async (req, reply) => {
      await withTx(pool, async (db) => {
        const { rows } = await db.query('DELETE FROM rules WHERE id = $1 RETURNING id', [req.params.id]);
        if (!rows[0]) throw notFound('rule', req.params.id);
        await audit(db, req, 'rule.delete', 'rule', req.params.id);
        await mirror(db, [req.params.id]);
      });
      return reply.code(204).send();
    },
  );

  // "Test against the last 24 h": what a rule (saved or not) would have fired over stored detections.
  app.post(
    '/rules/replay',
    {
      config: { access: 'rules:write' },
      schema: { tags: ['rules'], body: ruleReplayRequestSchema, response: { 200: ruleReplayResponseSchema } },
    },
    async (req) => {
      const { rule, from, to } = req.body;
      await checkReferences(rule);
      const ids = ruleZoneIds(rule);
      const { rows } = await pool.query(
        'SELECT id, camera_id, name, definition FROM zones WHERE id = ANY($1::text[])',
        [ids],
      );
      const zones = rows.flatMap((r) => {
        const z = zoneFromRow(r);
        return z ? [z] : [];
      });
      const result = await replayRule(pool, { rule, zones }, { from, to });
      return { ...result, outputs: result.outputs.slice(0, 200) as unknown as Record<string, unknown>[] };
    },
  );
}
