import type { Pool } from '@sentinel/common';

/** Indexer progress kept in `assistant_index_state` (migration 0600). */
export async function readState<T>(pool: Pool, key: string): Promise<T | undefined> {
  const { rows } = await pool.query('SELECT value FROM assistant_index_state WHERE key = $1', [key]);
  return rows[0]?.value as T | undefined;
}

export async function writeState(pool: Pool, key: string, value: unknown): Promise<void> {
  await pool.query(
    `INSERT INTO assistant_index_state (key, value, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [key, JSON.stringify(value)],
  );
}
