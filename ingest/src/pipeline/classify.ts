import type { CameraErrorReason } from '@sentinel/common';
import { redactUrl } from '@sentinel/common';

/** The fields of a GStreamer bus error/warning message as gstreamer-superficial gives them. */
export type BusError = { message?: string; debug?: string; details?: string; _src_element_name?: string };

/**
 * Map a GStreamer error to a precise camera reason. `hadFrames` tells whether this session
 * already decoded frames (a caps failure mid-stream means a corrupt bitstream, at start an unsupported one).
 */
export function classifyBusError(
  err: BusError,
  ctx: { hadFrames: boolean; noVideoStream: boolean },
): CameraErrorReason {
  const text = `${err.message ?? ''}\n${err.debug ?? ''}\n${err.details ?? ''}`;
  if (/rtsp-status-code=\(uint\)401|Unauthorized|\(401\)/i.test(text)) return 'unauthorized';
  if (/rtsp-status-code=\(uint\)404|Not Found \(404\)|\(404\)/i.test(text)) return 'not_found';
  if (/missing a plug-?in|no suitable plugins|No decoder available|codec not supported/i.test(text))
    return 'unsupported_codec';
  if (/not-linked/.test(text) && (ctx.noVideoStream || !ctx.hadFrames)) return 'unsupported_codec';
  if (/not-negotiated/.test(text)) return ctx.hadFrames ? 'corrupt_stream' : 'unsupported_codec';
  if (
    /Could not open resource|Failed to connect|Could not resolve|resolve|Connection refused|timed? ?out|No route to host|Could not connect/i.test(
      text,
    )
  )
    return ctx.hadFrames ? 'stream_ended' : 'unreachable';
  if (/Resource not found|No such file|does not exist/i.test(text)) return 'not_found';
  if (/Could not decode|decoding error|Failed to decode|corrupt|Invalid data/i.test(text))
    return 'corrupt_stream';
  if (/Internal data stream error|streaming stopped/i.test(text))
    return ctx.hadFrames ? 'corrupt_stream' : 'internal';
  return 'internal';
}

/** A short, credential-free detail line for status and logs. */
export function errorDetail(err: BusError, secrets: string[]): string {
  const debugLast = (err.debug ?? '').split('\n').filter(Boolean).pop() ?? '';
  let s = [err.message, debugLast].filter(Boolean).join(': ');
  s = s.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"']+/gi, (m) => redactUrl(m));
  for (const secret of secrets) if (secret && secret.length >= 2) s = s.split(secret).join('***');
  return s.slice(0, 300);
}
