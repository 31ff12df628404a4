import {
  type AnnotationBox,
  type AnnotationStage,
  type ReviewDecision,
  type SubmitAnnotation,
  withTransaction,
} from '@sentinel/common';
import type { AuthUser } from '@sentinel/common/auth/index';
import type { Pool, PoolClient } from 'pg';
import { ApiError, conflict, notFound } from '../http/errors.ts';
import { checkBoxes } from './labels.ts';

/**
 * The annotation queue in PostgreSQL. Leases are rows (assignee + lease_expires_at) taken with
 * FOR UPDATE SKIP LOCKED, so N annotator replicas and N browsers never get the same task and an
 * expired lease is simply a row that the next `next` call may take again. Every state change bumps
 * `version`; writes name the version they read and get 409 stale_version otherwise.
 *
 * Stages: annotation → review → accepted, or review → rejected (comment) → annotation again.
 * `rejected` tasks wait in the annotation queue (first in line) until someone re-annotates them.
 */

export type TaskRow = {
  id: string;
  hard_example_id: string;
  stage: AnnotationStage;
  assignee: string | null;
  lease_expires_at: Date | null;
  heartbeat_at: Date | null;
  skipped_by: string[];
  comment: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
};

export type TaskView = {
  id: number;
  stage: AnnotationStage;
  version: number;
  assignee: string | null;
  leaseExpiresAt: number | null;
  comment: string | null;
  imageUrl: string;
  example: {
    id: string;
    cameraId: string;
    frameId: string;
    capturedAt: number;
    reason: string;
    width: number;
    height: number;
    modelId: string;
    trackId: string | null;
  };
  /** The model's boxes (pre-annotations). */
  modelBoxes: Array<AnnotationBox & { score?: number }>;
  /** The latest human annotation, if any. */
  annotation: {
    id: number;
    annotator: string;
    boxes: AnnotationBox[];
    noObjects: boolean;
    at: number;
  } | null;
  history: Array<{
    kind: 'annotation' | 'review';
    actor: string;
    at: number;
    decision?: string;
    comment?: string;
  }>;
};

const TASK_COLS = `t.id, t.hard_example_id, t.stage, t.assignee, t.lease_expires_at, t.heartbeat_at, t.skipped_by,
  t.comment, t.version, t.created_at, t.updated_at`;

export class TaskQueue {
  constructor(
    private readonly pool: Pool,
    private readonly leaseSeconds: number,
    private readonly apiBase = '/api/v1/annotation',
  ) {}

  /**
   * Lease the next task of a stage for the user. A task the user already holds (e.g. after a page
   * reload) comes back first; then rejected tasks; then the oldest. Returns null when the queue is empty.
   */
  async next(user: AuthUser, stage: 'annotation' | 'review'): Promise<TaskView | null> {
    const stages = stage === 'annotation' ? ['annotation', 'rejected'] : ['review'];
    // Reviewers never get their own annotation to review (admins may, e.g. a one-person setup).
    const ownWork =
      stage === 'review' && user.role !== 'admin'
        ? `AND NOT EXISTS (SELECT 1 FROM annotations a WHERE a.task_id = t.id AND a.annotator = $2
             AND a.id = (SELECT max(id) FROM annotations a2 WHERE a2.task_id = t.id))`
        : '';
    const { rows } = await this.pool.query<TaskRow>(
      `WITH c AS (
         SELECT t.id FROM annotation_tasks t
         WHERE t.stage = ANY($1::text[])
           AND (t.assignee IS NULL OR t.lease_expires_at IS NULL OR t.lease_expires_at < now() OR t.assignee = $2)
           AND NOT ($2 = ANY(t.skipped_by))
           ${ownWork}
         ORDER BY (t.assignee = $2 AND t.lease_expires_at >= now()) DESC NULLS LAST,
                  (t.stage = 'rejected') DESC, t.created_at, t.id
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       UPDATE annotation_tasks t
          SET assignee = $2, lease_expires_at = now() + make_interval(secs => $3), heartbeat_at = now(),
              version = CASE WHEN t.assignee = $2 AND t.lease_expires_at >= now() THEN t.version ELSE t.version + 1 END,
              updated_at = now()
         FROM c WHERE t.id = c.id
       RETURNING ${TASK_COLS}`,
      [stages, user.username, this.leaseSeconds],
    );
    const row = rows[0];
    return row ? this.view(row) : null;
  }

