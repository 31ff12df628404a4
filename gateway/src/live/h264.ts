/**
 * RFC 6184 profile-level-id (profile_idc, constraint flags, level_idc as 6 hex digits) from the
 * profile name and level ffprobe reports, so the mediasoup router/producer codec matches the camera.
 */
const PROFILES: Record<string, string> = {
  'constrained baseline': '42e0',
  baseline: '4200',
  main: '4d00',
  extended: '5800',
  high: '6400',
  'high 10': '6e00',
  'high 4:2:2': '7a00',
  'high 4:4:4 predictive': 'f400',
};

export function h264ProfileLevelId(profile: string | undefined, level: number | undefined): string {
  const p = PROFILES[(profile ?? '').trim().toLowerCase()] ?? '42e0';
  // ffprobe reports level 3.1 as 31; level 1b is reported as 9 (encoded as 0x0b level_idc with baseline)
  const lvl = level && level > 0 && level <= 62 ? (level === 9 ? 11 : level) : 31;
  return `${p}${lvl.toString(16).padStart(2, '0')}`;
}

/** Parse `cam=port,cam2=port` (LIVE_RTP_PORTS), the UDP ports ingest's INGEST_LIVE_RTP sends to. */
export function parseRtpPorts(value: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9][a-z0-9_-]{0,62})=(\d{1,5})$/.exec(part);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) throw new Error(`LIVE_RTP_PORTS: '${part}' is not cameraId=port`);
    out.set(m[1] as string, port);
  }
  return out;
}
