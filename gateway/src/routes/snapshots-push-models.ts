import {
  type ModelInfo,
  modelInfoSchema,
  type SnapshotReply,
  snapshotReplySchema,
  subjects,
} from '@sentinel/common';
import {
  freshSnapshotResponseSchema,
  listResponse,
  modelResponseSchema,
  pushSubscriptionRequestSchema,
  pushSubscriptionResponseSchema,
  snapshotUrlResponseSchema,
  vapidPublicKeyResponseSchema,
} from '@sentinel/common/api/index';
import { signSnapshotUrl, verifySnapshotSignature } from '@sentinel/common/auth/signed-url';
import { loadOrCreateVapidKeys } from '@sentinel/common/push/vapid';
import { z } from 'zod';
import type { GatewayContext } from '../context.ts';
import { audit } from '../http/audit.ts';
import { userOf } from '../http/auth-hook.ts';
import { HttpError, notFound } from '../http/errors.ts';
import { bus } from '../http/tx.ts';
import type { ZApp } from '../http/types.ts';

const snapshotKeySchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9_.:=-]+(\/[A-Za-z0-9_.:=-]+)*$/, 'must be an object key like <cameraId>/latest.jpg')
  .refine((k) => !k.split('/').includes('..'), 'must not contain ..');

export function registerSnapshotRoutes(app: ZApp, ctx: GatewayContext): void {
  const ttl = () => Date.now() + ctx.cfg.GATEWAY_SNAPSHOT_URL_TTL_SECONDS * 1000;
  const sign = (key: string) => {
    const expiresAt = ttl();
    return { url: signSnapshotUrl('', key, expiresAt, ctx.urlSigningSecret), expiresAt };
  };

  app.get(
    '/cameras/:id/snapshot',
    {
      config: { access: 'snapshots:read' },
      schema: {
        tags: ['snapshots'],
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: snapshotUrlResponseSchema },
      },
    },
    async (req) => {
      const { rows } = await ctx.pool.query('SELECT 1 FROM cameras WHERE id = $1', [req.params.id]);
      if (!rows[0]) throw notFound('camera', req.params.id);
      return sign(`${req.params.id}/latest.jpg`);
    },
  );

  app.post(
    '/cameras/:id/snapshot',
    {
      config: { access: 'snapshots:read', rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: {
        tags: ['snapshots'],
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: freshSnapshotResponseSchema },
      },
    },
    async (req) => {
      const { rows } = await ctx.pool.query('SELECT 1 FROM cameras WHERE id = $1', [req.params.id]);
      if (!rows[0]) throw notFound('camera', req.params.id);
      let reply: SnapshotReply;
      try {
        const m = await ctx.nc.request(subjects.snapshotRequest(req.params.id), '', { timeout: 3000 });
        reply = snapshotReplySchema.parse(m.json());
      } catch (err) {
        throw new HttpError(
          503,
          'unavailable',
          `no ingest worker answered for camera '${req.params.id}' (${(err as Error).message}); is ingest running and the camera enabled?`,
        );
      }
      if (!reply.ok)
        throw new HttpError(
          503,
          'unavailable',
          `camera '${req.params.id}' has no fresh frame: ${reply.error}${reply.detail ? ` (${reply.detail})` : ''}`,
        );
      return {
        ...sign(reply.key),
        key: reply.key,
        capturedAt: reply.capturedAt,
        width: reply.width,
        height: reply.height,
      };
    },
  );

  app.get(
    '/snapshot-urls',
    {
      config: { access: 'snapshots:read' },
      schema: {
        tags: ['snapshots'],
        querystring: z.object({ key: snapshotKeySchema }),
        response: { 200: snapshotUrlResponseSchema },
      },
    },
    async (req) => sign(req.query.key),
  );

  // The signed URL itself: no bearer token, the signature is the authorisation.
  app.get(
    '/snapshots/*',
    {
      config: { access: 'public' },
      schema: {
        tags: ['snapshots'],
        querystring: z.object({
          expires: z.string().max(20).optional(),
          sig: z.string().max(128).optional(),
        }),
      },
    },
    async (req, reply) => {
      const key = decodeURIComponent((req.params as { '*': string })['*']);
      if (!snapshotKeySchema.safeParse(key).success)
        throw new HttpError(400, 'validation_failed', 'invalid snapshot key');
      const check = verifySnapshotSignature(key, req.query.expires, req.query.sig, ctx.urlSigningSecret);
      if (!check.ok)
        throw new HttpError(
          403,
          'forbidden',
          check.reason === 'expired' ? 'snapshot link expired' : 'bad snapshot signature',
        );
      const data = await ctx.snapshots.getBlob(key);
      if (!data) throw notFound('snapshot', key);
      return reply
        .header('content-type', 'image/jpeg')
        .header('cache-control', 'private, max-age=60')
        .send(Buffer.from(data));
    },
  );
}