  /** Extend the caller's lease. 409 when the lease expired, moved to someone else, or the version is stale. */
  async heartbeat(user: AuthUser, taskId: number, version: number): Promise<TaskView> {
    const { rows } = await this.pool.query<TaskRow>(
      `UPDATE annotation_tasks t SET lease_expires_at = now() + make_interval(secs => $4), heartbeat_at = now()
        WHERE id = $1 AND assignee = $2 AND version = $3 AND lease_expires_at >= now()
          AND stage IN ('annotation','rejected','review')
        RETURNING ${TASK_COLS}`,
      [taskId, user.username, version, this.leaseSeconds],
    );
    if (rows[0]) return this.view(rows[0]);
    const current = await this.load(this.pool, taskId);
    throw this.explainRefusal(current, user, version, ['annotation', 'rejected', 'review']);
  }

  /** Submit an annotation: the task moves to review and the lease is released. */
  async submit(user: AuthUser, taskId: number, body: SubmitAnnotation): Promise<TaskView> {
    return this.tx(async (c) => {
      const task = await this.load(c, taskId, true);
      this.assertHeld(task, user, body.version, ['annotation', 'rejected']);
      const frame = await this.frame(c, task.hard_example_id);
      await checkBoxes(this.pool, body.boxes, frame);
      await c.query(
        `INSERT INTO annotations (task_id, annotator, boxes, no_objects, task_version) VALUES ($1, $2, $3, $4, $5)`,
        [taskId, user.username, JSON.stringify(body.boxes), body.noObjects, task.version],
      );
      const { rows } = await c.query<TaskRow>(
        `UPDATE annotation_tasks t SET stage = 'review', assignee = NULL, lease_expires_at = NULL, heartbeat_at = NULL,
            version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ${TASK_COLS}`,
        [taskId],
      );
      return this.view(rows[0]!, c);
    });
  }

  /** Skip: release the lease and never offer this task to the user again. */
  async skip(user: AuthUser, taskId: number, version: number): Promise<TaskView> {
    return this.tx(async (c) => {
      const task = await this.load(c, taskId, true);
      this.assertHeld(task, user, version, ['annotation', 'rejected', 'review']);
      const { rows } = await c.query<TaskRow>(
        `UPDATE annotation_tasks t SET assignee = NULL, lease_expires_at = NULL, heartbeat_at = NULL,
            skipped_by = array_append(skipped_by, $2), version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ${TASK_COLS}`,
        [taskId, user.username],
      );
      return this.view(rows[0]!, c);
    });
  }

  /** Give the lease back without skipping (e.g. the browser tab closes). */
  async release(user: AuthUser, taskId: number, version: number): Promise<TaskView> {
    return this.tx(async (c) => {
      const task = await this.load(c, taskId, true);
      this.assertHeld(task, user, version, ['annotation', 'rejected', 'review']);
      const { rows } = await c.query<TaskRow>(
        `UPDATE annotation_tasks t SET assignee = NULL, lease_expires_at = NULL, heartbeat_at = NULL,
            version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${TASK_COLS}`,
        [taskId],
      );
      return this.view(rows[0]!, c);
    });
  }

