import { withTransaction } from '@sentinel/common';
import { HttpError } from './errors.ts';

/** Run fn in one PostgreSQL transaction (committed only if fn resolves). */
export const withTx = withTransaction;

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
