import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Agent } from 'node:https';
import { after, before, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { type AlertEvent, createRedis, type Redis, streamNames, subjects } from '@sentinel/common';
import { verifySnapshotSignature } from '@sentinel/common/auth/signed-url';
import { verifyWebhookSignature } from '@sentinel/common/auth/webhook-signature';
import { generateVapidKeys } from '@sentinel/common/push/vapid';
import { stackConfig, uniqueId, waitFor } from '@sentinel/common/testing/index';
import { Notifier, type NotifierOptions } from '../src/notifier/notifier.ts';
import { type BrowserSubscription, browserSubscription, startPushService } from './push-double.ts';
import { logger, natsConnect, seedRule, sleep, testDb } from './stack.ts';

let nc: NatsConnection;
let db: Awaited<ReturnType<typeof testDb>>;
let redis: Redis;
let push: Awaited<ReturnType<typeof startPushService>>;
const subs = new Map<string, BrowserSubscription>();
const hooks: Array<{ path: string; body: string; verified: string }> = [];
let hookServer: Server;
let hookBase = '';
const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';
const URL_SECRET = 'url-signing-secret-for-tests-0123456789';
const vapid = generateVapidKeys();

before(async () => {
  nc = await natsConnect();
  db = await testDb();
  redis = createRedis(stackConfig().REDIS_URL);
  push = await startPushService(subs);
  const flaky = new Set<string>();
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const check = verifyWebhookSignature(
        body,
        {
          signature: req.headers['x-sentinel-signature'] as string,
          timestamp: req.headers['x-sentinel-timestamp'] as string,
        },
        WEBHOOK_SECRET,
      );
      hooks.push({ path: req.url!, body, verified: check.ok ? 'ok' : check.reason });
      if (req.url!.includes('bad')) return void res.writeHead(400).end();
      if (req.url!.includes('flaky') && !flaky.has(req.url!)) {
        flaky.add(req.url!);
        return void res.writeHead(503).end();
      }
      res.writeHead(check.ok ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
  hookBase = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}`;
});
after(async () => {
  await push.close();
  await new Promise<void>((r) => hookServer.close(() => r()));
  redis.disconnect();
  await db.close();
  await nc.close();
});

async function addSubscription(id: string, opts: { userId?: string; notifyResolved?: boolean } = {}) {
  const sub = browserSubscription(push.endpoint(id));
  subs.set(id, sub);
  await db.pool.query(
    'INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, notify_resolved) VALUES ($1,$2,$3,$4,$5)',
    [opts.userId ?? null, sub.endpoint, sub.keys.p256dh, sub.keys.auth, opts.notifyResolved ?? false],
  );
  return sub;
}

async function addUser(name: string): Promise<string> {
  const { rows } = await db.pool.query(
    "INSERT INTO users (username, password_hash, role) VALUES ($1, 'x', 'viewer') RETURNING id",
    [name],
  );
  return rows[0].id;
}

function notifier(over: Partial<NotifierOptions> = {}): Notifier {
  const js = jetstream(nc);
  return new Notifier({
    js,
    jsm: undefined as never,
    db: db.pool,
    redis,
    logger,
    vapid,
    vapidSubject: 'mailto:ops@example.test',
    webhookSecret: WEBHOOK_SECRET,
    urlSigningSecret: URL_SECRET,
    publicBaseUrl: 'https://sentinel.example.test/',
    snapshotTtlSeconds: 600,
    maxAttempts: 3,
    backoffMs: 20,
    channelPerMinute: 100,
    userPerMinute: 100,
    timeoutMs: 5000,
    maxDeliver: 3,
    pushAgent: new Agent({ ca: push.cert }),
    ...over,
  });
}

function alertEvent(cam: string, ruleId: string, over: Partial<AlertEvent> = {}): AlertEvent {
  return {
    cameraId: cam,
    frameId: 'f7',
    capturedAt: Date.UTC(2026, 0, 5, 21, 30),
    trace: {},
    alertId: uniqueId('al'),
    event: 'opened',
    status: 'open',
    ruleId,
    ruleName: 'Yard intrusion',
    severity: 'critical',
    condition: 'enter',
    label: 'person',
    trackId: 't1',
    message: 'person entered yard',
    snapshotKey: `${cam}/f7.jpg`,
    actor: 'system',
    at: Date.now(),
    ...over,
  };
}

const notifications = async (alertId: string) =>
  (
    await db.pool.query(
      'SELECT channel, target, attempt, status, status_code FROM notifications WHERE alert_id = $1 ORDER BY channel, target, attempt',
      [alertId],
    )
  ).rows;

test('alert through NATS → Web Push (decrypted, VAPID verified) and signed webhooks; retries, dead letters, 410 cleanup, no double send on redelivery', async () => {
  const cam = uniqueId('ncam');
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await seedRule(db.pool, {
    id: 'yard',
    name: 'Yard intrusion',
    cameraIds: [cam],
    labels: ['person'],
    condition: { type: 'enter', zoneId: 'z' },
    notify: {
      webPush: true,
      webhooks: [`${hookBase}/hook-ok`, `${hookBase}/hook-flaky`, `${hookBase}/hook-bad`],
    },
  });
  const okId = uniqueId('ok');
  const goneId = uniqueId('gone');
  const flakyId = uniqueId('flaky');
  await addSubscription(okId);
  await addSubscription(goneId);
  await addSubscription(flakyId);
  const n = notifier({ jsm, consumerName: uniqueId('nt'), filterSubject: `alerts.${cam}.>` });
  const ev = alertEvent(cam, 'yard');
  try {
    await n.start();
    await js.publish(subjects.alerts(cam, 'opened'), JSON.stringify(ev));
    await waitFor(async () => (await notifications(ev.alertId)).length === 8, {
      label: '8 notification rows',
    });
    assert.deepEqual(push.errors, [], 'every push request carried a valid VAPID JWT and aes128gcm body');

    const got = push.received.filter((r) => r.id === okId);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.vapidKey, vapid.publicKey);
    assert.equal(got[0]!.claims.sub, 'mailto:ops@example.test');
    assert.equal(got[0]!.headers.urgency, 'high', 'critical alerts are urgent');
    const payload = JSON.parse(got[0]!.payload);
    assert.equal(payload.title, 'ALERT: Yard intrusion');
    assert.equal(payload.camera, cam);
    assert.equal(payload.label, 'person');
    assert.equal(payload.time, '2026-01-05T21:30:00.000Z');
    assert.equal(payload.url, `https://sentinel.example.test/alerts/${ev.alertId}`);
    const snap = new URL(payload.snapshotUrl);
    assert.equal(
      snap.origin + decodeURIComponent(snap.pathname),
      `https://sentinel.example.test/api/v1/snapshots/${cam}/f7.jpg`,
    );
    assert.deepEqual(
      verifySnapshotSignature(
        `${cam}/f7.jpg`,
        snap.searchParams.get('expires')!,
        snap.searchParams.get('sig')!,
        URL_SECRET,
      ),
      { ok: true },
    );
    assert.equal(
      verifySnapshotSignature(
        `${cam}/other.jpg`,
        snap.searchParams.get('expires')!,
        snap.searchParams.get('sig')!,
        URL_SECRET,
      ).ok,
      false,
    );
    assert.equal(push.received.filter((r) => r.id === flakyId).length, 1, 'flaky push delivered on retry');

    const rows = await notifications(ev.alertId);
    const by = (target: string) =>
      rows.filter((r) => r.target === target).map((r) => `${r.attempt}:${r.status}:${r.status_code}`);
    assert.deepEqual(by(push.endpoint(okId)), ['1:sent:201']);
    assert.deepEqual(by(push.endpoint(flakyId)), ['1:failed:500', '2:sent:201']);
    assert.deepEqual(by(push.endpoint(goneId)), ['1:dead:410']);
    assert.deepEqual(by(`${hookBase}/hook-ok`), ['1:sent:204']);
    assert.deepEqual(by(`${hookBase}/hook-flaky`), ['1:failed:503', '2:sent:204']);
    assert.deepEqual(by(`${hookBase}/hook-bad`), ['1:dead:400']);
    const left = await db.pool.query('SELECT endpoint FROM push_subscriptions WHERE endpoint = $1', [
      push.endpoint(goneId),
    ]);
    assert.equal(left.rows.length, 0, 'the expired subscription (410) was removed');

    const okHooks = hooks.filter((h) => h.path === '/hook-ok');
    assert.equal(okHooks.length, 1);
    assert.equal(okHooks[0]!.verified, 'ok', 'webhook HMAC signature verifies');
    assert.equal(JSON.parse(okHooks[0]!.body).alertId, ev.alertId);

    // the same event again (a redelivery): nothing is sent twice
    await js.publish(subjects.alerts(cam, 'opened'), JSON.stringify(ev));
    await sleep(1000);
    assert.equal((await notifications(ev.alertId)).length, 8);
    assert.equal(push.received.filter((r) => r.id === okId).length, 1);
  } finally {
    await n.stop();
    await jsm.consumers.delete(streamNames.alerts, n.consumerName).catch(() => {});
  }
});

