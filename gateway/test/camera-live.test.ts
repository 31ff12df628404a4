import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { uniqueId, waitFor } from '@sentinel/common/testing/index';
import WebSocket from 'ws';
import type { Gateway } from '../src/app.ts';
import type { JsmpegLive } from '../src/live/jsmpeg.ts';
import {
  ADMIN_PASSWORD,
  client,
  createTestStack,
  login,
  startTestGateway,
  type TestStack,
} from './helpers.ts';
import { startRtspServer } from './rtsp-fixture.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** ffmpeg pids whose command line mentions `needle` (to check no transcode is left behind). */
async function ffmpegPidsFor(needle: string): Promise<number[]> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.startsWith('ffmpeg') && cmd.includes(needle)) pids.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return pids;
}

describe('camera probe and JSMpeg live stream against a real RTSP server', () => {
  let stack: TestStack;
  let gw: Gateway;
  let rtsp: Awaited<ReturnType<typeof startRtspServer>>;
  let api: ReturnType<typeof client>;
  let token: string;
  const cam = uniqueId('live');

  before(async () => {
    rtsp = await startRtspServer();
    stack = await createTestStack();
    gw = await startTestGateway(stack, { LIVE_JSMPEG_WIDTH: '160', LIVE_JSMPEG_BITRATE_KBPS: '200' });
    api = client(gw.url);
    token = (await login(gw.url, 'admin', ADMIN_PASSWORD)).accessToken;
    const r = await api.post('/api/v1/cameras', { id: cam, name: 'Live', url: `${rtsp.url}/h264` }, token);
    assert.equal(r.status, 201);
  });
  after(async () => {
    await gw.ctx.kv.cameras.delete(cam).catch(() => {});
    await gw.close();
    await stack.drop();
    await rtsp.stop();
  });

  test('POST /cameras/:id/test returns codec, resolution and fps', async () => {
    const r = await api.post(`/api/v1/cameras/${cam}/test`, {}, token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.ok, true, r.text);
    assert.equal(r.body.codec, 'h264');
    assert.equal(r.body.width, 320);
    assert.equal(r.body.height, 240);
    assert.ok(r.body.fps > 0);
  });

  test('probe errors are precise: unauthorized, not found, unreachable, unsupported codec, invalid URL', async () => {
    const probe = (body: Record<string, unknown>) =>
      api.post('/api/v1/cameras/test', { timeoutMs: 5000, ...body }, token);
    const [noAuth, withAuth, notFound, refused, vp8, invalid] = await Promise.all([
      probe({ url: `${rtsp.url}/secure` }),
      probe({ url: `${rtsp.url}/secure`, username: 'user', password: 'secret' }),
      probe({ url: `${rtsp.url}/missing` }),
      probe({ url: 'rtsp://127.0.0.1:1/x' }),
      probe({ url: `${rtsp.url}/vp8` }),
      probe({ url: 'gopher://x' }),
    ]);
    assert.equal(noAuth.body.reason, 'unauthorized', noAuth.text);
    assert.equal(withAuth.body.ok, true, withAuth.text);
    assert.equal(notFound.body.reason, 'not_found', notFound.text);
    assert.equal(refused.body.reason, 'unreachable', refused.text);
    assert.equal(vp8.body.reason, 'unsupported_codec', vp8.text);
    assert.match(vp8.body.message, /vp8/);
    assert.equal(invalid.body.reason, 'invalid_url');
    assert.ok(!JSON.stringify(withAuth.body).includes('secret'));
  });

  test('a websocket viewer gets MPEG-TS with MPEG-1 video; ffmpeg stops when the viewer leaves', async () => {
    const live = (gw.ctx.live as unknown as { jsmpeg: JsmpegLive }).jsmpeg;
    assert.equal(live.ffmpegPid(cam), undefined, 'no transcode before the first viewer');
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/live/${cam}?token=${token}`);
    const chunks: Buffer[] = [];
    ws.on('message', (d: Buffer) => chunks.push(d));
    await new Promise((ok, fail) => {
      ws.once('open', ok);
      ws.once('error', fail);
    });
    const data = await waitFor(
      () => {
        const all = Buffer.concat(chunks);
        return all.length > 188 * 20 && all.includes(Buffer.from([0, 0, 1, 0xb3])) ? all : null;
      },
      { timeoutMs: 20_000, label: 'MPEG-1 sequence header in the stream' },
    );
    assert.equal(data[0], 0x47, 'MPEG-TS sync byte');
    assert.equal(data[188], 0x47, 'next TS packet');
    const pid = live.ffmpegPid(cam);
    assert.ok(pid && alive(pid));
    assert.equal((await ffmpegPidsFor(`${rtsp.port}/h264`)).length, 1, 'one ffmpeg for the camera');

    // a second viewer shares the same transcode
    const ws2 = new WebSocket(`${gw.url.replace('http', 'ws')}/live/${cam}?token=${token}`);
    await new Promise((ok) => ws2.once('message', ok));
    assert.equal(live.ffmpegPid(cam), pid);
    ws2.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(alive(pid), 'still streaming for the remaining viewer');

    ws.close();
    await waitFor(() => !alive(pid), { timeoutMs: 5000, label: 'ffmpeg to exit after the last viewer left' });
    assert.equal(live.ffmpegPid(cam), undefined);
    assert.deepEqual(await ffmpegPidsFor(`${rtsp.port}/h264`), []);
  });

  test('live websocket refuses a missing token (401) and unknown cameras (404)', async () => {
    const status = (url: string) =>
      new Promise<number>((ok) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          ok(101);
        });
        ws.on('error', () => {});
      });
    const base = gw.url.replace('http', 'ws');
    assert.equal(await status(`${base}/live/${cam}`), 401);
    assert.equal(await status(`${base}/live/${cam}?token=bad`), 401);
    assert.equal(await status(`${base}/live/nope?token=${token}`), 404);
  });
});
