import pg from 'pg';

export type { Pool, PoolClient } from 'pg';

/** A pg pool that never crashes the process on idle-client errors (e.g. PostgreSQL restarting). */
export function createPool(
  databaseUrl: string,
  opts: { max?: number; onError?: (err: Error) => void } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5_000,
  });
  pool.on('error', (err) => opts.onError?.(err));
  return pool;
}

/** Readiness check for PostgreSQL. */
export async function checkPostgres(pool: pg.Pool): Promise<void> {
  await pool.query('select 1');
}

/** Run fn in one transaction on a pooled client: committed when fn resolves, rolled back when it throws. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}
