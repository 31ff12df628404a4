import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@sentinel/common/testing/index';
import { annotateAndAccept, startTestAnnotator, type TestAnnotator } from './helpers.ts';
import { constantModel, constantOutputsModel, yoloModel } from './onnx-builder.ts';

/**
 * Ground truth on every accepted 320x240 frame: person [0.25, 0.25, 0.25, 0.5], car [0.5, 0.5, 0.25, 0.25].
 * In a 32x32 letterboxed input (scale 0.1, 4 px bars top and bottom): person cx 12 cy 16 w 8 h 12,
 * car cx 20 cy 19 w 8 h 6.
 */
const PERSON = { cls: 0, score: 0.9, cx: 12, cy: 16, w: 8, h: 12 };
const CAR = { cls: 2, score: 0.8, cx: 20, cy: 19, w: 8, h: 6 };
const CAR_OFF = { ...CAR, cx: 5, cy: 27 };

describe('model registry: ONNX validation, shadow evaluation, promotion', () => {
  let t: TestAnnotator;
  let admin: string;
  before(async () => {
    t = await startTestAnnotator();
    admin = await t.token('root', 'admin');
  });
  after(async () => t?.close());

  const upload = (id: string, bytes: Uint8Array, query = 'format=yolo') =>
    t.api('PUT', `/models/${id}/file?${query}`, { token: admin, raw: bytes });

  it('rejects files that are not ONNX, have the wrong outputs, or are missing, and registers nothing', async () => {
    const junk = await upload('junk', new TextEncoder().encode('this is not a model'));
    assert.equal(junk.status, 400);
    assert.match(junk.json.error.message, /not a loadable ONNX model/);
    const wrong = await upload(
      'wrong',
      constantModel({ inputDims: [1, 3, 32, 32], outputDims: [1, 10], values: new Float32Array(10) }),
    );
    assert.equal(wrong.status, 400);
    assert.match(
      wrong.json.error.message,
      /needs an output \[N, 4 \+ 80 = 84, anchors\]; this one has output0 \[1, 10\]/,
    );
    const asCenternet = await upload('asc', yoloModel(32, 80, [PERSON]), 'format=centernet');
    assert.equal(asCenternet.status, 400);
    assert.match(
      asCenternet.json.error.message,
      /centernet model needs heads \[N, H, W, 80\] \+ \[N, H, W, 4\], or a decoded output \[N, K, 6\]/,
    );
    const missing = await t.api('POST', '/models', {
      token: admin,
      body: { id: 'nofile', format: 'yolo', path: '/nonexistent/x.onnx' },
    });
    assert.equal(missing.status, 400);
    assert.match(missing.json.error.message, /does not exist/);
    const badFormat = await upload('bf', yoloModel(32, 80, [PERSON]), 'format=ssd');
    assert.equal(badFormat.status, 400);
    assert.equal((await t.pool.query('SELECT count(*) FROM models')).rows[0].count, '0');
    const annotator = await t.token('ann');
    assert.equal(
      (await t.api('PUT', '/models/x/file?format=yolo', { token: annotator, raw: new Uint8Array(4) })).status,
      403,
    );
  });

  it('evaluates candidates against the active model on accepted annotations and promotes only better ones', async () => {
    const none = await t.api('POST', '/models', {
      token: admin,
      body: { id: 'early', format: 'yolo', path: join(t.storageDir, 'early.onnx') },
    });
    assert.equal(none.status, 400);
    for (let i = 0; i < 3; i++) {
      await t.addExample({ width: 320, height: 240 });
      await annotateAndAccept(t, [
        { label: 'person', box: [0.25, 0.25, 0.25, 0.5] },
        { label: 'car', box: [0.5, 0.5, 0.25, 0.25] },
      ]);
    }
    // v1 finds the person but misplaces the car: per-class AP person 1, car 0, mAP 0.5.
    const v1 = await upload('det-v1', yoloModel(32, 80, [PERSON, CAR_OFF]));
    assert.equal(v1.status, 201, JSON.stringify(v1.json));
    assert.equal(v1.json.inputWidth, 32);
    assert.equal(v1.json.active, false);
    assert.match(v1.json.sha256, /^[0-9a-f]{64}$/);
    const notYet = await t.api('POST', '/models/det-v1/promote', { token: admin });
    assert.equal(notYet.status, 409);
    assert.equal(notYet.json.error.reason, 'not_evaluated');
    const e1 = await t.api('POST', '/models/det-v1/evaluate?wait=true', { token: admin });
    assert.equal(e1.status, 200, JSON.stringify(e1.json));
    assert.equal(e1.json.images, 3);
    assert.ok(Math.abs(e1.json.candidate.mAP - 0.5) < 1e-9);
    assert.deepEqual(e1.json.candidate.perClass, { car: 0, person: 1 });
    assert.equal(e1.json.baseline, null);
    assert.equal(e1.json.better, true, 'with no active model any valid model is better');
    const p1 = await t.api('POST', '/models/det-v1/promote', { token: admin });
    assert.equal(p1.status, 200);
    assert.equal(p1.json.previous, null);

    // v2 (registered from a path) gets both right: mAP 1 > 0.5 → promoted, comparison returned.
    const v2file = join(t.storageDir, 'det-v2.onnx');
    await writeFile(v2file, yoloModel(32, 80, [PERSON, CAR]));
    assert.equal(
      (await t.api('POST', '/models', { token: admin, body: { id: 'det-v2', format: 'yolo', path: v2file } }))
        .status,
      201,
    );
    const e2 = await t.api('POST', '/models/det-v2/evaluate?wait=true', { token: admin });
    assert.equal(e2.json.candidate.mAP, 1);
    assert.equal(e2.json.baseline.modelId, 'det-v1');
    assert.ok(Math.abs(e2.json.baseline.mAP - 0.5) < 1e-9);
    assert.deepEqual(e2.json.baseline.perClass, { car: 0, person: 1 });
    assert.equal(e2.json.better, true);
    const p2 = await t.api('POST', '/models/det-v2/promote', { token: admin });
    assert.equal(p2.status, 200);
    assert.equal(p2.json.previous, 'det-v1');
    assert.equal(p2.json.evaluation.candidate.mAP, 1);

    // v3 is worse than the active v2: evaluation says so and promotion is refused with the comparison.
    assert.equal((await upload('det-v3', yoloModel(32, 80, [PERSON, CAR_OFF]))).status, 201);
    // In the background: 202 now, progress while it runs, the comparison on the model when done.
    const started = await t.api('POST', '/models/det-v3/evaluate', { token: admin });
    assert.equal(started.status, 202);
    assert.equal(started.json.status, 'running');
    const e3 = {
      json: await waitFor(
        async () => {
          const m = (await t.api('GET', '/models/det-v3', { token: admin })).json;
          assert.notEqual(m.evaluationRun?.status, 'failed', m.evaluationRun?.error);
          return m.evaluationRun ? undefined : m.evaluation;
        },
        { label: 'background evaluation', timeoutMs: 20_000 },
      ),
    };
    assert.equal(e3.json.better, false);
    const p3 = await t.api('POST', '/models/det-v3/promote', { token: admin });
    assert.equal(p3.status, 409);
    assert.equal(p3.json.error.reason, 'not_better');
    assert.match(p3.json.error.message, /mAP@0.5 0.5000 vs 1.0000/);
    assert.equal(p3.json.error.evaluation.baseline.modelId, 'det-v2');

    const promos = await t.pool.query(
      "SELECT actor, entity_id, details FROM audit_log WHERE action = 'model.promote' ORDER BY id",
    );
    assert.deepEqual(
      promos.rows.map((r) => [r.actor, r.entity_id, r.details.previous]),
      [
        ['root', 'det-v1', null],
        ['root', 'det-v2', 'det-v1'],
      ],
    );
    // A CenterNet in the converter's layout: NHWC input, heads tower_0/keypoints [1,8,8,80] + tower_0/wh [1,8,8,4]
    // (stride 4 on a 32x32 input). Person peak at cell (x 3, y 4) = (12, 16) px with l,t,r,b = 4,6,4,6 →
    // [8,10,16,22]; car at (5, 5) = (20, 20) px with 4,4,4,2 → [16,16,24,22]: both ground-truth boxes exactly.
    const heat = new Float32Array(8 * 8 * 80);
    const wh = new Float32Array(8 * 8 * 4);
    heat[(4 * 8 + 3) * 80 + 0] = 0.9;
    wh.set([4, 6, 4, 6], (4 * 8 + 3) * 4);
    heat[(5 * 8 + 5) * 80 + 2] = 0.8;
    wh.set([4, 4, 4, 2], (5 * 8 + 5) * 4);
    const cn = constantOutputsModel({
      inputDims: [1, 32, 32, 3],
      outputs: [
        { name: 'tower_0/keypoints', dims: [1, 8, 8, 80], values: heat },
        { name: 'tower_0/wh', dims: [1, 8, 8, 4], values: wh },
      ],
    });
    assert.equal((await upload('cn-v1', cn, 'format=centernet')).status, 201);
    const e4 = await t.api('POST', '/models/cn-v1/evaluate?wait=true', { token: admin });
    assert.equal(e4.status, 200, JSON.stringify(e4.json));
    assert.deepEqual(e4.json.candidate.perClass, { car: 1, person: 1 });
    assert.equal(e4.json.better, false, 'equal to the active model is not better');
    assert.equal(
      (await t.api('POST', '/models/cn-v1/promote', { token: admin })).json.error.reason,
      'not_better',
    );
    const { rows } = await t.pool.query('SELECT id FROM models WHERE active');
    assert.deepEqual(rows, [{ id: 'det-v2' }]);
    const list = await t.api('GET', '/models', { token: await t.token('ann') });
    assert.equal(list.json.items.length, 4);
    const dup = await upload('det-v2', yoloModel(32, 80, [PERSON]));
    assert.equal(dup.status, 409);
  });
});
