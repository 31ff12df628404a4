import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectNats, createLogger, type NatsConnection } from '@sentinel/common';
import { h264ProfileLevelId, parseRtpPorts } from '../src/live/h264.ts';
import { JsmpegLive } from '../src/live/jsmpeg.ts';
import { routerMediaCodecs } from '../src/live/mediasoup.ts';
import { createLiveView } from '../src/live/select.ts';

const logger = createLogger('live-select-test', 'silent');

describe('live transport selection and H.264 codec matching', () => {
  let nc: NatsConnection;
  const jsmpeg = () =>
    new JsmpegLive({
      logger,
      authenticate: async () => ({ id: 'u', username: 'u', role: 'viewer' }),
      resolveSource: async () => null,
      width: 640,
      bitrateKbps: 800,
      fps: 15,
      maxStreams: 2,
    });
  before(async () => {
    nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4422', 'live-select-test', logger);
  });
  after(async () => {
    await nc.close();
  });

  const base = { logger, rtcMinPort: 40000, rtcMaxPort: 40100, cameraExists: async () => true };

  test('auto: mediasoup worker cannot start here → JSMpeg, with the reason in live info', async () => {
    const live = await createLiveView({ ...base, mode: 'auto', jsmpeg: jsmpeg(), nc });
    try {
      assert.equal(live.preferred, 'jsmpeg');
      const info = live.info('cam1');
      assert.equal(info.webrtc.available, false);
      assert.match(info.webrtc.reason ?? '', /mediasoup unavailable/);
      assert.equal(info.jsmpeg.url, '/live/cam1');
    } finally {
      await live.close();
    }
  });

  test('webrtc forced but unavailable → start fails with a clear error; jsmpeg forced → no mediasoup attempt', async () => {
    await assert.rejects(
      createLiveView({ ...base, mode: 'webrtc', jsmpeg: jsmpeg(), nc }),
      /LIVE_TRANSPORT=webrtc but mediasoup unavailable/,
    );
    const live = await createLiveView({ ...base, mode: 'jsmpeg', jsmpeg: jsmpeg(), nc });
    assert.equal(live.info('c').webrtc.reason, 'LIVE_TRANSPORT=jsmpeg');
    await live.close();
  });

  test('profile-level-id from ffprobe profile/level; routers accept the common camera profiles', () => {
    assert.equal(h264ProfileLevelId('Constrained Baseline', 31), '42e01f');
    assert.equal(h264ProfileLevelId('Main', 40), '4d0028');
    assert.equal(h264ProfileLevelId('High', 51), '640033');
    assert.equal(h264ProfileLevelId(undefined, undefined), '42e01f');
    const ids = routerMediaCodecs().map((c) => c.parameters?.['profile-level-id']);
    for (const p of ['42e01f', '4d0032', '640032']) assert.ok(ids.includes(p), p);
  });

  test('LIVE_RTP_PORTS parsing', () => {
    assert.deepEqual(
      [...parseRtpPorts('cam1=5004, cam-2=5006')],
      [
        ['cam1', 5004],
        ['cam-2', 5006],
      ],
    );
    assert.equal(parseRtpPorts('').size, 0);
    assert.throws(() => parseRtpPorts('cam1:5004'), /cameraId=port/);
    assert.throws(() => parseRtpPorts('cam1=70000'), /cameraId=port/);
  });
});
