import { spawn } from 'node:child_process';
import type { CameraTestResult } from '@sentinel/common/api/index';

/** Codecs ingest can decode (GStreamer avdec_*), as ffprobe names them. */
export const SUPPORTED_VIDEO_CODECS = new Set(['h264', 'hevc', 'mjpeg', 'mpeg4']);

/** Put credentials into the URL userinfo (kept apart in the config). */
export function withCredentials(url: string, username?: string, password?: string): string {
  if (!username && !password) return url;
  const u = new URL(url);
  if (username) u.username = encodeURIComponent(username);
  if (password) u.password = encodeURIComponent(password);
  return u.toString();
}

type FfprobeStream = {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
};

const rate = (r?: string) => {
  const [n, d] = (r ?? '').split('/').map(Number);
  return n && d ? Math.round((n / d) * 100) / 100 : null;
};

/** Map ffprobe's stderr to a precise reason. */
export function classifyProbeError(stderr: string): {
  reason: Exclude<CameraTestResult, { ok: true }>['reason'];
  message: string;
} {
  const s = stderr.toLowerCase();
  if (/401|unauthori[sz]ed/.test(s))
    return { reason: 'unauthorized', message: 'the camera refused the credentials (401 Unauthorized)' };
  if (/404|not found|no such file/.test(s))
    return { reason: 'not_found', message: 'the stream path does not exist on the camera (404 Not Found)' };
  if (
    /connection refused|no route to host|network is unreachable|name or service not known|failed to resolve|could not resolve|host is down/.test(
      s,
    )
  )
    return { reason: 'unreachable', message: `cannot connect to the camera (${firstLine(stderr)})` };
  if (/timed out|timeout/.test(s)) return { reason: 'timeout', message: 'the camera did not answer in time' };
  if (/invalid data found|could not find codec parameters|unsupported/.test(s))
    return { reason: 'corrupt_stream', message: `the stream could not be read (${firstLine(stderr)})` };
  return { reason: 'unreachable', message: firstLine(stderr) || 'ffprobe failed' };
}

const firstLine = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop()
    ?.replace(/rtsps?:\/\/[^@\s/]+@/gi, 'rtsp://***@')
    .slice(0, 300) ?? '';

/** Probe a camera with ffprobe (RTSP over TCP), bounded by a timeout. Never throws. */
export function probeCamera(
  url: string,
  opts: { timeoutMs: number; ffprobePath?: string },
): Promise<CameraTestResult> {
  const started = Date.now();
  const args = ['-v', 'error', '-print_format', 'json', '-show_streams'];
  if (/^rtsps?:/i.test(url)) args.push('-rtsp_transport', 'tcp', '-timeout', String(opts.timeoutMs * 1000));
  else if (/^https?:/i.test(url)) args.push('-rw_timeout', String(opts.timeoutMs * 1000));
  args.push('-analyzeduration', '2000000', '-probesize', '2000000', '-i', url);
  return new Promise((resolve) => {
    const child = spawn(opts.ffprobePath ?? 'ffprobe', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs + 1000);
    child.stdout.on('data', (d) => {
      if (out.length < 1_000_000) out += d;
    });
    child.stderr.on('data', (d) => {
      if (err.length < 100_000) err += d;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        reason: 'internal',
        message: `cannot run ffprobe: ${e.message}`,
        elapsedMs: Date.now() - started,
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const elapsedMs = Date.now() - started;
      if (timedOut)
        return resolve({
          ok: false,
          reason: 'timeout',
          message: `no answer within ${opts.timeoutMs} ms`,
          elapsedMs,
        });
      let streams: FfprobeStream[] = [];
      try {
        streams = (JSON.parse(out || '{}').streams ?? []) as FfprobeStream[];
      } catch {
        /* handled below */
      }
      const video = streams.find((s) => s.codec_type === 'video');
      if (code !== 0 || !video) {
        if (code === 0 && !video)
          return resolve({
            ok: false,
            reason: 'no_frames',
            message: 'the source has no video stream',
            elapsedMs,
          });
        return resolve({ ok: false, ...classifyProbeError(err), elapsedMs });
      }
      const codec = video.codec_name ?? 'unknown';
      if (!SUPPORTED_VIDEO_CODECS.has(codec))
        return resolve({
          ok: false,
          reason: 'unsupported_codec',
          message: `video codec '${codec}' is not supported (use ${[...SUPPORTED_VIDEO_CODECS].join(', ')})`,
          elapsedMs,
        });
      if (!video.width || !video.height)
        return resolve({
          ok: false,
          reason: 'corrupt_stream',
          message: 'the stream has no picture size yet',
          elapsedMs,
        });
      const audio = streams.find((s) => s.codec_type === 'audio');
      resolve({
        ok: true,
        codec,
        ...(video.profile ? { profile: video.profile } : {}),
        ...(typeof video.level === 'number' && video.level > 0 ? { level: video.level } : {}),
        width: video.width,
        height: video.height,
        fps: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate),
        audioCodec: audio?.codec_name ?? null,
        elapsedMs,
      });
    });
  });
}
