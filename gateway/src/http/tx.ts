import type { Pool, PoolClient } from '@sentinel/common';
import { HttpError } from './errors.ts';

/** Run fn in one PostgreSQL transaction (committed only if fn resolves). */
export async function withTx<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
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

/**
 * A call to NATS (KV mirror, JetStream publish). Failures become a clear 503; inside withTx the
 * PostgreSQL change is rolled back, so config in PostgreSQL and KV never drift apart.
 */
export async function bus<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(
      503,
      'unavailable',
      `message bus (NATS) unavailable: could not ${what} (${(err as Error).message}); nothing was changed, retry shortly`,
    );
  }
}
