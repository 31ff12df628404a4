import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DetectionBatch, insertDetectionBatches } from '@sentinel/common';
import { openAlert } from '@sentinel/common/db/alerts-repo';
import { ruleKvEntrySchema, ruleKvKey } from '@sentinel/common/rules/rule-store';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import pg from 'pg';
import type { Gateway } from '../src/app.ts';
import {
  ADMIN_PASSWORD,
  client,
  createTestStack,
  login,
  startTestGateway,
  type TestStack,
} from './helpers.ts';

const dec = new TextDecoder();

describe('API resources (real PostgreSQL, NATS KV/JetStream/Object Store, Redis)', () => {
  let stack: TestStack;
  let gw: Gateway;
  let api: ReturnType<typeof client>;
  let token: string;
  let pool: pg.Pool;
  const cam = uniqueId('gwcam');
  const cam2 = uniqueId('gwcam');
  const ruleId = uniqueId('rule');

  before(async () => {
    stack = await createTestStack();
    gw = await startTestGateway(stack);
    api = client(gw.url);
    token = (await login(gw.url, 'admin', ADMIN_PASSWORD)).accessToken;
    pool = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
  });
  after(async () => {
    // remove what this file put in the shared KV buckets
    for (const id of [cam, cam2]) await gw.ctx.kv.cameras.delete(id).catch(() => {});
    await gw.ctx.kv.rules.delete(ruleKvKey(ruleId)).catch(() => {});
    await pool.end();
    await gw.close();
    await stack.drop();
  });

  test('cameras: create (credentials write-only), KV mirror, list, get, patch, 409, 400 paths, 404', async () => {
    const created = await api.post(
      '/api/v1/cameras',
      { id: cam, name: 'Front door', url: 'rtsp://127.0.0.1:1/stream', username: 'u', password: 'p4ss' },
      token,
    );
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.hasCredentials, true);
    assert.ok(!('password' in created.body) && !('username' in created.body));
    assert.ok(!created.text.includes('p4ss'), 'password never in a response');
    const kv = await gw.ctx.kv.cameras.get(cam);
    const mirrored = JSON.parse(dec.decode(kv?.value));
    assert.equal(mirrored.password, 'p4ss', 'ingest gets credentials through KV');
    assert.equal(mirrored.name, 'Front door');

    const withUserinfo = await api.post(
      '/api/v1/cameras',
      { id: cam2, name: 'Yard', url: 'rtsp://admin:hunter2@127.0.0.1:1/s' },
      token,
    );
    assert.equal(withUserinfo.status, 201);
    assert.ok(!withUserinfo.text.includes('hunter2'));

    const list = await api.get('/api/v1/cameras', token);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((c: { id: string }) => c.id).sort(), [cam, cam2].sort());
    assert.equal(list.body.nextCursor, null);
    const page1 = await api.get('/api/v1/cameras?limit=1', token);
    assert.equal(page1.body.items.length, 1);
    const page2 = await api.get(`/api/v1/cameras?limit=1&cursor=${page1.body.nextCursor}`, token);
    assert.equal(page2.body.items.length, 1);
    assert.notEqual(page2.body.items[0].id, page1.body.items[0].id);
    assert.equal(page2.body.nextCursor, null);

    assert.equal(
      (await api.post('/api/v1/cameras', { id: cam, name: 'dup', url: 'rtsp://h/x' }, token)).status,
      409,
    );
    const bad = await api.post(
      '/api/v1/cameras',
      { id: 'Bad Id', name: 'x', url: 'ftp://x', detectFps: 99 },
      token,
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path).sort(), [
      'body.detectFps',
      'body.id',
      'body.url',
    ]);

    const patched = await api.patch(
      `/api/v1/cameras/${cam}`,
      { name: 'Front', detectFps: 2, password: null },
      token,
    );
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.name, 'Front');
    assert.equal(patched.body.version, 2);
    assert.equal(patched.body.hasCredentials, true, 'username kept');
    const kv2 = JSON.parse(dec.decode((await gw.ctx.kv.cameras.get(cam))?.value));
    assert.equal(kv2.detectFps, 2);
    assert.equal(kv2.password, undefined);
    const badPatch = await api.patch(`/api/v1/cameras/${cam}`, { motion: { threshold: 0 } }, token);
    assert.equal(badPatch.status, 400);
    assert.equal(badPatch.body.error.details[0].path, 'body.motion.threshold');
    assert.equal((await api.get('/api/v1/cameras/nope', token)).status, 404);
    assert.equal(
      (await api.patch('/api/v1/cameras/nope', { name: 'x' }, token)).body.error.code,
      'not_found',
    );

    const { rows } = await pool.query(
      "SELECT action, entity_id, details FROM audit_log WHERE entity = 'camera' ORDER BY id",
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['camera.create', 'camera.create', 'camera.update'],
    );
    assert.ok(!JSON.stringify(rows).includes('p4ss'));
  });

  test('zones and rules: validated, references checked, mirrored to KV rules with their zones', async () => {
    const zone = {
      id: `${cam}-door`,
      cameraId: cam,
      name: 'Door',
      polygon: [
        [0.1, 0.1],
        [0.5, 0.1],
        [0.5, 0.6],
        [0.1, 0.6],
      ],
    };
    const z = await api.post('/api/v1/zones', zone, token);
    assert.equal(z.status, 201, z.text);
    const selfX = await api.post(
      '/api/v1/zones',
      {
        ...zone,
        id: 'bow',
        polygon: [
          [0, 0],
          [1, 1],
          [1, 0],
          [0, 1],
        ],
      },
      token,
    );
    assert.equal(selfX.status, 400);
    assert.equal(selfX.body.error.details[0].path, 'body.polygon');
    const unknownCam = await api.post('/api/v1/zones', { ...zone, id: 'z2', cameraId: 'nope' }, token);
    assert.equal(unknownCam.status, 400);
    assert.equal(unknownCam.body.error.details[0].path, 'body.cameraId');

    const rule = {
      id: ruleId,
      name: 'Person at the door',
      cameraIds: [cam],
      labels: ['person'],
      condition: { type: 'dwell', zoneId: zone.id, seconds: 5 },
    };
    const bad = await api.post(
      '/api/v1/rules',
      { ...rule, labels: ['persn'], condition: { type: 'enter', zoneId: 'ghost' } },
      token,
    );
    assert.equal(bad.status, 400);
    const paths = bad.body.error.details.map((d: { path: string }) => d.path);
    assert.ok(
      paths.includes('body.labels.0') && paths.includes('body.condition.zoneId'),
      JSON.stringify(paths),
    );
    assert.match(bad.text, /did you mean 'person'/);
    const badShape = await api.post(
      '/api/v1/rules',
      { ...rule, condition: { type: 'dwell', zoneId: zone.id } },
      token,
    );
    assert.equal(badShape.status, 400);
    assert.equal(badShape.body.error.details[0].path, 'body.condition.seconds');

    const r = await api.post('/api/v1/rules', rule, token);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.minScore, 0.5, 'defaults applied');
    const entry = await waitFor(async () => {
      const e = await gw.ctx.kv.rules.get(ruleKvKey(ruleId));
      return e?.operation === 'PUT' ? ruleKvEntrySchema.parse(JSON.parse(dec.decode(e.value))) : null;
    });
    assert.equal(entry.rule.name, 'Person at the door');
    assert.deepEqual(
      entry.zones.map((x) => x.id),
      [zone.id],
    );

    // zone edit → rule entry in KV carries the new polygon
    const poly = [
      [0.2, 0.2],
      [0.6, 0.2],
      [0.6, 0.7],
    ];
    assert.equal((await api.patch(`/api/v1/zones/${zone.id}`, { polygon: poly }, token)).status, 200);
    const e2 = ruleKvEntrySchema.parse(
      JSON.parse(dec.decode((await gw.ctx.kv.rules.get(ruleKvKey(ruleId)))?.value)),
    );
    assert.deepEqual(e2.zones[0]?.polygon, poly);

    assert.equal((await api.del(`/api/v1/zones/${zone.id}`, token)).status, 409, 'zone in use');
    const disabled = await api.patch(`/api/v1/rules/${ruleId}`, { enabled: false }, token);
    assert.equal(disabled.body.enabled, false);
    assert.equal(disabled.body.version, 2);
    const put = await api.put(`/api/v1/rules/${ruleId}`, { ...rule, id: undefined, name: 'Renamed' }, token);
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.name, 'Renamed');
    assert.equal((await api.get(`/api/v1/rules?cameraId=${cam}`, token)).body.items.length, 1);
    assert.equal((await api.get('/api/v1/rules?cameraId=other', token)).body.items.length, 0);
    assert.equal((await api.get('/api/v1/rules/nope', token)).status, 404);

    assert.equal((await api.del(`/api/v1/rules/${ruleId}`, token)).status, 204);
    const gone = await gw.ctx.kv.rules.get(ruleKvKey(ruleId));
    assert.notEqual(gone?.operation, 'PUT');
    assert.equal((await api.del(`/api/v1/zones/${zone.id}`, token)).status, 204);
    assert.equal((await api.get(`/api/v1/zones/${zone.id}`, token)).status, 404);
  });

  test('alerts: filters, cursor pagination, ack/resolve with lifecycle events on NATS, 409, mark-false feedback', async () => {
    const base = Date.now() - 60_000;
    for (let i = 0; i < 5; i++)
      await openAlert(pool, {
        id: `${cam}-a${i}`,
        dedupKey: `${cam}-d${i}`,
        ruleId: 'r1',
        ruleName: 'R1',
        cameraId: i < 3 ? cam : cam2,
        label: 'person',
        severity: i === 0 ? 'critical' : 'warning',
        condition: 'enter',
        message: `alert ${i}`,
        frameId: `f${i}`,
        capturedAt: base + i * 1000,
        openedAt: base + i * 1000,
        ...(i === 4 ? { snapshotKey: `${cam2}/a4.jpg` } : {}),
        details: {},
      });
    const all = await api.get('/api/v1/alerts', token);
    assert.deepEqual(
      all.body.items.map((a: { id: string }) => a.id),
      [4, 3, 2, 1, 0].map((i) => `${cam}-a${i}`),
    );
    assert.match(all.body.items[0].snapshotUrl, /^\/api\/v1\/snapshots\/.+\?expires=\d+&sig=/);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { body: { items: Array<{ id: string }>; nextCursor: string | null } } = await api.get(
        `/api/v1/alerts?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        token,
      );
      seen.push(...p.body.items.map((a) => a.id));
      cursor = p.body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);
    assert.equal((await api.get(`/api/v1/alerts?cameraId=${cam2}`, token)).body.items.length, 2);
    assert.equal((await api.get('/api/v1/alerts?severity=critical', token)).body.items.length, 1);
    assert.equal((await api.get(`/api/v1/alerts?from=${base + 2500}`, token)).body.items.length, 2);
    assert.equal((await api.get('/api/v1/alerts?cursor=garbage', token)).status, 400);

    const events: Array<{ subject: string; data: { event: string; actor: string } }> = [];
    const sub = gw.ctx.nc.subscribe(`alerts.${cam}.>`, {
      callback: (_e, m) => {
        events.push({ subject: m.subject, data: m.json() });
      },
    });
    const ack = await api.post(`/api/v1/alerts/${cam}-a0/ack`, { note: 'on it' }, token);
    assert.equal(ack.status, 200, ack.text);
    assert.equal(ack.body.status, 'acknowledged');
    assert.equal((await api.post(`/api/v1/alerts/${cam}-a0/ack`, {}, token)).status, 409);
    const res = await api.post(`/api/v1/alerts/${cam}-a0/resolve`, {}, token);
    assert.equal(res.body.status, 'resolved');
    assert.equal((await api.post('/api/v1/alerts/nope/ack', {}, token)).status, 404);
    await waitFor(() => events.length >= 2, { label: 'alert lifecycle events' });
    assert.deepEqual(
      events.map((e) => e.subject),
      [`alerts.${cam}.acknowledged`, `alerts.${cam}.resolved`],
    );
    assert.equal(events[0]?.data.actor, 'admin');
    sub.unsubscribe();

    const feedback: Array<{ alertId: string; kind: string; actor: string }> = [];
    const fsub = gw.ctx.nc.subscribe('annotate.feedback', {
      callback: (_e, m) => {
        feedback.push(m.json());
      },
    });
    const fp = await api.post(`/api/v1/alerts/${cam}-a1/mark-false`, {}, token);
    assert.equal(fp.status, 200);
    assert.equal(fp.body.falsePositive, true);
    assert.equal(fp.body.status, 'resolved');
    await waitFor(() => feedback.some((f) => f.alertId === `${cam}-a1`), {
      label: 'false-positive feedback',
    });
    fsub.unsubscribe();
    const detail = await api.get(`/api/v1/alerts/${cam}-a1`, token);
    assert.deepEqual(
      detail.body.events.map((e: { event: string }) => e.event),
      ['opened', 'false_positive', 'resolved'],
    );
    assert.equal((await api.get('/api/v1/alerts?falsePositive=true', token)).body.items.length, 1);
    const audits = await pool.query("SELECT action FROM audit_log WHERE entity = 'alert' ORDER BY id");
    assert.deepEqual(
      audits.rows.map((r) => r.action),
      ['alert.acknowledge', 'alert.resolve', 'alert.mark_false_positive'],
    );
  });

  test('detections and tracks: filters, cursor pagination, counts from the rollup', async () => {
    const t0 = Date.now() - 10 * 60_000;
    const batches: DetectionBatch[] = Array.from({ length: 6 }, (_, i) => ({
      cameraId: cam,
      frameId: `fr${i}`,
      capturedAt: t0 + i * 60_000,
      trace: {},
      modelId: 'm',
      source: { width: 640, height: 480 },
      detections: [
        {
          label: i % 2 ? 'car' : 'person',
          classId: 0,
          score: 0.9,
          box: [0.1, 0.1, 0.2, 0.2],
          trackId: `t${i}`,
          trackState: 'confirmed',
          stationary: false,
          age: 1,
        },
      ],
    }));
    await insertDetectionBatches(pool, batches);
    await pool.query(
      `INSERT INTO tracks (camera_id, track_id, label, first_seen, last_seen, max_score, frames)
       SELECT $1, 't' || g, 'person', now() - interval '5 min', now() - make_interval(secs => g), 0.8, 10 FROM generate_series(1, 3) g`,
      [cam],
    );
    const all = await api.get(`/api/v1/detections?cameraId=${cam}`, token);
    assert.equal(all.body.items.length, 6);
    assert.equal(all.body.items[0].frameId, 'fr5', 'newest first');
    const persons = await api.get(`/api/v1/detections?cameraId=${cam}&label=person`, token);
    assert.equal(persons.body.items.length, 3);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { body: { items: Array<{ frameId: string }>; nextCursor: string | null } } = await api.get(
        `/api/v1/detections?cameraId=${cam}&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
        token,
      );
      ids.push(...p.body.items.map((d) => d.frameId));
      cursor = p.body.nextCursor;
    } while (cursor);
    assert.deepEqual(ids, ['fr5', 'fr4', 'fr3', 'fr2', 'fr1', 'fr0']);
    const ranged = await api.get(
      `/api/v1/detections?cameraId=${cam}&from=${new Date(t0 + 150_000).toISOString()}`,
      token,
    );
    assert.equal(ranged.body.items.length, 3);
    const badRange = await api.get(`/api/v1/detections?from=${t0}&to=${t0 - 1}`, token);
    assert.equal(badRange.status, 400);
    assert.equal(badRange.body.error.details[0].path, 'query.to');
    assert.equal(
      (await api.get('/api/v1/detections?from=yesterday', token)).body.error.details[0].path,
      'query.from',
    );

    const counts = await api.get(
      `/api/v1/detections/counts?cameraId=${cam}&from=${t0 - 60_000}&to=${Date.now()}&intervalSeconds=3600`,
      token,
    );
    assert.equal(counts.status, 200, counts.text);
    const total = counts.body.buckets.reduce((s: number, b: { count: number }) => s + b.count, 0);
    assert.equal(total, 6);
    assert.equal(
      (await api.get(`/api/v1/detections/counts?from=1&to=2&intervalSeconds=90`, token)).status,
      400,
    );

    const tracks = await api.get(`/api/v1/tracks?cameraId=${cam}&limit=2`, token);
    assert.deepEqual(
      tracks.body.items.map((t: { trackId: string }) => t.trackId),
      ['t1', 't2'],
    );
    const tracks2 = await api.get(
      `/api/v1/tracks?cameraId=${cam}&limit=2&cursor=${tracks.body.nextCursor}`,
      token,
    );
    assert.deepEqual(
      tracks2.body.items.map((t: { trackId: string }) => t.trackId),
      ['t3'],
    );
  });

  test('rules replay: an unsaved rule evaluated over stored detections; bad ranges are 400', async () => {
    const zone = {
      id: `${cam}-lane`,
      cameraId: cam,
      name: 'Lane',
      polygon: [
        [0, 0],
        [0.5, 0],
        [0.5, 1],
        [0, 1],
      ],
    };
    assert.equal((await api.post('/api/v1/zones', zone, token)).status, 201);
    const t0 = Date.now() - 3_600_000;
    const batches: DetectionBatch[] = Array.from({ length: 10 }, (_, i) => ({
      cameraId: cam,
      frameId: `${cam}-replay-${i}`,
      capturedAt: t0 + i * 200,
      trace: {},
      modelId: 'm',
      source: { width: 640, height: 480 },
      detections: [
        {
          label: 'person',
          classId: 0,
          score: 0.9,
          box: [0.8 - i * 0.07, 0.3, 0.1, 0.3],
          trackId: 'walker',
          trackState: 'confirmed',
          stationary: false,
          age: i,
        },
      ],
    }));
    await insertDetectionBatches(pool, batches);
    const rule = {
      id: uniqueId('replay'),
      name: 'Walker enters the lane',
      cameraIds: [cam],
      labels: ['person'],
      condition: { type: 'enter', zoneId: zone.id },
    };
    const r = await api.post('/api/v1/rules/replay', { rule, from: t0 - 1000, to: t0 + 60_000 }, token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.frames, 10);
    assert.equal(r.body.summary.opened, 1, JSON.stringify(r.body.summary));
    assert.equal((await api.get(`/api/v1/rules/${rule.id}`, token)).status, 404, 'replay saves nothing');
    const empty = await api.post(
      '/api/v1/rules/replay',
      { rule, from: t0 + 120_000, to: t0 + 180_000 },
      token,
    );
    assert.equal(empty.body.summary.opened, 0);
    const backwards = await api.post('/api/v1/rules/replay', { rule, from: t0, to: t0 - 1 }, token);
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body.error.details[0].path, 'body.to');
    const tooLong = await api.post(
      '/api/v1/rules/replay',
      { rule, from: t0 - 8 * 86_400_000, to: t0 },
      token,
    );
    assert.equal(tooLong.status, 400);
    assert.equal((await api.del(`/api/v1/zones/${zone.id}`, token)).status, 204);
  });

  test('snapshots: signed, expiring URL served from the object store; tampering → 403', async () => {
    const key = `${cam}/latest.jpg`;
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    await gw.ctx.snapshots.putBlob({ name: key }, jpeg);
    try {
      const u = await api.get(`/api/v1/cameras/${cam}/snapshot`, token);
      assert.equal(u.status, 200);
      assert.ok(u.body.expiresAt > Date.now());
      const img = await fetch(`${gw.url}${u.body.url}`);
      assert.equal(img.status, 200);
      assert.equal(img.headers.get('content-type'), 'image/jpeg');
      assert.deepEqual(Buffer.from(await img.arrayBuffer()), jpeg);
      const tampered = await fetch(`${gw.url}${u.body.url.replace(/sig=./, 'sig=A')}`);
      assert.equal(tampered.status, 403);
      const other = await fetch(`${gw.url}${u.body.url.replace('latest.jpg', 'other.jpg')}`);
      assert.equal(other.status, 403, 'a signature is valid for one key only');
      const missing = await api.get(`/api/v1/snapshot-urls?key=${cam}/missing.jpg`, token);
      assert.equal((await fetch(`${gw.url}${missing.body.url}`)).status, 404);
      assert.equal((await api.get('/api/v1/snapshot-urls?key=../etc/passwd', token)).status, 400);
      // a fresh snapshot comes from the ingest worker owning the camera; this camera's source does not
      // exist, so either no worker answers or (when an ingest worker runs on this NATS) it is not streaming
      const fresh = await api.post(`/api/v1/cameras/${cam}/snapshot`, undefined, token);
      assert.equal(fresh.status, 503, fresh.text);
      assert.match(fresh.body.error.message, /no ingest worker answered|has no fresh frame: not_streaming/);
      assert.equal((await api.post('/api/v1/cameras/nope/snapshot', undefined, token)).status, 404);
    } finally {
      await gw.ctx.snapshots.delete(key);
    }
  });

  test('push subscriptions (own only) and VAPID public key; models list and activate (KV models)', async () => {
    const key = await api.get('/api/v1/push/vapid-public-key', token);
    assert.match(key.body.publicKey, /^[A-Za-z0-9_-]{87}$/);
    const sub = { endpoint: `https://push.example.test/${uniqueId()}`, keys: { p256dh: 'BPk', auth: 'au' } };
    const s = await api.post('/api/v1/push/subscriptions', sub, token);
    assert.equal(s.status, 201, s.text);
    assert.equal(
      (await api.post('/api/v1/push/subscriptions', { ...sub, endpoint: 'not a url' }, token)).status,
      400,
    );
    assert.equal((await api.get('/api/v1/push/subscriptions', token)).body.items.length, 1);
    assert.equal((await api.del(`/api/v1/push/subscriptions/${s.body.id}`, token)).status, 204);
    assert.equal((await api.del(`/api/v1/push/subscriptions/${s.body.id}`, token)).status, 404);

    const m1 = uniqueId('m');
    const m2 = uniqueId('m');
    for (const [id, active] of [
      [m1, true],
      [m2, false],
    ] as const)
      await pool.query(
        `INSERT INTO models (id, file, format, input_width, input_height, labels, active) VALUES ($1, 'x.onnx', 'yolo', 640, 640, '["person"]', $2)`,
        [id, active],
      );
    try {
      const list = await api.get('/api/v1/models', token);
      assert.equal(list.body.items.length, 2);
      const act = await api.post(`/api/v1/models/${m2}/activate`, undefined, token);
      assert.equal(act.status, 200, act.text);
      assert.equal(act.body.active, true);
      const { rows } = await pool.query('SELECT id FROM models WHERE active');
      assert.deepEqual(
        rows.map((r) => r.id),
        [m2],
      );
      const kv = JSON.parse(dec.decode((await gw.ctx.kv.models.get(m2))?.value));
      assert.equal(kv.active, true);
      const kvOld = JSON.parse(dec.decode((await gw.ctx.kv.models.get(m1))?.value));
      assert.equal(kvOld.active, false);
      assert.equal((await api.post('/api/v1/models/nope/activate', undefined, token)).status, 404);
    } finally {
      await gw.ctx.kv.models.delete(m1).catch(() => {});
      await gw.ctx.kv.models.delete(m2).catch(() => {});
    }
  });

  test('camera delete removes the KV key; live info says JSMpeg; unknown routes 404; OpenAPI document', async () => {
    const live = await api.get(`/api/v1/cameras/${cam}/live`, token);
    assert.equal(live.body.preferred, 'jsmpeg');
    assert.equal(live.body.jsmpeg.url, `/live/${cam}`);
    assert.equal((await api.del(`/api/v1/cameras/${cam2}`, token)).status, 204);
    const e = await gw.ctx.kv.cameras.get(cam2);
    assert.notEqual(e?.operation, 'PUT');
    assert.equal((await api.del(`/api/v1/cameras/${cam2}`, token)).status, 404);
    const docs = await api.get('/api/docs/json');
    assert.equal(docs.status, 200);
    assert.ok(docs.body.paths['/api/v1/cameras/{id}/test']);
    assert.ok(
      docs.body.paths['/api/v1/alerts'].get.parameters.some((p: { name: string }) => p.name === 'status'),
    );
  });

  test('health, readiness and metrics at the root; dashboard placeholder; proxies answer 503 when down', async () => {
    assert.equal((await api.get('/healthz')).status, 200);
    const ready = await api.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { postgres: 'ok', nats: 'ok', redis: 'ok' });
    const metrics = await api.get('/metrics');
    assert.match(metrics.text, /gateway_http_requests_total/);
    const page = await fetch(`${gw.url}/cameras/anything`, { headers: { accept: 'text/html' } });
    assert.match(await page.text(), /npm run build -w dashboard/);
    const proxied = await api.post('/api/v1/assistant/query', { question: 'hi' }, token);
    assert.equal(proxied.status, 503);
    assert.equal(proxied.body.error.code, 'unavailable');
    const ann = await api.get('/api/v1/annotation/tasks', token);
    assert.equal(ann.status, 503);
  });
});
