import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { DLQ_REASON_HEADER, DLQ_SOURCE_HEADER, objectStores, streamNames, subjects } from '@sentinel/common';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import { frameHash, hamming } from '../src/intake/fingerprint.ts';
import { sampleExample, startTestAnnotator, type TestAnnotator, testJpeg } from './helpers.ts';

describe('intake: durable JetStream consumer on annotate.candidates.> (real NATS, PostgreSQL)', () => {
  const camera = uniqueId('cam');
  const durable = uniqueId('annotator-intake').replace(/[^A-Za-z0-9_-]/g, '_');
  let t: TestAnnotator;
  const keys: string[] = [];
  before(async () => {
    t = await startTestAnnotator({ intake: { durable, filterSubject: subjects.annotateCandidates(camera) } });
  });
  after(async () => {
    const nc = t?.svc.nc;
    if (nc) {
      const store = await new Objm(nc).open(objectStores.snapshots);
      for (const k of keys) await store.delete(k).catch(() => {});
      await t.svc.intake?.deleteConsumer();
    }
    await t?.close();
  });

  const putSnapshot = async (jpeg: Uint8Array) => {
    const key = `${camera}/${uniqueId('snap')}.jpg`;
    const store = await new Objm(t.svc.nc!).open(objectStores.snapshots);
    await store.putBlob({ name: key }, jpeg);
    keys.push(key);
    return key;
  };
  const publish = async (payload: unknown) => {
    const js = jetstream(t.svc.nc!);
    await js.publish(subjects.annotateCandidates(camera), new TextEncoder().encode(JSON.stringify(payload)));
  };
  const taskCount = async () =>
    Number((await t.pool.query('SELECT count(*) FROM annotation_tasks')).rows[0].count);

  it('near-identical frames hash close, different frames far apart', async () => {
    const a = await testJpeg(320, 240, 7);
    const { default: sharp } = await import('sharp');
    const aRecompressed = await sharp(a).jpeg({ quality: 60 }).toBuffer();
    const b = await testJpeg(320, 240, 8);
    const [ha, ha2, hb] = await Promise.all([frameHash(a), frameHash(aRecompressed), frameHash(b)]);
    assert.ok(hamming(ha, ha2) <= 4, `recompressed frame: ${hamming(ha, ha2)} bits`);
    assert.ok(hamming(ha, hb) > 12, `different frame: ${hamming(ha, hb)} bits`);
  });

  it('creates a hard example and a task with the frame and the model boxes as pre-annotations', async () => {
    const jpeg = await testJpeg(320, 240, 101);
    const key = await putSnapshot(jpeg);
    const ex = sampleExample({ cameraId: camera, imageKey: key, trackId: 'trk-1' });
    await publish(ex);
    await waitFor(async () => (await taskCount()) === 1, { label: 'task created', timeoutMs: 10_000 });
    const token = await t.token('alice');
    const task = (await t.api('POST', '/tasks/next', { token, body: {} })).json;
    assert.equal(task.example.id, ex.exampleId);
    assert.equal(task.example.cameraId, camera);
    assert.deepEqual(
      task.modelBoxes.map((b: { box: unknown }) => b.box),
      [ex.boxes[0]!.box],
    );
    const img = await t.api('GET', `/tasks/${task.id}/image`, { token });
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/jpeg');
    assert.ok(img.bytes.equals(jpeg), 'the frame is served byte for byte');

    // Redelivery of the same example id is idempotent; a near-identical frame of the same track is dropped.
    await publish(ex);
    const { default: sharp } = await import('sharp');
    const sameish = await sharp(jpeg).jpeg({ quality: 70 }).toBuffer();
    const dupKey = await putSnapshot(sameish);
    await publish(
      sampleExample({
        cameraId: camera,
        imageKey: dupKey,
        trackId: 'trk-1',
        boxes: [{ label: 'person', classId: 0, score: 0.4, box: [0.105, 0.2, 0.2, 0.5] }],
      }),
    );
    // A different frame of the same track, and the same frame on another track, are kept.
    const otherKey = await putSnapshot(await testJpeg(320, 240, 202));
    await publish(sampleExample({ cameraId: camera, imageKey: otherKey, trackId: 'trk-1' }));
    await publish(sampleExample({ cameraId: camera, imageKey: dupKey, trackId: 'trk-2' }));
    await waitFor(async () => (await taskCount()) === 3, { label: 'three tasks', timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await taskCount(), 3, 'duplicate and redelivery created nothing');
  });

  it('dead-letters invalid messages with the reason, keeping the payload', async () => {
    const nc = t.svc.nc!;
    const jsm = await jetstreamManager(nc);
    const dlqConsumer = uniqueId('dlq-watch');
    await jsm.consumers.add(streamNames.dlq, {
      durable_name: dlqConsumer,
      filter_subject: subjects.dlq(streamNames.hardExamples),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
    });
    try {
      const bad = { ...sampleExample({ cameraId: camera }), width: -5 };
      await publish(bad);
      const c = await jetstream(nc).consumers.get(streamNames.dlq, dlqConsumer);
      const found = await waitFor(
        async () => {
          const m = await c.next({ expires: 1000 });
          if (!m) return undefined;
          m.ack();
          return m.headers?.get(DLQ_SOURCE_HEADER) === subjects.annotateCandidates(camera) ? m : undefined;
        },
        { label: 'dead-lettered message', timeoutMs: 15_000 },
      );
      assert.match(found.headers!.get(DLQ_REASON_HEADER), /width/);
      assert.equal(JSON.parse(new TextDecoder().decode(found.data)).exampleId, bad.exampleId);
      assert.equal(await taskCount(), 3);
    } finally {
      await jsm.consumers.delete(streamNames.dlq, dlqConsumer).catch(() => {});
    }
  });
});
