import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger, NatsConnection } from '@sentinel/common';
import type { LiveInfo } from '@sentinel/common/api/index';
import type { Socket } from 'socket.io';
import type { JsmpegLive } from './jsmpeg.ts';
import type { LiveView } from './live-view.ts';
import { MediasoupLive } from './mediasoup.ts';

/** WebRTC (mediasoup) when its worker starts, JSMpeg always (fallback and for clients without WebRTC). */
class CompositeLive implements LiveView {
  constructor(
    private readonly jsmpeg: JsmpegLive,
    private readonly webrtc: MediasoupLive | null,
    private readonly webrtcReason: string | undefined,
  ) {}
  get preferred() {
    return this.webrtc ? ('webrtc' as const) : ('jsmpeg' as const);
  }
  info(cameraId: string): LiveInfo {
    return {
      cameraId,
      preferred: this.preferred,
      webrtc: this.webrtc
        ? this.webrtc.info()
        : { available: false, reason: this.webrtcReason ?? 'disabled' },
      jsmpeg: this.jsmpeg.info(cameraId),
    };
  }
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    return (
      this.jsmpeg.handleUpgrade(req, socket, head) || (this.webrtc?.handleUpgrade(req, socket, head) ?? false)
    );
  }
  attachSocket(socket: Socket) {
    this.webrtc?.attachSocket(socket);
  }
  async stopCamera(cameraId: string) {
    await Promise.all([this.jsmpeg.stopCamera(cameraId), this.webrtc?.stopCamera(cameraId)]);
  }
  stats() {
    const a = this.jsmpeg.stats();
    const b = this.webrtc?.stats() ?? { streams: 0, viewers: 0 };
    return { streams: a.streams + b.streams, viewers: a.viewers + b.viewers };
  }
  async close() {
    await Promise.all([this.jsmpeg.close(), this.webrtc?.close()]);
  }
}

/** Pick the live transports by availability (LIVE_TRANSPORT=auto) or as configured. */
export async function createLiveView(opts: {
  mode: 'auto' | 'webrtc' | 'jsmpeg';
  jsmpeg: JsmpegLive;
  logger: Logger;
  nc: NatsConnection;
  announcedIp?: string;
  rtcMinPort: number;
  rtcMaxPort: number;
  cameraExists: (id: string) => Promise<boolean>;
  staticRtpPorts?: Map<string, number>;
  probeProfile?: (cameraId: string) => Promise<{ profile?: string; level?: number } | null>;
}): Promise<LiveView> {
  if (opts.mode === 'jsmpeg') return new CompositeLive(opts.jsmpeg, null, 'LIVE_TRANSPORT=jsmpeg');
  try {
    const { createWorker } = await import('mediasoup');
    const webrtc = await Promise.race([
      MediasoupLive.create(
        {
          logger: opts.logger,
          nc: opts.nc,
          rtcMinPort: opts.rtcMinPort,
          rtcMaxPort: opts.rtcMaxPort,
          cameraExists: opts.cameraExists,
          ...(opts.staticRtpPorts ? { staticRtpPorts: opts.staticRtpPorts } : {}),
          ...(opts.probeProfile ? { probeProfile: opts.probeProfile } : {}),
          ...(opts.announcedIp ? { announcedIp: opts.announcedIp } : {}),
        },
        createWorker,
      ),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('mediasoup worker start timed out')), 5000).unref(),
      ),
    ]);
    opts.logger.info('live view: WebRTC (mediasoup) available, JSMpeg as fallback');
    return new CompositeLive(opts.jsmpeg, webrtc, undefined);
  } catch (err) {
    const reason = `mediasoup unavailable: ${(err as Error).message.split('\n')[0]}`;
    if (opts.mode === 'webrtc') throw new Error(`LIVE_TRANSPORT=webrtc but ${reason}`);
    opts.logger.warn({ reason }, 'live view: falling back to JSMpeg (ffmpeg MPEG-1 over WebSocket)');
    return new CompositeLive(opts.jsmpeg, null, reason);
  }
}
