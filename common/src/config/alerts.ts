import { z } from 'zod';
import { nonNegativeInt, optionalString, port, positiveInt, urlWithScheme } from './env-types.ts';

/** Environment variables read by the alerts service (documented in .env.example). */
export const alertsEnv = {
  /** Ops HTTP port (/healthz, /readyz, /metrics). */
  ALERTS_OPS_PORT: port(9103),
  /** This worker's index among ALERTS_WORKER_COUNT; it evaluates rules for cameras with hash(cameraId) % count == index. */
  ALERTS_WORKER_INDEX: nonNegativeInt(0),
  /** Number of alert workers sharing the cameras (static partitioning, e.g. a StatefulSet's replicas). */
  ALERTS_WORKER_COUNT: positiveInt(1),
  /** Which parts run in this process (comma list of rules, writer, notifier). */
  ALERTS_ROLES: z.string().default('rules,writer,notifier'),
  /** JetStream redeliveries before a message is dead-lettered (max_deliver). */
  ALERTS_MAX_DELIVER: positiveInt(5),
  /** History writer: most messages per PostgreSQL batch insert. */
  ALERTS_WRITER_BATCH: positiveInt(500),
  /** History writer: longest wait to fill a batch, ms (JetStream pull minimum 1000). */
  ALERTS_WRITER_FLUSH_MS: positiveInt(1000),
  /** Base URL of the dashboard/gateway used in notification deep links and signed snapshot URLs. */
  ALERTS_PUBLIC_BASE_URL: urlWithScheme(['http', 'https'], 'http://127.0.0.1:8080'),
  /** Lifetime of the signed snapshot URL sent in a notification, seconds. */
  ALERTS_SNAPSHOT_URL_TTL_SECONDS: positiveInt(86_400),
  /** VAPID subject (contact) sent to push services. */
  ALERTS_VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:)/, 'must start with mailto: or https:')
    .default('mailto:admin@sentinel.local'),
  /** HMAC secret for webhook signatures. Unset: generated once into <data>/webhook-secret (0600). */
  ALERTS_WEBHOOK_SECRET: optionalString(),
  /** Delivery attempts per notification before it is recorded dead. */
  ALERTS_NOTIFY_MAX_ATTEMPTS: positiveInt(4),
  /** First retry delay in ms (doubles each attempt). */
  ALERTS_NOTIFY_BACKOFF_MS: positiveInt(1000),
  /** Notifications per minute per channel (one push subscription or one webhook URL). */
  ALERTS_RATE_LIMIT_CHANNEL_PER_MINUTE: positiveInt(60),
  /** Per user (all their push subscriptions) notifications per minute. */
  ALERTS_RATE_LIMIT_USER_PER_MINUTE: positiveInt(20),
  /** HTTP timeout of one push or webhook request, ms. */
  ALERTS_NOTIFY_TIMEOUT_MS: positiveInt(10_000),
};
