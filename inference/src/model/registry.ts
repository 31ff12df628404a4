import { isAbsolute, join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { kvBuckets, type ModelInfo, modelInfoSchema, type NatsConnection } from '@sentinel/common';

/** Anything with pg's query method (Pool, PoolClient). */
export type Queryable = {
  query: <R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ) => Promise<{ rows: R[]; rowCount: number | null }>;
};

/** A pg Pool: queries plus connect() for transactions. */
export type PoolLike = Queryable & { connect: () => Promise<Queryable & { release: () => void }> };

type ModelRow = {
  id: string;
  file: string;
  format: string;
  input_width: number;
  input_height: number;
  labels: string[];
  provider: string;
  active: boolean;
  sha256: string | null;
  created_at: Date;
};

const fromRow = (r: ModelRow): ModelInfo =>
  modelInfoSchema.parse({
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
  });

/** Absolute path of a model's file (relative paths are inside the models directory). */
export const modelPath = (info: Pick<ModelInfo, 'file'>, modelsDir: string) =>
  isAbsolute(info.file) ? info.file : join(modelsDir, info.file);

/** Insert or update a model row (table `models`). `active` is only changed through activateModel. */
export async function upsertModel(db: Queryable, input: ModelInfo): Promise<ModelInfo> {
  const info = modelInfoSchema.parse(input);
  const { rows } = await db.query<ModelRow>(
    `INSERT INTO models (id, file, format, input_width, input_height, labels, provider, sha256)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
     ON CONFLICT (id) DO UPDATE SET file = EXCLUDED.file, format = EXCLUDED.format,
       input_width = EXCLUDED.input_width, input_height = EXCLUDED.input_height, labels = EXCLUDED.labels,
       provider = EXCLUDED.provider, sha256 = EXCLUDED.sha256
     RETURNING *`,
    [
      info.id,
      info.file,
      info.format,
      info.inputWidth,
      info.inputHeight,
      JSON.stringify(info.labels),
      info.provider,
      info.sha256 ?? null,
    ],
  );
  return fromRow(rows[0]!);
}

export async function getModel(db: Queryable, id: string): Promise<ModelInfo | null> {
  const { rows } = await db.query<ModelRow>('SELECT * FROM models WHERE id = $1', [id]);
  return rows[0] ? fromRow(rows[0]) : null;
}

export async function listModels(db: Queryable): Promise<ModelInfo[]> {
  const { rows } = await db.query<ModelRow>('SELECT * FROM models ORDER BY created_at, id');
  return rows.map(fromRow);
}

export async function getActiveModel(db: Queryable): Promise<ModelInfo | null> {
  const { rows } = await db.query<ModelRow>('SELECT * FROM models WHERE active');
  return rows[0] ? fromRow(rows[0]) : null;
}

/**
 * Make one model the active (default) one; every other model becomes inactive, in one transaction when
 * `db` is a pool. Throws for an unknown id (nothing changes then).
 */
export async function activateModel(db: Queryable | PoolLike, id: string): Promise<ModelInfo> {
  const run = async (q: Queryable) => {
    const { rows: exists } = await q.query('SELECT 1 FROM models WHERE id = $1', [id]);
    if (exists.length === 0) throw new Error(`unknown model id '${id}'`);
    await q.query('UPDATE models SET active = false WHERE active AND id <> $1', [id]);
    const { rows } = await q.query<ModelRow>('UPDATE models SET active = true WHERE id = $1 RETURNING *', [
      id,
    ]);
    return fromRow(rows[0]!);
  };
  if (!('connect' in db)) return run(db);
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const res = await run(client);
    await client.query('COMMIT');
    return res;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Mirror models into KV `models` (key = model id, value = ModelInfo JSON). */
export async function publishModelsToKv(nc: NatsConnection, models: readonly ModelInfo[]): Promise<void> {
  const kv = await new Kvm(nc).open(kvBuckets.models);
  const enc = new TextEncoder();
  for (const m of models) await kv.put(m.id, enc.encode(JSON.stringify(modelInfoSchema.parse(m))));
}

/** Read one model from KV `models`; null when absent or deleted. Throws on an invalid value. */
export async function readModelFromKv(nc: NatsConnection, id: string): Promise<ModelInfo | null> {
  const kv = await new Kvm(nc).open(kvBuckets.models);
  const e = await kv.get(id);
  if (e?.operation !== 'PUT' || e.length === 0) return null;
  return modelInfoSchema.parse(JSON.parse(new TextDecoder().decode(e.value)));
}

/**
 * Register a model: upsert its row, optionally make it active (or make it active when no model is
 * active yet, with `activateIfNone`), then mirror every model whose active flag may have changed to KV.
 */
export async function registerModel(
  deps: { db: Queryable | PoolLike; nc?: NatsConnection },
  info: ModelInfo,
  opts: { activate?: boolean; activateIfNone?: boolean } = {},
): Promise<ModelInfo> {
  let saved = await upsertModel(deps.db, info);
  if (opts.activate || (opts.activateIfNone && !(await getActiveModel(deps.db))))
    saved = await activateModel(deps.db, saved.id);
  if (deps.nc) await publishModelsToKv(deps.nc, await listModels(deps.db));
  return saved;
}
