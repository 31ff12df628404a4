import { spawn } from 'node:child_process';

export type AudioFormat = 'wav' | 'webm' | 'ogg';

/** Reason an upload is refused (maps to HTTP 400/413/415). */
export class AudioError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** Recognise the container from magic bytes (RIFF/WAVE, EBML for webm, OggS). */
export function sniffFormat(buf: Buffer): AudioFormat | undefined {
  if (buf.length >= 12 && buf.toString('ascii', 0, 4) === 'RIFF' && buf.toString('ascii', 8, 12) === 'WAVE')
    return 'wav';
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0x1a45dfa3) return 'webm';
  if (buf.length >= 4 && buf.toString('ascii', 0, 4) === 'OggS') return 'ogg';
  return undefined;
}

/** Duration of a PCM WAV file from its fmt and data chunks. */
export function wavDurationSeconds(buf: Buffer): number {
  let off = 12;
  let byteRate = 0;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ' && off + 16 <= buf.length) byteRate = buf.readUInt32LE(off + 8 + 8);
    if (id === 'data') {
      if (!byteRate) throw new AudioError(400, 'WAV file has no fmt chunk before its data');
      const dataBytes = Math.min(size, buf.length - off - 8);
      return dataBytes / byteRate;
    }
    off += 8 + size + (size % 2);
  }
  throw new AudioError(400, 'WAV file has no data chunk');
}

/**
 * Duration of webm/ogg audio by decoding it with ffmpeg (MediaRecorder files often carry no duration
 * header). Bounded by a timeout; an undecodable file is a 400.
 */
export function decodedDurationSeconds(buf: Buffer, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-i', 'pipe:0', '-f', 'null', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stderr.on('data', (d) => {
      err += d.toString();
      if (err.length > 200_000) err = err.slice(-50_000);
    });
    p.stdin.on('error', () => {});
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new AudioError(400, `cannot inspect audio (ffmpeg unavailable: ${e.message})`));
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      const times = [...err.matchAll(/time=(\d+):(\d+):(\d+(?:\.\d+)?)/g)];
      const last = times.at(-1);
      if (code !== 0 || !last)
        return reject(new AudioError(400, 'audio could not be decoded (expected webm/opus, ogg or wav)'));
      resolve(Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]));
    });
    p.stdin.end(buf);
  });
}

/** Check format, size and duration of an upload; returns the format and duration. */
export async function checkAudio(
  buf: Buffer,
  limits: { maxBytes: number; maxSeconds: number },
): Promise<{ format: AudioFormat; seconds: number }> {
  if (buf.length === 0) throw new AudioError(400, 'audio upload is empty');
  if (buf.length > limits.maxBytes)
    throw new AudioError(413, `audio is larger than ${limits.maxBytes} bytes`);
  const format = sniffFormat(buf);
  if (!format) throw new AudioError(415, 'unsupported audio format (send webm/opus, ogg or wav)');
  const seconds = format === 'wav' ? wavDurationSeconds(buf) : await decodedDurationSeconds(buf);
  if (seconds > limits.maxSeconds)
    throw new AudioError(413, `audio is ${seconds.toFixed(1)} s long; the limit is ${limits.maxSeconds} s`);
  if (seconds < 0.1) throw new AudioError(400, 'audio is too short to transcribe');
  return { format, seconds };
}
