import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createLogger, provisionJetStream, repoRoot, streamNames, subjects } from '@sentinel/common';
import { stackConfig, uniqueId, waitFor } from '@sentinel/common/testing/index';
import { DEFAULT_MODEL_FILE, defaultModelInfo } from '../../src/model/default-model.ts';
import { InferenceService } from '../../src/service/inference-service.ts';
import { frameMeta, sendFrame, storedBatches } from './helpers.ts';

/** OpenCV's pedestrian clip (Debian opencv-doc), the demo camera's footage. */
const DEMO_VIDEO = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';

describe('inference service with the default CenterNet model on demo footage', () => {
  let nc: NatsConnection;
  let service: InferenceService;
  const modelsDir = join(repoRoot(), 'models');
  const cameraId = uniqueId('real');
  const feedbackDurable = uniqueId('real-feedback');

  before(async () => {
    assert.ok(
      existsSync(join(modelsDir, DEFAULT_MODEL_FILE)),
      `models/${DEFAULT_MODEL_FILE} is missing: run npm run model:default -w inference`,
    );
    assert.ok(existsSync(DEMO_VIDEO), `${DEMO_VIDEO} is missing (apt-get install opencv-doc)`);
    const url = new URL(stackConfig().NATS_URL);
    nc = await connect({ servers: `${url.hostname}:${url.port}` });
    await provisionJetStream(nc);
    const model = defaultModelInfo();
    service = new InferenceService(
      nc,
      {
        runtime: { workers: 1, intraOpThreads: 1, interOpThreads: 1, provider: 'auto', modelsDir },
        defaultModelId: model.id,
        fallbackModels: [model],
        pipeline: {
          maxBatchSize: 2,
          maxDelayMs: 0,
          maxFrameAgeMs: 30_000,
          maxInFlight: 0,
          minScore: 0.4,
          classThresholds: {},
          nmsIou: 0.5,
          labels: new Set(),
          decodeFloor: 0.1,
          tracker: {},
          regions: { maxRegions: 4, margin: 1.25 },
        },
        miner: { enabled: false },
        feedbackDurable,
        queue: cameraId,
        framesSubjects: [subjects.frames(cameraId)],
        modelManager: { pinDefault: true },
      },
      createLogger('inference-test', 'silent'),
    );
    await service.start();
  });

  after(async () => {
    await service?.stop();
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(streamNames.hardExamples, feedbackDurable).catch(() => undefined);
    await nc.close();
  });

  it('finds the pedestrians of a demo frame, boxes in source coordinates', async () => {
    // 768x576 letterboxed into 512x512: scale 2/3, 512x384 picture, 64 px bars top and bottom.
    const pixels = execFileSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-ss',
        '3',
        '-i',
        DEMO_VIDEO,
        '-frames:v',
        '1',
        '-vf',
        'scale=512:384,pad=512:512:0:64',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-',
      ],
      { maxBuffer: 8 * 1024 * 1024 },
    );
    assert.equal(pixels.length, 512 * 512 * 3);
    const meta = frameMeta(cameraId, 0, {
      width: 512,
      height: 512,
      source: { width: 768, height: 576 },
      letterbox: { scale: 512 / 768, padX: 0, padY: 64 },
    });
    sendFrame(nc, meta, new Uint8Array(pixels));
    const [batch] = await waitFor(
      async () => {
        const b = await storedBatches(nc, cameraId);
        return b.length > 0 ? b : undefined;
      },
      { label: 'detections of the demo frame', timeoutMs: 60_000, intervalMs: 250 },
    );
    if (process.env.TEST_LOG)
      console.log(
        JSON.stringify(
          batch!.detections.map((d) => [d.label, d.score.toFixed(2), d.box.map((v) => v.toFixed(3))]),
        ),
      );
    const people = batch!.detections.filter((d) => d.label === 'person' && d.score >= 0.4);
    assert.ok(
      people.length >= 2,
      `people found: ${JSON.stringify(batch!.detections.map((d) => [d.label, d.score]))}`,
    );
    for (const p of people) {
      const [x, y, w, h] = p.box;
      assert.ok(x >= 0 && y >= 0 && x + w <= 1.0001 && y + h <= 1.0001);
      // Pedestrians are taller than wide in source pixels.
      assert.ok(h * 576 > w * 768, `person box ${p.box} is upright`);
    }
    assert.equal(batch!.modelId, 'centernet-mbv3-coco');
  });
});
