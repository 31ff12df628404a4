import type { MigrationBuilder } from 'node-pg-migrate';

/** Timescale only: the per-minute continuous aggregate (must run outside a transaction). No-op otherwise. */
export async function up(pgm: MigrationBuilder): Promise<void> {
  const { rows } = await pgm.db.query("SELECT value FROM sentinel_meta WHERE key = 'detections_storage'");
  if (rows[0]?.value !== 'timescale') return;
  pgm.noTransaction();
  pgm.sql(`
    CREATE MATERIALIZED VIEW detections_per_minute WITH (timescaledb.continuous) AS
      SELECT camera_id, label, time_bucket(interval '1 minute', time) AS bucket, count(*) AS count
      FROM detections GROUP BY camera_id, label, bucket WITH NO DATA;
    SELECT add_continuous_aggregate_policy('detections_per_minute',
      start_offset => interval '1 day', end_offset => interval '1 minute', schedule_interval => interval '1 minute');
    ALTER MATERIALIZED VIEW detections_per_minute SET (timescaledb.materialized_only = false);
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP MATERIALIZED VIEW IF EXISTS detections_per_minute');
}
