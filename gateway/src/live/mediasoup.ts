import type { IncomingMessage } from 'node:http';
import { cpus } from 'node:os';
import type { Duplex } from 'node:stream';
import type { Logger, NatsConnection } from '@sentinel/common';
import type { LiveInfo } from '@sentinel/common/api/index';
import {
  liveCloseRequestSchema,
  liveConnectTransportRequestSchema,
  liveConsumeRequestSchema,
  liveCreateTransportRequestSchema,
  liveResumeRequestSchema,
  socketEvents,
} from '@sentinel/common/api/index';
import { type AuthUser, can } from '@sentinel/common/auth/index';
import type { types as ms } from 'mediasoup';
import type { Socket } from 'socket.io';
import { z } from 'zod';
import { h264ProfileLevelId } from './h264.ts';

/**
 * Proposed contract with ingest (unverified here: no mediasoup worker): the gateway opens a
 * PlainTransport and asks the camera's ingest worker, by NATS request on this subject, to send the
 * camera's H.264 as RTP (pass-through, no transcoding: rtph264pay) to `host:port`. Ingest replies
 * with the payload type, SSRC and the camera's H.264 profile-level-id.
 */
export const liveRtpRequestSubject = (cameraId: string) => `live.rtp.start.${cameraId}`;
export const liveRtpReplySchema = z.object({
  ok: z.literal(true),
  payloadType: z.number().int().min(96).max(127),
  ssrc: z.number().int().nonnegative(),
  profileLevelId: z.string().regex(/^[0-9a-fA-F]{6}$/),
  packetizationMode: z.union([z.literal(0), z.literal(1)]).default(1),
});

/** H.264 profiles the routers accept, so a producer's profile-level-id always has a matching codec. */
const H264_PROFILES = ['42e01f', '42001f', '4d0032', '640032'];
export const routerMediaCodecs = (): ms.RouterRtpCodecCapability[] =>
  H264_PROFILES.map((profileLevelId) => ({
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': profileLevelId, 'level-asymmetry-allowed': 1 },
    rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }],
  }));

export type MediasoupOptions = {
  logger: Logger;
  nc: NatsConnection;
  announcedIp?: string;
  rtcMinPort: number;
  rtcMaxPort: number;
  cameraExists: (cameraId: string) => Promise<boolean>;
  /**
   * Static mode, matching ingest's INGEST_LIVE_RTP (`cam=host:port`, rtph264pay pt=96): the UDP port
   * per camera the PlainTransport listens on. Cameras not listed use the NATS request above.
   */
  staticRtpPorts?: Map<string, number>;
  /** H.264 profile and level of a camera's stream (ffprobe), for the producer's profile-level-id. */
  probeProfile?: (cameraId: string) => Promise<{ profile?: string; level?: number } | null>;
  workers?: number;
};

type CameraFeed = {
  router: ms.Router;
  plain: ms.PlainTransport;
  producer: ms.Producer;
  consumers: Set<string>;
};

type Ack = (r: unknown) => void;

/**
 * WebRTC live view: one mediasoup Router per Worker, cameras spread over routers; per camera a
 * PlainTransport fed by ingest's H.264 RTP and one Producer; per viewer a WebRtcTransport and a
 * Consumer. Signalling runs over the authenticated socket.io connection. Written against the
 * mediasoup v3 types; not runnable here (the worker binary cannot be built).
 */
export class MediasoupLive {
  private readonly routers: ms.Router[] = [];
  private readonly workers: ms.Worker[] = [];
  private readonly feeds = new Map<string, Promise<CameraFeed>>();
  private readonly transports = new Map<string, { transport: ms.WebRtcTransport; socketId: string }>();
  private readonly consumers = new Map<
    string,
    { consumer: ms.Consumer; cameraId: string; socketId: string }
  >();
  private next = 0;

  private constructor(private readonly opts: MediasoupOptions) {}

