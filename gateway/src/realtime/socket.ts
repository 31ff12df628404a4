import type { Server as HttpServer } from 'node:http';
import { type KV, KvWatchInclude } from '@nats-io/kv';
import {
  alertEventSchema,
  cameraStatusSchema,
  detectionBatchSchema,
  type Logger,
  type NatsConnection,
  type Pool,
  type Redis,
  subjects,
} from '@sentinel/common';
import { type SubscribeAck, socketEvents, subscribeRequestSchema } from '@sentinel/common/api/index';
import { type AuthUser, can, roomPermission } from '@sentinel/common/auth/index';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Counter } from 'prom-client';
import { Server, type Socket } from 'socket.io';
import type { LiveView } from '../live/live-view.ts';

export type RealtimeOptions = {
  server: HttpServer;
  logger: Logger;
  nc: NatsConnection;
  pool: Pool;
  /** Two Redis connections for the adapter (pub and sub). */
  redisPub: Redis;
  redisSub: Redis;
  /** Adapter channel prefix: gateways with the same key share rooms. */
  adapterKey: string;
  /** NATS queue group: one gateway of the cluster relays each alert event. */
  alertsQueue: string;
  cameraStatusKv: KV;
  /** Verify an access token: the user and the token's expiry (epoch seconds). */
  authenticate: (token: string) => Promise<AuthUser & { exp?: number }>;
  live: LiveView;
  detectionsMinIntervalMs: number;
  corsOrigins: string[];
  metrics: { relayed: Counter<'event'>; dropped: Counter<'reason'> };
};

const dec = new TextDecoder();

