import type { Pool, PoolClient } from 'pg';
import type { DetectionBatch } from '../schemas/detection.ts';
import { type EngineOptions, type RuleEntry, RuleEvaluator, type RuleOutput } from './engine.ts';

type Queryable = Pool | PoolClient;

export type ReplayOptions = {
  from: number;
  to: number;
  /** Limit to some of the rule's cameras. */
  cameraIds?: string[];
  /** Evaluate even when the rule is disabled (the point of trying a rule before arming it). Default true. */
  ignoreEnabled?: boolean;
  /** Rows fetched per query (keyset pagination keeps memory bounded). */
  pageSize?: number;
  onProgress?: (p: { cameraId: string; frames: number; rows: number }) => void;
  engine?: EngineOptions;
};

export type ReplayResult = {
  ruleId: string;
  from: number;
  to: number;
  frames: number;
  detections: number;
  /** Alerts that would have opened, with later updates and resolves, in time order per camera. */
  outputs: RuleOutput[];
  summary: { opened: number; updated: number; resolved: number; suppressed: Record<string, number> };
};

/**
 * Evaluate a rule over detections stored in PostgreSQL (table `detections`) between `from` and `to`
 * and report what would have fired. Frames are rebuilt from rows (camera, frame, time); tracks are
 * taken as confirmed. Read only.
 */
export async function replayRule(
  db: Queryable,
  entry: RuleEntry,
  opts: ReplayOptions,
): Promise<ReplayResult> {
  if (!(opts.to > opts.from)) throw new RangeError('replay: `to` must be after `from`');
  const rule = opts.ignoreEnabled === false ? entry.rule : { ...entry.rule, enabled: true };
  const evaluator = new RuleEvaluator({ rule, zones: entry.zones }, opts.engine);
  const cameras = rule.cameraIds.filter((c) => !opts.cameraIds || opts.cameraIds.includes(c));
  const pageSize = opts.pageSize ?? 5000;
  const outputs: RuleOutput[] = [];
  let frames = 0;
  let rows = 0;
  for (const cameraId of cameras) {
    let cursor: { time: Date; frameId: string; idx: number } | null = null;
    let current: DetectionBatch | null = null;
    const flush = () => {
      if (current) {
        outputs.push(...evaluator.process(current));
        frames++;
      }
      current = null;
    };
    for (;;) {
      const params: unknown[] = [cameraId, new Date(opts.from), new Date(opts.to), rule.labels, pageSize];
      let after = '';
      if (cursor) {
        params.push(cursor.time, cursor.frameId, cursor.idx);
        after = 'AND (time, frame_id, det_index) > ($6, $7, $8)';
      }
      const page = await db.query(
        `SELECT time, frame_id, det_index, track_id, label, score, x, y, w, h, stationary, model_id
           FROM detections
          WHERE camera_id = $1 AND time >= $2 AND time < $3 AND label = ANY($4::text[]) ${after}
          ORDER BY time, frame_id, det_index LIMIT $5`,
        params,
      );
      for (const r of page.rows) {
        const at = (r.time as Date).getTime();
        const b = current as DetectionBatch | null;
        if (!b || b.frameId !== r.frame_id || b.capturedAt !== at) {
          flush();
          current = {
            cameraId,
            frameId: r.frame_id,
            capturedAt: at,
            trace: {},
            modelId: r.model_id ?? 'unknown',
            source: { width: 1, height: 1 },
            detections: [],
          };
        }
        if (r.track_id)
          (current as DetectionBatch | null)?.detections.push({
            label: r.label,
            classId: 0,
            score: r.score,
            box: [r.x, r.y, r.w, r.h],
            trackId: r.track_id,
            trackState: 'confirmed',
            stationary: r.stationary,
            age: 0,
          });
      }
      rows += page.rows.length;
      opts.onProgress?.({ cameraId, frames, rows });
      if (page.rows.length < pageSize) break;
      const last = page.rows[page.rows.length - 1];
      cursor = { time: last.time, frameId: last.frame_id, idx: last.det_index };
    }
    flush();
  }
  outputs.push(...evaluator.tick(opts.to));
  const summary = { opened: 0, updated: 0, resolved: 0, suppressed: {} as Record<string, number> };
  for (const o of outputs) {
    if (o.type === 'open') summary.opened++;
    else if (o.type === 'update') summary.updated++;
    else if (o.type === 'resolve') summary.resolved++;
    else summary.suppressed[o.reason] = (summary.suppressed[o.reason] ?? 0) + 1;
  }
  return { ruleId: rule.id, from: opts.from, to: opts.to, frames, detections: rows, outputs, summary };
}
