import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type KV, Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import {
  frameMetaSchema,
  kvBuckets,
  type NatsConnection,
  objectStores,
  snapshotKeys,
  snapshotReplySchema,
  subjects,
} from '@sentinel/common';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import type { IngestWorker } from '../src/worker.ts';
import {
  buckets,
  camera,
  collectFrames,
  connect,
  DemoServer,
  freePort,
  putCamera,
  ROOT,
  sleep,
  startWorker,
  waitStatus,
} from './helpers.ts';

describe('ingest with a real RTSP server and NATS', () => {
  const group = uniqueId('g');
  const ids = {
    demo5: uniqueId('fps5'),
    hd2: uniqueId('fps2'),
    slow: uniqueId('slowcam'),
    still: uniqueId('still'),
    walk: uniqueId('walk'),
    secure: uniqueId('secure'),
    live: uniqueId('live'),
    hot: uniqueId('hot'),
    file: uniqueId('file'),
    hevc: uniqueId('hevc'),
    sized: uniqueId('sized'),
    http: uniqueId('http'),
  };
  let server: DemoServer;
  let nc: NatsConnection;
  let kv: { cameras: KV; leases: KV; status: KV };
  let worker: IngestWorker;
  let rtpPort: number;

  before(async () => {
    server = await DemoServer.start();
    nc = await connect('ingest-stream-test');
    kv = await buckets(nc);
    rtpPort = await freePort();
    worker = await startWorker(nc, group, {
      liveRtp: new Map([[ids.live, { host: '127.0.0.1', port: rtpPort }]]),
    });
  });

  after(async () => {
    await worker?.stop();
    for (const id of Object.values(ids)) {
      await kv.cameras.delete(id).catch(() => undefined);
      await kv.status.delete(id).catch(() => undefined);
    }
    await nc?.close();
    await server?.stop();
  });

  test('frames arrive at the configured fps and model size with valid metadata', async () => {
    const a = collectFrames(nc, ids.demo5);
    const b = collectFrames(nc, ids.hd2);
    const c = collectFrames(nc, ids.slow);
    const noMotion = { motion: { enabled: false } };
    await putCamera(kv.cameras, camera(group, ids.demo5, server.url('demo'), { detectFps: 5, ...noMotion }));
    await putCamera(
      kv.cameras,
      camera(group, ids.hd2, server.url('demo-720'), { detectFps: 2, ...noMotion }),
    );
    await waitStatus(kv.status, ids.demo5, (s) => s.state === 'streaming');
    // A 10 fps camera asked for 15 fps delivers what it has (no repeated frames).
    await putCamera(kv.cameras, camera(group, ids.slow, server.url('demo'), { detectFps: 15, ...noMotion }));
    await waitStatus(kv.status, ids.hd2, (s) => s.state === 'streaming');
    await waitStatus(kv.status, ids.slow, (s) => s.state === 'streaming');
    await waitFor(() => a.frames.length > 0 && b.frames.length > 0, {
      timeoutMs: 5000,
      label: 'first frames',
    });
    const startA = a.frames.length;
    const startB = b.frames.length;
    const startC = c.frames.length;
    const t0 = Date.now();
    await sleep(5000);
    const secs = (Date.now() - t0) / 1000;
    const fpsA = (a.frames.length - startA) / secs;
    const fpsB = (b.frames.length - startB) / secs;
    const fpsC = (c.frames.length - startC) / secs;
    c.stop();
    await kv.cameras.delete(ids.slow);
    // Above 5 (accepted at its own rate) and never above the source rate (no repeated frames); CI load may drop a few.
    assert.ok(fpsC >= 6.5 && fpsC <= 11, `10 fps camera at detectFps 15 delivered ${fpsC.toFixed(2)} fps`);
    a.stop();
    b.stop();
    assert.ok(fpsA >= 3.5 && fpsA <= 6, `5 fps camera delivered ${fpsA.toFixed(2)} fps`);
    assert.ok(fpsB >= 1.4 && fpsB <= 2.6, `2 fps camera delivered ${fpsB.toFixed(2)} fps`);
    for (const f of [...a.frames, ...b.frames]) {
      frameMetaSchema.parse(f.meta);
      assert.equal(f.bytes, 512 * 512 * 3);
      assert.equal(f.meta.width, 512);
      assert.equal(f.meta.format, 'rgb24');
      assert.ok(f.at - f.meta.capturedAt < 1000, `frame ${f.at - f.meta.capturedAt} ms old on arrival`);
    }
    assert.deepEqual(a.frames.at(-1)!.meta.source, { width: 768, height: 576 });
    assert.deepEqual(a.frames.at(-1)!.meta.letterbox, { scale: 512 / 768, padX: 0, padY: 64 });
    assert.deepEqual(b.frames.at(-1)!.meta.source, { width: 1280, height: 720 });
    const seqs = a.frames.map((f) => f.meta.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
      'seq increases',
    );
  });

  test('an H.265 camera is depayloaded, parsed and decoded too', async () => {
    const frames = collectFrames(nc, ids.hevc);
    await putCamera(
      kv.cameras,
      camera(group, ids.hevc, server.url('demo-h265'), { motion: { enabled: false } }),
    );
    await waitStatus(kv.status, ids.hevc, (s) => s.state === 'streaming');
    await waitFor(() => frames.frames.length >= 5, { timeoutMs: 5000, label: 'H.265 frames' });
    frames.stop();
    assert.deepEqual(frames.frames[0]!.meta.source, { width: 768, height: 576 });
    assert.equal(frames.frames[0]!.bytes, 512 * 512 * 3);
    await kv.cameras.delete(ids.hevc);
  });

  test("frames follow the camera's model input size from KV models, hot", async () => {
    const models = await new Kvm(nc).open(kvBuckets.models);
    const modelId = uniqueId('test-model');
    const model = (w: number, h: number) =>
      JSON.stringify({
        id: modelId,
        file: 'none.onnx',
        format: 'yolo',
        inputWidth: w,
        inputHeight: h,
        labels: ['person'],
      });
    await models.put(modelId, model(320, 240));
    const frames = collectFrames(nc, ids.sized);
    try {
      await putCamera(
        kv.cameras,
        camera(group, ids.sized, server.url('demo'), { modelId, motion: { enabled: false } }),
      );
      await waitFor(() => frames.frames.length >= 2, { timeoutMs: 15_000, label: 'frames at model size' });
      const f = frames.frames[0]!;
      assert.deepEqual([f.meta.width, f.meta.height, f.bytes], [320, 240, 320 * 240 * 3]);
      assert.equal(f.meta.modelId, modelId);
      assert.deepEqual(f.meta.letterbox, { scale: 320 / 768, padX: 0, padY: 0 });
      await models.put(modelId, model(256, 256));
      await waitFor(() => frames.frames.some((x) => x.meta.width === 256 && x.bytes === 256 * 256 * 3), {
        timeoutMs: 15_000,
        label: 'frames at the new model size',
      });
    } finally {
      frames.stop();
      await kv.cameras.delete(ids.sized);
      await models.purge(modelId);
    }
  });

  test('a static scene sends only keep-alives while walking pedestrians send frames with motion boxes', async () => {
    const still = collectFrames(nc, ids.still);
    const walk = collectFrames(nc, ids.walk);
    await putCamera(kv.cameras, camera(group, ids.still, server.url('still'), { keepAliveSeconds: 1 }));
    await putCamera(kv.cameras, camera(group, ids.walk, server.url('demo'), { keepAliveSeconds: 1 }));
    await waitStatus(kv.status, ids.still, (s) => s.state === 'streaming');
    await waitStatus(kv.status, ids.walk, (s) => s.state === 'streaming');
    const settled = Date.now() + 1500; // the motion background calibrates on the first frames
    await sleep(7500);
    still.stop();
    walk.stop();
    const s = still.frames.filter((f) => f.meta.capturedAt >= settled);
    assert.ok(s.length >= 3 && s.length <= 9, `still camera published ${s.length} frames in ~6 s`);
    for (const f of s) {
      assert.equal(f.meta.keepAlive, true, 'static scene frames are keep-alives');
      assert.deepEqual(f.meta.motion.boxes, []);
    }
    for (let i = 1; i < s.length; i++)
      assert.ok(s[i]!.meta.capturedAt - s[i - 1]!.meta.capturedAt >= 900, 'keep-alives about 1 s apart');
    const moving = walk.frames.filter((f) => f.meta.motion.boxes.length > 0);
    assert.ok(
      moving.length >= 15,
      `walking scene: ${moving.length} of ${walk.frames.length} frames had motion`,
    );
    for (const f of moving) {
      frameMetaSchema.parse(f.meta);
      assert.equal(f.meta.keepAlive, false);
      assert.ok(f.meta.motion.ratio > 0 && f.meta.motion.ratio < 0.5, `ratio ${f.meta.motion.ratio}`);
      for (const [x, y, w, h] of f.meta.motion.boxes)
        assert.ok(w > 0 && h > 0 && x + w <= 1.0001 && y + h <= 1.0001);
    }
  });

  test('on-demand snapshot returns the key of a fresh JPEG; the 1 fps ring keeps latest.jpg', async () => {
    const reply = snapshotReplySchema.parse(
      (await nc.request(subjects.snapshotRequest(ids.walk), new Uint8Array(), { timeout: 5000 })).json(),
    );
    assert.equal(reply.ok, true);
    if (!reply.ok) return;
    assert.ok(Date.now() - reply.capturedAt < 3000, 'fresh');
    assert.deepEqual([reply.width, reply.height], [768, 576]);
    const store = await new Objm(nc).open(objectStores.snapshots);
    const jpeg = await store.getBlob(reply.key);
    assert.ok(jpeg && jpeg[0] === 0xff && jpeg[1] === 0xd8, 'a JPEG');
    assert.equal(jpeg.length, reply.bytes);
    const latest = await store.getBlob(snapshotKeys.latest(ids.walk));
    assert.ok(latest && latest[0] === 0xff && latest[1] === 0xd8);
    const info1 = await store.info(snapshotKeys.latest(ids.walk));
    await sleep(2200);
    const info2 = await store.info(snapshotKeys.latest(ids.walk));
    assert.ok(info1 && info2 && info2.mtime > info1.mtime, 'latest.jpg is refreshed every second');
    await store.delete(reply.key);
    // A camera nobody runs gets no answer.
    await assert.rejects(
      nc.request(subjects.snapshotRequest(uniqueId('none')), new Uint8Array(), { timeout: 500 }),
    );
  });

  test('credentials from the camera config open a protected stream and never appear in status', async () => {
    await putCamera(
      kv.cameras,
      camera(group, ids.secure, server.url('secure'), { username: 'demo', password: 'demo-secret' }),
    );
    const s = await waitStatus(kv.status, ids.secure, (x) => x.state === 'streaming');
    const raw = (await kv.status.get(ids.secure))!.string();
    assert.ok(!raw.includes('demo-secret'));
    assert.equal(s.workerId, worker.workerId);
  });

  test('live view pass-through sends the H.264 stream as RTP to the configured UDP port', async () => {
    const sock = createSocket('udp4');
    const packets: Buffer[] = [];
    sock.on('message', (m) => packets.push(m));
    await new Promise<void>((r) => sock.bind(rtpPort, '127.0.0.1', () => r()));
    try {
      await putCamera(
        kv.cameras,
        camera(group, ids.live, server.url('demo'), { motion: { enabled: false } }),
      );
      await waitFor(() => packets.length > 20, { timeoutMs: 15_000, label: 'RTP packets' });
      const p = packets[packets.length - 1]!;
      assert.equal(p[0]! >> 6, 2, 'RTP version 2');
      assert.equal(p[1]! & 0x7f, 96, 'payload type 96');
    } finally {
      sock.close();
      await kv.cameras.delete(ids.live);
    }
  });

  test('config changes apply without restart: new fps, disable (offline, lease freed), enable again', async () => {
    const base = camera(group, ids.hot, server.url('demo'), { detectFps: 5, motion: { enabled: false } });
    await putCamera(kv.cameras, base);
    await waitStatus(kv.status, ids.hot, (s) => s.state === 'streaming');
    await putCamera(kv.cameras, { ...base, detectFps: 1 });
    await sleep(2500); // the pipeline restarts at the new rate
    const frames = collectFrames(nc, ids.hot);
    await sleep(4000);
    frames.stop();
    assert.ok(
      frames.frames.length >= 2 && frames.frames.length <= 6,
      `${frames.frames.length} frames in 4 s at 1 fps`,
    );
    await putCamera(kv.cameras, { ...base, enabled: false });
    const off = await waitStatus(kv.status, ids.hot, (s) => s.state === 'offline', 5000);
    assert.equal(off.detail, 'disabled');
    await waitFor(async () => (await kv.leases.get(ids.hot))?.operation !== 'PUT', {
      timeoutMs: 5000,
      label: 'lease freed',
    });
    await putCamera(kv.cameras, base);
    await waitStatus(kv.status, ids.hot, (s) => s.state === 'streaming', 15_000);
    await kv.cameras.delete(ids.hot);
  });

  test('file:// and http:// sources stream in real time and restart at their end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ingest-src-'));
    const mp4 = join(dir, 'clip.mp4');
    const ts = join(dir, 'clip.ts');
    const native = resolve(ROOT, '.data/demo/vtest-native.h264');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-r',
      '10',
      '-i',
      native,
      '-t',
      '4',
      '-c',
      'copy',
      '-movflags',
      '+faststart',
      mp4,
    ]);
    execFileSync('ffmpeg', ['-v', 'error', '-r', '10', '-i', native, '-t', '4', '-c', 'copy', ts]);
    const http = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp2t' });
      createReadStream(ts).pipe(res);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const httpPort = (http.address() as { port: number }).port;
    try {
      const f = collectFrames(nc, ids.file);
      const h = collectFrames(nc, ids.http);
      const noMotion = { motion: { enabled: false } };
      await putCamera(kv.cameras, camera(group, ids.file, `file://${mp4}`, noMotion));
      await putCamera(kv.cameras, camera(group, ids.http, `http://127.0.0.1:${httpPort}/clip.ts`, noMotion));
      await waitStatus(kv.status, ids.file, (s) => s.state === 'streaming');
      await waitStatus(kv.status, ids.http, (s) => s.state === 'streaming');
      // 4 s clips at 5 fps, paced in real time: they end, report stream_ended, and play again.
      await waitStatus(kv.status, ids.file, (s) => s.reason === 'stream_ended', 10_000);
      await waitStatus(kv.status, ids.file, (s) => s.state === 'streaming' && s.reconnects >= 1, 10_000);
      f.stop();
      h.stop();
      const first = f.frames.filter((x) =>
        x.meta.frameId.includes(f.frames[0]!.meta.frameId.split('-').at(-2)!),
      );
      const span = (first.at(-1)!.meta.capturedAt - first[0]!.meta.capturedAt) / 1000;
      assert.ok(first.length >= 14 && first.length <= 22, `${first.length} frames from a 4 s clip at 5 fps`);
      assert.ok(span >= 2.5, `paced in real time (${span.toFixed(1)} s)`);
      assert.ok(h.frames.length >= 10, `${h.frames.length} frames over http`);
      assert.deepEqual(h.frames[0]!.meta.source, { width: 768, height: 576 });
    } finally {
      await kv.cameras.delete(ids.file);
      await kv.cameras.delete(ids.http);
      http.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stopping and restarting the camera server recovers the camera', async () => {
    const before = await waitStatus(kv.status, ids.demo5, (s) => s.state === 'streaming');
    await server.stop();
    const down = await waitStatus(
      kv.status,
      ids.demo5,
      (s) => s.state === 'reconnecting' || s.state === 'offline',
      15_000,
    );
    assert.ok(
      ['stream_ended', 'unreachable', 'no_frames'].includes(down.reason ?? ''),
      `reason ${down.reason}`,
    );
    await sleep(1000);
    await server.start();
    const frames = collectFrames(nc, ids.demo5);
    const up = await waitStatus(kv.status, ids.demo5, (s) => s.state === 'streaming', 20_000);
    assert.ok(up.reconnects > before.reconnects);
    await waitFor(() => frames.frames.length >= 3, { timeoutMs: 10_000, label: 'frames after recovery' });
    frames.stop();
  });

  test('removing a camera from KV stops it and clears its lease and status', async () => {
    await kv.cameras.delete(ids.hd2);
    await waitFor(async () => !(await kv.leases.get(ids.hd2).then((e) => e?.operation === 'PUT')), {
      timeoutMs: 5000,
      label: 'lease released',
    });
    assert.ok(!worker.ownedCameras().has(ids.hd2));
    const frames = collectFrames(nc, ids.hd2);
    await sleep(1500);
    frames.stop();
    assert.equal(frames.frames.length, 0);
  });
});
