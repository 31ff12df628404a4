/** A natural-language event document with the metadata the stores filter on. */
export type EventKind = 'alert' | 'track';

export type EventDoc = {
  /** 'alert:<alertId>' or 'track:<cameraId>:<trackId>' */
  id: string;
  kind: EventKind;
  text: string;
  cameraId: string;
  cameraName: string;
  labels: string[];
  zoneIds: string[];
  zoneNames: string[];
  /** Epoch ms of the first and last moment of the event. */
  startMs: number;
  endMs: number;
  alertId: string | null;
  trackId: string | null;
  snapshotKey: string | null;
  severity: string | null;
  status: string | null;
};

export type EmbeddedEventDoc = EventDoc & { vector: number[] };
export type ScoredEventDoc = EventDoc & { score: number };

/** Metadata filter every store supports: events overlapping [fromMs, toMs) on the given cameras/labels/zones. */
export type EventFilter = {
  cameraIds?: string[];
  labels?: string[];
  zoneIds?: string[];
  kinds?: EventKind[];
  fromMs?: number;
  toMs?: number;
};

export const alertDocId = (alertId: string) => `alert:${alertId}`;
export const trackDocId = (cameraId: string, trackId: string) => `track:${cameraId}:${trackId}`;
