import { resolve } from 'node:path';
import { runner } from 'node-pg-migrate';
import { repoRoot } from '../config/index.ts';

export const MIGRATIONS_DIR = resolve(repoRoot(), 'common/migrations');

/** Apply every pending migration (idempotent). Returns the names applied now. */
export async function migrateUp(
  databaseUrl: string,
  log: (msg: string) => void = () => {},
): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Number.POSITIVE_INFINITY,
    checkOrder: false,
    singleTransaction: false,
    log,
    logger: { info: log, warn: log, error: log, debug: () => {} },
  });
  return applied.map((m) => m.name);
}
