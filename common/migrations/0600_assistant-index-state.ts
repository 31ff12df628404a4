import type { MigrationBuilder } from 'node-pg-migrate';

/** Assistant indexer progress (e.g. the last track `last_seen` already indexed), one row per key. */
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE assistant_index_state (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE IF EXISTS assistant_index_state');
}
