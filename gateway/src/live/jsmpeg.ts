import { type ChildProcess, spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@sentinel/common';
import type { LiveInfo } from '@sentinel/common/api/index';
import { type AuthUser, can } from '@sentinel/common/auth/index';
import { type WebSocket, WebSocketServer } from 'ws';

/** MPEG-1 only allows these frame rates. */
const MPEG1_RATES = [24, 25, 30, 50, 60];
const mpeg1Rate = (fps: number) => MPEG1_RATES.find((r) => r >= fps) ?? 60;
/** A viewer further behind than this is skipped until it catches up (bounded memory per client). */
const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;

export type JsmpegOptions = {
  logger: Logger;
  /** Verify a token from the query string; throws when invalid or expired. */
  authenticate: (token: string) => Promise<AuthUser>;
  /** The source URL (with credentials) of a camera, or null when the camera is unknown. */
  resolveSource: (cameraId: string) => Promise<string | null>;
  width: number;
  bitrateKbps: number;
  fps: number;
  maxStreams: number;
  ffmpegPath?: string;
  /** URL path prefix of the WebSocket endpoint. */
  pathPrefix?: string;
  onStreamsChanged?: (streams: number, viewers: number) => void;
};

type Stream = {
  cameraId: string;
  viewers: Set<WebSocket>;
  ffmpeg: ChildProcess | null;
  restarts: number;
  stopping: boolean;
  stderrTail: string;
};

/**
 * The JSMpeg fallback. Does what node-rtsp-stream does (spawn ffmpeg → MPEG-TS with MPEG-1 video →
 * broadcast the bytes over WebSocket) but mounts the WebSocket on the gateway's own HTTP server
 * (node-rtsp-stream opens one ws server per stream on its own port and never stops ffmpeg when
 * viewers leave). ffmpeg starts with the first viewer of a camera and is killed when the last leaves.
 */
export class JsmpegLive {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly streams = new Map<string, Stream>();
  private readonly prefix: string;
  private closed = false;

  constructor(private readonly opts: JsmpegOptions) {
    this.prefix = opts.pathPrefix ?? '/live/';
  }

  info(cameraId: string): LiveInfo['jsmpeg'] {
    return {
      available: true,
      url: `${this.prefix}${encodeURIComponent(cameraId)}`,
      width: this.opts.width,
      bitrateKbps: this.opts.bitrateKbps,
    };
  }

  stats() {
    let viewers = 0;
    for (const s of this.streams.values()) viewers += s.viewers.size;
    return { streams: [...this.streams.values()].filter((s) => s.ffmpeg).length, viewers };
  }

  /** The ffmpeg pid of a camera's stream (tests check it is gone after the last viewer leaves). */
  ffmpegPid(cameraId: string): number | undefined {
    return this.streams.get(cameraId)?.ffmpeg?.pid;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(this.prefix)) return false;
    const cameraId = decodeURIComponent(url.pathname.slice(this.prefix.length));
    void this.accept(req, socket, head, cameraId, url.searchParams.get('token') ?? '');
    return true;
  }

  private refuse(socket: Duplex, status: number, text: string) {
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${text}\n`,
    );
    socket.destroy();
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer, cameraId: string, token: string) {
    let user: AuthUser;
    try {
      user = await this.opts.authenticate(token);
    } catch {
      return this.refuse(socket, 401, 'Unauthorized');
    }
    if (!can(user.role, 'live:view')) return this.refuse(socket, 403, 'Forbidden');
    let source: string | null;
    try {
      source = await this.opts.resolveSource(cameraId);
    } catch {
      return this.refuse(socket, 503, 'Service Unavailable');
    }
    if (!source) return this.refuse(socket, 404, 'Not Found');
    if (this.closed) return this.refuse(socket, 503, 'Service Unavailable');
    const existing = this.streams.get(cameraId);
    if (!existing && this.stats().streams >= this.opts.maxStreams)
      return this.refuse(socket, 503, 'Too Many Streams');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.addViewer(cameraId, source as string, ws, user));
  }

  private addViewer(cameraId: string, source: string, ws: WebSocket, user: AuthUser) {
    let stream = this.streams.get(cameraId);
    if (!stream) {
      stream = { cameraId, viewers: new Set(), ffmpeg: null, restarts: 0, stopping: false, stderrTail: '' };
      this.streams.set(cameraId, stream);
    }
    stream.viewers.add(ws);
    this.opts.logger.info(
      { cameraId, user: user.username, viewers: stream.viewers.size },
      'live viewer joined',
    );
    if (!stream.ffmpeg) this.start(stream, source);
    const s = stream;
    ws.on('close', () => this.removeViewer(s, ws));
    ws.on('error', () => this.removeViewer(s, ws));
    this.changed();
  }

  private removeViewer(stream: Stream, ws: WebSocket) {
    if (!stream.viewers.delete(ws)) return;
    this.opts.logger.info({ cameraId: stream.cameraId, viewers: stream.viewers.size }, 'live viewer left');
    if (stream.viewers.size === 0) void this.stop(stream);
    this.changed();
  }

  private changed() {
    const s = this.stats();
    this.opts.onStreamsChanged?.(s.streams, s.viewers);
  }

  ffmpegArgs(source: string): string[] {
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
    if (/^rtsps?:/i.test(source)) args.push('-rtsp_transport', 'tcp', '-timeout', '10000000');
    else if (/^file:/i.test(source)) args.push('-re', '-stream_loop', '-1');
    args.push(
      '-i',
      source.startsWith('file://') ? new URL(source).pathname : source,
      '-an',
      '-f',
      'mpegts',
      '-codec:v',
      'mpeg1video',
      '-vf',
      `scale='min(${this.opts.width},iw)':-2`,
      '-r',
      String(mpeg1Rate(this.opts.fps)),
      '-b:v',
      `${this.opts.bitrateKbps}k`,
      '-maxrate',
      `${this.opts.bitrateKbps}k`,
      '-bufsize',
      `${this.opts.bitrateKbps * 2}k`,
      '-bf',
      '0',
      '-muxdelay',
      '0.001',
      '-',
    );
    return args;
  }

  private start(stream: Stream, source: string) {
    stream.stopping = false;
    const child = spawn(this.opts.ffmpegPath ?? 'ffmpeg', this.ffmpegArgs(source), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stream.ffmpeg = child;
    this.opts.logger.info({ cameraId: stream.cameraId, pid: child.pid }, 'live transcode started');
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const ws of stream.viewers)
        if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES)
          ws.send(chunk, { binary: true });
    });
    child.stderr?.on('data', (d: Buffer) => {
      stream.stderrTail = (stream.stderrTail + d.toString()).slice(-2000);
    });
    child.on('error', (err) =>
      this.opts.logger.error({ cameraId: stream.cameraId, err: err.message }, 'cannot run ffmpeg'),
    );
    child.on('exit', (code, signal) => {
      if (stream.ffmpeg === child) stream.ffmpeg = null;
      this.changed();
      if (stream.stopping || this.closed) return;
      this.opts.logger.warn(
        {
          cameraId: stream.cameraId,
          code,
          signal,
          stderr: stream.stderrTail.replace(/\/\/[^@\s/]+@/g, '//***@'),
        },
        'live transcode exited',
      );
      if (stream.viewers.size === 0) return;
      if (stream.restarts >= 5) {
        for (const ws of stream.viewers) ws.close(1011, 'camera stream failed');
        return;
      }
      stream.restarts++;
      setTimeout(() => {
        if (!stream.ffmpeg && stream.viewers.size > 0 && !this.closed) this.start(stream, source);
      }, 500 * stream.restarts).unref();
    });
  }

  private stop(stream: Stream): Promise<void> {
    stream.stopping = true;
    const child = stream.ffmpeg;
    if (stream.viewers.size === 0) this.streams.delete(stream.cameraId);
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(kill);
        this.opts.logger.info(
          { cameraId: stream.cameraId, pid: child.pid },
          'live transcode stopped (no viewers)',
        );
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  async stopCamera(cameraId: string): Promise<void> {
    const stream = this.streams.get(cameraId);
    if (!stream) return;
    for (const ws of stream.viewers) ws.close(1001, 'camera removed');
    stream.viewers.clear();
    await this.stop(stream);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.streams.keys()].map((id) => this.stopCamera(id)));
    this.wss.close();
  }
}
