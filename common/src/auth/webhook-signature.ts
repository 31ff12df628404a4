import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures (HMAC-SHA256), Stripe/GitHub style. A receiver recomputes
 * `HMAC(secret, "<timestamp>.<raw body>")` and compares with `X-Sentinel-Signature: sha256=<hex>`;
 * `X-Sentinel-Timestamp` (epoch ms) lets it refuse replays older than a tolerance.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'x-sentinel-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-sentinel-timestamp';

export function signWebhookBody(body: string, timestamp: number, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type WebhookCheck = { ok: true } | { ok: false; reason: 'missing' | 'bad_signature' | 'stale' };

/** Verify a received webhook; `toleranceMs` bounds the clock difference (default 5 minutes). */
export function verifyWebhookSignature(
  body: string,
  headers: { signature?: string | undefined; timestamp?: string | undefined },
  secret: string,
  opts: { now?: number; toleranceMs?: number } = {},
): WebhookCheck {
  if (!headers.signature || !headers.timestamp) return { ok: false, reason: 'missing' };
  const ts = Number(headers.timestamp);
  if (!Number.isFinite(ts)) return { ok: false, reason: 'bad_signature' };
  const want = Buffer.from(signWebhookBody(body, ts, secret));
  const got = Buffer.from(headers.signature);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    return { ok: false, reason: 'bad_signature' };
  if (Math.abs((opts.now ?? Date.now()) - ts) > (opts.toleranceMs ?? 300_000))
    return { ok: false, reason: 'stale' };
  return { ok: true };
}
