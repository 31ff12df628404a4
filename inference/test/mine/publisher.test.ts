import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  createLogger,
  decodeJson,
  hardExampleSchema,
  objectStores,
  provisionJetStream,
  streamNames,
  subjects,
} from '@sentinel/common';
import { stackConfig, uniqueId } from '@sentinel/common/testing/index';
import sharp from 'sharp';
import { HardExampleMiner } from '../../src/mine/miner.ts';
import { HardExamplePublisher } from '../../src/mine/publisher.ts';

describe('HardExamplePublisher (real NATS)', () => {
  let nc: NatsConnection;
  const cameraId = uniqueId('hem');
  const created: string[] = [];

  before(async () => {
    const url = new URL(stackConfig().NATS_URL);
    nc = await connect({ servers: `${url.hostname}:${url.port}` });
    await provisionJetStream(nc);
  });
  after(async () => {
    const os = await new Objm(nc).open(objectStores.snapshots);
    for (const key of created) await os.delete(key).catch(() => undefined);
    await nc.close();
  });

  async function candidates(): Promise<unknown[]> {
    const jsm = await jetstreamManager(nc);
    const name = uniqueId('hem-c');
    await jsm.consumers.add(streamNames.hardExamples, {
      name,
      filter_subject: subjects.annotateCandidates(cameraId),
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
    });
    try {
      const c = await jetstream(nc).consumers.get(streamNames.hardExamples, name);
      const out: unknown[] = [];
      const batch = await c.fetch({ max_messages: 10, expires: 1000 });
      for await (const m of batch) out.push(decodeJson(hardExampleSchema, 'hard example', m.data));
      return out;
    } finally {
      await jsm.consumers.delete(streamNames.hardExamples, name);
    }
  }

  it('stores the picture as a JPEG (letterbox cut off) and publishes the example once', async () => {
    // A 96x96 letterboxed frame of a 160x80 camera: scale 0.6, picture 96x48 at y=24, grey bars elsewhere.
    const pixels = new Uint8Array(96 * 96 * 3).fill(0);
    for (let y = 24; y < 72; y++) pixels.fill(200, y * 96 * 3, (y + 1) * 96 * 3);
    const miner = new HardExampleMiner({
      caps: { maxPerCameraPerHour: 5, minIntervalMs: 0, maxFeedbackPerCameraPerHour: 5 },
    });
    const t = Date.now();
    const frameMeta = {
      cameraId,
      frameId: `${cameraId}-1`,
      capturedAt: t,
      width: 96,
      height: 96,
      source: { width: 160, height: 80 },
      letterbox: { scale: 0.6, padX: 0, padY: 24 },
    };
    const raw = [
      {
        label: 'person',
        classId: 0,
        score: 0.5,
        box: [0.2, 0.2, 0.3, 0.5] as [number, number, number, number],
      },
    ];
    const [job] = miner.observe(
      { meta: frameMeta, pixels, modelId: 'm1', raw, tracked: [], ended: [], labelSwitches: [] },
      t,
    );
    assert.ok(job);
    const js = jetstream(nc);
    const os = await new Objm(nc).open(objectStores.snapshots);
    const published: string[] = [];
    const pub = new HardExamplePublisher(js, os, createLogger('test', 'silent'), {
      onPublished: (e) => published.push(e.exampleId),
    });
    assert.ok(pub.enqueue(job));
    assert.ok(pub.enqueue(job), 'a retry of the same job');
    await pub.idle();
    assert.deepEqual(published, [job.exampleId, job.exampleId]);
    created.push(`hard-examples/${cameraId}/${job.exampleId}.jpg`);

    const msgs = (await candidates()) as Array<{
      exampleId: string;
      imageKey: string;
      width: number;
      height: number;
      boxes: unknown[];
      reason: string;
    }>;
    assert.equal(msgs.length, 1, 'the same example id is stored once (Nats-Msg-Id)');
    const m = msgs[0]!;
    assert.equal(m.exampleId, job.exampleId);
    assert.equal(m.reason, 'low_confidence');
    assert.deepEqual([m.width, m.height], [96, 48]);
    assert.equal(m.boxes.length, 1);
    const jpeg = await os.getBlob(m.imageKey);
    assert.ok(jpeg);
    const info = await sharp(jpeg).metadata();
    assert.deepEqual([info.format, info.width, info.height], ['jpeg', 96, 48]);
    const stats = await sharp(jpeg).stats();
    assert.ok(Math.abs(stats.channels[0]!.mean - 200) < 3, 'only the picture, no black bars');
  });

  it('publishes operator feedback from a stored snapshot, and fails clearly when it is missing', async () => {
    const os = await new Objm(nc).open(objectStores.snapshots);
    const key = `test/${cameraId}/alert.jpg`;
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    await os.putBlob({ name: key }, new Uint8Array(jpeg));
    created.push(key);
    const miner = new HardExampleMiner();
    const fb = {
      kind: 'false_positive' as const,
      alertId: 'a1',
      cameraId,
      actor: 'op',
      at: Date.now(),
      snapshotKey: key,
    };
    const job = miner.feedback(fb);
    assert.ok('exampleId' in job);
    const failures: unknown[] = [];
    const pub = new HardExamplePublisher(jetstream(nc), os, createLogger('test', 'silent'), {
      onFailed: (_j, err) => failures.push(err),
    });
    const example = await pub.publish(job);
    assert.deepEqual([example.imageKey, example.width, example.height], [key, 40, 30]);
    const missing = miner.feedback({ ...fb, alertId: 'a2', snapshotKey: `test/${cameraId}/nope.jpg` });
    assert.ok('exampleId' in missing);
    pub.enqueue(missing);
    await pub.idle();
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]), /not in the snapshots object store/);
    const msgs = (await candidates()) as Array<{ reason: string }>;
    assert.ok(msgs.some((m) => m.reason === 'operator_false_positive'));
  });
});
