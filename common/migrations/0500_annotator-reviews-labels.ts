import type { MigrationBuilder } from 'node-pg-migrate';

/** Annotator: review decisions (throughput, audit of the review stage), custom labels, export metadata. */
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE annotation_reviews (
      id bigserial PRIMARY KEY,
      task_id bigint NOT NULL REFERENCES annotation_tasks(id) ON DELETE CASCADE,
      annotation_id bigint REFERENCES annotations(id) ON DELETE SET NULL,
      reviewer text NOT NULL,
      decision text NOT NULL CHECK (decision IN ('accept','reject')),
      comment text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX annotation_reviews_task ON annotation_reviews (task_id, created_at);
    CREATE INDEX annotation_reviews_reviewer ON annotation_reviews (reviewer, created_at);

    CREATE TABLE annotation_labels (
      name text PRIMARY KEY,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE INDEX annotations_annotator ON annotations (annotator, created_at);
    CREATE INDEX hard_examples_camera_created ON hard_examples (camera_id, created_at DESC);

    ALTER TABLE dataset_exports
      ADD COLUMN name text,
      ADD COLUMN val_fraction real,
      ADD COLUMN seed text,
      ADD COLUMN manifest jsonb;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE dataset_exports DROP COLUMN IF EXISTS name, DROP COLUMN IF EXISTS val_fraction,
      DROP COLUMN IF EXISTS seed, DROP COLUMN IF EXISTS manifest;
    DROP INDEX IF EXISTS hard_examples_camera_created;
    DROP INDEX IF EXISTS annotations_annotator;
    DROP TABLE IF EXISTS annotation_labels, annotation_reviews;
  `);
}
