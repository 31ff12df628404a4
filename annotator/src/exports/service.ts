import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportRequest, Redis } from '@sentinel/common';
import { ZipArchive } from 'archiver';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { conflict, notFound } from '../http/errors.ts';
import type { ImageStore } from '../images/store.ts';
import { buildManifest, loadAcceptedDataset, type Manifest } from './dataset.ts';
import { entriesFor } from './formats.ts';

export type ExportView = {
  id: string;
  name: string | null;
  format: string;
  status: 'running' | 'done' | 'failed';
  progress: number;
  counts: Record<string, unknown>;
  manifest: Manifest | null;
  error: string | null;
  createdBy: string;
  createdAt: number;
  finishedAt: number | null;
  downloadUrl: string | null;
  bytes?: number;
};

type Row = {
  id: string;
  name: string | null;
  format: string;
  status: ExportView['status'];
  progress: number;
  counts: Record<string, unknown>;
  manifest: Manifest | null;
  file_path: string | null;
  error: string | null;
  created_by: string;
  created_at: Date;
  finished_at: Date | null;
};

/**
 * Dataset versions: each export snapshots the accepted annotations at that moment, splits them
 * train/val deterministically, and streams a zip (archiver) to disk image by image. Progress
 * (0..1) lives in Redis while it runs (cheap to poll from many browsers) and in PostgreSQL.
 */
export class ExportService {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      pool: Pool;
      redis: Redis;
      images: ImageStore;
      dir: string;
      logger: Logger;
      apiBase?: string;
    },
  ) {}

  async start(req: ExportRequest, actor: string): Promise<ExportView> {
    const { pool, logger } = this.deps;
    const ds = await loadAcceptedDataset(pool, req.valFraction, req.seed);
    if (ds.images.length === 0)
      throw conflict('empty_dataset', 'nothing to export: no task has been accepted in review yet');
    const id = `ds-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const name = req.name ?? id;
    const manifest = buildManifest(ds, {
      name,
      format: req.format,
      valFraction: req.valFraction,
      seed: req.seed,
    });
    await pool.query(
      `INSERT INTO dataset_exports (id, format, status, progress, counts, created_by, name, val_fraction, seed, manifest)
       VALUES ($1, $2, 'running', 0, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        req.format,
        JSON.stringify(countsOf(manifest)),
        actor,
        name,
        req.valFraction,
        req.seed,
        JSON.stringify(manifest),
      ],
    );
    const job = this.build(id, req, ds, manifest).catch((err) => logger.error({ err, id }, 'export failed'));
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
    return this.get(id);
  }

  private async build(
    id: string,
    req: ExportRequest,
    ds: Awaited<ReturnType<typeof loadAcceptedDataset>>,
    manifest: Manifest,
  ) {
    const { pool, redis, images, dir, logger } = this.deps;
    await mkdir(dir, { recursive: true });
    const final = join(dir, `${id}-${req.format}.zip`);
    const tmp = `${final}.part`;
    const entries = entriesFor(req.format, ds, manifest);
    const total = entries.length;
    const key = `annotator:export:${id}`;
    let lastPg = 0;
    const report = async (done: number) => {
      const progress = Math.min(0.99, done / total);
      await redis.hset(key, { progress: String(progress), done: String(done), total: String(total) });
      await redis.expire(key, 86_400);
      if (Date.now() - lastPg > 1000) {
        lastPg = Date.now();
        await pool.query('UPDATE dataset_exports SET progress = $2 WHERE id = $1', [id, progress]);
      }
    };
    try {
      const out = createWriteStream(tmp);
      const archive = new ZipArchive({ zlib: { level: 6 } });
      const finished = new Promise<void>((resolve, reject) => {
        out.on('close', resolve);
        out.on('error', reject);
        archive.on('error', reject);
      });
      archive.pipe(out);
      let done = 0;
      for (const e of entries) {
        if ('text' in e) archive.append(e.text, { name: e.name });
        else {
          const jpeg = await images.get(e.image.exampleId);
          if (!jpeg)
            throw new Error(`frame of hard example ${e.image.exampleId} is missing from the image store`);
          archive.append(jpeg, { name: e.name, store: true });
        }
        done++;
        if (done % 10 === 0 || done === total) {
          await report(done);
          logger.info({ id, done, total }, 'export progress');
        }
      }
      await archive.finalize();
      await finished;
      await rename(tmp, final);
      await pool.query(
        `UPDATE dataset_exports SET status = 'done', progress = 1, file_path = $2, finished_at = now() WHERE id = $1`,
        [id, final],
      );
      await pool.query('UPDATE hard_examples SET exported_at = now() WHERE id = ANY($1::text[])', [
        ds.images.map((im) => im.exampleId),
      ]);
      await redis.hset(key, { progress: '1', done: String(total), total: String(total) });
      logger.info({ id, format: req.format, images: ds.images.length, file: final }, 'export done');
    } catch (err) {
      await rm(tmp, { force: true });
      await pool.query(
        `UPDATE dataset_exports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
        [id, (err as Error).message],
      );
      await redis.del(key);
      throw err;
    }
  }

  async get(id: string): Promise<ExportView> {
    const { rows } = await this.deps.pool.query<Row>('SELECT * FROM dataset_exports WHERE id = $1', [id]);
    if (!rows[0]) throw notFound(`export ${id}`);
    return this.view(rows[0]);
  }

  async list(): Promise<ExportView[]> {
    const { rows } = await this.deps.pool.query<Row>(
      'SELECT * FROM dataset_exports ORDER BY created_at DESC LIMIT 100',
    );
    return Promise.all(rows.map((r) => this.view(r)));
  }

  /** The finished zip's path; 409 while it runs or after it failed. */
  async fileOf(id: string): Promise<{ path: string; name: string }> {
    const v = await this.get(id);
    const { rows } = await this.deps.pool.query<{ file_path: string | null }>(
      'SELECT file_path FROM dataset_exports WHERE id = $1',
      [id],
    );
    if (v.status !== 'done' || !rows[0]?.file_path)
      throw conflict(
        'wrong_stage',
        `export ${id} is ${v.status}${v.error ? `: ${v.error}` : ''}; nothing to download yet`,
      );
    return { path: rows[0].file_path, name: `${id}-${v.format}.zip` };
  }

  /** Wait for running builds (graceful shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async view(r: Row): Promise<ExportView> {
    let progress = r.progress;
    if (r.status === 'running') {
      const live = await this.deps.redis.hget(`annotator:export:${r.id}`, 'progress').catch(() => null);
      if (live) progress = Number(live);
    }
    const base = this.deps.apiBase ?? '/api/v1/annotation';
    return {
      id: r.id,
      name: r.name,
      format: r.format,
      status: r.status,
      progress,
      counts: r.counts,
      manifest: r.manifest,
      error: r.error,
      createdBy: r.created_by,
      createdAt: r.created_at.getTime(),
      finishedAt: r.finished_at?.getTime() ?? null,
      downloadUrl: r.status === 'done' ? `${base}/exports/${r.id}/download` : null,
    };
  }
}

const countsOf = (m: Manifest) => ({ images: m.images, boxes: m.boxes, perLabel: m.perLabel });
