import { createHash } from 'node:crypto';
import type { Agent } from 'node:https';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import {
  type AlertEvent,
  alertEventSchema,
  deadLetter,
  decodeJson,
  type Logger,
  type Pool,
  type Redis,
  streamNames,
  subjects,
} from '@sentinel/common';
import {
  signWebhookBody,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '@sentinel/common/auth/webhook-signature';
import type { VapidKeys } from '@sentinel/common/push/vapid';
import { ruleFromRow } from '@sentinel/common/rules/rule-store';
import webpush from 'web-push';
import { ensureDurable, retryDelayMs } from '../jetstream-util.ts';
import type { AlertsMetrics } from '../metrics.ts';
import { retryTransient } from '../transient.ts';
import { buildPayload, type NotificationPayload } from './payload.ts';
import { allow } from './rate-limit.ts';

export type NotifierOptions = {
  js: JetStreamClient;
  jsm: JetStreamManager;
  db: Pool;
  redis: Redis;
  logger: Logger;
  metrics?: AlertsMetrics;
  vapid: VapidKeys;
  vapidSubject: string;
  webhookSecret: string;
  urlSigningSecret: string;
  publicBaseUrl: string;
  snapshotTtlSeconds: number;
  maxAttempts: number;
  backoffMs: number;
  channelPerMinute: number;
  userPerMinute: number;
  timeoutMs: number;
  maxDeliver: number;
  consumerName?: string;
  filterSubject?: string;
  /** HTTPS agent for push services (tests trust a self-signed push-service double with it). */
  pushAgent?: Agent;
};

type Target =
  | {
      channel: 'webpush';
      target: string;
      userId: string | null;
      sub: { endpoint: string; keys: { p256dh: string; auth: string } };
    }
  | { channel: 'webhook'; target: string; userId: null };

type Outcome = { status: 'sent' | 'failed' | 'dead'; code?: number; error?: string; gone?: boolean };

/**
 * Notifier: consumes `alerts.>` and delivers `opened` alerts (and `resolved` ones to push
 * subscriptions that asked for follow-ups, and to webhooks) by Web Push (VAPID, aes128gcm) and
 * HMAC-signed webhooks. Per-channel and per-user rate limits in Redis, retries with exponential
 * backoff, `dead` after maxAttempts, one `notifications` row per attempt, push subscriptions removed
 * on 404/410. A Redis marker per (alert, event, target) keeps a redelivered message from notifying twice.
 */
export class Notifier {
  private loop: Promise<void> | null = null;
  private readonly name: string;

  constructor(private readonly o: NotifierOptions) {
    this.name = o.consumerName ?? 'alerts-notifier';
  }

  get consumerName() {
    return this.name;
  }

  async start(): Promise<void> {
    await ensureDurable(this.o.jsm, streamNames.alerts, {
      name: this.name,
      filterSubject: this.o.filterSubject ?? subjects.alertsAll,
      maxDeliver: this.o.maxDeliver,
      maxAckPending: 16,
      ackWaitMs: 60_000,
      deliverNew: true,
    });
    const consumer = await this.o.js.consumers.get(streamNames.alerts, this.name);
    const msgs = await consumer.consume({ max_messages: 16 });
    this.stopConsume = () => msgs.close();
    this.loop = (async () => {
      for await (const m of msgs) void this.handle(m);
    })().catch((err) => this.o.logger.error({ err }, 'notifier stopped'));
  }

  private stopConsume: () => Promise<unknown> = async () => {};
  private inFlight = new Set<Promise<void>>();

  private closing = false;

  async stop(): Promise<void> {
    this.closing = true;
    await this.stopConsume().catch(() => {});
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private handle(m: JsMsg): Promise<void> {
    const p = this.handleOne(m).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
    return p;
  }

  private async handleOne(m: JsMsg) {
    let ev: AlertEvent;
    try {
      ev = decodeJson(alertEventSchema, 'alert event', m.data);
    } catch (err) {
      this.o.metrics?.dlqTotal.inc({ consumer: 'notifier' });
      await deadLetter(this.o.js, streamNames.alerts, m, (err as Error).message).catch(() => m.nak(1000));
      return;
    }
    const keepAlive = setInterval(() => m.working(), 20_000);
    try {
      await retryTransient(() => this.notify(ev), {
        keepGoing: () => !this.closing,
        onWait: (attempt, err) => {
          m.working();
          if (attempt === 1 || attempt % 10 === 0)
            this.o.logger.warn(
              { err: (err as Error).message, attempt },
              'storage unavailable; retrying notification',
            );
        },
      });
      m.ack();
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message, alertId: ev.alertId }, 'notification round failed');
      m.nak(retryDelayMs(m.info.deliveryCount));
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Deliver one alert event to every target it concerns. */
  async notify(ev: AlertEvent): Promise<void> {
    if (ev.event !== 'opened' && ev.event !== 'resolved') return;
    const targets = await this.targets(ev);
    if (!targets.length) return;
    const payload = buildPayload(ev, {
      baseUrl: this.o.publicBaseUrl,
      signingSecret: this.o.urlSigningSecret,
      snapshotTtlSeconds: this.o.snapshotTtlSeconds,
    });
    await Promise.all(targets.map((t) => this.deliver(ev, t, payload)));
  }

  private async targets(ev: AlertEvent): Promise<Target[]> {
    const { rows } = await this.o.db.query('SELECT id, name, enabled, definition FROM rules WHERE id = $1', [
      ev.ruleId,
    ]);
    let webPush = true;
    let webhooks: string[] = [];
    if (rows[0]) {
      try {
        const rule = ruleFromRow(rows[0]);
        webPush = rule.notify.webPush;
        webhooks = rule.notify.webhooks;
      } catch (err) {
        this.o.logger.warn(
          { ruleId: ev.ruleId, err: (err as Error).message },
          'rule unreadable; web push only',
        );
      }
    }
    const out: Target[] = webhooks.map((url) => ({ channel: 'webhook', target: url, userId: null }));
    if (webPush) {
      const subs = await this.o.db.query(
        `SELECT user_id, endpoint, p256dh, auth FROM push_subscriptions ${ev.event === 'resolved' ? 'WHERE notify_resolved' : ''}`,
      );
      for (const s of subs.rows)
        out.push({
          channel: 'webpush',
          target: s.endpoint,
          userId: s.user_id,
          sub: { endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } },
        });
    }
    return out;
  }

  private async deliver(ev: AlertEvent, t: Target, payload: NotificationPayload): Promise<void> {
    const { redis, db, metrics } = this.o;
    const hash = createHash('sha256').update(t.target).digest('hex').slice(0, 24);
    const doneKey = `sentinel:notified:${ev.alertId}:${ev.event}:${t.channel}:${hash}`;
    if (await redis.exists(doneKey)) return;
    const record = async (
      attempt: number,
      status: string,
      extra: { code?: number; error?: string; ms?: number },
    ) => {
      metrics?.notifyTotal.inc({ channel: t.channel, status });
      await db.query(
        `INSERT INTO notifications (alert_id, channel, target, attempt, status, status_code, error, latency_ms)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
        [
          ev.alertId,
          t.channel,
          t.target,
          attempt,
          status,
          extra.code ?? null,
          extra.error?.slice(0, 1000) ?? null,
          extra.ms ?? null,
        ],
      );
    };
    // per channel = per delivery target (one push subscription, one webhook URL); per user = all their subscriptions
    const channelKey = `${t.channel}:${hash}`;
    const allowed =
      (await allow(redis, `channel:${channelKey}`, this.o.channelPerMinute)) &&
      (!t.userId || (await allow(redis, `user:${t.userId}`, this.o.userPerMinute)));
    if (!allowed) {
      await record(1, 'rate_limited', {});
      await redis.set(doneKey, 'rate_limited', 'EX', 7 * 86_400);
      return;
    }
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      const started = Date.now();
      const r =
        t.channel === 'webpush'
          ? await this.sendPush(t, payload, ev)
          : await this.sendWebhook(t.target, payload);
      const ms = Date.now() - started;
      metrics?.notifyMs.observe({ channel: t.channel }, ms);
      const last = attempt === this.o.maxAttempts;
      const status = r.status === 'sent' ? 'sent' : r.status === 'dead' || last ? 'dead' : 'failed';
      await record(attempt, status, {
        ...(r.code ? { code: r.code } : {}),
        ...(r.error ? { error: r.error } : {}),
        ms,
      });
      if (status === 'sent' && t.channel === 'webpush')
        await db.query('UPDATE push_subscriptions SET last_success_at = now() WHERE endpoint = $1', [
          t.target,
        ]);
      if (r.gone) {
        await db.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [t.target]);
        this.o.logger.info({ code: r.code }, 'expired push subscription removed');
      }
      if (status !== 'failed') {
        await redis.set(doneKey, status, 'EX', 7 * 86_400);
        return;
      }
      await sleep(this.o.backoffMs * 2 ** (attempt - 1));
    }
  }

  private async sendPush(
    t: Extract<Target, { channel: 'webpush' }>,
    payload: NotificationPayload,
    ev: AlertEvent,
  ): Promise<Outcome> {
    try {
      const res = await webpush.sendNotification(t.sub, JSON.stringify(payload), {
        vapidDetails: {
          subject: this.o.vapidSubject,
          publicKey: this.o.vapid.publicKey,
          privateKey: this.o.vapid.privateKey,
        },
        TTL: 3600,
        timeout: this.o.timeoutMs,
        urgency: ev.severity === 'critical' ? 'high' : 'normal',
        topic: ev.alertId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32),
        ...(this.o.pushAgent ? { agent: this.o.pushAgent } : {}),
      });
      return { status: 'sent', code: res.statusCode };
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      const error = (err as { body?: string }).body || (err as Error).message;
      if (code === 404 || code === 410) return { status: 'dead', code, error, gone: true };
      if (code && code >= 400 && code < 500 && code !== 408 && code !== 429)
        return { status: 'dead', code, error };
      return { status: 'failed', ...(code ? { code } : {}), error };
    }
  }

  private async sendWebhook(url: string, payload: NotificationPayload): Promise<Outcome> {
    const body = JSON.stringify(payload);
    const ts = Date.now();
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sentinel-alerts',
          [WEBHOOK_TIMESTAMP_HEADER]: String(ts),
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(body, ts, this.o.webhookSecret),
        },
        signal: AbortSignal.timeout(this.o.timeoutMs),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => {});
      if (res.ok) return { status: 'sent', code: res.status };
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
        return { status: 'dead', code: res.status, error: `HTTP ${res.status}` };
      return { status: 'failed', code: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      return { status: 'failed', error: (err as Error).message };
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
