import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DLQ_REASON_HEADER,
  DLQ_SOURCE_HEADER,
  objectStores,
  type Rule,
  snapshotKeys,
  streamNames,
  subjects,
} from '@sentinel/common';
import type { RuleOutput } from '@sentinel/common/rules/engine';
import { mirrorRulesToKv } from '@sentinel/common/rules/rule-store';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import { AlertSink } from '../src/alert-sink.ts';
import { ownsCamera } from '../src/partition.ts';
import { RuleWorker } from '../src/rule-worker.ts';
import { hold, script, walk, zone } from './helpers.ts';
import {
  collect,
  logger,
  natsConnect,
  privateRulesBucket,
  seedCamera,
  seedRule,
  seedZone,
  testDb,
} from './stack.ts';

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

/** Persists, publishes, then fails once per alert: the message is redelivered and must not duplicate anything. */
class FlakySink extends AlertSink {
  failed = new Set<string>();
  override async apply(rule: Rule, o: RuleOutput, trace = {}) {
    await super.apply(rule, o, trace);
    if (o.type === 'open' && !this.failed.has(o.alertId)) {
      this.failed.add(o.alertId);
      throw new Error('simulated crash after persisting');
    }
  }
}

test('end to end through NATS: detections → alert row + events on ALERTS, redelivery without duplicates, hot reload, DLQ, auto-resolve', async () => {
  const cam = uniqueId('cam');
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  await seedCamera(db.pool, cam);
  await seedZone(db.pool, zone('yard', cam, 0.4, 0.4, 0.8, 0.8));
  await seedRule(db.pool, {
    id: 'enter-yard',
    name: 'Person in yard',
    cameraIds: [cam],
    labels: ['person'],
    condition: { type: 'enter', zoneId: 'yard' },
    autoResolveSeconds: 1,
    severity: 'critical',
  });
  await mirrorRulesToKv(db.pool, nc, undefined, bucket.name);
  const alertsSeen = await collect(nc, streamNames.alerts, `alerts.${cam}.>`);
  const dlqSeen = await collect(nc, streamNames.dlq, subjects.dlq(streamNames.detections));
  // ingest's side of snapshots: answer the first request with a fresh key, then go away so the
  // second alert falls back to a copy of latest.jpg
  const snapshots = await new Objm(nc).open(objectStores.snapshots);
  const latestBytes = new Uint8Array([0xff, 0xd8, 0x01, 0x02, 0xff, 0xd9]);
  await snapshots.putBlob({ name: snapshotKeys.latest(cam) }, latestBytes);
  const freshKey = `${cam}/snap-${Date.now()}.jpg`;
  const ingest = nc.subscribe(subjects.snapshotRequest(cam), {
    max: 1,
    callback: (_e, msg) => {
      const reply = {
        ok: true,
        cameraId: cam,
        key: freshKey,
        capturedAt: Date.now(),
        width: 4,
        height: 4,
        bytes: 6,
      };
      msg.respond(JSON.stringify(reply));
    },
  });
  const sink = new FlakySink({ db: db.pool, js, nc, logger, snapshots });
  const worker = new RuleWorker({
    nc,
    js,
    jsm,
    sink,
    db: db.pool,
    logger,
    workerIndex: 0,
    workerCount: 1,
    maxDeliver: 4,
    consumerPrefix: uniqueId('rw'),
    bucket: bucket.name,
    tickMs: 200,
  });
  try {
    await worker.start();
    assert.deepEqual(worker.cameras(), [cam]);
    const t0 = Date.now() - 60_000;
    const pub = (b: ReturnType<typeof script>[number]) =>
      js.publish(subjects.detections(cam), JSON.stringify(b));
    // a malformed message first: it goes to the DLQ and the camera keeps flowing
    await js.publish(subjects.detections(cam), '{"cameraId": 42}');
    for (const b of script(cam, t0, hold(5, [{ id: 'p1', p: [0.5, 0.5] }]))) await pub(b);

    const alert = await waitFor(
      async () => (await db.pool.query("SELECT * FROM alerts WHERE rule_id = 'enter-yard'")).rows[0],
      { label: 'alert row', timeoutMs: 10_000 },
    );
    assert.equal(alert.camera_id, cam);
    assert.equal(alert.severity, 'critical');
    assert.equal(alert.track_id, 'p1');
    assert.equal(alert.frame_id, 'f2');
    assert.match(alert.message, /person entered yard/);
    assert.equal(alert.snapshot_key, freshKey, 'a fresh snapshot requested from ingest');
    await waitFor(() => sink.failed.size === 1 && alertsSeen.msgs.length >= 1, { label: 'opened event' });

    const dlq = await waitFor(
      () => dlqSeen.msgs.find((m) => m.headers?.get(DLQ_SOURCE_HEADER) === subjects.detections(cam)),
      {
        label: 'dead-lettered message',
      },
    );
    assert.match(dlq.headers!.get(DLQ_REASON_HEADER), /invalid detection batch message: cameraId/);
    assert.equal(new TextDecoder().decode(dlq.data), '{"cameraId": 42}', 'payload kept byte for byte');

    // hot reload: add an exit rule through PostgreSQL + the KV mirror
    await seedRule(db.pool, {
      id: 'leave-yard',
      name: 'Person left yard',
      cameraIds: [cam],
      labels: ['person'],
      condition: { type: 'exit', zoneId: 'yard' },
      autoResolveSeconds: 1,
    });
    await mirrorRulesToKv(db.pool, nc, undefined, bucket.name);
    await waitFor(() => worker.rules.get('leave-yard'), { label: 'rule hot-reloaded' });
    for (const b of script(cam, t0 + 2000, [
      ...hold(4, [{ id: 'p1', p: [0.5, 0.5] }]),
      ...walk('p1', [0.5, 0.5], [0.9, 0.9], 8),
      ...hold(4, [{ id: 'p1', p: [0.9, 0.9] }]),
    ]).map((b, i) => ({
      ...b,
      frameId: `g${i}`,
    })))
      await pub(b);
    await waitFor(
      async () =>
        (await db.pool.query("SELECT 1 FROM alerts WHERE rule_id = 'leave-yard'")).rows.length === 1,
      { label: 'exit alert' },
    );
    // the enter alert auto-resolves once the person is gone (worker tick, wall clock)
    await waitFor(
      async () =>
        (await db.pool.query('SELECT status FROM alerts WHERE id = $1', [alert.id])).rows[0].status ===
        'resolved',
      { label: 'auto-resolve', timeoutMs: 10_000 },
    );

    const rows = await db.pool.query("SELECT count(*)::int AS n FROM alerts WHERE rule_id = 'enter-yard'");
    assert.equal(rows.rows[0].n, 1, 'redelivery created no second alert');
    const events = await db.pool.query(
      'SELECT event, actor FROM alert_events WHERE alert_id = $1 ORDER BY id',
      [alert.id],
    );
    assert.deepEqual(
      events.rows.map((r) => `${r.event}/${r.actor}`),
      ['opened/system', 'resolved/system'],
    );
    await waitFor(() => alertsSeen.msgs.some((m) => m.subject === `alerts.${cam}.resolved`), {
      label: 'resolved event',
    });
    const forAlert = alertsSeen.msgs
      .map((m) => ({ subject: m.subject, ev: JSON.parse(new TextDecoder().decode(m.data)) }))
      .filter((x) => x.ev.alertId === alert.id);
    assert.deepEqual(
      forAlert.map((x) => x.subject),
      [`alerts.${cam}.opened`, `alerts.${cam}.resolved`],
      'one opened event despite the redelivery (JetStream msgID de-duplication)',
    );
    const opened = forAlert[0]!.ev;
    assert.equal(opened.ruleName, 'Person in yard');
    assert.ok(opened.trace.ruleAt && opened.trace.alertAt, 'trace stamps ruleAt and alertAt');
    assert.equal(opened.snapshotKey, freshKey);
    const exitAlert = (
      await db.pool.query("SELECT id, snapshot_key FROM alerts WHERE rule_id = 'leave-yard'")
    ).rows[0];
    assert.equal(
      exitAlert.snapshot_key,
      `${cam}/alert-${exitAlert.id}.jpg`,
      'fallback: a copy of latest.jpg',
    );
    assert.deepEqual(new Uint8Array((await snapshots.getBlob(exitAlert.snapshot_key))!), latestBytes);
  } finally {
    await worker.stop();
    await worker.deleteConsumers([cam]);
    ingest.unsubscribe();
    for (const k of [
      snapshotKeys.latest(cam),
      (await db.pool.query("SELECT snapshot_key FROM alerts WHERE rule_id = 'leave-yard'")).rows[0]
        ?.snapshot_key,
    ])
      if (k) await snapshots.delete(k).catch(() => {});
    await alertsSeen.stop();
    await dlqSeen.stop();
  }
});

