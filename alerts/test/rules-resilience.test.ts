import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createPool, DLQ_SOURCE_HEADER, streamNames, subjects } from '@sentinel/common';
import { transitionAlert } from '@sentinel/common/db/alerts-repo';
import { mirrorRulesToKv } from '@sentinel/common/rules/rule-store';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import { AlertSink } from '../src/alert-sink.ts';
import { RuleWorker } from '../src/rule-worker.ts';
import { hold, script, zone } from './helpers.ts';
import {
  collect,
  logger,
  natsConnect,
  privateRulesBucket,
  seedCamera,
  seedRule,
  seedZone,
  sleep,
  testDb,
} from './stack.ts';
import { startTcpProxy } from './tcp-proxy.ts';

let nc: NatsConnection;
let db: Awaited<ReturnType<typeof testDb>>;
let bucket: Awaited<ReturnType<typeof privateRulesBucket>>;
before(async () => {
  nc = await natsConnect();
  db = await testDb();
  bucket = await privateRulesBucket(nc);
});
after(async () => {
  await bucket.remove();
  await db.close();
  await nc.close();
});

async function setup(cam: string, ruleId: string) {
  await seedCamera(db.pool, cam);
  await seedZone(db.pool, zone(`yard-${cam}`, cam, 0.4, 0.4, 0.8, 0.8));
  await seedRule(db.pool, {
    id: ruleId,
    name: 'Person in yard',
    cameraIds: [cam],
    labels: ['person'],
    condition: { type: 'enter', zoneId: `yard-${cam}` },
    autoResolveSeconds: 1,
    cooldownSeconds: 5,
  });
  await mirrorRulesToKv(db.pool, nc, [ruleId], bucket.name);
}

const alertsOf = async (ruleId: string) =>
  (await db.pool.query('SELECT id, status FROM alerts WHERE rule_id = $1 ORDER BY opened_at', [ruleId])).rows;

test('a restarted worker takes its open alerts back: the same person does not re-alert, and the alert resolves when they leave', async () => {
  const cam = uniqueId('rcam');
  const ruleId = uniqueId('rule');
  await setup(cam, ruleId);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const prefix = uniqueId('rr');
  const mk = () =>
    new RuleWorker({
      nc,
      js,
      jsm,
      db: db.pool,
      sink: new AlertSink({ db: db.pool, js, logger }),
      logger,
      workerIndex: 0,
      workerCount: 1,
      maxDeliver: 3,
      consumerPrefix: prefix,
      bucket: bucket.name,
      tickMs: 200,
    });
  const t0 = Date.now() - 30_000;
  const pub = async (frames: ReturnType<typeof script>, tag: string) => {
    for (const b of frames)
      await js.publish(subjects.detections(cam), JSON.stringify({ ...b, frameId: `${tag}${b.frameId}` }));
  };
  let worker = mk();
  try {
    await worker.start();
    await pub(script(cam, t0, hold(5, [{ id: 'p', p: [0.5, 0.5] }])), 'a');
    await waitFor(async () => (await alertsOf(ruleId)).length === 1, { label: 'first alert' });
    await worker.stop();

    worker = mk();
    await worker.start();
    // the person is still there (same track, 3 s later, past the 1 s auto-resolve but inside the cooldown)
    await pub(script(cam, t0 + 3000, hold(10, [{ id: 'p', p: [0.5, 0.5] }])), 'b');
    await sleep(1000);
    let rows = await alertsOf(ruleId);
    assert.equal(rows.length, 1, 'no second alert for the same person after the restart');
    assert.equal(rows[0].status, 'open', 'still open: the person is still in the yard');
    // then they leave
    await pub(script(cam, t0 + 6000, hold(5, [{ id: 'p', p: [0.1, 0.1] }])), 'c');
    await waitFor(async () => (await alertsOf(ruleId))[0].status === 'resolved', {
      label: 'resolved by the new worker',
    });
    rows = await alertsOf(ruleId);
    assert.equal(rows.length, 1);
  } finally {
    await worker.stop();
    await worker.deleteConsumers([cam]);
  }
});

