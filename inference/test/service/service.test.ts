import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import {
  COCO_LABELS,
  createLogger,
  decodeJson,
  hardExampleSchema,
  type ModelInfo,
  objectStores,
  provisionJetStream,
  streamNames,
  subjects,
} from '@sentinel/common';
import { stackConfig, uniqueId, waitFor } from '@sentinel/common/testing/index';
import { buildSyntheticYoloModel } from '../../src/model/index.ts';
import { InferenceService } from '../../src/service/inference-service.ts';
import {
  cameraEntry,
  deleteKv,
  FRAME,
  frameMeta,
  kvBuckets,
  putKv,
  redSquare,
  sendFrame,
  storedBatches,
} from './helpers.ts';

const modelEntry = (id: string, file: string, over: Partial<ModelInfo> = {}): ModelInfo => ({
  id,
  file,
  format: 'yolo',
  inputWidth: 64,
  inputHeight: 64,
  labels: [...COCO_LABELS],
  provider: 'cpu',
  active: false,
  ...over,
});

describe('inference service (real NATS, JetStream, onnxruntime workers)', () => {
  let nc: NatsConnection;
  let dir: string;
  let service: InferenceService;
  const uid = uniqueId('svc');
  const cam = {
    main: `${uid}-main`,
    dup: `${uid}-dup`,
    bad: `${uid}-bad`,
    unknown: `${uid}-unknown`,
    corrupt: `${uid}-corrupt`,
    swap: `${uid}-swap`,
    regions: `${uid}-regions`,
  };
  const models = { def: `${uid}-def`, corrupt: `${uid}-corrupt`, swap: `${uid}-swap` };
  const feedbackDurable = `${uid}-feedback`;
  const objectKeys: string[] = [];

  before(async () => {
    const url = new URL(stackConfig().NATS_URL);
    nc = await connect({ servers: `${url.hostname}:${url.port}` });
    await provisionJetStream(nc);
    dir = await mkdtemp(join(tmpdir(), 'inference-service-'));
    await writeFile(join(dir, 'small-box.onnx'), buildSyntheticYoloModel({ size: 64, cell: 8, boxSize: 16 }));
    await writeFile(join(dir, 'large-box.onnx'), buildSyntheticYoloModel({ size: 64, cell: 8, boxSize: 24 }));
    await writeFile(join(dir, 'corrupt.onnx'), Buffer.from('not an onnx model'));
    await putKv(nc, kvBuckets.models, models.corrupt, modelEntry(models.corrupt, 'corrupt.onnx'));
    await putKv(nc, kvBuckets.models, models.swap, modelEntry(models.swap, 'small-box.onnx'));
    await putKv(nc, kvBuckets.cameras, cam.unknown, cameraEntry(cam.unknown, `${uid}-nope`));
    await putKv(nc, kvBuckets.cameras, cam.corrupt, cameraEntry(cam.corrupt, models.corrupt));
    await putKv(nc, kvBuckets.cameras, cam.swap, cameraEntry(cam.swap, models.swap));
    await putKv(
      nc,
      kvBuckets.cameras,
      cam.regions,
      cameraEntry(cam.regions, undefined, { detectRegions: 'motion' }),
    );
    service = new InferenceService(
      nc,
      {
        runtime: { workers: 1, intraOpThreads: 1, interOpThreads: 1, provider: 'auto', modelsDir: dir },
        defaultModelId: models.def,
        fallbackModels: [modelEntry(models.def, 'small-box.onnx')],
        pipeline: {
          maxBatchSize: 4,
          maxDelayMs: 20,
          maxFrameAgeMs: 500,
          maxInFlight: 0,
          minScore: 0.5,
          classThresholds: {},
          nmsIou: 0.5,
          labels: new Set(),
          decodeFloor: 0.1,
          tracker: {},
          regions: { maxRegions: 4, margin: 1.25 },
        },
        miner: { enabled: true },
        feedbackDurable,
        queue: uid,
        framesSubjects: Object.values(cam).map((c) => subjects.frames(c)),
        modelManager: { retryMs: 60_000, pinDefault: true },
      },
      createLogger('inference-test', process.env.TEST_LOG ?? 'silent'),
    );
    await service.start();
  });

  after(async () => {
    await service?.stop();
    for (const id of Object.values(cam)) await deleteKv(nc, kvBuckets.cameras, id);
    for (const id of [models.corrupt, models.swap]) await deleteKv(nc, kvBuckets.models, id);
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(streamNames.hardExamples, feedbackDurable).catch(() => undefined);
    const os = await new Objm(nc).open(objectStores.snapshots);
    for (const key of objectKeys) await os.delete(key).catch(() => undefined);
    await nc.close();
    await rm(dir, { recursive: true, force: true });
  });

  const metric = async (name: string, labels = '') => {
    const text = await service.metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}` : ''}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('detects frames from core NATS and stores one tracked batch per frame on JetStream', async () => {
    for (let seq = 0; seq < 4; seq++) {
      sendFrame(nc, frameMeta(cam.main, seq), redSquare(2 + seq, 3));
      await sleep(60);
    }
    const batches = await waitFor(
      async () => {
        const b = await storedBatches(nc, cam.main);
        return b.length >= 4 ? b : undefined;
      },
      { timeoutMs: 10_000, label: 'four detection batches' },
    );
    assert.deepEqual(
      batches.map((b) => b.frameId),
      [0, 1, 2, 3].map((s) => `${cam.main}-${s}`),
    );
    const ids = new Set<string>();
    batches.forEach((b, seq) => {
      assert.equal(b.modelId, models.def);
      assert.deepEqual(b.source, FRAME.source);
      assert.ok(b.trace.decodedAt! <= b.trace.batchedAt! && b.trace.batchedAt! <= b.trace.inferredAt!);
      assert.ok(b.trace.inferredAt! <= b.trace.publishedAt!);
      assert.equal(b.detections.length, 1, `frame ${seq}`);
      const d = b.detections[0]!;
      assert.equal(d.label, 'person');
      // Anchor of cell (2+seq, 3): 16x16 model pixels centred on it, mapped to the 128x64 camera.
      const expected = [
        ((2 + seq) * 8 - 4) / 0.5 / 128,
        (3 * 8 - 4 - FRAME.padY) / 0.5 / 64,
        16 / 0.5 / 128,
        16 / 0.5 / 64,
      ];
      for (const [i, v] of d.box.entries())
        assert.ok(Math.abs(v - expected[i]!) < 1e-6, `box ${d.box} vs ${expected}`);
      ids.add(d.trackId);
    });
    assert.equal(ids.size, 1, 'one object, one track id');
    assert.equal(batches[3]!.detections[0]!.trackState, 'confirmed');
    assert.ok(batches[3]!.detections[0]!.velocity![0] > 0, 'moving right');
    assert.ok((await metric('inference_frames_processed_total')) >= 4);
    assert.ok((await metric('inference_camera_fps', `camera="${cam.main}"`)) > 0);
  });

  it('stores a frame delivered twice once (Nats-Msg-Id dedup) without tracking it twice', async () => {
    const meta = frameMeta(cam.dup, 0);
    sendFrame(nc, meta, redSquare(3, 3));
    await waitFor(async () => (await storedBatches(nc, cam.dup)).length === 1, { label: 'first batch' });
    const before = await metric('inference_duplicate_frames_total');
    sendFrame(nc, meta, redSquare(3, 3)); // redelivery of the same frame
    // And the same payload published straight to JetStream again, as a retry would.
    const js = jetstream(nc);
    const [stored] = await storedBatches(nc, cam.dup);
    const ack = await js.publish(
      subjects.detections(cam.dup),
      new TextEncoder().encode(JSON.stringify(stored)),
      {
        msgID: meta.frameId,
      },
    );
    assert.equal(ack.duplicate, true, 'JetStream recognises the frame id');
    await waitFor(async () => (await metric('inference_duplicate_frames_total')) > before, {
      label: 'duplicate counted',
    });
    sendFrame(nc, frameMeta(cam.dup, 1), redSquare(3, 3));
    const batches = await waitFor(
      async () => {
        const b = await storedBatches(nc, cam.dup);
        return b.length >= 2 ? b : undefined;
      },
      { label: 'second frame' },
    );
    await sleep(200);
    const again = await storedBatches(nc, cam.dup);
    assert.deepEqual(
      again.map((b) => b.frameId),
      [`${cam.dup}-0`, `${cam.dup}-1`],
      'the duplicate frame is stored once',
    );
    assert.equal(batches[1]!.detections[0]!.age, 1, 'the tracker saw the duplicate frame only once');
  });

  it('drops bad frames with a reason and keeps working: wrong size, bad headers, stale', async () => {
    const wrong = await metric('inference_frames_dropped_total', 'reason="wrong_size"');
    const invalid = await metric('inference_frames_dropped_total', 'reason="invalid"');
    const stale = await metric('inference_frames_dropped_total', 'reason="stale"');
    sendFrame(nc, frameMeta(cam.bad, 0), new Uint8Array(100));
    const h = headers();
    h.set('Sentinel-Frame-Meta', '{"cameraId": "not valid"');
    nc.publish(subjects.frames(cam.bad), redSquare(1, 1), { headers: h });
    nc.publish(subjects.frames(cam.bad), redSquare(1, 1));
    sendFrame(nc, frameMeta(cam.bad, 1, { capturedAt: Date.now() - 5000 }), redSquare(1, 3));
    sendFrame(nc, frameMeta(cam.bad, 2), redSquare(1, 3));
    const batches = await waitFor(
      async () => {
        const b = await storedBatches(nc, cam.bad);
        return b.length >= 1 ? b : undefined;
      },
      { label: 'the good frame' },
    );
    await sleep(200);
    assert.deepEqual(
      (await storedBatches(nc, cam.bad)).map((b) => b.frameId),
      [`${cam.bad}-2`],
    );
    assert.equal(batches[0]!.detections.length, 1);
    assert.equal(await metric('inference_frames_dropped_total', 'reason="wrong_size"'), wrong + 1);
    assert.equal(await metric('inference_frames_dropped_total', 'reason="invalid"'), invalid + 2);
    assert.equal(await metric('inference_frames_dropped_total', 'reason="stale"'), stale + 1);
  });

  it('keeps a camera on its model when it asks for an unknown or corrupt one', async () => {
    sendFrame(nc, frameMeta(cam.unknown, 0), redSquare(2, 3));
    sendFrame(nc, frameMeta(cam.corrupt, 0), redSquare(2, 3));
    for (const c of [cam.unknown, cam.corrupt]) {
      const [b] = await waitFor(
        async () => {
          const x = await storedBatches(nc, c);
          return x.length >= 1 ? x : undefined;
        },
        { label: `batch of ${c}` },
      );
      assert.equal(b!.modelId, models.def, `${c} stays on the default model`);
      assert.equal(b!.detections.length, 1);
    }
    await waitFor(() => service.models.failure(models.corrupt), { label: 'corrupt model failure recorded' });
    assert.match(
      service.models.failure(models.corrupt)!,
      new RegExp(`model '${models.corrupt}': cannot load model`),
    );
    assert.ok((await metric('inference_model_errors_total', `model="${uid}-nope",kind="unknown"`)) >= 1);
    assert.ok((await metric('inference_model_errors_total', `model="${models.corrupt}",kind="load"`)) >= 1);
    assert.doesNotThrow(() => service.models.checkReady(), 'the service stays ready');
  });

  it('hot-swaps a model while frames flow, without dropping any', async () => {
    const supersededBefore = await metric('inference_frames_dropped_total', 'reason="superseded"');
    const lostBefore =
      (await metric('inference_frames_dropped_total', 'reason="no_model"')) +
      (await metric('inference_frames_dropped_total', 'reason="error"')) +
      (await metric('inference_frames_dropped_total', 'reason="closed"'));
    let seq = 0;
    let stop = false;
    const sender = (async () => {
      while (!stop && seq < 200) {
        sendFrame(nc, frameMeta(cam.swap, seq++), redSquare(3, 3));
        await sleep(60);
      }
    })();
    const widthOf = (b: { detections: Array<{ box: number[] }> }) =>
      Math.round((b.detections[0]?.box[2] ?? 0) * 128 * 0.5);
    // First the camera's own model (16 px boxes) serves.
    await waitFor(
      async () => {
        const b = await storedBatches(nc, cam.swap);
        return b.some((x) => x.modelId === models.swap);
      },
      { label: 'swap model serving', timeoutMs: 10_000 },
    );
    await putKv(nc, kvBuckets.models, models.swap, modelEntry(models.swap, 'large-box.onnx'));
    await waitFor(
      async () => {
        const b = await storedBatches(nc, cam.swap);
        return b.length > 0 && widthOf(b[b.length - 1]!) === 24;
      },
      { label: 'new version serving', timeoutMs: 15_000 },
    );
    await sleep(200);
    stop = true;
    await sender;
    const sent = seq;
    // Latest frame wins: a frame may be replaced by the next one of its camera while the CPU is busy
    // loading the new version (counted as superseded); none may be lost to the swap itself.
    const lost = async () =>
      (await metric('inference_frames_dropped_total', 'reason="no_model"')) +
      (await metric('inference_frames_dropped_total', 'reason="error"')) +
      (await metric('inference_frames_dropped_total', 'reason="closed"'));
    const batches = await waitFor(
      async () => {
        const b = await storedBatches(nc, cam.swap);
        const superseded =
          (await metric('inference_frames_dropped_total', 'reason="superseded"')) - supersededBefore;
        return b.length + superseded >= sent ? b : undefined;
      },
      { label: `all ${sent} frames stored or superseded`, timeoutMs: 10_000 },
    );
    const superseded =
      (await metric('inference_frames_dropped_total', 'reason="superseded"')) - supersededBefore;
    assert.ok(superseded <= 3, `${superseded} frames superseded`);
    assert.equal(await lost(), lostBefore, 'no frame lost to a missing model, an error or a closed batcher');
    const frameIds = batches.map((b) => Number(b.frameId.split('-').pop()));
    assert.deepEqual(
      frameIds,
      [...frameIds].sort((a, b) => a - b),
      'published in order',
    );
    assert.equal(frameIds.length + superseded, sent);
    const widths = batches.map(widthOf);
    const firstNew = widths.indexOf(24);
    assert.ok(firstNew > 0);
    assert.ok(
      widths.slice(firstNew).every((w) => w === 24),
      'after the swap only the new version serves',
    );
    assert.ok(widths.slice(0, firstNew).every((w) => w === 16 || w === 0));
    assert.equal(
      new Set(batches.flatMap((b) => b.detections.map((d) => d.trackId))).size,
      1,
      'the track survives the swap',
    );
  });

  it('detects on a motion region of a frame larger than the model and maps boxes back', async () => {
    // A 128x128 frame of a 256x128 camera (scale 0.5, 32 px bars); a red 16x16 square at (40, 48).
    const W = 128;
    const px = new Uint8Array(W * W * 3);
    for (let y = 48; y < 64; y++) for (let x = 40; x < 56; x++) px[(y * W + x) * 3] = 255;
    const meta = frameMeta(cam.regions, 0, {
      width: W,
      height: W,
      source: { width: 256, height: 128 },
      letterbox: { scale: 0.5, padX: 0, padY: 32 },
      motion: {
        boxes: [[40 / 0.5 / 256, (48 - 32) / 0.5 / 128, 16 / 0.5 / 256, 16 / 0.5 / 128]],
        ratio: 0.01,
      },
    });
    sendFrame(nc, meta, px);
    const [b] = await waitFor(
      async () => {
        const x = await storedBatches(nc, cam.regions);
        return x.length > 0 ? x : undefined;
      },
      { label: 'region batch' },
    );
    // The 64x64 region around the motion starts at frame (16, 24): the square covers its cells
    // (3..4, 3..4); the anchor of cell (3, 3) is a 16 px box at region (20, 20) = frame (36, 44).
    const expected = [36 / 0.5 / 256, (44 - 32) / 0.5 / 128, 16 / 0.5 / 256, 16 / 0.5 / 128];
    assert.ok(b!.detections.length >= 1);
    assert.ok(
      b!.detections.some((d) => d.box.every((v, i) => Math.abs(v - expected[i]!) < 1e-6)),
      `a box at ${expected}: ${JSON.stringify(b!.detections.map((d) => d.box))}`,
    );
    for (const d of b!.detections) {
      const cx = (d.box[0] + d.box[2] / 2) * 256 * 0.5;
      const cy = (d.box[1] + d.box[3] / 2) * 128 * 0.5 + 32;
      assert.ok(cx >= 40 && cx <= 56 && cy >= 48 && cy <= 64, `centre (${cx}, ${cy}) inside the square`);
    }
  });

  it('turns operator feedback on annotate.feedback into a hard example with the frame', async () => {
    const frameId = `${cam.main}-3`;
    const js = jetstream(nc);
    const fb = {
      kind: 'false_positive',
      alertId: `${uid}-a1`,
      cameraId: cam.main,
      frameId,
      actor: 'op',
      at: Date.now(),
    };
    await js.publish(subjects.annotateFeedback, new TextEncoder().encode(JSON.stringify(fb)));
    const jsm = await jetstreamManager(nc);
    const name = uniqueId('svc-he');
    await jsm.consumers.add(streamNames.hardExamples, {
      name,
      filter_subject: subjects.annotateCandidates(cam.main),
      ack_policy: 'none' as never,
      deliver_policy: 'all' as never,
    });
    try {
      const c = await js.consumers.get(streamNames.hardExamples, name);
      const example = await waitFor(
        async () => {
          const batch = await c.fetch({ max_messages: 10, expires: 1000 });
          for await (const m of batch) {
            const e = decodeJson(hardExampleSchema, 'hard example', m.data);
            objectKeys.push(e.imageKey);
            if (e.reason === 'operator_false_positive') return e;
          }
          return undefined;
        },
        { label: 'operator feedback example', timeoutMs: 10_000 },
      );
      assert.equal(example.frameId, frameId);
      assert.deepEqual([example.width, example.height], [64, 32], 'the camera picture without the bars');
      assert.equal(example.boxes[0]?.label, 'person');
      const os = await new Objm(nc).open(objectStores.snapshots);
      assert.ok(await os.info(example.imageKey), 'the JPEG is in the snapshots store');
    } finally {
      await jsm.consumers.delete(streamNames.hardExamples, name).catch(() => undefined);
    }
  });
});