test('rate limits per channel and per user; resolved follow-ups only for subscriptions that asked', async () => {
  const cam = uniqueId('rcam');
  const rule = uniqueId('rl');
  await seedRule(db.pool, {
    id: rule,
    name: 'rate',
    cameraIds: [cam],
    labels: ['person'],
    condition: { type: 'enter', zoneId: 'z' },
    notify: { webPush: true, webhooks: [`${hookBase}/hook-${rule}`] },
  });
  await db.pool.query('DELETE FROM push_subscriptions');
  const user = await addUser(uniqueId('u').replace('-', '_'));
  const quiet = uniqueId('quiet');
  const follow = uniqueId('follow');
  await addSubscription(quiet, { userId: user });
  await addSubscription(follow, { notifyResolved: true });
  const n = notifier({ channelPerMinute: 2, userPerMinute: 1 });
  const events = [0, 1, 2].map(() => alertEvent(cam, rule));
  for (const ev of events) await n.notify(ev);
  const all = (
    await db.pool.query('SELECT * FROM notifications WHERE alert_id = ANY($1)', [
      events.map((e) => e.alertId),
    ])
  ).rows;
  const count = (target: string, status: string) =>
    all.filter((r) => r.target === target && r.status === status).length;
  assert.equal(count(`${hookBase}/hook-${rule}`, 'sent'), 2, 'webhook channel: 2 per minute');
  assert.equal(count(`${hookBase}/hook-${rule}`, 'rate_limited'), 1);
  assert.equal(count(push.endpoint(quiet), 'sent'), 1, 'user: 1 per minute');
  assert.equal(count(push.endpoint(quiet), 'rate_limited'), 2);

  const resolved = { ...events[0]!, event: 'resolved' as const, status: 'resolved' as const };
  const before = push.received.length;
  await notifier().notify(resolved);
  const after = push.received.slice(before);
  assert.deepEqual(
    after.map((r) => r.id),
    [follow],
    'only the subscription with notifyResolved gets the follow-up',
  );
  assert.equal(JSON.parse(after[0]!.payload).title, 'Resolved: Yard intrusion');
});
