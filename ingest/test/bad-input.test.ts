import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type KV, KvWatchInclude } from '@nats-io/kv';
import { type CameraStatus, cameraStatusSchema, type NatsConnection } from '@sentinel/common';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import { GstSession } from '../src/pipeline/gst-session.ts';
import type { IngestWorker } from '../src/worker.ts';
import {
  buckets,
  camera,
  collectFrames,
  connect,
  DemoServer,
  freePort,
  putCamera,
  startWorker,
  testSettings,
  waitStatus,
} from './helpers.ts';

describe('bad input: each fault yields its state and reason, other cameras stream on', () => {
  const group = uniqueId('bad');
  const id = (p: string) => `${p}-${group}`;
  const ids = {
    healthy: id('healthy'),
    malformed: id('malformed'),
    unreachable: id('unreachable'),
    notFound: id('notfound'),
    unauthorized: id('unauth'),
    corrupt: id('corrupt'),
    glitchy: id('glitchy'),
    ended: id('ended'),
    codec: id('codec'),
  };
  let server: DemoServer;
  let nc: NatsConnection;
  let kv: { cameras: KV; leases: KV; status: KV };
  let worker: IngestWorker;
  const seen = new Map<string, CameraStatus[]>();
  let watchStop: (() => void) | undefined;

  before(async () => {
    server = await DemoServer.start();
    nc = await connect('ingest-bad-input-test');
    kv = await buckets(nc);
    // Record every status transition of our cameras (short-lived states included).
    // One watcher on the whole bucket (server 2.9 has no multi-key filters), keeping only our cameras.
    const ours = new Set(Object.values(ids));
    const iter = await kv.status.watch({ include: KvWatchInclude.UpdatesOnly });
    watchStop = () => iter.stop();
    void (async () => {
      for await (const e of iter) {
        if (e.operation !== 'PUT' || !ours.has(e.key)) continue;
        const s = cameraStatusSchema.parse(e.json());
        seen.set(s.cameraId, [...(seen.get(s.cameraId) ?? []), s]);
      }
    })();
    worker = await startWorker(nc, group, {
      settings: testSettings({
        offlineAfterAttempts: 3,
        backoffInitialMs: 400,
        backoffMaxMs: 1500,
        watchdogMs: 5000,
      }),
      maxCameras: 10,
    });
    const deadPort = await freePort();
    const cams = [
      camera(group, ids.healthy, server.url('demo'), { motion: { enabled: false } }),
      camera(group, ids.malformed, 'rtsp//no-scheme-separator/stream'),
      camera(group, ids.unreachable, `rtsp://127.0.0.1:${deadPort}/demo`),
      camera(group, ids.notFound, server.url('no-such-path')),
      camera(group, ids.unauthorized, server.url('secure', 'demo:wrong-password')),
      camera(group, ids.corrupt, server.url('corrupt')),
      camera(group, ids.glitchy, server.url('glitchy')),
      camera(group, ids.ended, server.url('once')),
      camera(group, ids.codec, server.url('unknown')),
    ];
    for (const c of cams) await putCamera(kv.cameras, c);
  });

  after(async () => {
    watchStop?.();
    await worker?.stop();
    for (const i of Object.values(ids)) {
      await kv.cameras.delete(i).catch(() => undefined);
      await kv.status.delete(i).catch(() => undefined);
    }
    await nc?.close();
    await server?.stop();
  });

  const sawReason = (cam: string, states: string[], reason: string, timeoutMs = 20_000) =>
    waitFor(() => seen.get(cam)?.find((s) => states.includes(s.state) && s.reason === reason), {
      timeoutMs,
      label: `${cam} ${states.join('|')}(${reason}); saw ${JSON.stringify(seen.get(cam)?.map((s) => [s.state, s.reason]))}`,
    });

  test('malformed URL: error(invalid_url), no retries', async () => {
    const s = await sawReason(ids.malformed, ['error'], 'invalid_url');
    assert.match(s.detail ?? '', /URL/);
    assert.equal(s.reconnects, 0);
  });

  test('unreachable host: reconnecting(unreachable), then offline after repeated failures', async () => {
    await sawReason(ids.unreachable, ['reconnecting'], 'unreachable');
    const off = await sawReason(ids.unreachable, ['offline'], 'unreachable');
    assert.ok(off.reconnects >= 3);
  });

  test('wrong path: error(not_found)', async () => {
    await sawReason(ids.notFound, ['error'], 'not_found');
  });

  test('wrong credentials: error(unauthorized), the password never appears in status', async () => {
    const s = await sawReason(ids.unauthorized, ['error'], 'unauthorized');
    assert.ok(!JSON.stringify(s).includes('wrong-password'));
    assert.ok(!JSON.stringify(seen.get(ids.unauthorized)).includes('wrong-password'));
  });

  test('unsupported codec: error(unsupported_codec)', async () => {
    await sawReason(ids.codec, ['error'], 'unsupported_codec');
  });

  test('corrupt bitstream: corrupt_stream and automatic restarts, no crash', async () => {
    const s = await sawReason(ids.corrupt, ['reconnecting', 'offline'], 'corrupt_stream');
    assert.ok(s.reconnects >= 1);
    assert.match(s.detail ?? '', /nothing decoded|video units decoded/);
    // It streamed before the corruption started, and is retried (streams again for a moment).
    assert.ok(seen.get(ids.corrupt)?.some((x) => x.state === 'streaming'));
    await waitFor(() => (seen.get(ids.corrupt) ?? []).filter((x) => x.state === 'streaming').length >= 2, {
      timeoutMs: 15_000,
      label: 'corrupt camera retried',
    });
  });

  test('glitches in every access unit: the camera is never stuck and the worker survives', async () => {
    // The decoder conceals damaged slices, so frames keep coming (or a caps failure restarts it).
    const frames = collectFrames(nc, ids.glitchy);
    await waitFor(
      async () =>
        frames.frames.length > 0 ||
        (seen.get(ids.glitchy) ?? []).some((x) => x.reason === 'corrupt_stream' || x.reason === 'no_frames'),
      { timeoutMs: 15_000, label: 'glitchy camera delivers or restarts' },
    );
    frames.stop();
  });

  test('stream end: reconnecting(stream_ended), then streaming again', async () => {
    await sawReason(ids.ended, ['reconnecting'], 'stream_ended');
    await waitStatus(kv.status, ids.ended, (s) => s.state === 'streaming' && s.reconnects >= 1, 20_000);
  });

  test('a reconnect storm leaks no thread-pool threads', async () => {
    const storm = await startWorker(nc, `${group}-storm`, {
      settings: testSettings({ backoffInitialMs: 50, backoffMaxMs: 100, offlineAfterAttempts: 1000 }),
    });
    const stormId = `storm-${group}`;
    const before = GstSession.pendingBusPolls;
    try {
      await putCamera(
        kv.cameras,
        camera(`${group}-storm`, stormId, `rtsp://127.0.0.1:${await freePort()}/x`),
      );
      await waitFor(() => (storm.ownedCameras().get(stormId)?.reconnects ?? 0) >= 40, {
        timeoutMs: 20_000,
        label: '40 reconnects',
      });
    } finally {
      await kv.cameras.delete(stormId);
      await storm.stop();
      await kv.status.delete(stormId).catch(() => undefined);
    }
    // Every stopped pipeline's bus poll returned: what remains is at most one live session per camera of
    // the other worker (its failing cameras reconnect meanwhile, so the exact count moves).
    const bound = Math.max(before, worker.ownedCameras().size);
    await waitFor(() => GstSession.pendingBusPolls <= bound, {
      timeoutMs: 5000,
      label: `bus polls back to at most ${bound} (now ${GstSession.pendingBusPolls})`,
    });
  });

  test('the healthy camera streamed throughout', async () => {
    const frames = collectFrames(nc, ids.healthy);
    await waitFor(() => frames.frames.length >= 8, { timeoutMs: 5000, label: 'healthy frames' });
    frames.stop();
    const states = (seen.get(ids.healthy) ?? []).map((s) => s.state);
    assert.ok(!states.includes('reconnecting') && !states.includes('error'), states.join(','));
    assert.equal(worker.ownedCameras().size, Object.keys(ids).length);
  });

  test('after the worker stops, every pipeline released its bus poll thread', async () => {
    await worker.stop();
    await waitFor(() => GstSession.pendingBusPolls === 0, {
      timeoutMs: 3000,
      label: `no pending bus polls (now ${GstSession.pendingBusPolls})`,
    });
  });
});
