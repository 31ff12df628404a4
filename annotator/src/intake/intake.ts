import type { HardExample } from '@sentinel/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ImageStore } from '../images/store.ts';
import { frameHash, isNearDuplicate } from './fingerprint.ts';

export type IntakeResult =
  | { status: 'created'; taskId: number; hash: string }
  | { status: 'duplicate'; of: string }
  | { status: 'exists' };

export type IntakeDeps = {
  pool: Pool;
  images: ImageStore;
  logger: Logger;
  dedupHamming: number;
  dedupWindowSeconds: number;
};

/**
 * Turn one hard example (+ its JPEG) into a hard_examples row and an annotation task, with the model's
 * boxes as pre-annotations. Idempotent on exampleId (JetStream redelivery). Near-identical frames of the
 * same camera and track within the dedup window are dropped. A per-track advisory lock makes the
 * check-then-insert safe across several annotator replicas.
 */
export async function intakeHardExample(
  deps: IntakeDeps,
  ex: HardExample,
  jpeg: Uint8Array,
): Promise<IntakeResult> {
  const hash = await frameHash(jpeg);
  const boxes = ex.boxes.map((b) => ({ label: b.label, box: b.box }));
  const c = await deps.pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`hx:${ex.cameraId}:${ex.trackId ?? ''}`]);
    const exists = await c.query('SELECT 1 FROM hard_examples WHERE id = $1', [ex.exampleId]);
    if (exists.rowCount) {
      await c.query('ROLLBACK');
      return { status: 'exists' };
    }
    const recent = await c.query<{ id: string; fingerprint: string | null; boxes: typeof boxes }>(
      `SELECT id, fingerprint, boxes FROM hard_examples
        WHERE camera_id = $1 AND track_id IS NOT DISTINCT FROM $2
          AND captured_at > to_timestamp($3 / 1000.0) - make_interval(secs => $4)
          AND captured_at < to_timestamp($3 / 1000.0) + make_interval(secs => $4)
        ORDER BY captured_at DESC LIMIT 200`,
      [ex.cameraId, ex.trackId ?? null, ex.capturedAt, deps.dedupWindowSeconds],
    );
    for (const r of recent.rows) {
      const fp = r.fingerprint?.replace(/^dhash:/, '');
      if (fp && isNearDuplicate({ hash, boxes }, { hash: fp, boxes: r.boxes }, deps.dedupHamming)) {
        await c.query('ROLLBACK');
        return { status: 'duplicate', of: r.id };
      }
    }
    await deps.images.put(ex.exampleId, jpeg);
    await c.query(
      `INSERT INTO hard_examples (id, camera_id, frame_id, captured_at, reason, image_key, width, height, model_id,
         track_id, boxes, fingerprint)
       VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        ex.exampleId,
        ex.cameraId,
        ex.frameId,
        ex.capturedAt,
        ex.reason,
        ex.imageKey,
        ex.width,
        ex.height,
        ex.modelId,
        ex.trackId ?? null,
        JSON.stringify(ex.boxes),
        `dhash:${hash}`,
      ],
    );
    const task = await c.query<{ id: string }>(
      'INSERT INTO annotation_tasks (hard_example_id) VALUES ($1) RETURNING id',
      [ex.exampleId],
    );
    await c.query('COMMIT');
    return { status: 'created', taskId: Number(task.rows[0]!.id), hash };
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}
