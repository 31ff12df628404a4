import type { AssistantCitation } from '@sentinel/common/api/assistant';
import { loadUrlSigningSecret, signSnapshotUrl } from '@sentinel/common/auth/signed-url';
import type { AlertRow } from '../data/alerts-repo.ts';
import type { TrackRow } from '../data/tracks-repo.ts';
import type { EventDoc } from '../events/event-doc.ts';

/** Turns an object-store snapshot key into a URL the dashboard can open, or null. */
export type SnapshotUrlFn = (key: string | null | undefined) => string | null;

/**
 * Signed, expiring snapshot URLs (common/src/auth/signed-url.ts, verified by the gateway without an
 * auth header). `baseUrl` '' gives a gateway-relative URL `/api/v1/snapshots/<key>?expires=…&sig=…`.
 * Without a signing secret, the plain gateway path (which then needs the caller's token).
 */
export function snapshotUrlSigner(opts: {
  baseUrl: string;
  ttlSeconds: number;
  secret?: string;
  dataDir?: string;
}): SnapshotUrlFn {
  let secret = opts.secret;
  if (secret === undefined) {
    try {
      secret = loadUrlSigningSecret(opts.dataDir ? { dataDir: opts.dataDir } : {});
    } catch {
      secret = undefined;
    }
  }
  return (key) => {
    if (!key) return null;
    if (!secret)
      return `${opts.baseUrl}/api/v1/snapshots/${key.split('/').map(encodeURIComponent).join('/')}`;
    const expiresAt = Math.ceil((Date.now() + opts.ttlSeconds * 1000) / 60_000) * 60_000;
    return signSnapshotUrl(opts.baseUrl, key, expiresAt, secret);
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function citeDoc(d: EventDoc, url: SnapshotUrlFn): AssistantCitation {
  return {
    type: d.kind,
    id: d.kind === 'alert' ? (d.alertId ?? d.id) : d.id.replace(/^track:/, ''),
    cameraId: d.cameraId,
    time: iso(d.startMs),
    snapshotUrl: url(d.snapshotKey),
  };
}

export function citeAlert(a: AlertRow, url: SnapshotUrlFn): AssistantCitation {
  return {
    type: 'alert',
    id: a.id,
    cameraId: a.cameraId,
    time: iso(a.openedAt),
    snapshotUrl: url(a.snapshotKey),
  };
}

/** Track citations use '<cameraId>:<trackId>' (track ids are unique per camera only). */
export function citeTrack(t: TrackRow): AssistantCitation {
  return {
    type: 'track',
    id: `${t.cameraId}:${t.trackId}`,
    cameraId: t.cameraId,
    time: iso(t.firstSeen),
    snapshotUrl: null,
  };
}

/** Keep the first citation of each (type, id), in order. */
export function dedupeCitations(cs: AssistantCitation[]): AssistantCitation[] {
  const seen = new Set<string>();
  return cs.filter((c) => {
    const k = `${c.type}:${c.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