/** socket.io on the gateway's HTTP server: JWT handshake, per-room authorisation, NATS relays. */
export function createRealtime(opts: RealtimeOptions) {
  const io = new Server(opts.server, {
    path: '/socket.io',
    serveClient: false,
    cors: opts.corsOrigins.length ? { origin: opts.corsOrigins, credentials: true } : undefined,
    maxHttpBufferSize: 64 * 1024,
    adapter: createAdapter(opts.redisPub, opts.redisSub, { key: opts.adapterKey }),
  });

  io.use(async (socket, next) => {
    const token =
      (socket.handshake.auth?.token as string | undefined) ??
      (socket.handshake.query.token as string | undefined);
    if (!token) return next(new Error('unauthorized'));
    try {
      const { exp, ...user } = await opts.authenticate(token);
      socket.data.user = user;
      socket.data.exp = exp;
      next();
    } catch (err) {
      next(new Error((err as { reason?: string }).reason === 'expired' ? 'token_expired' : 'unauthorized'));
    }
  });

  /** Per socket, per camera: time of the last detections event sent (throttle). */
  const lastSent = new WeakMap<Socket, Map<string, number>>();

  io.on('connection', (socket) => {
    const user = socket.data.user as AuthUser;
    lastSent.set(socket, new Map());
    // a socket lives no longer than its access token: the client reconnects with a refreshed one
    const exp = socket.data.exp as number | undefined;
    if (exp) {
      const t = setTimeout(
        () => {
          socket.emit(socketEvents.sessionExpired, { code: 'token_expired' });
          socket.disconnect(true);
        },
        Math.max(0, exp * 1000 - Date.now()),
      );
      t.unref();
      socket.on('disconnect', () => clearTimeout(t));
    }
    socket.on(socketEvents.subscribe, async (payload: unknown, ack?: (r: SubscribeAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const parsed = subscribeRequestSchema.safeParse(payload);
      if (!parsed.success)
        return reply({
          ok: false,
          error: { code: 'validation_failed', message: parsed.error.issues[0]?.message ?? 'bad room' },
        });
      const room = parsed.data.room;
      const perm = roomPermission(room);
      if (!perm || !can(user.role, perm))
        return reply({
          ok: false,
          error: { code: 'forbidden', message: `role '${user.role}' may not join ${room}` },
        });
      if (room.startsWith('camera:')) {
        try {
          const { rows } = await opts.pool.query('SELECT 1 FROM cameras WHERE id = $1', [room.slice(7)]);
          if (!rows[0])
            return reply({
              ok: false,
              error: { code: 'not_found', message: `camera '${room.slice(7)}' not found` },
            });
        } catch {
          return reply({ ok: false, error: { code: 'unavailable', message: 'database unavailable' } });
        }
      }
      await socket.join(room);
      reply({ ok: true, room });
    });
    socket.on(socketEvents.unsubscribe, async (payload: unknown, ack?: (r: SubscribeAck) => void) => {
      const parsed = subscribeRequestSchema.safeParse(payload);
      if (!parsed.success)
        return ack?.({ ok: false, error: { code: 'validation_failed', message: 'bad room' } });
      await socket.leave(parsed.data.room);
      ack?.({ ok: true, room: parsed.data.room });
    });
    opts.live.attachSocket(socket);
  });

  // ---- detections: every gateway relays to its own sockets, throttled per socket and camera ----
  const detSub = opts.nc.subscribe(subjects.detectionsAll);
  void (async () => {
    for await (const m of detSub) {
      const cameraId = m.subject.slice('detections.'.length);
      const room = io.of('/').adapter.rooms.get(`camera:${cameraId}`);
      if (!room || room.size === 0) continue;
      let payload: unknown;
      try {
        const parsed = detectionBatchSchema.safeParse(JSON.parse(dec.decode(m.data)));
        if (!parsed.success) {
          opts.metrics.dropped.inc({ reason: 'invalid_detections' });
          continue;
        }
        payload = { ...parsed.data, trace: { ...parsed.data.trace, emittedAt: Date.now() } };
      } catch {
        opts.metrics.dropped.inc({ reason: 'invalid_detections' });
        continue;
      }
      const now = Date.now();
      for (const id of room) {
        const socket = io.of('/').sockets.get(id);
        if (!socket) continue;
        const sent = lastSent.get(socket);
        if (!sent) continue;
        if (now - (sent.get(cameraId) ?? 0) < opts.detectionsMinIntervalMs) {
          opts.metrics.dropped.inc({ reason: 'throttled' });
          continue;
        }
        sent.set(cameraId, now);
        socket.volatile.emit(socketEvents.detections, payload);
        opts.metrics.relayed.inc({ event: 'detections' });
      }
    }
  })();

  // ---- alerts: one gateway of the cluster takes each event (queue group), the adapter fans out ----
  /** Ids of the last alert events this gateway took from NATS (ops/tests: which gateway relayed what). */
  const relayedAlertIds: string[] = [];
  const alertSub = opts.nc.subscribe(subjects.alertsAll, { queue: opts.alertsQueue });
  void (async () => {
    for await (const m of alertSub) {
      try {
        const parsed = alertEventSchema.safeParse(JSON.parse(dec.decode(m.data)));
        if (!parsed.success) {
          opts.metrics.dropped.inc({ reason: 'invalid_alert' });
          continue;
        }
        const ev = { ...parsed.data, trace: { ...parsed.data.trace, emittedAt: Date.now() } };
        io.to('alerts').emit(socketEvents.alert, ev);
        opts.metrics.relayed.inc({ event: 'alert' });
        relayedAlertIds.push(ev.alertId);
        if (relayedAlertIds.length > 200) relayedAlertIds.shift();
      } catch {
        opts.metrics.dropped.inc({ reason: 'invalid_alert' });
      }
    }
  })();

  // ---- camera status: each gateway watches KV camera-status and tells its own sockets ----
  let stopWatch: (() => void) | undefined;
  let closed = false;
  const watchStatus = async () => {
    while (!closed) {
      try {
        const iter = await opts.cameraStatusKv.watch({ include: KvWatchInclude.UpdatesOnly });
        stopWatch = () => iter.stop();
        for await (const e of iter) {
          const rooms = ['alerts', `camera:${e.key}`];
          if (e.operation !== 'PUT') {
            io.local.to(rooms).emit(socketEvents.cameraStatus, { cameraId: e.key, state: 'removed' });
            continue;
          }
          try {
            const parsed = cameraStatusSchema.safeParse(JSON.parse(dec.decode(e.value)));
            if (parsed.success) {
              io.local.to(rooms).emit(socketEvents.cameraStatus, parsed.data);
              opts.metrics.relayed.inc({ event: 'camera_status' });
            } else opts.metrics.dropped.inc({ reason: 'invalid_status' });
          } catch {
            opts.metrics.dropped.inc({ reason: 'invalid_status' });
          }
        }
      } catch (err) {
        if (!closed)
          opts.logger.warn({ err: (err as Error).message }, 'camera-status watch failed; retrying');
      }
      if (!closed) await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void watchStatus();

  return {
    io,
    relayedAlertIds,
    async close() {
      closed = true;
      stopWatch?.();
      detSub.unsubscribe();
      alertSub.unsubscribe();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