  /** Start the workers and routers; rejects when mediasoup cannot run (the caller falls back to JSMpeg). */
  static async create(
    opts: MediasoupOptions,
    createWorker: typeof import('mediasoup').createWorker,
  ): Promise<MediasoupLive> {
    const live = new MediasoupLive(opts);
    const n = Math.max(1, Math.min(opts.workers ?? cpus().length, cpus().length));
    for (let i = 0; i < n; i++) {
      const worker = await createWorker({
        logLevel: 'warn',
        rtcMinPort: opts.rtcMinPort,
        rtcMaxPort: opts.rtcMaxPort,
      });
      worker.on('died', (err) => opts.logger.error({ err: err.message }, 'mediasoup worker died'));
      live.workers.push(worker);
      live.routers.push(await worker.createRouter({ mediaCodecs: routerMediaCodecs() }));
    }
    return live;
  }

  info(): LiveInfo['webrtc'] {
    return { available: true };
  }

  handleUpgrade(_req: IncomingMessage, _socket: Duplex, _head: Buffer): boolean {
    return false;
  }

  private feed(cameraId: string): Promise<CameraFeed> {
    let f = this.feeds.get(cameraId);
    if (!f) {
      f = this.openFeed(cameraId);
      this.feeds.set(cameraId, f);
      f.catch(() => this.feeds.delete(cameraId));
    }
    return f;
  }

