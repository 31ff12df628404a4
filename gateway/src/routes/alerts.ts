import { jetstream } from '@nats-io/jetstream';
import type { AlertEvent } from '@sentinel/common';
import { subjects } from '@sentinel/common';
import {
  alertActionRequestSchema,
  alertDetailResponseSchema,
  alertListQuerySchema,
  alertResponseSchema,
  listResponse,
} from '@sentinel/common/api/index';
import { signSnapshotUrl } from '@sentinel/common/auth/signed-url';
import {
  type AlertRecord,
  AlertTransitionError,
  getAlert,
  listAlertEvents,
  listAlerts,
  markAlertFalsePositive,
  transitionAlert,
} from '@sentinel/common/db/alerts-repo';
import { z } from 'zod';
import type { GatewayContext } from '../context.ts';
import { audit } from '../http/audit.ts';
import { userOf } from '../http/auth-hook.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { HttpError, notFound } from '../http/errors.ts';
import { bus } from '../http/tx.ts';
import type { ZApp } from '../http/types.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });

export function registerAlertRoutes(app: ZApp, ctx: GatewayContext): void {
  const { pool } = ctx;
  const js = jetstream(ctx.nc);
  const ttlMs = ctx.cfg.GATEWAY_SNAPSHOT_URL_TTL_SECONDS * 1000;

  const toResponse = (a: AlertRecord) => {
    const { snapshotKey, dedupKey: _d, ...rest } = a;
    return {
      ...rest,
      snapshotUrl: snapshotKey
        ? signSnapshotUrl('', snapshotKey, Date.now() + ttlMs, ctx.urlSigningSecret)
        : null,
    };
  };

  const publishEvent = async (ev: AlertEvent) => {
    const payload = { ...ev, trace: { ...ev.trace, alertAt: ev.trace.alertAt ?? ev.at } };
    await bus(`publish the alert ${ev.event} event (the alert is ${ev.status} in the database)`, () =>
      js.publish(subjects.alerts(ev.cameraId, ev.event), JSON.stringify(payload), {
        msgID: `${ev.alertId}:${ev.event}:${ev.at}`,
      }),
    );
  };

  const transition = async (
    id: string,
    to: 'acknowledged' | 'resolved',
    actor: string,
    details: Record<string, unknown>,
  ) => {
    try {
      const ev = await transitionAlert(pool, id, to, actor, details);
      await publishEvent(ev);
      return ev;
    } catch (err) {
      if (err instanceof AlertTransitionError)
        throw err.code === 'not_found' ? notFound('alert', id) : new HttpError(409, 'conflict', err.message);
      throw err;
    }
  };

  app.get(
    '/alerts',
    {
      config: { access: 'alerts:read' },
      schema: {
        tags: ['alerts'],
        querystring: alertListQuerySchema,
        response: { 200: listResponse(alertResponseSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      const c = decodeCursor(q.cursor, 2);
      const rows = await listAlerts(pool, {
        ...(q.status ? { status: q.status } : {}),
        ...(q.severity ? { severity: q.severity } : {}),
        ...(q.cameraId ? { cameraId: q.cameraId } : {}),
        ...(q.ruleId ? { ruleId: q.ruleId } : {}),
        ...(q.label ? { label: q.label } : {}),
        ...(q.falsePositive ? { falsePositive: q.falsePositive === 'true' } : {}),
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
        ...(c ? { before: { openedAt: Number(c[0]), id: String(c[1]) } } : {}),
        limit: q.limit + 1,
      });
      const more = rows.length > q.limit;
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toResponse),
        nextCursor: more && last ? encodeCursor([last.openedAt, last.id]) : null,
      };
    },
  );

  app.get(
    '/alerts/:id',
    {
      config: { access: 'alerts:read' },
      schema: { tags: ['alerts'], params: idParams, response: { 200: alertDetailResponseSchema } },
    },
    async (req) => {
      const a = await getAlert(pool, req.params.id);
      if (!a) throw notFound('alert', req.params.id);
      const events = await listAlertEvents(pool, a.id);
      return { ...toResponse(a), events: events.map(({ id: _i, alertId: _a, ...e }) => e) };
    },
  );

  const action = (path: string, to: 'acknowledged' | 'resolved', auditAction: string) =>
    app.post(
      `/alerts/:id/${path}`,
      {
        config: { access: 'alerts:write' },
        schema: {
          tags: ['alerts'],
          params: idParams,
          body: alertActionRequestSchema.optional(),
          response: { 200: alertResponseSchema },
        },
      },
      async (req) => {
        const user = userOf(req);
        const note = req.body?.note;
        await transition(req.params.id, to, user.username, note ? { note } : {});
        await audit(pool, req, auditAction, 'alert', req.params.id, note ? { note } : {});
        const a = await getAlert(pool, req.params.id);
        if (!a) throw notFound('alert', req.params.id);
        return toResponse(a);
      },
    );
  action('ack', 'acknowledged', 'alert.acknowledge');
  action('resolve', 'resolved', 'alert.resolve');

  app.post(
    '/alerts/:id/mark-false',
    {
      config: { access: 'alerts:write' },
      schema: {
        tags: ['alerts'],
        params: idParams,
        body: alertActionRequestSchema.optional(),
        response: { 200: alertResponseSchema },
      },
    },
    async (req) => {
      const user = userOf(req);
      const note = req.body?.note;
      let result: Awaited<ReturnType<typeof markAlertFalsePositive>>;
      try {
        result = await markAlertFalsePositive(pool, req.params.id, user.username, true, note ? { note } : {});
      } catch (err) {
        if (err instanceof AlertTransitionError) throw notFound('alert', req.params.id);
        throw err;
      }
      // feedback for the hard-example miner / annotation queue (JetStream HARD_EXAMPLES: annotate.>)
      await bus('send the false-positive feedback (the alert is flagged; retry to resend)', () =>
        js.publish(subjects.annotateFeedback, JSON.stringify(result.feedback), {
          msgID: `fp:${req.params.id}`,
        }),
      );
      if (result.alert.status !== 'resolved')
        await transition(req.params.id, 'resolved', user.username, { reason: 'false_positive' });
      await audit(pool, req, 'alert.mark_false_positive', 'alert', req.params.id, note ? { note } : {});
      const a = await getAlert(pool, req.params.id);
      if (!a) throw notFound('alert', req.params.id);
      return toResponse(a);
    },
  );
}