export function registerPushRoutes(app: ZApp, ctx: GatewayContext): void {
  const { pool } = ctx;
  let publicKey: string | undefined;
  const toSub = (r: {
    id: string;
    endpoint: string;
    notify_resolved: boolean;
    created_at: Date;
    last_success_at: Date | null;
  }) => ({
    id: r.id,
    endpoint: r.endpoint,
    notifyResolved: r.notify_resolved,
    createdAt: r.created_at.getTime(),
    lastSuccessAt: r.last_success_at?.getTime() ?? null,
  });

  app.get(
    '/push/vapid-public-key',
    {
      config: { access: 'push:manage' },
      schema: { tags: ['push'], response: { 200: vapidPublicKeyResponseSchema } },
    },
    async () => {
      publicKey ??= loadOrCreateVapidKeys(ctx.cfg.SENTINEL_DATA_DIR).publicKey;
      return { publicKey };
    },
  );

  app.get(
    '/push/subscriptions',
    {
      config: { access: 'push:manage' },
      schema: { tags: ['push'], response: { 200: listResponse(pushSubscriptionResponseSchema) } },
    },
    async (req) => {
      const { rows } = await pool.query(
        'SELECT * FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at',
        [userOf(req).id],
      );
      return { items: rows.map(toSub), nextCursor: null };
    },
  );

  app.post(
    '/push/subscriptions',
    {
      config: { access: 'push:manage' },
      schema: {
        tags: ['push'],
        body: pushSubscriptionRequestSchema,
        response: { 201: pushSubscriptionResponseSchema },
      },
    },
    async (req, reply) => {
      const user = userOf(req);
      const b = req.body;
      const { rows } = await pool.query(
        `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, notify_resolved) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = $1, p256dh = $3, auth = $4, notify_resolved = $5
         RETURNING *`,
        [user.id, b.endpoint, b.keys.p256dh, b.keys.auth, b.notifyResolved],
      );
      await audit(pool, req, 'push.subscribe', 'push_subscription', rows[0].id, {
        origin: new URL(b.endpoint).origin,
      });
      return reply.code(201).send(toSub(rows[0]));
    },
  );

  app.delete(
    '/push/subscriptions/:id',
    { config: { access: 'push:manage' }, schema: { tags: ['push'], params: z.object({ id: z.uuid() }) } },
    async (req, reply) => {
      const { rows } = await pool.query(
        'DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2 RETURNING id',
        [req.params.id, userOf(req).id],
      );
      if (!rows[0]) throw notFound('push subscription', req.params.id);
      await audit(pool, req, 'push.unsubscribe', 'push_subscription', req.params.id);
      return reply.code(204).send();
    },
  );
}

// biome-ignore lint/suspicious/noExplicitAny: pg row
const toModel = (r: any) => ({
  id: r.id,
  file: r.file,
  format: r.format,
  inputWidth: r.input_width,
  inputHeight: r.input_height,
  labels: r.labels,
  provider: r.provider,
  active: r.active,
  ...(r.sha256 ? { sha256: r.sha256 } : {}),
  createdAt: r.created_at.getTime(),
  evaluation: r.evaluation ?? null,
});

export function registerModelRoutes(app: ZApp, ctx: GatewayContext): void {
  const { pool } = ctx;

  app.get(
    '/models',
    {
      config: { access: 'models:read' },
      schema: { tags: ['models'], response: { 200: listResponse(modelResponseSchema) } },
    },
    async () => {
      const { rows } = await pool.query('SELECT * FROM models ORDER BY created_at DESC, id');
      return { items: rows.map(toModel), nextCursor: null };
    },
  );

  app.post(
    '/models/:id/activate',
    {
      config: { access: 'models:write' },
      schema: {
        tags: ['models'],
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: modelResponseSchema },
      },
    },
    async (req) => {
      const client = await pool.connect();
      let changed: ModelInfo[] = [];
      try {
        await client.query('BEGIN');
        const exists = await client.query('SELECT 1 FROM models WHERE id = $1 FOR UPDATE', [req.params.id]);
        if (!exists.rows[0]) throw notFound('model', req.params.id);
        const off = await client.query(
          'UPDATE models SET active = false WHERE active AND id <> $1 RETURNING *',
          [req.params.id],
        );
        const on = await client.query('UPDATE models SET active = true WHERE id = $1 RETURNING *', [
          req.params.id,
        ]);
        await client.query('COMMIT');
        changed = [...off.rows, ...on.rows].map((r) => {
          const { createdAt, evaluation: _e, ...m } = toModel(r);
          return modelInfoSchema.parse({ ...m, createdAt });
        });
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
      const kv = ctx.kv.models;
      await bus('mirror models to KV', async () => {
        for (const m of changed) await kv.put(m.id, JSON.stringify(m));
      });
      await audit(pool, req, 'model.activate', 'model', req.params.id);
      const { rows } = await pool.query('SELECT * FROM models WHERE id = $1', [req.params.id]);
      return toModel(rows[0]);
    },
  );
}
