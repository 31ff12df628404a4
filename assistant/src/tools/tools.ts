import { countDetections } from '@sentinel/common';
import { z } from 'zod';
import { citeAlert, citeDoc, citeTrack } from '../citations/citations.ts';
import { countAlerts, listAlerts } from '../data/alerts-repo.ts';
import type { ZoneInfo } from '../data/catalog.ts';
import { listTracks, type TrackRow, zonesVisited } from '../data/tracks-repo.ts';
import type { ToolContext, ToolResult } from './context.ts';
import { resolveCameras, resolveZones } from './resolve.ts';

const isoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time, e.g. 2026-11-20T22:00:00Z');
const ids = z.array(z.string().min(1).max(100)).max(20);

export const searchEventsInput = z.object({
  query: z.string().min(1).max(500).describe('What to look for, in words'),
  cameras: ids.optional().describe('Camera ids or names'),
  labels: ids.optional().describe('Object classes, e.g. person, car, truck'),
  zones: ids.optional().describe('Zone ids or names'),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.number().int().min(1).max(20).default(8),
});

export const countDetectionsInput = z.object({
  labels: ids.optional().describe('Object classes to count (omit for all)'),
  camera: z.string().max(100).optional().describe('Camera id or name (omit for all cameras)'),
  cameras: ids.optional().describe('Several camera ids or names (alternative to `camera`)'),
  zone: z.string().max(100).optional().describe('Zone id or name: counts objects whose path entered it'),
  from: isoTime,
  to: isoTime,
  intervalMinutes: z
    .number()
    .int()
    .min(1)
    .max(10_080)
    .default(60)
    .describe('Bucket width for the per-interval breakdown'),
});

export const listAlertsInput = z.object({
  cameras: ids.optional(),
  labels: ids.optional(),
  zones: ids.optional(),
  status: z.array(z.enum(['open', 'acknowledged', 'resolved'])).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  order: z.enum(['latest', 'earliest']).default('latest'),
  limit: z.number().int().min(1).max(50).default(10),
});

export const listTracksInput = z.object({
  cameras: ids.optional(),
  labels: ids.optional(),
  zones: ids.optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  order: z.enum(['latest', 'earliest']).default('latest'),
  limit: z.number().int().min(1).max(50).default(10),
});

export const cameraStatusInput = z.object({
  cameras: ids.optional().describe('Camera ids or names (omit for all)'),
});

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
const isoOf = (n: number) => new Date(n).toISOString();

/** Error returned to the caller (model or planner) instead of thrown: the tool input named something unknown. */
export class ToolInputError extends Error {}

async function cameraIds(ctx: ToolContext, refs?: string[]) {
  const r = await resolveCameras(ctx.catalog, refs);
  if (r.unknown.length) throw new ToolInputError(`unknown camera(s): ${r.unknown.join(', ')}`);
  return r.cameras.length ? r.cameras.map((c) => c.id) : undefined;
}

async function zonesOf(ctx: ToolContext, refs?: string[]) {
  const r = await resolveZones(ctx.catalog, refs);
  if (r.unknown.length) throw new ToolInputError(`unknown zone(s): ${r.unknown.join(', ')}`);
  return r.zones;
}

const inZones = (t: TrackRow, zones: ZoneInfo[]) => zones.length === 0 || zonesVisited(t, zones).length > 0;

export async function searchEvents(
  ctx: ToolContext,
  raw: z.input<typeof searchEventsInput>,
): Promise<ToolResult> {
  const a = searchEventsInput.parse(raw);
  const cams = await cameraIds(ctx, a.cameras);
  const zones = await zonesOf(ctx, a.zones);
  const docs = await ctx.index.search(
    a.query,
    {
      ...(cams ? { cameraIds: cams } : {}),
      ...(a.labels?.length ? { labels: a.labels } : {}),
      ...(zones.length ? { zoneIds: zones.map((z) => z.id) } : {}),
      ...(a.from ? { fromMs: ms(a.from) } : {}),
      ...(a.to ? { toMs: ms(a.to) } : {}),
    },
    a.limit,
  );
  return {
    data: {
      events: docs.map((d) => ({
        ref: d.id,
        type: d.kind,
        text: d.text,
        cameraId: d.cameraId,
        labels: d.labels,
        zones: d.zoneNames,
        start: isoOf(d.startMs),
        end: isoOf(d.endMs),
        score: Number(d.score.toFixed(4)),
      })),
    },
    citations: docs.map((d) => citeDoc(d, ctx.snapshotUrl)),
  };
}