  private async openFeed(cameraId: string): Promise<CameraFeed> {
    const router = this.routers[this.next++ % this.routers.length];
    if (!router) throw new Error('no mediasoup router');
    const staticPort = this.opts.staticRtpPorts?.get(cameraId);
    const plain = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1', ...(staticPort ? { port: staticPort } : {}) },
      rtcpMux: true,
      comedia: true,
    });
    let rtp: z.infer<typeof liveRtpReplySchema> & { ssrc?: number };
    if (staticPort) {
      // ingest already sends there (INGEST_LIVE_RTP); no SSRC known: mediasoup matches by payload type
      const p = (await this.opts.probeProfile?.(cameraId)) ?? null;
      rtp = {
        ok: true,
        payloadType: 96,
        ssrc: 0,
        profileLevelId: h264ProfileLevelId(p?.profile, p?.level),
        packetizationMode: 1,
      };
    } else {
      const reply = await this.opts.nc.request(
        liveRtpRequestSubject(cameraId),
        JSON.stringify({ host: plain.tuple.localAddress ?? '127.0.0.1', port: plain.tuple.localPort }),
        { timeout: 5000 },
      );
      rtp = liveRtpReplySchema.parse(reply.json());
    }
    const producer = await plain.produce({
      kind: 'video',
      rtpParameters: {
        codecs: [
          {
            mimeType: 'video/H264',
            payloadType: rtp.payloadType,
            clockRate: 90000,
            parameters: {
              'packetization-mode': rtp.packetizationMode,
              'profile-level-id': rtp.profileLevelId,
              'level-asymmetry-allowed': 1,
            },
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
          },
        ],
        encodings: [rtp.ssrc ? { ssrc: rtp.ssrc } : {}],
      },
    });
    this.opts.logger.info({ cameraId, profileLevelId: rtp.profileLevelId }, 'webrtc feed opened');
    return { router, plain, producer, consumers: new Set() };
  }

  attachSocket(socket: Socket): void {
    const user = socket.data.user as AuthUser;
    const guard = async <T>(
      schema: z.ZodType<T>,
      payload: unknown,
      ack: unknown,
      fn: (p: T) => Promise<unknown>,
    ) => {
      const reply = typeof ack === 'function' ? (ack as Ack) : () => {};
      if (!can(user.role, 'live:view'))
        return reply({ ok: false, error: { code: 'forbidden', message: 'live:view required' } });
      const parsed = schema.safeParse(payload);
      if (!parsed.success)
        return reply({ ok: false, error: { code: 'validation_failed', message: parsed.error.message } });
      try {
        reply({ ok: true, ...((await fn(parsed.data)) as object) });
      } catch (err) {
        reply({ ok: false, error: { code: 'unavailable', message: (err as Error).message } });
      }
    };
    const mustCamera = async (cameraId: string) => {
      if (!(await this.opts.cameraExists(cameraId))) throw new Error(`camera '${cameraId}' not found`);
    };
    socket.on(socketEvents.liveCapabilities, (p, ack) =>
      guard(z.object({ cameraId: z.string() }), p, ack, async ({ cameraId }) => {
        await mustCamera(cameraId);
        const f = await this.feed(cameraId);
        return { rtpCapabilities: f.router.rtpCapabilities };
      }),
    );
    socket.on(socketEvents.liveCreateTransport, (p, ack) =>
      guard(liveCreateTransportRequestSchema, p, ack, async ({ cameraId }) => {
        await mustCamera(cameraId);
        const f = await this.feed(cameraId);
        const t = await f.router.createWebRtcTransport({
          listenInfos: [
            {
              protocol: 'udp',
              ip: '0.0.0.0',
              announcedAddress: this.opts.announcedIp ?? '127.0.0.1',
            },
          ],
          enableUdp: true,
          enableTcp: false,
        });
        this.transports.set(t.id, { transport: t, socketId: socket.id });
        return {
          id: t.id,
          iceParameters: t.iceParameters,
          iceCandidates: t.iceCandidates,
          dtlsParameters: t.dtlsParameters,
        };
      }),
    );
    socket.on(socketEvents.liveConnectTransport, (p, ack) =>
      guard(liveConnectTransportRequestSchema, p, ack, async ({ transportId, dtlsParameters }) => {
        const t = this.transports.get(transportId);
        if (!t || t.socketId !== socket.id) throw new Error('unknown transport');
        await t.transport.connect({ dtlsParameters: dtlsParameters as unknown as ms.DtlsParameters });
        return {};
      }),
    );
    socket.on(socketEvents.liveConsume, (p, ack) =>
      guard(liveConsumeRequestSchema, p, ack, async ({ cameraId, transportId, rtpCapabilities }) => {
        const t = this.transports.get(transportId);
        if (!t || t.socketId !== socket.id) throw new Error('unknown transport');
        const f = await this.feed(cameraId);
        const caps = rtpCapabilities as unknown as ms.RtpCapabilities;
        if (!f.router.canConsume({ producerId: f.producer.id, rtpCapabilities: caps }))
          throw new Error('the browser cannot decode this camera (H.264 profile mismatch)');
        const consumer = await t.transport.consume({
          producerId: f.producer.id,
          rtpCapabilities: caps,
          paused: true,
        });
        this.consumers.set(consumer.id, { consumer, cameraId, socketId: socket.id });
        f.consumers.add(consumer.id);
        consumer.on('transportclose', () => this.dropConsumer(consumer.id));
        consumer.on('producerclose', () => this.dropConsumer(consumer.id));
        return {
          id: consumer.id,
          producerId: f.producer.id,
          kind: consumer.kind,
          rtpParameters: consumer.rtpParameters,
        };
      }),
    );
    socket.on(socketEvents.liveResume, (p, ack) =>
      guard(liveResumeRequestSchema, p, ack, async ({ consumerId }) => {
        const c = this.consumers.get(consumerId);
        if (!c || c.socketId !== socket.id) throw new Error('unknown consumer');
        await c.consumer.resume();
        await c.consumer.requestKeyFrame();
        return {};
      }),
    );
    socket.on(socketEvents.liveClose, (p, ack) =>
      guard(liveCloseRequestSchema, p, ack, async ({ cameraId }) => {
        for (const c of this.consumers.values())
          if (c.socketId === socket.id && c.cameraId === cameraId) c.consumer.close();
        for (const id of [...this.consumers.keys()]) this.dropConsumer(id);
        return {};
      }),
    );
    socket.on('disconnect', () => {
      for (const [id, t] of this.transports)
        if (t.socketId === socket.id) {
          t.transport.close();
          this.transports.delete(id);
        }
    });
  }

  /** Forget a closed consumer; close the camera feed when its last consumer is gone (no idle RTP). */
  private dropConsumer(consumerId: string) {
    const c = this.consumers.get(consumerId);
    if (!c?.consumer.closed) return;
    this.consumers.delete(consumerId);
    const f = this.feeds.get(c.cameraId);
    void f?.then((feed) => {
      feed.consumers.delete(consumerId);
      if (feed.consumers.size === 0) void this.stopCamera(c.cameraId);
    });
  }

  async stopCamera(cameraId: string): Promise<void> {
    const f = this.feeds.get(cameraId);
    if (!f) return;
    this.feeds.delete(cameraId);
    const feed = await f.catch(() => null);
    feed?.producer.close();
    feed?.plain.close();
  }

  stats() {
    return { streams: this.feeds.size, viewers: this.consumers.size };
  }

  async close(): Promise<void> {
    for (const id of [...this.feeds.keys()]) await this.stopCamera(id);
    for (const w of this.workers) w.close();
  }
}
