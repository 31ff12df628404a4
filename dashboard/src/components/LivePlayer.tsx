import type { LiveInfo } from '@sentinel/common/api/cameras';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import { realtime } from '../api/socket.ts';

export type PlayerState = 'connecting' | 'playing' | 'stalled' | 'error' | 'idle';

type Props = {
  cameraId: string;
  onState: (s: PlayerState, detail?: string) => void;
  onMediaSize: (w: number, h: number) => void;
  onTransport?: (t: 'webrtc' | 'jsmpeg') => void;
};

/** ws(s):// URL for the JSMpeg socket, relative URLs resolved against the page, with the access token. */
export function liveSocketUrl(url: string, token: string | undefined): string {
  const u = new URL(url, location.href);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (token) u.searchParams.set('token', token);
  return u.toString();
}

/**
 * Live video of one camera: mediasoup (WebRTC) when the gateway offers it, else JSMpeg (MPEG-1 over a
 * WebSocket, decoded in the browser). A watchdog restarts a stalled stream with a fresh token.
 */
export function LivePlayer({ cameraId, onState, onMediaSize, onTransport }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const [transport, setTransport] = useState<'webrtc' | 'jsmpeg'>('jsmpeg');
  // The canvas stays hidden until the first picture is decoded (no blank or half-drawn frame).
  const [hasFrame, setHasFrame] = useState(false);
  const cb = useRef({ onState, onMediaSize, onTransport });
  cb.current = { onState, onMediaSize, onTransport };

  useEffect(() => {
    let stopped = false;
    setHasFrame(false);
    let cleanup: (() => void) | undefined;
    let watchdog: ReturnType<typeof setInterval> | undefined;
    let lastFrame = 0;

    const startJsmpeg = async (url: string) => {
      // Loaded on demand: the decoder (with its WebAssembly build) is the largest part of the bundle.
      const { default: JSMpeg } = await import('@cycjimmy/jsmpeg-player');
      const canvas = canvasRef.current;
      if (!canvas || stopped) return;
      setTransport('jsmpeg');
      cb.current.onTransport?.('jsmpeg');
      cb.current.onState('connecting');
      let w = 0;
      let h = 0;
      const player = new JSMpeg.Player(liveSocketUrl(url, api.accessToken), {
        canvas,
        autoplay: true,
        audio: false,
        disableGl: true,
        pauseWhenHidden: false,
        videoBufferSize: 1024 * 1024,
        onVideoDecode: () => {
          lastFrame = Date.now();
          if (w === 0) setHasFrame(true);
          if (canvas.width !== w || canvas.height !== h) {
            w = canvas.width;
            h = canvas.height;
            cb.current.onMediaSize(w, h);
          }
        },
      });
      lastFrame = Date.now();
      let state: PlayerState = 'connecting';
      watchdog = setInterval(() => {
        const age = Date.now() - lastFrame;
        const next: PlayerState =
          w === 0 ? (age > 10_000 ? 'stalled' : 'connecting') : age > 3000 ? 'stalled' : 'playing';
        if (next !== state) {
          state = next;
          cb.current.onState(next);
        }
        // Stalled for long: reconnect with a fresh token (the old one may have expired).
        if (age > 12_000 && !stopped) {
          clearInterval(watchdog);
          player.destroy();
          void api.refresh().finally(() => !stopped && void startJsmpeg(url));
        }
      }, 500);
      cleanup = () => {
        clearInterval(watchdog);
        try {
          player.destroy();
        } catch {
          /* already gone */
        }
      };
    };

    const startWebrtc = async () => {
      const video = videoRef.current;
      if (!video) throw new Error('no video element');
      setTransport('webrtc');
      cb.current.onTransport?.('webrtc');
      cb.current.onState('connecting');
      type Ack<T> = { ok: boolean; error?: { message: string } } & T;
      const check = <T,>(r: Ack<T>) => {
        if (!r.ok) throw new Error(r.error?.message ?? 'signalling failed');
        return r;
      };
      const caps = check(
        await realtime.call<Ack<{ rtpCapabilities: object }>>('live:capabilities', { cameraId }),
      );
      const { Device } = await import('mediasoup-client');
      const device = new Device();
      await device.load({ routerRtpCapabilities: caps.rtpCapabilities as never });
      const t = check(await realtime.call<Ack<Record<string, never>>>('live:createTransport', { cameraId }));
      const transport = device.createRecvTransport(t as never);
      transport.on('connect', ({ dtlsParameters }, done, fail) => {
        realtime
          .call<Ack<object>>('live:connectTransport', { transportId: transport.id, dtlsParameters })
          .then((r) => (r.ok ? done() : fail(new Error('connect refused'))), fail);
      });
      const c = check(
        await realtime.call<Ack<{ id: string; producerId: string; kind: 'video'; rtpParameters: object }>>(
          'live:consume',
          { cameraId, transportId: transport.id, rtpCapabilities: device.rtpCapabilities },
        ),
      );
      const consumer = await transport.consume({
        id: c.id,
        producerId: c.producerId,
        kind: c.kind,
        rtpParameters: c.rtpParameters as never,
      });
      video.srcObject = new MediaStream([consumer.track]);
      video.onloadedmetadata = () => cb.current.onMediaSize(video.videoWidth, video.videoHeight);
      video.onplaying = () => cb.current.onState('playing');
      await realtime.call('live:resume', { consumerId: consumer.id });
      await video.play().catch(() => undefined);
      cleanup = () => {
        consumer.close();
        transport.close();
        void realtime.call('live:close', { cameraId }).catch(() => undefined);
      };
    };

    (async () => {
      try {
        const info = await api.get<LiveInfo>(`/cameras/${encodeURIComponent(cameraId)}/live`);
        if (stopped) return;
        if (info.preferred === 'webrtc' && info.webrtc.available) {
          try {
            await startWebrtc();
            return;
          } catch {
            cleanup?.();
            if (stopped) return;
          }
        }
        if (info.jsmpeg.available) await startJsmpeg(info.jsmpeg.url);
        else cb.current.onState('error', info.webrtc.reason ?? 'no live transport available');
      } catch (err) {
        if (!stopped) cb.current.onState('error', (err as Error).message);
      }
    })();
    return () => {
      stopped = true;
      cleanup?.();
    };
  }, [cameraId]);

  return (
    <>
      <canvas
        ref={canvasRef}
        className="media"
        style={{ visibility: hasFrame ? 'visible' : 'hidden' }}
        data-testid="live-canvas"
        hidden={transport !== 'jsmpeg'}
      />
      <video ref={videoRef} className="media" muted playsInline hidden={transport !== 'webrtc'} />
    </>
  );
}
