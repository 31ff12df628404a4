import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomSecret, readOrCreateSecretFile } from '../secret-file.ts';

/**
 * Signed, expiring snapshot URLs (used in notifications and by the API): the gateway serves
 * `GET <base>/api/v1/snapshots/<key>?expires=<epoch ms>&sig=<base64url HMAC-SHA256>` without an auth
 * header when the signature verifies. The signature covers the object-store key and the expiry.
 */
export const SNAPSHOT_URL_PATH = '/api/v1/snapshots/';

const signature = (key: string, expiresAt: number, secret: string) =>
  createHmac('sha256', secret).update(`snapshot\n${key}\n${expiresAt}`).digest('base64url');

/** The full URL for `key` (an object-store key of the `snapshots` store) valid until `expiresAt` (epoch ms). */
export function signSnapshotUrl(baseUrl: string, key: string, expiresAt: number, secret: string): string {
  if (!Number.isInteger(expiresAt) || expiresAt <= 0) throw new RangeError('expiresAt must be epoch ms');
  const base = baseUrl.replace(/\/+$/, '');
  const path = key.split('/').map(encodeURIComponent).join('/');
  return `${base}${SNAPSHOT_URL_PATH}${path}?expires=${expiresAt}&sig=${signature(key, expiresAt, secret)}`;
}

export type SnapshotSignatureCheck = { ok: true } | { ok: false; reason: 'expired' | 'bad_signature' };

/** Check the `expires` and `sig` query parameters of a snapshot URL for `key` (decoded). */
export function verifySnapshotSignature(
  key: string,
  expires: string | number | undefined,
  sig: string | undefined,
  secret: string,
  now = Date.now(),
): SnapshotSignatureCheck {
  const expiresAt = typeof expires === 'number' ? expires : Number(expires);
  if (!sig || !Number.isInteger(expiresAt) || expiresAt <= 0) return { ok: false, reason: 'bad_signature' };
  const want = Buffer.from(signature(key, expiresAt, secret));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    return { ok: false, reason: 'bad_signature' };
  if (expiresAt < now) return { ok: false, reason: 'expired' };
  return { ok: true };
}

/**
 * The URL-signing secret: env SENTINEL_URL_SIGNING_SECRET (>= 32 chars), else generated once into
 * `<dataDir>/url-signing-secret` (0600) so the alerts service and the gateway share it locally.
 */
export function loadUrlSigningSecret(
  opts: { env?: Record<string, string | undefined>; dataDir?: string } = {},
): string {
  const env = opts.env ?? process.env;
  const fromEnv = env.SENTINEL_URL_SIGNING_SECRET;
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error('SENTINEL_URL_SIGNING_SECRET must be at least 32 characters');
    return fromEnv;
  }
  return readOrCreateSecretFile(opts.dataDir ?? env.SENTINEL_DATA_DIR ?? '.data', 'url-signing-secret', () =>
    randomSecret(48),
  );
}