test('camera partitions: two workers split the cameras of a rule without overlap', async () => {
  const cams = Array.from({ length: 6 }, () => uniqueId('pc'));
  for (const c of cams) await seedCamera(db.pool, c);
  await seedRule(db.pool, {
    id: 'line',
    name: 'line',
    cameraIds: cams,
    labels: ['person'],
    condition: { type: 'line_cross', line: { a: [0.5, 0], b: [0.5, 1] } },
  });
  await mirrorRulesToKv(db.pool, nc, ['line'], bucket.name);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const prefix = uniqueId('rp');
  const workers = [0, 1].map(
    (i) =>
      new RuleWorker({
        nc,
        js,
        jsm,
        sink: new AlertSink({ db: db.pool, js, logger }),
        db: db.pool,
        logger,
        workerIndex: i,
        workerCount: 2,
        maxDeliver: 3,
        consumerPrefix: prefix,
        bucket: bucket.name,
      }),
  );
  try {
    for (const w of workers) await w.start();
    const [a, b] = workers.map((w) =>
      w
        .cameras()
        .filter((c) => cams.includes(c))
        .sort(),
    );
    assert.deepEqual([...a!, ...b!].sort(), [...cams].sort(), 'every camera has an owner');
    assert.equal(a!.filter((c) => b!.includes(c)).length, 0, 'no camera has two owners');
    for (const c of a!) assert.ok(ownsCamera(c, 0, 2));
  } finally {
    for (const w of workers) {
      await w.stop();
      await w.deleteConsumers(cams);
    }
  }
});
