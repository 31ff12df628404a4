import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  annotationStageSchema,
  exportRequestSchema,
  modelFormatSchema,
  nextTaskRequestSchema,
  registerModelSchema,
  reviewDecisionSchema,
  submitAnnotationSchema,
  taskVersionBodySchema,
} from '@sentinel/common';
import { can, PERMISSION_MATRIX, type Permission } from '@sentinel/common/auth/index';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ExportService } from '../exports/service.ts';
import type { ImageStore } from '../images/store.ts';
import type { ModelRegistry } from '../models/registry.ts';
import { addCustomLabel, listLabels } from '../queue/labels.ts';
import type { TaskQueue } from '../queue/tasks.ts';
import { agreement, throughput } from '../stats/stats.ts';
import { audit } from './audit.ts';
import { authenticate, requirePermission, userOf } from './auth.ts';
import { ApiError, notFound, parseOr400 } from './errors.ts';

export type ApiDeps = {
  secret: Uint8Array;
  queue: TaskQueue;
  images: ImageStore;
  exports: ExportService;
  models: ModelRegistry;
  pool: import('pg').Pool;
  /** Fallback for frames not copied locally (e.g. intake raced a restart): read from the object store. */
  fetchSnapshot?: (key: string) => Promise<Uint8Array | null>;
};

const idParams = z.object({ id: z.coerce.number().int().positive('task id must be a positive integer') });
const exportParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/, 'bad export id') });
const modelParams = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'bad model id') });

function requireAny(...perms: Permission[]) {
  return async (req: FastifyRequest) => {
    const u = userOf(req);
    if (!perms.some((p) => can(u.role, p)))
      throw new ApiError(403, 'forbidden', `role ${u.role} lacks permission ${perms.join(' or ')}`);
  };
}

