import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createPool, DLQ_REASON_HEADER, DLQ_SOURCE_HEADER, streamNames, subjects } from '@sentinel/common';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import { HistoryWriter } from '../src/history-writer.ts';
import { hold, script, walk } from './helpers.ts';
import { collect, logger, natsConnect, sleep, testDb } from './stack.ts';
import { startTcpProxy } from './tcp-proxy.ts';

let nc: NatsConnection;
let db: Awaited<ReturnType<typeof testDb>>;
before(async () => {
  nc = await natsConnect();
  db = await testDb();
});
after(async () => {
  await db.close();
  await nc.close();
});

const count = async (cam: string) =>
  (await db.pool.query('SELECT count(*)::int AS n FROM detections WHERE camera_id = $1', [cam])).rows[0]
    .n as number;

test('writer: batches land in detections and tracks; redelivery and republishing duplicate nothing; poison goes to the DLQ', async () => {
  const cam = uniqueId('wcam');
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const writer = new HistoryWriter({
    js,
    jsm,
    db: db.pool,
    logger,
    consumerName: uniqueId('hw'),
    filterSubject: subjects.detections(cam),
    batchSize: 50,
  });
  const dlq = await collect(nc, streamNames.dlq, subjects.dlq(streamNames.detections));
  const t0 = Date.now() - 10_000;
  const frames = script(cam, t0, [
    ...walk('a', [0.1, 0.9], [0.9, 0.9], 20),
    ...hold(10, [
      { id: 'a', p: [0.9, 0.9] },
      { id: 'b', p: [0.2, 0.5], label: 'car', stationary: true },
    ]),
  ]);
  try {
    await writer.start();
    for (const f of frames) await js.publish(subjects.detections(cam), JSON.stringify(f));
    await js.publish(subjects.detections(cam), 'not json');
    await waitFor(async () => (await count(cam)) === 40, { label: '40 detection rows' });
    // the same batches published again (a producer retry outside the duplicate window) and handled again
    for (const f of frames.slice(0, 10)) await js.publish(subjects.detections(cam), JSON.stringify(f));
    await waitFor(() => writer.messagesWritten === 40, { label: 'republished messages handled' });
    assert.equal(await count(cam), 40, 'no duplicate rows');
    const tracks = await db.pool.query('SELECT * FROM tracks WHERE camera_id = $1 ORDER BY track_id', [cam]);
    assert.equal(tracks.rows.length, 2);
    const [a, b] = tracks.rows;
    assert.equal(a.frames, 30, 'frames counted once despite the republished batches');
    assert.equal(a.first_seen.getTime(), t0);
    assert.equal(a.last_seen.getTime(), t0 + 29 * 200);
    assert.equal(a.path.length, 30);
    assert.deepEqual(a.path[0].slice(0, 2), [0.1, 0.9]);
    assert.equal(b.label, 'car');
    assert.equal(b.stationary, true);
    assert.equal(b.frames, 10);
    const rollup = await db.pool.query(
      'SELECT sum(count)::int AS n FROM detections_per_minute WHERE camera_id = $1',
      [cam],
    );
    assert.equal(rollup.rows[0].n, 40, 'rollup counts each row once');
    const poison = await waitFor(() =>
      dlq.msgs.find((m) => m.headers?.get(DLQ_SOURCE_HEADER) === subjects.detections(cam)),
    );
    assert.match(poison.headers!.get(DLQ_REASON_HEADER), /not JSON/);
  } finally {
    await writer.stop();
    await jsm.consumers.delete(streamNames.detections, writer.consumerName).catch(() => {});
    await dlq.stop();
  }
});

test('writer: survives a PostgreSQL outage (TCP proxy cut) and loses no rows', async () => {
  const cam = uniqueId('wout');
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const target = new URL(db.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  const pool = createPool(viaProxy.toString(), { max: 2 });
  const writer = new HistoryWriter({
    js,
    jsm,
    db: pool,
    logger,
    consumerName: uniqueId('hw'),
    filterSubject: subjects.detections(cam),
    batchSize: 100,
  });
  const t0 = Date.now() - 60_000;
  const frames = script(
    cam,
    t0,
    hold(300, [
      { id: 'a', p: [0.5, 0.5] },
      { id: 'b', p: [0.7, 0.5] },
    ]),
  );
  try {
    await writer.start();
    for (const f of frames.slice(0, 100)) await js.publish(subjects.detections(cam), JSON.stringify(f));
    await waitFor(async () => (await count(cam)) === 200, { label: 'rows before the outage' });
    await proxy.down();
    for (const f of frames.slice(100)) await js.publish(subjects.detections(cam), JSON.stringify(f));
    await sleep(3000);
    assert.equal(await count(cam), 200, 'nothing written while PostgreSQL is unreachable');
    await proxy.up();
    await waitFor(async () => (await count(cam)) === 600, {
      label: 'every row after recovery',
      timeoutMs: 20_000,
    });
    const info = await jsm.consumers.info(streamNames.detections, writer.consumerName);
    await waitFor(
      async () =>
        (await jsm.consumers.info(streamNames.detections, writer.consumerName)).num_ack_pending === 0,
      {
        label: 'all acked',
      },
    );
    assert.equal(info.num_pending, 0);
    const t = await db.pool.query("SELECT frames FROM tracks WHERE camera_id = $1 AND track_id = 'a'", [cam]);
    assert.equal(t.rows[0].frames, 300);
  } finally {
    await writer.stop();
    await jsm.consumers.delete(streamNames.detections, writer.consumerName).catch(() => {});
    await pool.end().catch(() => {});
    await proxy.close();
  }
});