export type CountResult = {
  from: string;
  to: string;
  labels: string[] | null;
  camera: string | null;
  zone: string | null;
  /** Distinct tracked objects seen in the range. */
  objects: number;
  /** Detections (object × frame) from the per-minute rollups; null when filtered by zone (rollups have no zone). */
  detections: number | null;
  byCamera: { cameraId: string; cameraName: string; objects: number; detections: number }[];
  byLabel: { label: string; objects: number; detections: number }[];
  buckets: { start: string; detections: number; objects: number }[];
  busiest: { start: string; detections: number; objects: number } | null;
};

const MAX_TRACKS = 20_000;

export async function countDetectionsTool(
  ctx: ToolContext,
  raw: z.input<typeof countDetectionsInput>,
): Promise<ToolResult<CountResult>> {
  const a = countDetectionsInput.parse(raw);
  const from = ms(a.from)!;
  const to = ms(a.to)!;
  if (!(to > from)) throw new ToolInputError('`to` must be after `from`');
  const cams = await cameraIds(ctx, [...(a.camera ? [a.camera] : []), ...(a.cameras ?? [])]);
  const zones = await zonesOf(ctx, a.zone ? [a.zone] : undefined);
  const cameras = await ctx.catalog.cameras();
  const interval = a.intervalMinutes * 60;
  const labels = a.labels?.length ? a.labels : undefined;

  const tracks = (
    await listTracks(ctx.pool, {
      ...(cams ? { cameraIds: cams } : {}),
      ...(labels ? { labels } : {}),
      fromMs: from,
      toMs: to,
      order: 'earliest',
      limit: MAX_TRACKS,
    })
  ).filter((t) => inZones(t, zones));
  const rows = zones.length
    ? []
    : (
        await Promise.all(
          (labels ?? [undefined]).map((label) =>
            countDetections(ctx.pool, {
              from: new Date(from),
              to: new Date(to),
              intervalSeconds: interval,
              ...(cams?.length === 1 ? { cameraId: cams[0] } : {}),
              ...(label ? { label } : {}),
            }),
          ),
        )
      ).flat();

  const byCamera = new Map<string, { objects: number; detections: number }>();
  const byLabel = new Map<string, { objects: number; detections: number }>();
  const buckets = new Map<number, { objects: number; detections: number }>();
  const bucketOf = (t: number) =>
    Math.floor((t - Date.UTC(2000, 0, 1)) / (interval * 1000)) * interval * 1000 + Date.UTC(2000, 0, 1);
  const bump = <K>(m: Map<K, { objects: number; detections: number }>, k: K, o: number, d: number) => {
    const v = m.get(k) ?? { objects: 0, detections: 0 };
    v.objects += o;
    v.detections += d;
    m.set(k, v);
  };
  for (const t of tracks) {
    bump(byCamera, t.cameraId, 1, 0);
    bump(byLabel, t.label, 1, 0);
    bump(buckets, bucketOf(Math.max(t.firstSeen, from)), 1, 0);
  }
  let detections = 0;
  for (const r of rows) {
    if (cams && !cams.includes(r.cameraId)) continue;
    detections += r.count;
    bump(byCamera, r.cameraId, 0, r.count);
    bump(byLabel, r.label, 0, r.count);
    bump(buckets, r.bucket.getTime(), 0, r.count);
  }
  const bucketList = [...buckets.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([start, v]) => ({ start: isoOf(start), ...v }));
  const key = zones.length ? 'objects' : 'detections';
  const busiest = bucketList.reduce<(typeof bucketList)[number] | null>(
    (best, b) => (b[key] > (best?.[key] ?? 0) ? b : best),
    null,
  );
  return {
    data: {
      from: isoOf(from),
      to: isoOf(to),
      labels: labels ?? null,
      camera: cams?.length === 1 ? cams[0]! : null,
      zone: zones[0]?.name ?? null,
      objects: tracks.length,
      detections: zones.length ? null : detections,
      byCamera: [...byCamera.entries()]
        .map(([cameraId, v]) => ({
          cameraId,
          cameraName: cameras.find((c) => c.id === cameraId)?.name ?? cameraId,
          ...v,
        }))
        .sort((x, y) => y.objects - x.objects || y.detections - x.detections),
      byLabel: [...byLabel.entries()]
        .map(([label, v]) => ({ label, ...v }))
        .sort((x, y) => y.objects - x.objects),
      buckets: bucketList.slice(0, 200),
      busiest,
    },
    citations: tracks.slice(0, 20).map(citeTrack),
  };
}

