import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alertEventSchema,
  cameraConfigSchema,
  decodeJson,
  detectionBatchSchema,
  frameHeaders,
  frameMetaSchema,
  MessageValidationError,
  publicCamera,
  readFrameHeaders,
  ruleSchema,
  zoneSchema,
} from '../src/index.ts';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

const batch = {
  cameraId: 'cam-1',
  frameId: 'cam-1:42',
  capturedAt: 1_700_000_000_000,
  modelId: 'centernet',
  source: { width: 768, height: 576 },
  detections: [
    {
      label: 'person',
      classId: 0,
      score: 0.9,
      box: [0.1, 0.2, 0.1, 0.3],
      trackId: 't1',
      trackState: 'confirmed',
    },
  ],
};

test('a valid detection batch decodes with defaults', () => {
  const b = decodeJson(detectionBatchSchema, 'detection batch', enc(batch));
  assert.deepEqual(b.trace, {});
  assert.equal(b.detections[0]?.stationary, false);
});

test('malformed messages are rejected with field paths', () => {
  const bad = {
    ...batch,
    cameraId: 'Cam 1',
    detections: [{ ...batch.detections[0], score: 1.5, box: [0.9, 0, 0.5, 0.1] }],
  };
  assert.throws(
    () => decodeJson(detectionBatchSchema, 'detection batch', enc(bad)),
    (err: unknown) => {
      assert.ok(err instanceof MessageValidationError);
      const paths = err.issues.map((i) => i.split(':')[0]);
      assert.ok(paths.includes('cameraId'), paths.join());
      assert.ok(paths.includes('detections.0.score'), paths.join());
      assert.ok(paths.includes('detections.0.box'), paths.join());
      return true;
    },
  );
  assert.throws(
    () => decodeJson(detectionBatchSchema, 'x', new TextEncoder().encode('{not json')),
    /not JSON/,
  );
  assert.throws(() => alertEventSchema.parse({ ...batch, event: 'exploded' }), /event/);
});

test('frame metadata round-trips through NATS headers; unknown trace keys are refused', () => {
  const meta = frameMetaSchema.parse({
    cameraId: 'cam-1',
    frameId: 'f1',
    capturedAt: 1_700_000_000_000,
    seq: 1,
    width: 512,
    height: 512,
    format: 'rgb24',
    source: { width: 1280, height: 720 },
    letterbox: { scale: 0.4, padX: 0, padY: 112 },
    motion: { boxes: [[0.1, 0.1, 0.2, 0.2]], ratio: 0.04 },
    trace: { decodedAt: 1_700_000_000_001 },
  });
  assert.deepEqual(readFrameHeaders(frameHeaders(meta)), meta);
  assert.throws(() => frameMetaSchema.parse({ ...meta, trace: { bogusAt: 1 } }), /trace/);
  assert.throws(() => readFrameHeaders(undefined), /headers.Sentinel-Frame-Meta: missing/);
});

test('camera URLs: malformed, wrong scheme and missing host are precise', () => {
  const base = { id: 'cam-1', name: 'Dock' };
  const msg = (url: string) => {
    const r = cameraConfigSchema.safeParse({ ...base, url });
    assert.equal(r.success, false, url);
    return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };
  assert.match(msg('not a url'), /^url: is not a valid URL/);
  assert.match(msg('ftp://cam/stream'), /unsupported scheme 'ftp:'/);
  assert.match(msg('rtsp://'), /url: /);
  const ok = cameraConfigSchema.parse({
    ...base,
    url: 'rtsp://user:secret@10.0.0.2:554/live',
    password: 'x',
  });
  const pub = publicCamera(ok);
  assert.equal(pub.url, 'rtsp://10.0.0.2:554/live');
  assert.equal(pub.hasCredentials, true);
  assert.equal('password' in pub, false);
});

test('zones and rules: self-intersecting polygon, empty schedule window, unknown time zone', () => {
  const bowtie = {
    id: 'z1',
    cameraId: 'cam-1',
    name: 'bay',
    polygon: [
      [0, 0],
      [1, 1],
      [1, 0],
      [0, 1],
    ],
  };
  assert.throws(() => zoneSchema.parse(bowtie), /self-intersecting/);
  assert.ok(
    zoneSchema.parse({
      ...bowtie,
      polygon: [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
    }),
  );
  const rule = {
    id: 'r1',
    name: 'Bay',
    cameraIds: ['cam-1'],
    labels: ['person'],
    condition: { type: 'enter', zoneId: 'z1' },
  };
  assert.equal(ruleSchema.parse(rule).cooldownSeconds, 60);
  const r = ruleSchema.safeParse({
    ...rule,
    schedule: { timezone: 'Mars/Olympus', windows: [{ days: [1], start: '10:00', end: '10:00' }] },
  });
  assert.equal(r.success, false);
  const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.ok(issues.includes('schedule.timezone: unknown IANA time zone'), issues.join('\n'));
  assert.ok(
    issues.includes('schedule.windows.0.end: window start and end are equal (empty window)'),
    issues.join('\n'),
  );
});