  /** Review a task leased in the review stage: accept (optionally correcting boxes) or reject with a comment. */
  async review(user: AuthUser, taskId: number, body: ReviewDecision): Promise<TaskView> {
    return this.tx(async (c) => {
      const task = await this.load(c, taskId, true);
      this.assertHeld(task, user, body.version, ['review']);
      const latest = await c.query<{
        id: string;
        annotator: string;
        boxes: AnnotationBox[];
        no_objects: boolean;
      }>(
        'SELECT id, annotator, boxes, no_objects FROM annotations WHERE task_id = $1 ORDER BY id DESC LIMIT 1',
        [taskId],
      );
      const last = latest.rows[0];
      if (last && last.annotator === user.username && user.role !== 'admin')
        throw conflict('own_work', 'you cannot review your own annotation');
      let annotationId = last?.id ?? null;
      if (body.decision === 'accept' && body.boxes !== undefined) {
        const noObjects = body.noObjects ?? body.boxes.length === 0;
        if (noObjects && body.boxes.length > 0)
          throw new ApiError(400, 'validation_failed', 'noObjects reviews must not carry boxes');
        const frame = await this.frame(c, task.hard_example_id);
        await checkBoxes(this.pool, body.boxes, frame);
        const ins = await c.query<{ id: string }>(
          `INSERT INTO annotations (task_id, annotator, boxes, no_objects, task_version)
           VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [taskId, user.username, JSON.stringify(body.boxes), noObjects, task.version],
        );
        annotationId = ins.rows[0]!.id;
      }
      await c.query(
        'INSERT INTO annotation_reviews (task_id, annotation_id, reviewer, decision, comment) VALUES ($1, $2, $3, $4, $5)',
        [taskId, annotationId, user.username, body.decision, body.comment ?? null],
      );
      const stage = body.decision === 'accept' ? 'accepted' : 'rejected';
      const { rows } = await c.query<TaskRow>(
        `UPDATE annotation_tasks t SET stage = $2, comment = $3, assignee = NULL, lease_expires_at = NULL,
            heartbeat_at = NULL, skipped_by = '{}', version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ${TASK_COLS}`,
        [taskId, stage, body.comment ?? null],
      );
      return this.view(rows[0]!, c);
    });
  }

  async get(taskId: number): Promise<TaskView> {
    const row = await this.load(this.pool, taskId);
    if (!row) throw notFound(`task ${taskId}`);
    return this.view(row);
  }

  async list(opts: { stage?: AnnotationStage; limit: number; offset: number }) {
    const { rows } = await this.pool.query<TaskRow & { camera_id: string; reason: string }>(
      `SELECT ${TASK_COLS}, h.camera_id, h.reason FROM annotation_tasks t JOIN hard_examples h ON h.id = t.hard_example_id
        WHERE ($1::text IS NULL OR t.stage = $1) ORDER BY t.id LIMIT $2 OFFSET $3`,
      [opts.stage ?? null, opts.limit, opts.offset],
    );
    const counts = await this.pool.query<{ stage: string; n: string }>(
      'SELECT stage, count(*)::text AS n FROM annotation_tasks GROUP BY stage',
    );
    return {
      items: rows.map((r) => ({
        id: Number(r.id),
        stage: r.stage,
        version: r.version,
        assignee: r.lease_expires_at && r.lease_expires_at.getTime() >= Date.now() ? r.assignee : null,
        cameraId: r.camera_id,
        reason: r.reason,
        comment: r.comment,
        updatedAt: r.updated_at.getTime(),
      })),
      counts: Object.fromEntries(counts.rows.map((r) => [r.stage, Number(r.n)])),
    };
  }

  /** The hard example behind a task (for serving its image). */
  async exampleOf(taskId: number): Promise<{ id: string; imageKey: string }> {
    const { rows } = await this.pool.query<{ id: string; image_key: string }>(
      'SELECT h.id, h.image_key FROM annotation_tasks t JOIN hard_examples h ON h.id = t.hard_example_id WHERE t.id = $1',
      [taskId],
    );
    if (!rows[0]) throw notFound(`task ${taskId}`);
    return { id: rows[0].id, imageKey: rows[0].image_key };
  }

  private assertHeld(
    task: TaskRow | undefined,
    user: AuthUser,
    version: number,
    stages: AnnotationStage[],
  ): asserts task is TaskRow {
    if (!task) throw notFound('task');
    const held =
      task.assignee === user.username &&
      task.lease_expires_at !== null &&
      task.lease_expires_at.getTime() >= Date.now() &&
      stages.includes(task.stage) &&
      task.version === version;
    if (!held) throw this.explainRefusal(task, user, version, stages);
  }

  /** The most useful reason a write on a task was refused. */
  private explainRefusal(
    task: TaskRow | undefined,
    user: AuthUser,
    version: number,
    stages: AnnotationStage[],
  ) {
    if (!task) return notFound('task');
    const current = { currentVersion: task.version, stage: task.stage };
    if (!stages.includes(task.stage))
      return conflict(
        'wrong_stage',
        `task ${task.id} is in stage ${task.stage}, not ${stages.join(' or ')}`,
        current,
      );
    if (task.version !== version && task.assignee === user.username)
      return conflict(
        'stale_version',
        `task ${task.id} changed: version ${version} is stale (now ${task.version})`,
        current,
      );
    if (task.assignee !== user.username)
      return conflict(
        task.version !== version ? 'stale_version' : 'not_leaseholder',
        `task ${task.id} is not leased to you (version ${version}, now ${task.version}); take a new task`,
        current,
      );
    if (!task.lease_expires_at || task.lease_expires_at.getTime() < Date.now())
      return conflict(
        'lease_expired',
        `your lease on task ${task.id} expired; it went back to the queue`,
        current,
      );
    return conflict(
      'stale_version',
      `task ${task.id} changed: version ${version} is stale (now ${task.version})`,
      current,
    );
  }

  private async load(c: Pool | PoolClient, taskId: number, forUpdate = false): Promise<TaskRow | undefined> {
    const { rows } = await c.query<TaskRow>(
      `SELECT ${TASK_COLS} FROM annotation_tasks t WHERE t.id = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
      [taskId],
    );
    return rows[0];
  }

  private async frame(c: Pool | PoolClient, exampleId: string) {
    const { rows } = await c.query<{ width: number; height: number }>(
      'SELECT width, height FROM hard_examples WHERE id = $1',
      [exampleId],
    );
    return rows[0]!;
  }

  private async view(row: TaskRow, c: Pool | PoolClient = this.pool): Promise<TaskView> {
    const ex = await c.query<{
      id: string;
      camera_id: string;
      frame_id: string;
      captured_at: Date;
      reason: string;
      width: number;
      height: number;
      model_id: string;
      track_id: string | null;
      boxes: Array<{ label: string; box: [number, number, number, number]; score?: number }>;
    }>('SELECT * FROM hard_examples WHERE id = $1', [row.hard_example_id]);
    const h = ex.rows[0]!;
    const anns = await c.query<{
      id: string;
      annotator: string;
      boxes: AnnotationBox[];
      no_objects: boolean;
      created_at: Date;
    }>(
      'SELECT id, annotator, boxes, no_objects, created_at FROM annotations WHERE task_id = $1 ORDER BY id',
      [row.id],
    );
    const reviews = await c.query<{
      reviewer: string;
      decision: string;
      comment: string | null;
      created_at: Date;
    }>(
      'SELECT reviewer, decision, comment, created_at FROM annotation_reviews WHERE task_id = $1 ORDER BY id',
      [row.id],
    );
    const last = anns.rows.at(-1);
    const history = [
      ...anns.rows.map((a) => ({
        kind: 'annotation' as const,
        actor: a.annotator,
        at: a.created_at.getTime(),
      })),
      ...reviews.rows.map((r) => ({
        kind: 'review' as const,
        actor: r.reviewer,
        at: r.created_at.getTime(),
        decision: r.decision,
        ...(r.comment ? { comment: r.comment } : {}),
      })),
    ].sort((a, b) => a.at - b.at);
    return {
      id: Number(row.id),
      stage: row.stage,
      version: row.version,
      assignee: row.assignee,
      leaseExpiresAt: row.lease_expires_at?.getTime() ?? null,
      comment: row.comment,
      imageUrl: `${this.apiBase}/tasks/${row.id}/image`,
      example: {
        id: h.id,
        cameraId: h.camera_id,
        frameId: h.frame_id,
        capturedAt: h.captured_at.getTime(),
        reason: h.reason,
        width: h.width,
        height: h.height,
        modelId: h.model_id,
        trackId: h.track_id,
      },
      modelBoxes: h.boxes.map((b) => ({
        label: b.label,
        box: b.box,
        source: 'model' as const,
        ...(b.score !== undefined ? { score: b.score } : {}),
      })),
      annotation: last
        ? {
            id: Number(last.id),
            annotator: last.annotator,
            boxes: last.boxes,
            noObjects: last.no_objects,
            at: last.created_at.getTime(),
          }
        : null,
      history,
    };
  }

  private tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, fn);
  }
}
