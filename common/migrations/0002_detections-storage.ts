import type { MigrationBuilder } from 'node-pg-migrate';

/**
 * Detections storage. With the timescaledb extension available: a hypertable with compression and
 * retention policies (continuous aggregate in 0003). Without it (Debian's PostgreSQL): native range
 * partitions by day, maintainer functions, and a rollup table kept current by the batch insert.
 */
const columns = `
  time timestamptz NOT NULL,
  camera_id text NOT NULL,
  frame_id text NOT NULL,
  det_index smallint NOT NULL,
  track_id text,
  label text NOT NULL,
  score real NOT NULL,
  x real NOT NULL, y real NOT NULL, w real NOT NULL, h real NOT NULL,
  stationary boolean NOT NULL DEFAULT false,
  model_id text,
  PRIMARY KEY (camera_id, frame_id, det_index, time)`;

export async function up(pgm: MigrationBuilder): Promise<void> {
  const { rows } = await pgm.db.query(
    "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb' AND current_setting('sentinel.force_partitioned', true) IS DISTINCT FROM 'on'",
  );
  if (rows.length > 0) {
    pgm.sql(`
      CREATE EXTENSION IF NOT EXISTS timescaledb;
      CREATE TABLE detections (${columns});
      SELECT create_hypertable('detections', 'time', chunk_time_interval => interval '1 day');
      CREATE INDEX detections_camera_time ON detections (camera_id, time DESC);
      CREATE INDEX detections_label_time ON detections (label, time DESC);
      ALTER TABLE detections SET (timescaledb.compress, timescaledb.compress_segmentby = 'camera_id, label');
      SELECT add_compression_policy('detections', interval '2 days');
      SELECT add_retention_policy('detections', interval '30 days');
      INSERT INTO sentinel_meta (key, value) VALUES ('detections_storage', 'timescale');
    `);
    return;
  }
  pgm.sql(`
    CREATE TABLE detections (${columns}) PARTITION BY RANGE (time);
    CREATE INDEX detections_camera_time ON detections (camera_id, time DESC);
    CREATE INDEX detections_label_time ON detections (label, time DESC);

    CREATE TABLE detections_per_minute (
      camera_id text NOT NULL,
      label text NOT NULL,
      bucket timestamptz NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (camera_id, label, bucket)
    );
    CREATE INDEX detections_per_minute_bucket ON detections_per_minute (bucket);

    -- Create one partition per UTC day in [from_day, to_day]; returns the names created.
    CREATE FUNCTION sentinel_ensure_detection_partitions(from_day date, to_day date) RETURNS SETOF text
    LANGUAGE plpgsql AS $$
    DECLARE d date; name text;
    BEGIN
      d := from_day;
      WHILE d <= to_day LOOP
        name := 'detections_p' || to_char(d, 'YYYYMMDD');
        IF to_regclass(name) IS NULL THEN
          EXECUTE format('CREATE TABLE %I PARTITION OF detections FOR VALUES FROM (%L) TO (%L)',
            name, (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
          RETURN NEXT name;
        END IF;
        d := d + 1;
      END LOOP;
    END $$;

    -- Drop partitions whose whole day is older than the retention; returns the names dropped.
    CREATE FUNCTION sentinel_drop_detection_partitions(retention_days integer) RETURNS SETOF text
    LANGUAGE plpgsql AS $$
    DECLARE r record; day date;
    BEGIN
      FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'detections'::regclass AND c.relname ~ '^detections_p[0-9]{8}$' LOOP
        day := to_date(substr(r.relname, 13), 'YYYYMMDD');
        IF day + 1 <= (now() AT TIME ZONE 'UTC')::date - retention_days THEN
          EXECUTE format('DROP TABLE %I', r.relname);
          RETURN NEXT r.relname;
        END IF;
      END LOOP;
      DELETE FROM detections_per_minute WHERE bucket < now() - make_interval(days => retention_days);
    END $$;

    SELECT sentinel_ensure_detection_partitions(current_date - 1, current_date + 3);
    INSERT INTO sentinel_meta (key, value) VALUES ('detections_storage', 'partitioned');
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP TABLE IF EXISTS detections CASCADE;
    DROP TABLE IF EXISTS detections_per_minute CASCADE;
    DROP FUNCTION IF EXISTS sentinel_ensure_detection_partitions(date, date);
    DROP FUNCTION IF EXISTS sentinel_drop_detection_partitions(integer);
    DELETE FROM sentinel_meta WHERE key = 'detections_storage';
  `);
}