/** The annotator API, mounted under /api/v1/annotation. */
export async function annotationRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { queue } = deps;
  app.addHook('onRequest', authenticate(deps.secret));
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  const read = { preHandler: requirePermission('annotation:read') };
  const write = { preHandler: requirePermission('annotation:write') };
  const review = { preHandler: requirePermission('annotation:review') };
  const leaseOps = { preHandler: requireAny('annotation:write', 'annotation:review') };
  const exporting = { preHandler: requirePermission('annotation:export') };
  const modelsWrite = { preHandler: requirePermission('models:write') };

  app.get('/me', async (req) => {
    const u = userOf(req);
    return { user: u, permissions: PERMISSION_MATRIX[u.role] };
  });

  app.get('/labels', read, async () => listLabels(deps.pool));
  app.post('/labels', write, async (req, reply) => {
    const body = parseOr400(z.object({ name: z.unknown() }).strict(), req.body, 'body');
    const name = await addCustomLabel(deps.pool, body.name, userOf(req).username);
    return reply.code(201).send({ name });
  });

  app.get('/tasks', read, async (req) => {
    const q = parseOr400(
      z.object({
        stage: annotationStageSchema.optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      req.query,
      'query',
    );
    return queue.list(q);
  });

  app.post('/tasks/next', leaseOps, async (req, reply) => {
    const { stage } = parseOr400(nextTaskRequestSchema, req.body, 'body');
    const u = userOf(req);
    const perm: Permission = stage === 'review' ? 'annotation:review' : 'annotation:write';
    if (!can(u.role, perm)) throw new ApiError(403, 'forbidden', `role ${u.role} lacks permission ${perm}`);
    const task = await queue.next(u, stage);
    if (!task) return reply.code(204).send();
    return task;
  });

  app.get('/tasks/:id', read, async (req) => queue.get(parseOr400(idParams, req.params, 'params').id));

  app.get('/tasks/:id/image', read, async (req, reply) => {
    const { id } = parseOr400(idParams, req.params, 'params');
    const ex = await queue.exampleOf(id);
    const jpeg = (await deps.images.get(ex.id)) ?? (await deps.fetchSnapshot?.(ex.imageKey)) ?? null;
    if (!jpeg) throw notFound(`frame of task ${id}`);
    return reply
      .header('content-type', 'image/jpeg')
      .header('cache-control', 'private, max-age=3600')
      .send(jpeg);
  });

  app.post('/tasks/:id/heartbeat', leaseOps, async (req) => {
    const { id } = parseOr400(idParams, req.params, 'params');
    const { version } = parseOr400(taskVersionBodySchema, req.body, 'body');
    return queue.heartbeat(userOf(req), id, version);
  });
  app.post('/tasks/:id/submit', write, async (req) => {
    const { id } = parseOr400(idParams, req.params, 'params');
    const body = parseOr400(submitAnnotationSchema, req.body, 'body');
    const task = await queue.submit(userOf(req), id, body);
    await audit(deps.pool, req, userOf(req), 'annotation.submit', 'annotation_task', id, {
      boxes: body.boxes.length,
      noObjects: body.noObjects,
    });
    return task;
  });
  app.post('/tasks/:id/skip', leaseOps, async (req) => {
    const { id } = parseOr400(idParams, req.params, 'params');
    const task = await queue.skip(
      userOf(req),
      id,
      parseOr400(taskVersionBodySchema, req.body, 'body').version,
    );
    await audit(deps.pool, req, userOf(req), 'annotation.skip', 'annotation_task', id);
    return task;
  });
  app.post('/tasks/:id/release', leaseOps, async (req) => {
    const { id } = parseOr400(idParams, req.params, 'params');
    return queue.release(userOf(req), id, parseOr400(taskVersionBodySchema, req.body, 'body').version);
  });
  app.post('/tasks/:id/review', review, async (req) => {
    const { id } = parseOr400(idParams, req.params, 'params');
    const body = parseOr400(reviewDecisionSchema, req.body, 'body');
    const task = await queue.review(userOf(req), id, body);
    await audit(deps.pool, req, userOf(req), `annotation.review.${body.decision}`, 'annotation_task', id, {
      ...(body.comment ? { comment: body.comment } : {}),
      corrected: body.decision === 'accept' && body.boxes !== undefined,
    });
    return task;
  });

  app.get('/stats', read, async () => {
    const [annotators, agree, counts] = await Promise.all([
      throughput(deps.pool),
      agreement(deps.pool),
      deps.pool.query<{ stage: string; n: string }>(
        'SELECT stage, count(*)::text AS n FROM annotation_tasks GROUP BY stage',
      ),
    ]);
    return {
      queue: Object.fromEntries(counts.rows.map((r) => [r.stage, Number(r.n)])),
      annotators,
      agreement: agree,
    };
  });

  app.get('/exports', read, async () => ({ items: await deps.exports.list() }));
  app.post('/exports', exporting, async (req, reply) => {
    const body = parseOr400(exportRequestSchema, req.body, 'body');
    const exp = await deps.exports.start(body, userOf(req).username);
    await audit(deps.pool, req, userOf(req), 'dataset.export', 'dataset_export', exp.id, {
      format: body.format,
    });
    return reply.code(202).send(exp);
  });
  app.get('/exports/:id', read, async (req) =>
    deps.exports.get(parseOr400(exportParams, req.params, 'params').id),
  );
  app.get('/exports/:id/download', exporting, async (req, reply) => {
    const { id } = parseOr400(exportParams, req.params, 'params');
    const f = await deps.exports.fileOf(id);
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="${f.name}"`)
      .send(createReadStream(f.path));
  });

  app.get('/models', read, async () => ({ items: await deps.models.list() }));
  app.get('/models/:id', read, async (req) =>
    deps.models.get(parseOr400(modelParams, req.params, 'params').id),
  );
  app.post('/models', modelsWrite, async (req, reply) => {
    const body = parseOr400(registerModelSchema, req.body, 'body');
    const m = await deps.models.registerPath(body);
    await audit(deps.pool, req, userOf(req), 'model.register', 'model', m.id, { file: m.file });
    return reply.code(201).send(m);
  });
  // Upload: PUT the raw .onnx bytes (application/octet-stream); format and labels in the query.
  app.put('/models/:id/file', modelsWrite, async (req, reply) => {
    const { id } = parseOr400(modelParams, req.params, 'params');
    const q = parseOr400(
      z.object({
        format: modelFormatSchema,
        labels: z
          .string()
          .transform((v) =>
            v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          )
          .optional(),
      }),
      req.query,
      'query',
    );
    if (!req.body || typeof (req.body as Readable).pipe !== 'function')
      throw new ApiError(400, 'bad_request', 'upload the model as an application/octet-stream body');
    const m = await deps.models.registerUpload(
      { id, format: q.format, ...(q.labels?.length ? { labels: q.labels } : {}) },
      req.body as Readable,
    );
    await audit(deps.pool, req, userOf(req), 'model.register', 'model', m.id, { upload: true });
    return reply.code(201).send(m);
  });
  // Long on real datasets: runs in the background (202, progress in GET /models/:id `evaluationRun`);
  // `?wait=true` answers with the comparison when done (CLI, tests).
  app.post('/models/:id/evaluate', modelsWrite, async (req, reply) => {
    const { id } = parseOr400(modelParams, req.params, 'params');
    const { wait } = parseOr400(z.object({ wait: z.enum(['true', 'false']).optional() }), req.query, 'query');
    await audit(deps.pool, req, userOf(req), 'model.evaluate', 'model', id);
    if (wait === 'true') return deps.models.evaluate(id);
    return reply.code(202).send(await deps.models.startEvaluation(id));
  });
  app.post('/models/:id/promote', modelsWrite, async (req) => {
    const r = await deps.models.promote(parseOr400(modelParams, req.params, 'params').id);
    await audit(deps.pool, req, userOf(req), 'model.promote', 'model', r.promoted.id, {
      previous: r.previous,
      mAP: r.evaluation.candidate.mAP,
      baselineMAP: r.evaluation.baseline?.mAP ?? null,
    });
    return r;
  });
}
