import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from '@sentinel/common';
import {
  COCO_LABELS,
  kvBuckets,
  type ModelEvaluation,
  type ModelInfo,
  modelInfoSchema,
  type RegisterModel,
} from '@sentinel/common';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { loadAcceptedDataset } from '../exports/dataset.ts';
import { ApiError, conflict, notFound } from '../http/errors.ts';
import type { ImageStore } from '../images/store.ts';
import { type GroundTruth, meanAveragePrecision, type Prediction } from './map.ts';
import { inspectModel, type ModelFormat, ModelRunner } from './runner.ts';

type ModelRow = {
  id: string;
  file: string;
  format: ModelFormat;
  input_width: number;
  input_height: number;
  labels: string[];
  provider: string;
  active: boolean;
  sha256: string | null;
  evaluation: ModelEvaluation | null;
  created_at: Date;
};

/** A shadow evaluation in progress (or the last one that failed), shared by replicas through Redis. */
export type EvaluationRun = {
  status: 'running' | 'failed';
  progress: number;
  error?: string;
  startedAt: number;
};

export type ModelView = Omit<ModelInfo, 'provider'> & {
  provider: string;
  evaluation: ModelEvaluation | null;
  evaluationRun?: EvaluationRun;
};

const IOU = 0.5;

/**
 * The model registry side of "closing the loop": register a candidate ONNX file (path or upload),
 * validate it really is a detector of its format, shadow-evaluate it against the active model on
 * every accepted annotation (mAP@0.5 + per-class AP for both) and promote it only when it is better.
 * Promotion flips `models.active` in one transaction and mirrors both rows to KV `models` so the
 * inference workers hot-reload.
 */
export class ModelRegistry {
  constructor(
    private readonly deps: {
      pool: Pool;
      images: ImageStore;
      modelsDir: string;
      uploadDir: string;
      maxUploadBytes: number;
      logger: Logger;
      nc?: NatsConnection;
      redis: Redis;
      /** Namespace of the Redis keys (the database name), so stacks sharing a Redis never mix runs. */
      keyPrefix?: string;
    },
  ) {}

  private readonly local = new Set<Promise<unknown>>();
  private runKey = (id: string) => `annotator:${this.deps.keyPrefix ?? 'default'}:model-eval:${id}`;

  /** Status of a running (or failed) evaluation, if any. */
  async runOf(id: string): Promise<EvaluationRun | undefined> {
    const h = await this.deps.redis.hgetall(this.runKey(id)).catch(() => ({}) as Record<string, string>);
    if (!h.status) return undefined;
    return {
      status: h.status as EvaluationRun['status'],
      progress: Number(h.progress ?? 0),
      startedAt: Number(h.startedAt ?? 0),
      ...(h.error ? { error: h.error } : {}),
    };
  }

  /**
   * Start a shadow evaluation in the background (long on real datasets: every accepted frame through two
   * models). Checks that can fail fast (unknown model, empty dataset) throw now; a second start while
   * one runs returns the running one.
   */
  async startEvaluation(id: string): Promise<EvaluationRun> {
    const key = this.runKey(id);
    const started = Date.now();
    const claimed = await this.deps.redis.hsetnx(key, 'status', 'running');
    if (!claimed) {
      const cur = await this.runOf(id);
      if (cur?.status === 'running') return cur;
      await this.deps.redis.hset(key, { status: 'running' });
    }
    await this.deps.redis.hset(key, { progress: '0', startedAt: String(started), error: '' });
    // Short TTL refreshed on progress: a run whose process died stops blocking new runs within minutes.
    await this.deps.redis.expire(key, 300);
    try {
      const run = await this.prepare(id, async (p) => {
        await this.deps.redis
          .multi()
          .hset(key, { progress: String(p) })
          .expire(key, 300)
          .exec()
          .catch(() => {});
      });
      const job = run().then(
        () => this.deps.redis.del(key),
        async (err: Error) => {
          this.deps.logger.error({ err, id }, 'shadow evaluation failed');
          await this.deps.redis.hset(key, { status: 'failed', error: err.message.slice(0, 500) });
        },
      );
      this.local.add(job);
      void job.finally(() => this.local.delete(job));
      return { status: 'running', progress: 0, startedAt: started };
    } catch (err) {
      await this.deps.redis.del(key);
      throw err;
    }
  }

