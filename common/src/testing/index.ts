import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../config/index.ts';
import { migrateUp } from '../db/migrate.ts';

/**
 * Helpers for tests against the real local stack (started by `npm run stack:up`).
 * Each test file gets its own database so suites never see each other's rows.
 */
export const stackConfig = () => loadConfig();

/** A unique, subject-safe suffix for camera ids, stream consumers and keys. */
export const uniqueId = (prefix = 't') => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Create an empty database (optionally migrated); returns its URL and a drop function. */
export async function createTestDatabase(
  opts: { migrate?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(stackConfig().DATABASE_URL);
  const name = `sentinel_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  if (opts.migrate ?? true) await migrateUp(url.toString());
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Poll until fn returns a truthy value or the timeout passes (then throws with the label). */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  opts: { timeoutMs?: number; intervalMs?: number; label?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
  throw new Error(
    `timed out waiting for ${opts.label ?? 'condition'}${last ? `: ${(last as Error).message}` : ''}`,
  );
}