export async function listAlertsTool(
  ctx: ToolContext,
  raw: z.input<typeof listAlertsInput>,
): Promise<ToolResult> {
  const a = listAlertsInput.parse(raw);
  const cams = await cameraIds(ctx, a.cameras);
  const zones = await zonesOf(ctx, a.zones);
  const q = {
    ...(cams ? { cameraIds: cams } : {}),
    ...(a.labels?.length ? { labels: a.labels } : {}),
    ...(zones.length ? { zoneIds: zones.map((z) => z.id) } : {}),
    ...(a.status?.length ? { status: a.status } : {}),
    ...(a.from ? { fromMs: ms(a.from) } : {}),
    ...(a.to ? { toMs: ms(a.to) } : {}),
  };
  const [alerts, total] = await Promise.all([
    listAlerts(ctx.pool, { ...q, order: a.order, limit: a.limit }),
    countAlerts(ctx.pool, q),
  ]);
  const allZones = await ctx.catalog.zones();
  return {
    data: {
      total,
      alerts: alerts.map((x) => ({
        ref: `alert:${x.id}`,
        id: x.id,
        rule: x.ruleName,
        cameraId: x.cameraId,
        label: x.label,
        zone: x.zoneId ? (allZones.find((z) => z.id === x.zoneId)?.name ?? x.zoneId) : null,
        severity: x.severity,
        status: x.status,
        message: x.message,
        openedAt: isoOf(x.openedAt),
        resolvedAt: x.resolvedAt ? isoOf(x.resolvedAt) : null,
      })),
    },
    citations: alerts.map((x) => citeAlert(x, ctx.snapshotUrl)),
  };
}

export async function listTracksTool(
  ctx: ToolContext,
  raw: z.input<typeof listTracksInput>,
): Promise<ToolResult> {
  const a = listTracksInput.parse(raw);
  const cams = await cameraIds(ctx, a.cameras);
  const zones = await zonesOf(ctx, a.zones);
  const tracks = (
    await listTracks(ctx.pool, {
      ...(cams ? { cameraIds: cams } : {}),
      ...(a.labels?.length ? { labels: a.labels } : {}),
      ...(a.from ? { fromMs: ms(a.from) } : {}),
      ...(a.to ? { toMs: ms(a.to) } : {}),
      order: a.order,
      limit: zones.length ? MAX_TRACKS : a.limit,
    })
  )
    .filter((t) => inZones(t, zones))
    .slice(0, a.limit);
  const allZones = await ctx.catalog.zones();
  return {
    data: {
      tracks: tracks.map((t) => ({
        ref: `track:${t.cameraId}:${t.trackId}`,
        cameraId: t.cameraId,
        trackId: t.trackId,
        label: t.label,
        firstSeen: isoOf(t.firstSeen),
        lastSeen: isoOf(t.lastSeen),
        stationary: t.stationary,
        zones: zonesVisited(t, allZones).map((z) => z.name),
      })),
    },
    citations: tracks.map(citeTrack),
  };
}

export async function cameraStatusTool(
  ctx: ToolContext,
  raw: z.input<typeof cameraStatusInput>,
): Promise<ToolResult> {
  const a = cameraStatusInput.parse(raw);
  const all = await ctx.catalog.cameras();
  const cams = (await cameraIds(ctx, a.cameras)) ?? all.map((c) => c.id);
  const statuses = ctx.cameraStatus ? await ctx.cameraStatus.get(cams) : new Map();
  const now = Date.now();
  const list = cams.map((id) => {
    const s = statuses.get(id);
    return {
      cameraId: id,
      name: all.find((c) => c.id === id)?.name ?? id,
      state: s?.state ?? 'unknown',
      reason: s?.reason ?? null,
      since: s ? isoOf(s.since) : null,
      updatedAt: s ? isoOf(s.updatedAt) : null,
      fps: s?.fps ?? null,
    };
  });
  return {
    data: { cameras: list },
    citations: list
      .filter((c) => c.updatedAt)
      .map((c) => ({
        type: 'camera' as const,
        id: c.cameraId,
        cameraId: c.cameraId,
        time: c.updatedAt ?? isoOf(now),
        snapshotUrl: null,
      })),
  };
}

/** The tool registry, shared by the LLM agent (JSON schemas) and the offline planner. */
export const tools = {
  search_events: {
    description:
      'Semantic + keyword search over indexed event documents (alerts and tracked objects), with filters.',
    input: searchEventsInput,
    run: searchEvents,
  },
  count_detections: {
    description:
      'Count objects (distinct tracks) and detections per camera, label and time bucket in a time range; optional zone; gives the busiest bucket.',
    input: countDetectionsInput,
    run: countDetectionsTool,
  },
  list_alerts: {
    description: 'List alerts (with total count) filtered by camera, label, zone, status and time range.',
    input: listAlertsInput,
    run: listAlertsTool,
  },
  list_tracks: {
    description:
      'List tracked objects (first/last seen) filtered by camera, label, zone and time; order latest or earliest.',
    input: listTracksInput,
    run: listTracksTool,
  },
  camera_status: {
    description:
      'Current state of cameras (streaming, reconnecting, offline, error) from the live status store.',
    input: cameraStatusInput,
    run: cameraStatusTool,
  },
} as const;
export type ToolName = keyof typeof tools;