  /** Wait for evaluations started by this process (graceful shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.local]);
  }

  async list(): Promise<ModelView[]> {
    const { rows } = await this.deps.pool.query<ModelRow>(
      'SELECT * FROM models ORDER BY created_at DESC, id',
    );
    return Promise.all(rows.map((r) => this.withRun(view(r))));
  }

  async get(id: string): Promise<ModelView> {
    return this.withRun(view(await this.row(id)));
  }

  private async withRun(v: ModelView): Promise<ModelView> {
    const run = await this.runOf(v.id);
    return run ? { ...v, evaluationRun: run } : v;
  }

  /** Register a file already on disk (absolute, or relative to the models directory). */
  async registerPath(body: RegisterModel): Promise<ModelView> {
    if (!body.path) throw new ApiError(400, 'validation_failed', 'path is required (or upload the file)');
    const file = isAbsolute(body.path) ? body.path : resolve(this.deps.modelsDir, body.path);
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) throw new ApiError(400, 'validation_failed', `model file ${body.path} does not exist`);
    return this.insert(body, file, body.path);
  }

  /** Register an uploaded file (raw body stream). A file that fails validation is deleted again. */
  async registerUpload(meta: Omit<RegisterModel, 'path'>, body: Readable): Promise<ModelView> {
    await this.assertFree(meta.id);
    await mkdir(this.deps.uploadDir, { recursive: true });
    const final = join(this.deps.uploadDir, `${meta.id}.onnx`);
    const tmp = `${final}.${randomBytes(4).toString('hex')}.part`;
    let bytes = 0;
    const max = this.deps.maxUploadBytes;
    body.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes > max)
        body.destroy(new ApiError(413, 'payload_too_large', `model file exceeds ${max} bytes`));
    });
    try {
      await pipeline(body, createWriteStream(tmp));
      if (bytes === 0) throw new ApiError(400, 'validation_failed', 'the uploaded model file is empty');
      await rename(tmp, final);
      return await this.insert(meta, final, final);
    } catch (err) {
      await rm(tmp, { force: true });
      await rm(final, { force: true }).catch(() => {});
      throw err;
    }
  }

  private async insert(
    meta: Omit<RegisterModel, 'path'>,
    file: string,
    storedPath: string,
  ): Promise<ModelView> {
    await this.assertFree(meta.id);
    const labels = meta.labels ?? [...COCO_LABELS];
    const { spec, session } = await inspectModel(file, meta.format, labels);
    await session.release().catch(() => {});
    const sha256 = await sha256File(file);
    const { rows } = await this.deps.pool
      .query<ModelRow>(
        `INSERT INTO models (id, file, format, input_width, input_height, labels, provider, active, sha256)
         VALUES ($1, $2, $3, $4, $5, $6, 'cpu', false, $7) RETURNING *`,
        [meta.id, storedPath, meta.format, spec.inputWidth, spec.inputHeight, JSON.stringify(labels), sha256],
      )
      .catch((err: { code?: string }) => {
        if (err.code === '23505') throw conflict('wrong_stage', `model ${meta.id} is already registered`);
        throw err;
      });
    this.deps.logger.info({ id: meta.id, format: meta.format, spec }, 'model registered');
    return view(rows[0]!);
  }

  /**
   * Shadow-evaluate `id` and the active model on every accepted annotation. Stores and returns the
   * comparison; `better` is true when the candidate's mAP@0.5 beats the active model's (or there is none).
   */
  async evaluate(id: string): Promise<ModelEvaluation> {
    return (await this.prepare(id))();
  }

  /** Fast checks now; the returned function runs both models and stores the comparison. */
  private async prepare(
    id: string,
    onProgress: (fraction: number) => Promise<void> = async () => {},
  ): Promise<() => Promise<ModelEvaluation>> {
    const { pool, images, logger } = this.deps;
    const candidate = await this.row(id);
    const active = (await pool.query<ModelRow>('SELECT * FROM models WHERE active AND id <> $1', [id]))
      .rows[0];
    const ds = await loadAcceptedDataset(pool, 0, 'eval');
    if (ds.images.length === 0)
      throw conflict('empty_dataset', 'nothing to evaluate on: no task has been accepted in review yet');
    const gts: GroundTruth[] = ds.images.flatMap((im) =>
      im.boxes.map((b) => ({ imageId: im.exampleId, label: b.label, box: b.box })),
    );
    const runs = active ? 2 : 1;
    let finished = 0;
    const score = async (m: ModelRow) => {
      const runner = await ModelRunner.open(this.resolveFile(m.file), m.format, m.labels);
      try {
        const preds: Prediction[] = [];
        let n = 0;
        for (const im of ds.images) {
          const jpeg = await images.get(im.exampleId);
          if (!jpeg) throw new Error(`frame of ${im.exampleId} is missing`);
          for (const d of await runner.detect(jpeg)) preds.push({ imageId: im.exampleId, ...d });
          if (++n % 20 === 0 || n === ds.images.length) {
            logger.info({ model: m.id, done: n, total: ds.images.length }, 'shadow evaluation progress');
            await onProgress((finished * ds.images.length + n) / (runs * ds.images.length));
          }
        }
        const r = meanAveragePrecision(gts, preds, IOU);
        finished++;
        return { modelId: m.id, mAP: r.mAP, perClass: r.perClass };
      } finally {
        await runner.close();
      }
    };
    return async () => {
      const cand = await score(candidate);
      const base = active ? await score(active) : null;
      const evaluation: ModelEvaluation = {
        evaluatedAt: Date.now(),
        images: ds.images.length,
        iouThreshold: IOU,
        candidate: cand,
        baseline: base,
        better: base === null || cand.mAP > base.mAP,
      };
      await pool.query('UPDATE models SET evaluation = $2 WHERE id = $1', [id, JSON.stringify(evaluation)]);
      logger.info(
        { id, mAP: cand.mAP, baseline: base?.modelId, baselineMAP: base?.mAP },
        'shadow evaluation done',
      );
      return evaluation;
    };
  }

  /** Make `id` the active model, only when its last evaluation beat the model that is active now. */
  async promote(
    id: string,
  ): Promise<{ promoted: ModelView; previous: string | null; evaluation: ModelEvaluation }> {
    const { pool } = this.deps;
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const { rows } = await c.query<ModelRow>('SELECT * FROM models WHERE id = $1 FOR UPDATE', [id]);
      const m = rows[0];
      if (!m) throw notFound(`model ${id}`);
      if (m.active) throw conflict('wrong_stage', `model ${id} is already active`);
      const active = (await c.query<ModelRow>('SELECT * FROM models WHERE active FOR UPDATE')).rows[0];
      const ev = m.evaluation;
      if (!ev) throw conflict('not_evaluated', `model ${id} has not been evaluated; run an evaluation first`);
      if ((ev.baseline?.modelId ?? null) !== (active?.id ?? null))
        throw conflict(
          'not_evaluated',
          `model ${id} was evaluated against ${ev.baseline?.modelId ?? 'no model'}, but ${active?.id ?? 'no model'} is active now; evaluate again`,
          { evaluation: ev },
        );
      if (!ev.better)
        throw conflict(
          'not_better',
          `model ${id} is not better than ${active?.id}: mAP@0.5 ${ev.candidate.mAP.toFixed(4)} vs ${ev.baseline?.mAP.toFixed(4)}`,
          { evaluation: ev },
        );
      if (active) await c.query('UPDATE models SET active = false WHERE id = $1', [active.id]);
      const promoted = (
        await c.query<ModelRow>('UPDATE models SET active = true WHERE id = $1 RETURNING *', [id])
      ).rows[0]!;
      await c.query('COMMIT');
      await this.mirror([promoted, ...(active ? [{ ...active, active: false }] : [])]);
      this.deps.logger.info({ id, previous: active?.id ?? null }, 'model promoted');
      return { promoted: view(promoted), previous: active?.id ?? null, evaluation: ev };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  /** Mirror rows to KV `models` (key = model id, value = ModelInfo) when NATS is connected. */
  private async mirror(rows: ModelRow[]): Promise<void> {
    if (!this.deps.nc) return;
    try {
      const kv = await new Kvm(this.deps.nc).open(kvBuckets.models);
      for (const r of rows) {
        const info = modelInfoSchema.parse({ ...view(r), evaluation: undefined });
        await kv.put(r.id, JSON.stringify(info));
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'could not mirror models to KV (PostgreSQL is the source of truth)');
    }
  }

  private resolveFile(file: string) {
    return isAbsolute(file) ? file : resolve(this.deps.modelsDir, file);
  }

  private async assertFree(id: string) {
    const { rowCount } = await this.deps.pool.query('SELECT 1 FROM models WHERE id = $1', [id]);
    if (rowCount) throw conflict('wrong_stage', `model ${id} is already registered`);
  }

  private async row(id: string): Promise<ModelRow> {
    const { rows } = await this.deps.pool.query<ModelRow>('SELECT * FROM models WHERE id = $1', [id]);
    if (!rows[0]) throw notFound(`model ${id}`);
    return rows[0];
  }
}

function view(r: ModelRow): ModelView {
  return {
    id: r.id,
    file: r.file,
    format: r.format,
    inputWidth: r.input_width,
    inputHeight: r.input_height,
    labels: r.labels,
    provider: r.provider,
    active: r.active,
    ...(r.sha256 ? { sha256: r.sha256 } : {}),
    createdAt: r.created_at.getTime(),
    evaluation: r.evaluation,
  };
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}
