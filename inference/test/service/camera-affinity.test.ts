import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { COCO_LABELS, createLogger, type ModelInfo, provisionJetStream, subjects } from '@sentinel/common';
import { stackConfig, uniqueId, waitFor } from '@sentinel/common/testing/index';
import { buildSyntheticYoloModel } from '../../src/model/index.ts';
import { CameraAffinity } from '../../src/service/camera-affinity.ts';
import { InferenceService } from '../../src/service/inference-service.ts';
import { frameMeta, redSquare, sendFrame } from './helpers.ts';

describe('camera affinity across inference workers (real NATS)', () => {
  let nc: NatsConnection;
  before(async () => {
    const url = new URL(stackConfig().NATS_URL);
    nc = await connect({ servers: `${url.hostname}:${url.port}` });
    await provisionJetStream(nc);
  });
  after(async () => nc.close());

  it('workers agree on one owner per camera, forward frames to it, and take over when it leaves', async () => {
    const group = uniqueId('aff');
    const a = new CameraAffinity(nc, { group, heartbeatMs: 100, expireMs: 400 });
    const b = new CameraAffinity(nc, { group, heartbeatMs: 100, expireMs: 400 });
    const atB: Msg[] = [];
    a.start(() => assert.fail('nothing is forwarded to a'));
    b.start((m) => atB.push(m));
    await waitFor(() => a.liveWorkers().length === 2 && b.liveWorkers().length === 2, {
      label: 'membership',
    });
    const cams = Array.from({ length: 40 }, (_, i) => `cam-${i}`);
    for (const c of cams) assert.equal(a.ownerOf(c), b.ownerOf(c), c);
    const ofB = cams.filter((c) => a.ownerOf(c) === b.workerId);
    assert.ok(
      ofB.length > 5 && ofB.length < 35,
      `cameras split between both workers (${ofB.length}/40 on b)`,
    );

    const h = headers();
    h.set('x-test', 'kept');
    const payload = new Uint8Array([1, 2, 3]);
    const fake = { data: payload, headers: h } as unknown as Msg;
    assert.equal(a.forwardIfNotOwner(ofB[0]!, fake), true);
    assert.equal(
      a.forwardIfNotOwner(cams.find((c) => !ofB.includes(c))!, fake),
      false,
      'own camera is not forwarded',
    );
    await waitFor(() => atB.length === 1, { label: 'forwarded frame' });
    assert.deepEqual([...atB[0]!.data], [1, 2, 3]);
    assert.equal(atB[0]!.headers?.get('x-test'), 'kept');
    assert.ok(atB[0]!.subject.endsWith(`.${b.workerId}.${ofB[0]}`));

    b.stop();
    await waitFor(() => a.liveWorkers().length === 1, { timeoutMs: 2_000, label: 'b left' });
    for (const c of cams) assert.equal(a.ownerOf(c), a.workerId);
    a.stop();
  });

  it('two inference services in one queue group process each camera on exactly one of them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'affinity-'));
    await writeFile(join(dir, 'm.onnx'), buildSyntheticYoloModel({ size: 64, cell: 8, boxSize: 16 }));
    const uid = uniqueId('aff');
    const model: ModelInfo = {
      id: `${uid}-m`,
      file: 'm.onnx',
      format: 'yolo',
      inputWidth: 64,
      inputHeight: 64,
      labels: [...COCO_LABELS],
      provider: 'cpu',
      active: false,
    };
    const cams = Array.from({ length: 6 }, (_, i) => `${uid}-c${i}`);
    const make = () =>
      new InferenceService(
        nc,
        {
          runtime: { workers: 1, intraOpThreads: 1, interOpThreads: 1, provider: 'auto', modelsDir: dir },
          defaultModelId: model.id,
          fallbackModels: [model],
          pipeline: {
            maxBatchSize: 4,
            maxDelayMs: 10,
            maxFrameAgeMs: 2_000,
            maxInFlight: 0,
            minScore: 0.5,
            classThresholds: {},
            nmsIou: 0.5,
            labels: new Set(),
            decodeFloor: 0.1,
            tracker: {},
            regions: { maxRegions: 4, margin: 1.25 },
          },
          miner: { enabled: false },
          queue: uid,
          framesSubjects: cams.map((c) => subjects.frames(c)),
          modelManager: { retryMs: 60_000, pinDefault: true },
        },
        createLogger('affinity-test', process.env.TEST_LOG ?? 'silent'),
      );
    const s1 = make();
    const s2 = make();
    try {
      await s1.start();
      await s2.start();
      await waitFor(() => s1.affinity.liveWorkers().length === 2 && s2.affinity.liveWorkers().length === 2, {
        label: 'both workers see each other',
      });
      for (let seq = 0; seq < 8; seq++) {
        for (const c of cams) sendFrame(nc, frameMeta(c, seq), redSquare(seq % 8, 3));
        await sleep(60);
      }
      await waitFor(() => s1.pending + s2.pending === 0, { timeoutMs: 20_000, label: 'frames processed' });
      const seen1 = new Set(s1.metrics.fps.rates().keys());
      const seen2 = new Set(s2.metrics.fps.rates().keys());
      for (const c of cams) {
        assert.ok(seen1.has(c) !== seen2.has(c), `camera ${c} processed by exactly one worker`);
        const owner = s1.affinity.ownerOf(c);
        assert.equal(
          (owner === s1.affinity.workerId ? seen1 : seen2).has(c),
          true,
          `${c} processed by its owner`,
        );
      }
      const forwarded =
        (await s1.metrics.framesForwarded.get()).values[0]!.value +
        (await s2.metrics.framesForwarded.get()).values[0]!.value;
      assert.ok(forwarded > 0, 'frames that landed on the wrong worker were forwarded');
    } finally {
      await s1.stop();
      await s2.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
