import { z } from 'zod';
import { bool, optionalString, port, positiveInt, urlWithScheme } from './env-types.ts';

/** Environment variables read by the gateway (documented in .env.example). */
export const gatewayEnv = {
  /** HTTP port of the API, socket.io, live streams and the web apps. */
  PORT: port(8080),
  /** Interface to bind (0.0.0.0 to serve the LAN). */
  GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  /** HS256 secret for access tokens (>= 32 chars). Unset: generated once into <data>/jwt-secret (0600). */
  SENTINEL_JWT_SECRET: optionalString(),
  /** Password of the first `admin` user. Unset: a random one is printed once and kept in <data>/admin-password (0600). */
  SENTINEL_ADMIN_PASSWORD: optionalString(),
  /** Comma-separated CORS origins allowed to call the API (empty: same origin only). */
  GATEWAY_CORS_ORIGINS: z.string().default(''),
  /** Requests per minute per user (or per IP when anonymous), Redis-backed. */
  GATEWAY_RATE_LIMIT_PER_MINUTE: positiveInt(600),
  /** Login attempts per minute per IP. */
  GATEWAY_LOGIN_RATE_LIMIT_PER_MINUTE: positiveInt(10),
  /** Largest accepted JSON body in bytes. */
  GATEWAY_BODY_LIMIT_BYTES: positiveInt(1_048_576),
  /** Trust X-Forwarded-* from a reverse proxy. */
  GATEWAY_TRUST_PROXY: bool(false),
  /** Where the assistant service listens (proxied at /api/v1/assistant/*). */
  ASSISTANT_URL: urlWithScheme(['http', 'https'], 'http://127.0.0.1:9105'),
  /** Where the annotator service listens (proxied at /api/v1/annotation/* and /annotator/). */
  ANNOTATOR_URL: urlWithScheme(['http', 'https'], 'http://127.0.0.1:9104'),
  /** Built dashboard served at / (relative to the repository root). */
  GATEWAY_DASHBOARD_DIR: z.string().min(1).default('dashboard/dist'),
  /** Live view transport: auto (mediasoup when its worker starts, else jsmpeg), webrtc or jsmpeg. */
  LIVE_TRANSPORT: z.enum(['auto', 'webrtc', 'jsmpeg']).default('auto'),
  /** JSMpeg fallback: output width in pixels (height keeps the aspect ratio). */
  LIVE_JSMPEG_WIDTH: positiveInt(640),
  /** JSMpeg fallback: MPEG-1 video bitrate in kbit/s. */
  LIVE_JSMPEG_BITRATE_KBPS: positiveInt(800),
  /** JSMpeg fallback: output frame rate. */
  LIVE_JSMPEG_FPS: positiveInt(15),
  /** Most concurrent live transcodes (one per watched camera). */
  LIVE_MAX_STREAMS: positiveInt(8),
  /** mediasoup static feed mode: `cam=port,...` UDP ports matching ingest's INGEST_LIVE_RTP (H.264 RTP, pt 96). */
  LIVE_RTP_PORTS: z.string().default(''),
  /** mediasoup: public IP announced in ICE candidates (unset: 127.0.0.1). */
  MEDIASOUP_ANNOUNCED_IP: optionalString(),
  /** mediasoup: RTC port range for WebRTC transports. */
  MEDIASOUP_RTC_MIN_PORT: port(40000),
  MEDIASOUP_RTC_MAX_PORT: port(40100),
  /** Least milliseconds between two detection events sent to one socket for one camera. */
  GATEWAY_DETECTIONS_MIN_INTERVAL_MS: positiveInt(100),
  /** Lifetime of signed snapshot URLs in seconds. */
  GATEWAY_SNAPSHOT_URL_TTL_SECONDS: positiveInt(300),
};
