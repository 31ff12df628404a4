import { countDetections } from '@sentinel/common';
import {
  detectionCountsQuerySchema,
  detectionCountsResponseSchema,
  detectionQuerySchema,
  detectionRowSchema,
  listResponse,
  trackRowSchema,
} from '@sentinel/common/api/index';
import type { GatewayContext } from '../context.ts';
import { decodeCursor, page } from '../http/cursor.ts';
import { badRequest } from '../http/errors.ts';
import type { ZApp } from '../http/types.ts';

export function registerDetectionRoutes(app: ZApp, ctx: GatewayContext): void {
  const { pool } = ctx;

  const checkRange = (from?: number, to?: number) => {
    if (from !== undefined && to !== undefined && from >= to)
      throw badRequest('invalid time range', [{ path: 'query.to', message: 'must be after from' }]);
  };

  app.get(
    '/detections',
    {
      config: { access: 'detections:read' },
      schema: {
        tags: ['detections'],
        querystring: detectionQuerySchema,
        response: { 200: listResponse(detectionRowSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      checkRange(q.from, q.to);
      const c = decodeCursor(q.cursor, 4);
      const { rows } = await pool.query(
        `SELECT * FROM detections
          WHERE ($1::text IS NULL OR camera_id = $1) AND ($2::text IS NULL OR label = $2)
            AND ($3::text IS NULL OR track_id = $3)
            AND ($4::timestamptz IS NULL OR time >= $4) AND ($5::timestamptz IS NULL OR time < $5)
            AND ($6::real IS NULL OR score >= $6)
            AND ($7::timestamptz IS NULL OR (time, camera_id, frame_id, det_index) < ($7, $8, $9, $10))
          ORDER BY time DESC, camera_id DESC, frame_id DESC, det_index DESC LIMIT $11`,
        [
          q.cameraId ?? null,
          q.label ?? null,
          q.trackId ?? null,
          q.from !== undefined ? new Date(q.from) : null,
          q.to !== undefined ? new Date(q.to) : null,
          q.minScore ?? null,
          c ? new Date(Number(c[0])) : null,
          c?.[1] ?? null,
          c?.[2] ?? null,
          c?.[3] ?? null,
          q.limit + 1,
        ],
      );
      return page(
        rows,
        q.limit,
        (r) => [r.time.getTime(), r.camera_id, r.frame_id, r.det_index],
        (r) => ({
          time: r.time.getTime(),
          cameraId: r.camera_id,
          frameId: r.frame_id,
          index: r.det_index,
          trackId: r.track_id,
          label: r.label,
          score: r.score,
          box: [r.x, r.y, r.w, r.h] as [number, number, number, number],
          stationary: r.stationary,
          modelId: r.model_id,
        }),
      );
    },
  );

  app.get(
    '/detections/counts',
    {
      config: { access: 'detections:read' },
      schema: {
        tags: ['detections'],
        querystring: detectionCountsQuerySchema,
        response: { 200: detectionCountsResponseSchema },
      },
    },
    async (req) => {
      const q = req.query;
      checkRange(q.from, q.to);
      const rows = await countDetections(pool, {
        from: new Date(q.from),
        to: new Date(q.to),
        intervalSeconds: q.intervalSeconds,
        ...(q.cameraId ? { cameraId: q.cameraId } : {}),
        ...(q.label ? { label: q.label } : {}),
      });
      return {
        intervalSeconds: q.intervalSeconds,
        buckets: rows.map((r) => ({
          bucket: r.bucket.getTime(),
          cameraId: r.cameraId,
          label: r.label,
          count: r.count,
        })),
      };
    },
  );

  app.get(
    '/tracks',
    {
      config: { access: 'detections:read' },
      schema: {
        tags: ['detections'],
        querystring: detectionQuerySchema,
        response: { 200: listResponse(trackRowSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      checkRange(q.from, q.to);
      const c = decodeCursor(q.cursor, 3);
      const { rows } = await pool.query(
        `SELECT * FROM tracks
          WHERE ($1::text IS NULL OR camera_id = $1) AND ($2::text IS NULL OR label = $2)
            AND ($3::text IS NULL OR track_id = $3)
            AND ($4::timestamptz IS NULL OR last_seen >= $4) AND ($5::timestamptz IS NULL OR first_seen < $5)
            AND ($6::real IS NULL OR max_score >= $6)
            AND ($7::timestamptz IS NULL OR (last_seen, camera_id, track_id) < ($7, $8, $9))
          ORDER BY last_seen DESC, camera_id DESC, track_id DESC LIMIT $10`,
        [
          q.cameraId ?? null,
          q.label ?? null,
          q.trackId ?? null,
          q.from !== undefined ? new Date(q.from) : null,
          q.to !== undefined ? new Date(q.to) : null,
          q.minScore ?? null,
          c ? new Date(Number(c[0])) : null,
          c?.[1] ?? null,
          c?.[2] ?? null,
          q.limit + 1,
        ],
      );
      return page(
        rows,
        q.limit,
        (r) => [r.last_seen.getTime(), r.camera_id, r.track_id],
        (r) => ({
          cameraId: r.camera_id,
          trackId: r.track_id,
          label: r.label,
          firstSeen: r.first_seen.getTime(),
          lastSeen: r.last_seen.getTime(),
          maxScore: r.max_score,
          frames: r.frames,
          stationary: r.stationary,
          lastBox: r.last_box,
        }),
      );
    },
  );
}
