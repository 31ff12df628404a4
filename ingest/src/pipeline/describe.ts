import type { CameraConfig } from '@sentinel/common';

export type PipelineOptions = {
  width: number;
  height: number;
  latencyMs: number;
  connectTimeoutS: number;
  snapshotFps: number;
  snapshotQuality: number;
  /** H.264 RTP pass-through target for live view, when configured. */
  liveRtp?: { host: string; port: number } | undefined;
  /** Decoder elements present on this host (nvh264dec, vah264dec, ...). */
  availableDecoders: ReadonlySet<string>;
};

export type SourceDescription = {
  /** gst-launch description; never contains credentials (they are set as properties). */
  description: string;
  kind: 'rtsp' | 'uri';
  /** Credentials for rtspsrc user-id / user-pw properties. */
  credentials?: { user: string; password: string };
  /** Location without user:pass (safe to show). */
  location: string;
  decoder: string;
};

/** Reduce fps to a GStreamer fraction, e.g. 5 -> 5/1, 0.5 -> 1/2. */
export function fpsFraction(fps: number): string {
  const den = 1000;
  let num = Math.round(fps * den);
  let d = den;
  const g = gcd(num, d);
  num /= g;
  d /= g;
  return `${num}/${d}`;
}
const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/** Quote a value for a gst-launch property. */
const q = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Split user:pass out of a URL; credentials given in the camera config take precedence. */
export function splitCredentials(
  url: string,
  username?: string,
  password?: string,
): { location: string; credentials?: { user: string; password: string } } {
  const u = new URL(url);
  const user = username ?? (u.username ? decodeURIComponent(u.username) : undefined);
  const pass = password ?? (u.password ? decodeURIComponent(u.password) : undefined);
  u.username = '';
  u.password = '';
  const location = u.toString();
  return user !== undefined || pass !== undefined
    ? { location, credentials: { user: user ?? '', password: pass ?? '' } }
    : { location };
}

/** Decoder chain after parsing: decodebin (avdec_* in software), or a requested hardware decoder when present. */
function decoderChain(camera: CameraConfig, available: ReadonlySet<string>): string {
  if (camera.decoder === 'nvidia' && available.has('nvh264dec')) return 'nvh264dec';
  if (camera.decoder === 'vaapi' && available.has('vah264dec')) return 'vah264dec';
  return 'decodebin';
}

/**
 * One pipeline per camera:
 *   source -> parse -> [tee -> H.264 RTP pass-through] -> decode -> tee
 *     -> videorate (detect fps) -> videoconvertscale letterboxed to model size -> RGB appsink `sink`
 *     -> videorate (snapshot fps) -> jpegenc -> appsink `snap`
 */
export function describePipeline(
  camera: CameraConfig,
  o: PipelineOptions,
  jsRate = false,
): SourceDescription {
  const { location, credentials } = splitCredentials(camera.url, camera.username, camera.password);
  const rtsp = location.startsWith('rtsp://') || location.startsWith('rtsps://');
  // Live RTSP is rendered as it arrives; files and HTTP sources are paced to real time once, right
  // after decoding (identity sync=true), before the leaky queues.
  // Rate limiting before scaling: videorate drops (never duplicates) down to the detect fps; the
  // output range also accepts slower cameras as they are. Cameras with a variable frame rate (no
  // timing in the SPS) cannot negotiate that: they run with `jsRate`, limited in Node instead.
  const rate = jsRate
    ? ''
    : `videorate drop-only=true max-rate=${Math.ceil(camera.detectFps)} ` +
      `! video/x-raw,framerate=[${fpsFraction(Math.min(1, camera.detectFps / 10))},${fpsFraction(camera.detectFps)}] ! `;
  const detect =
    `queue max-size-buffers=2 leaky=downstream ! ${rate}` +
    `videoconvertscale add-borders=true ! video/x-raw,format=RGB,width=${o.width},height=${o.height},pixel-aspect-ratio=1/1 ` +
    `! appsink name=sink max-buffers=1 drop=true sync=false`;
  // Snapshots: plain videorate (may repeat a frame when the camera is slower than the snapshot rate),
  // which negotiates with any input frame rate, variable included.
  const snapshot =
    o.snapshotFps > 0
      ? ` raw. ! queue max-size-buffers=1 leaky=downstream ! videorate ! video/x-raw,framerate=${fpsFraction(o.snapshotFps)} ` +
        `! videoconvert ! jpegenc quality=${o.snapshotQuality} ! appsink name=snap max-buffers=1 drop=true sync=false`
      : '';
  // Counters: fakesinks whose `stats` tell how many decoded frames (and encoded units) went by.
  const decodedCounter =
    ' raw. ! queue max-size-buffers=2 leaky=downstream ! fakesink name=dcount sync=false async=false enable-last-sample=false';
  const extra = credentials ? { credentials } : {};
  if (!rtsp) {
    // file:// and http(s)://: uridecodebin picks demuxer and decoder.
    return {
      description: `uridecodebin name=src uri=${q(location)} caps=video/x-raw ! identity sync=true ! tee name=raw raw. ! ${detect}${snapshot}${decodedCounter}`,
      kind: 'uri',
      location,
      decoder: 'uridecodebin',
      ...extra,
    };
  }
  const decoder = decoderChain(camera, o.availableDecoders);
  const timeoutUs = o.connectTimeoutS * 1_000_000;
  const src =
    `rtspsrc name=src location=${q(location)} protocols=tcp latency=${o.latencyMs} drop-on-latency=true ` +
    `tcp-timeout=${timeoutUs} timeout=${timeoutUs} ! application/x-rtp,media=video ! parsebin`;
  // The parsed elementary stream is teed: a counter (data arriving?) and the optional pass-through,
  // the H.264 stream re-payloaded without transcoding.
  const es =
    ' ! tee name=es es. ! queue max-size-buffers=2 leaky=downstream ! fakesink name=ecount sync=false async=false enable-last-sample=false es. ! queue max-size-buffers=30';
  const live = o.liveRtp
    ? ` es. ! queue max-size-buffers=60 leaky=downstream ! rtph264pay config-interval=-1 pt=96 ` +
      `! udpsink host=${q(o.liveRtp.host)} port=${o.liveRtp.port} sync=false async=false`
    : '';
  return {
    description: `${src}${es} ! ${decoder} ! tee name=raw raw. ! ${detect}${snapshot}${decodedCounter}${live}`,
    kind: 'rtsp',
    location,
    decoder,
    ...extra,
  };
}

/** Letterbox of a source picture into the model frame (what videoconvertscale add-borders does). */
export function letterbox(
  source: { width: number; height: number },
  frame: { width: number; height: number },
): {
  scale: number;
  padX: number;
  padY: number;
  content: { x: number; y: number; width: number; height: number };
} {
  const scale = Math.min(frame.width / source.width, frame.height / source.height);
  const w = Math.min(frame.width, Math.round(source.width * scale));
  const h = Math.min(frame.height, Math.round(source.height * scale));
  const padX = Math.floor((frame.width - w) / 2);
  const padY = Math.floor((frame.height - h) / 2);
  return { scale, padX, padY, content: { x: padX, y: padY, width: w, height: h } };
}