test('PostgreSQL outage under the rule worker: messages are held, not dead-lettered, and the alert lands after recovery', async () => {
  const cam = uniqueId('ocam');
  const ruleId = uniqueId('rule');
  await setup(cam, ruleId);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const target = new URL(db.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  const pool = createPool(viaProxy.toString(), { max: 2 });
  const dlq = await collect(nc, streamNames.dlq, subjects.dlq(streamNames.detections));
  const worker = new RuleWorker({
    nc,
    js,
    jsm,
    db: pool,
    sink: new AlertSink({ db: pool, js, logger }),
    logger,
    workerIndex: 0,
    workerCount: 1,
    maxDeliver: 2,
    consumerPrefix: uniqueId('ro'),
    bucket: bucket.name,
  });
  try {
    await worker.start();
    await proxy.down();
    for (const b of script(cam, Date.now() - 10_000, hold(6, [{ id: 'p', p: [0.5, 0.5] }])))
      await js.publish(subjects.detections(cam), JSON.stringify(b));
    await sleep(4000); // longer than max_deliver x backoff would allow
    assert.equal((await alertsOf(ruleId)).length, 0);
    await proxy.up();
    await waitFor(async () => (await alertsOf(ruleId)).length === 1, {
      label: 'alert after recovery',
      timeoutMs: 15_000,
    });
    assert.equal(
      dlq.msgs.filter((m) => m.headers?.get(DLQ_SOURCE_HEADER) === subjects.detections(cam)).length,
      0,
      'nothing dead-lettered during the outage',
    );
  } finally {
    await worker.stop();
    await worker.deleteConsumers([cam]);
    await dlq.stop();
    await pool.end().catch(() => {});
    await proxy.close();
  }
});

test('parked car across a restart: the re-acquired car (new track id) stays quiet thanks to the anchor rebuilt from tracks', async () => {
  const cam = uniqueId('pcar');
  const ruleId = uniqueId('rule');
  await seedCamera(db.pool, cam);
  await seedZone(db.pool, zone(`lot-${cam}`, cam, 0.4, 0.4, 0.8, 0.8));
  await seedRule(db.pool, {
    id: ruleId,
    name: 'Car in the lot',
    cameraIds: [cam],
    labels: ['car'],
    condition: { type: 'enter', zoneId: `lot-${cam}` },
    cooldownSeconds: 1,
    stationaryRearmSeconds: 60,
  });
  await mirrorRulesToKv(db.pool, nc, [ruleId], bucket.name);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const prefix = uniqueId('rp');
  const mk = () =>
    new RuleWorker({
      nc,
      js,
      jsm,
      db: db.pool,
      sink: new AlertSink({ db: db.pool, js, logger }),
      logger,
      workerIndex: 0,
      workerCount: 1,
      maxDeliver: 3,
      consumerPrefix: prefix,
      bucket: bucket.name,
    });
  const t0 = Date.now() - 60_000;
  const car = (id: string) => [{ id, label: 'car', p: [0.6, 0.6] as [number, number], stationary: true }];
  let worker = mk();
  try {
    await worker.start();
    for (const b of script(cam, t0, hold(5, car('c1'))))
      await js.publish(subjects.detections(cam), JSON.stringify(b));
    await waitFor(async () => (await alertsOf(ruleId)).length === 1, { label: 'the arriving car alerts' });
    // the history writer's view of the parked car
    await db.pool.query(
      `INSERT INTO tracks (camera_id, track_id, label, first_seen, last_seen, max_score, frames, stationary, last_box)
       VALUES ($1, 'c1', 'car', $2, $3, 0.9, 5, true, '{0.55,0.4,0.1,0.2}')`,
      [cam, new Date(t0), new Date(t0 + 800)],
    );
    await worker.stop();
    worker = mk();
    await worker.start();
    // the tracker lost the car and found it again under a new id, well past the cooldown
    for (const b of script(cam, t0 + 10_000, hold(10, car('c2'))).map((b) => ({
      ...b,
      frameId: `x${b.frameId}`,
    })))
      await js.publish(subjects.detections(cam), JSON.stringify(b));
    await sleep(1500);
    assert.equal((await alertsOf(ruleId)).length, 1, 'no re-alert for the same parked car');
  } finally {
    await worker.stop();
    await worker.deleteConsumers([cam]);
  }
});

test('an operator resolving an alert (gateway: transitionAlert + publish) frees the slot: the next person opens a new alert', async () => {
  const cam = uniqueId('opcam');
  const ruleId = uniqueId('rule');
  await setup(cam, ruleId);
  await db.pool.query(
    'UPDATE rules SET definition = definition || \'{"cooldownSeconds": 600}\' WHERE id = $1',
    [ruleId],
  );
  await mirrorRulesToKv(db.pool, nc, [ruleId], bucket.name);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const worker = new RuleWorker({
    nc,
    js,
    jsm,
    db: db.pool,
    sink: new AlertSink({ db: db.pool, js, logger }),
    logger,
    workerIndex: 0,
    workerCount: 1,
    maxDeliver: 3,
    consumerPrefix: uniqueId('op'),
    bucket: bucket.name,
  });
  const t0 = Date.now() - 30_000;
  try {
    await worker.start();
    assert.equal(worker.rules.get(ruleId)?.rule.cooldownSeconds, 600);
    for (const b of script(cam, t0, hold(4, [{ id: 'p1', p: [0.5, 0.5] }])))
      await js.publish(subjects.detections(cam), JSON.stringify(b));
    const [first] = await waitFor(async () => {
      const r = await alertsOf(ruleId);
      return r.length === 1 ? r : null;
    });
    const ev = await transitionAlert(db.pool, first.id, 'resolved', 'alice');
    await js.publish(subjects.alerts(cam, ev.event), JSON.stringify(ev));
    await waitFor(() => worker.rules.get(ruleId)!.openAlerts(cam).length === 0, {
      label: 'engine forgot the alert',
    });
    for (const b of script(cam, t0 + 2000, hold(4, [{ id: 'p2', p: [0.6, 0.6] }])).map((b) => ({
      ...b,
      frameId: `y${b.frameId}`,
    })))
      await js.publish(subjects.detections(cam), JSON.stringify(b));
    await waitFor(async () => (await alertsOf(ruleId)).length === 2, { label: 'a new alert for p2' });
  } finally {
    await worker.stop();
    await worker.deleteConsumers([cam]);
  }
});
