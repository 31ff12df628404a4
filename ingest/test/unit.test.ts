import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cameraConfigSchema } from '@sentinel/common';
import { backoffMs } from '../src/camera/backoff.ts';
import { assignCameras, preferredWorker } from '../src/cluster/ownership.ts';
import { MotionDetector } from '../src/motion/motion-detector.ts';
import { classifyBusError, errorDetail } from '../src/pipeline/classify.ts';
import { describePipeline, fpsFraction, letterbox, splitCredentials } from '../src/pipeline/describe.ts';
import { groupOf, parseCamera, parseLiveRtp } from '../src/worker.ts';

const W = 128;
const H = 96;
/** A grey RGB frame with an optional bright square. */
function frame(level: number, square?: { x: number; y: number; size: number }): Uint8Array {
  const f = new Uint8Array(W * H * 3).fill(level);
  if (square)
    for (let y = square.y; y < square.y + square.size; y++)
      for (let x = square.x; x < square.x + square.size; x++)
        f.fill(230, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return f;
}
const content = { x: 0, y: 0, width: W, height: H };

describe('motion detector', () => {
  test('a static scene yields no motion; a moving square yields one box where it is', () => {
    const d = new MotionDetector({ threshold: 30, minArea: 0.001, masks: [], height: H });
    for (let i = 0; i < 6; i++) assert.deepEqual(d.detect(frame(60), W, content).boxes, []);
    const r = d.detect(frame(60, { x: 80, y: 40, size: 12 }), W, content);
    assert.equal(r.boxes.length, 1);
    const [x, y, w, h] = r.boxes[0]!;
    // The box covers the square (dilated by one pixel at most).
    assert.ok(x <= 80 / W && x >= 78 / W, `x ${x}`);
    assert.ok(y <= 40 / H && y >= 38 / H, `y ${y}`);
    assert.ok(x + w >= 92 / W && w <= 16 / W, `w ${w}`);
    assert.ok(y + h >= 52 / H && h <= 16 / H, `h ${h}`);
    assert.ok(r.ratio > 0 && r.ratio < 0.05);
  });

  test('a global brightness change recalibrates instead of reporting motion', () => {
    const d = new MotionDetector({ threshold: 30, minArea: 0.001, masks: [], height: H });
    for (let i = 0; i < 6; i++) d.detect(frame(40), W, content);
    const lightsOn = d.detect(frame(200), W, content);
    assert.equal(lightsOn.boxes.length, 0);
    assert.equal(lightsOn.calibrated, true);
    for (let i = 0; i < 4; i++) d.detect(frame(200), W, content);
    assert.equal(d.detect(frame(200), W, content).boxes.length, 0);
  });

  test('motion inside a mask polygon is ignored, outside it is reported', () => {
    const mask = [
      [0.5, 0],
      [1, 0],
      [1, 1],
      [0.5, 1],
    ] as Array<readonly [number, number]>;
    const d = new MotionDetector({ threshold: 30, minArea: 0.001, masks: [mask], height: H });
    for (let i = 0; i < 6; i++) d.detect(frame(60), W, content);
    assert.equal(d.detect(frame(60, { x: 90, y: 40, size: 12 }), W, content).boxes.length, 0);
    assert.equal(d.detect(frame(60, { x: 10, y: 40, size: 12 }), W, content).boxes.length, 1);
  });

  test('tiny changes below minArea are not boxes', () => {
    const d = new MotionDetector({ threshold: 30, minArea: 0.05, masks: [], height: H });
    for (let i = 0; i < 6; i++) d.detect(frame(60), W, content);
    assert.equal(d.detect(frame(60, { x: 10, y: 10, size: 4 }), W, content).boxes.length, 0);
  });
});

describe('pipeline description', () => {
  const cam = cameraConfigSchema.parse({
    id: 'cam-1',
    name: 'c',
    url: 'rtsp://admin:s3cret@10.0.0.5:554/stream',
    detectFps: 5,
  });
  const opts = {
    width: 512,
    height: 512,
    latencyMs: 150,
    connectTimeoutS: 5,
    snapshotFps: 1,
    snapshotQuality: 80,
    availableDecoders: new Set<string>(),
  };

  test('credentials never reach the description; they become properties', () => {
    const d = describePipeline(cam, opts);
    assert.ok(!d.description.includes('s3cret') && !d.description.includes('admin'));
    assert.deepEqual(d.credentials, { user: 'admin', password: 's3cret' });
    assert.match(
      d.description,
      /rtspsrc name=src location="rtsp:\/\/10\.0\.0\.5:554\/stream" protocols=tcp latency=150/,
    );
    assert.match(d.description, /videorate drop-only=true max-rate=5 ! video\/x-raw,framerate=\[1\/2,5\/1\]/);
    assert.ok(
      !describePipeline(cam, opts, true).description.includes('videorate drop-only'),
      'rate limited in Node',
    );
    assert.match(d.description, /format=RGB,width=512,height=512/);
    assert.match(d.description, /appsink name=sink max-buffers=1 drop=true sync=false/);
    assert.match(d.description, /jpegenc quality=80 ! appsink name=snap/);
  });

  test('file sources use uridecodebin in real time; pass-through only when configured', () => {
    const f = describePipeline({ ...cam, url: 'file:///tmp/x.mp4' }, opts);
    assert.equal(f.kind, 'uri');
    assert.match(f.description, /uridecodebin name=src uri="file:\/\/\/tmp\/x.mp4"/);
    assert.match(f.description, /uridecodebin .* ! identity sync=true ! tee name=raw/);
    assert.ok(!describePipeline(cam, opts).description.includes('udpsink'));
    const live = describePipeline(cam, { ...opts, liveRtp: { host: '127.0.0.1', port: 5004 } });
    assert.match(live.description, /rtph264pay .*udpsink host="127.0.0.1" port=5004/);
  });

  test('hardware decoders are used only when requested and present', () => {
    assert.match(describePipeline({ ...cam, decoder: 'nvidia' }, opts).description, / decodebin /);
    const nv = describePipeline(
      { ...cam, decoder: 'nvidia' },
      { ...opts, availableDecoders: new Set(['nvh264dec']) },
    );
    assert.match(nv.description, /nvh264dec/);
  });

  test('fps fractions, letterbox and credentials split', () => {
    assert.equal(fpsFraction(5), '5/1');
    assert.equal(fpsFraction(0.5), '1/2');
    assert.equal(fpsFraction(7.5), '15/2');
    assert.deepEqual(letterbox({ width: 768, height: 576 }, { width: 512, height: 512 }), {
      scale: 512 / 768,
      padX: 0,
      padY: 64,
      content: { x: 0, y: 64, width: 512, height: 384 },
    });
    const lb = letterbox({ width: 1920, height: 1080 }, { width: 512, height: 512 });
    assert.equal(lb.padY, 112);
    assert.deepEqual(splitCredentials('rtsp://u%40x:p%3A@h/p', undefined, 'override'), {
      location: 'rtsp://h/p',
      credentials: { user: 'u@x', password: 'override' },
    });
  });
});

describe('error classification', () => {
  const ctx = { hadFrames: false, noVideoStream: false };
  test('maps GStreamer errors to precise reasons', () => {
    assert.equal(
      classifyBusError({ message: 'Unauthorized', details: 'rtsp-status-code=(uint)401' }, ctx),
      'unauthorized',
    );
    assert.equal(classifyBusError({ message: 'Not found', debug: 'Not Found (404)' }, ctx), 'not_found');
    assert.equal(
      classifyBusError(
        { message: 'Could not open resource for reading and writing.', debug: 'Failed to connect.' },
        ctx,
      ),
      'unreachable',
    );
    assert.equal(
      classifyBusError({ message: 'x', debug: 'streaming stopped, reason not-negotiated (-4)' }, ctx),
      'unsupported_codec',
    );
    assert.equal(
      classifyBusError({ message: 'x', debug: 'reason not-negotiated (-4)' }, { ...ctx, hadFrames: true }),
      'corrupt_stream',
    );
    assert.equal(
      classifyBusError({ message: 'x', debug: 'reason not-linked (-1)' }, { ...ctx, noVideoStream: true }),
      'unsupported_codec',
    );
    assert.equal(
      classifyBusError({ message: 'Your GStreamer installation is missing a plug-in.' }, ctx),
      'unsupported_codec',
    );
    assert.equal(classifyBusError({ message: 'something odd' }, ctx), 'internal');
  });

  test('details never carry credentials', () => {
    const d = errorDetail(
      { message: 'Could not open', debug: 'a\nFailed to connect to rtsp://bob:hunter2@cam/x (hunter2)' },
      ['hunter2', 'bob'],
    );
    assert.ok(!d.includes('hunter2') && !d.includes('bob'), d);
  });
});

describe('ownership and config helpers', () => {
  test('rendezvous hashing is stable and spreads cameras', () => {
    const workers = ['w1', 'w2', 'w3'];
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const w = preferredWorker(`cam-${i}`, workers)!;
      assert.equal(preferredWorker(`cam-${i}`, [...workers].reverse()), w);
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    for (const w of workers) assert.ok((counts.get(w) ?? 0) > 60, `${w}: ${counts.get(w)}`);
    // Removing a worker moves only its cameras.
    for (let i = 0; i < 100; i++) {
      const before = preferredWorker(`cam-${i}`, workers);
      const after = preferredWorker(`cam-${i}`, ['w1', 'w2']);
      if (before !== 'w3') assert.equal(after, before);
    }
  });

  test('bounded-load assignment splits cameras evenly, respects capacity and moves little', () => {
    const cams = Array.from({ length: 4 }, (_, i) => `cam${i}`);
    for (let trial = 0; trial < 20; trial++) {
      const ws = [
        { id: `a${trial}`, capacity: 8 },
        { id: `b${trial}`, capacity: 8 },
      ];
      const counts = [...assignCameras(cams, ws).values()].reduce(
        (m, w) => m.set(w, (m.get(w) ?? 0) + 1),
        new Map<string, number>(),
      );
      assert.deepEqual([...counts.values()], [2, 2]);
    }
    const m = assignCameras(cams, [
      { id: 'a', capacity: 1 },
      { id: 'b', capacity: 8 },
    ]);
    assert.equal([...m.values()].filter((w) => w === 'a').length, 1);
    assert.equal(m.size, 3, 'over capacity: one camera unassigned (b holds at most ceil(4/2))');
    assert.deepEqual(
      assignCameras(
        ['x', 'y'],
        [
          { id: 'a', capacity: 4 },
          { id: 'b', capacity: 4 },
        ],
      ),
      assignCameras(
        ['y', 'x'],
        [
          { id: 'b', capacity: 4 },
          { id: 'a', capacity: 4 },
        ],
      ),
    );
  });

  test('backoff grows, is capped and jittered', () => {
    assert.equal(
      backoffMs(1, 1000, 30_000, () => 0.5),
      1000,
    );
    assert.equal(
      backoffMs(3, 1000, 30_000, () => 0.5),
      4000,
    );
    assert.equal(
      backoffMs(20, 1000, 30_000, () => 0.5),
      30_000,
    );
    assert.equal(
      backoffMs(1, 1000, 30_000, () => 0),
      800,
    );
    assert.equal(
      backoffMs(1, 1000, 30_000, () => 1),
      1200,
    );
  });

  test('invalid camera configs become invalid entries without echoing the URL', () => {
    const bad = parseCamera(
      'cam-x',
      new TextEncoder().encode(
        JSON.stringify({ id: 'cam-x', name: 'x', url: 'rtsp//u:pw@nohost', tags: ['ingest:g'] }),
      ),
    );
    assert.ok('invalid' in bad);
    assert.ok(!JSON.stringify(bad).includes('pw@'));
    assert.equal(groupOf(bad.tags), 'g');
    const good = parseCamera(
      'cam-y',
      new TextEncoder().encode(JSON.stringify({ id: 'cam-y', name: 'y', url: 'rtsp://h/p' })),
    );
    assert.ok(!('invalid' in good));
    assert.equal(groupOf(good.tags), '');
    assert.deepEqual(
      [...parseLiveRtp('a=127.0.0.1:5004, b=10.0.0.1:6000')],
      [
        ['a', { host: '127.0.0.1', port: 5004 }],
        ['b', { host: '10.0.0.1', port: 6000 }],
      ],
    );
    assert.throws(() => parseLiveRtp('a=nohostport'), /cameraId=host:port/);
  });
});
