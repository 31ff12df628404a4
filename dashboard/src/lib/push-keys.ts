/** Web Push helpers that need no DOM. */

/** The gateway's VAPID public key (base64url, 65-byte uncompressed P-256 point) → applicationServerKey bytes. */
export function urlBase64ToUint8Array(base64url: string): Uint8Array<ArrayBuffer> {
  const padded = base64url
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(base64url.length / 4) * 4, '=');
  const bin = atob(padded);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Payload of a push message as the service worker reads it (tolerant of missing fields). */
export type PushPayload = {
  title: string;
  body: string;
  url: string;
  tag?: string;
  alertId?: string;
  /** signed snapshot URL shown as the notification image */
  image?: string;
};

/**
 * Normalise the notifier's JSON: accepts `{title, body, url}` or an alert-like object
 * (`alertId`/`id`, `ruleName`, `message`, `cameraId`, optionally under `data`). The deep link defaults to
 * the alert's page; a URL to another origin is refused (only same-origin paths are opened).
 */
export function parsePushPayload(raw: unknown): PushPayload {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const d = (o.data && typeof o.data === 'object' ? o.data : {}) as Record<string, unknown>;
  const pick = (k: string) =>
    typeof o[k] === 'string' ? (o[k] as string) : typeof d[k] === 'string' ? (d[k] as string) : undefined;
  const alertId =
    pick('alertId') ??
    (o.alert && typeof o.alert === 'object'
      ? String((o.alert as { id?: unknown }).id ?? '') || undefined
      : undefined) ??
    pick('id');
  const cameraId = pick('cameraId');
  const title =
    pick('title') ??
    (pick('ruleName') ? `${pick('ruleName')}${cameraId ? ` · ${cameraId}` : ''}` : 'Sentinel alert');
  const body = pick('body') ?? pick('message') ?? '';
  let url = pick('url') ?? (alertId ? `/alerts/${encodeURIComponent(alertId)}` : '/alerts');
  if (!url.startsWith('/') || url.startsWith('//')) {
    try {
      const u = new URL(url);
      url = `${u.pathname}${u.search}${u.hash}`;
    } catch {
      url = '/alerts';
    }
  }
  const image = pick('snapshotUrl');
  return { title, body, url, tag: pick('tag') ?? alertId, alertId, ...(image ? { image } : {}) };
}
