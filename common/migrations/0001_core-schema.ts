import type { MigrationBuilder } from 'node-pg-migrate';

/** Core tables of ARCHITECTURE §4 (detections storage is in 0002). */
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE EXTENSION IF NOT EXISTS pgcrypto;

    CREATE TABLE sentinel_meta (key text PRIMARY KEY, value text NOT NULL);

    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{2,64}$'),
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin','operator','annotator','viewer')),
      disabled boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE refresh_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      family_id uuid NOT NULL,
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      replaced_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      user_agent text,
      ip text
    );
    CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor_id uuid,
      actor text NOT NULL,
      action text NOT NULL,
      entity text NOT NULL,
      entity_id text,
      details jsonb NOT NULL DEFAULT '{}',
      request_id text,
      ip text
    );
    CREATE INDEX audit_log_at ON audit_log (at DESC);

    CREATE TABLE cameras (
      id text PRIMARY KEY,
      name text NOT NULL,
      config jsonb NOT NULL,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE zones (
      id text PRIMARY KEY,
      camera_id text NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
      name text NOT NULL,
      definition jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX zones_camera ON zones (camera_id);

    CREATE TABLE rules (
      id text PRIMARY KEY,
      name text NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      definition jsonb NOT NULL,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE tracks (
      camera_id text NOT NULL,
      track_id text NOT NULL,
      label text NOT NULL,
      first_seen timestamptz NOT NULL,
      last_seen timestamptz NOT NULL,
      max_score real NOT NULL,
      frames integer NOT NULL DEFAULT 0,
      stationary boolean NOT NULL DEFAULT false,
      last_box real[] ,
      path jsonb NOT NULL DEFAULT '[]',
      PRIMARY KEY (camera_id, track_id)
    );
    CREATE INDEX tracks_last_seen ON tracks (last_seen DESC);
    CREATE INDEX tracks_label_time ON tracks (label, first_seen);

    CREATE TABLE alerts (
      id text PRIMARY KEY,
      rule_id text NOT NULL,
      rule_name text NOT NULL,
      camera_id text NOT NULL,
      track_id text,
      zone_id text,
      label text NOT NULL,
      severity text NOT NULL CHECK (severity IN ('info','warning','critical')),
      status text NOT NULL CHECK (status IN ('open','acknowledged','resolved')),
      condition text NOT NULL,
      message text NOT NULL,
      frame_id text,
      captured_at timestamptz,
      opened_at timestamptz NOT NULL,
      acknowledged_at timestamptz,
      resolved_at timestamptz,
      snapshot_key text,
      false_positive boolean NOT NULL DEFAULT false,
      dedup_key text UNIQUE,
      details jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX alerts_opened ON alerts (opened_at DESC, id DESC);
    CREATE INDEX alerts_camera_opened ON alerts (camera_id, opened_at DESC);
    CREATE INDEX alerts_status ON alerts (status) WHERE status <> 'resolved';

    CREATE TABLE alert_events (
      id bigserial PRIMARY KEY,
      alert_id text NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
      event text NOT NULL,
      from_status text,
      to_status text NOT NULL,
      actor text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      details jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX alert_events_alert ON alert_events (alert_id, at);

    CREATE TABLE push_subscriptions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid REFERENCES users(id) ON DELETE CASCADE,
      endpoint text NOT NULL UNIQUE,
      p256dh text NOT NULL,
      auth text NOT NULL,
      notify_resolved boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_success_at timestamptz
    );

    CREATE TABLE notifications (
      id bigserial PRIMARY KEY,
      alert_id text NOT NULL,
      channel text NOT NULL CHECK (channel IN ('webpush','webhook')),
      target text NOT NULL,
      attempt integer NOT NULL,
      status text NOT NULL CHECK (status IN ('sent','failed','dead','rate_limited')),
      status_code integer,
      error text,
      latency_ms integer,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX notifications_alert ON notifications (alert_id);

    CREATE TABLE models (
      id text PRIMARY KEY,
      file text NOT NULL,
      format text NOT NULL CHECK (format IN ('centernet','yolo')),
      input_width integer NOT NULL,
      input_height integer NOT NULL,
      labels jsonb NOT NULL,
      provider text NOT NULL DEFAULT 'cpu',
      active boolean NOT NULL DEFAULT false,
      sha256 text,
      evaluation jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX models_one_active ON models (active) WHERE active;

    CREATE TABLE hard_examples (
      id text PRIMARY KEY,
      camera_id text NOT NULL,
      frame_id text NOT NULL,
      captured_at timestamptz NOT NULL,
      reason text NOT NULL,
      image_key text NOT NULL,
      width integer NOT NULL,
      height integer NOT NULL,
      model_id text NOT NULL,
      track_id text,
      boxes jsonb NOT NULL DEFAULT '[]',
      fingerprint text,
      created_at timestamptz NOT NULL DEFAULT now(),
      exported_at timestamptz
    );
    CREATE INDEX hard_examples_track ON hard_examples (camera_id, track_id);

    CREATE TABLE annotation_tasks (
      id bigserial PRIMARY KEY,
      hard_example_id text NOT NULL UNIQUE REFERENCES hard_examples(id) ON DELETE CASCADE,
      stage text NOT NULL DEFAULT 'annotation' CHECK (stage IN ('annotation','review','accepted','rejected')),
      assignee text,
      lease_expires_at timestamptz,
      heartbeat_at timestamptz,
      skipped_by text[] NOT NULL DEFAULT '{}',
      comment text,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX annotation_tasks_stage ON annotation_tasks (stage, lease_expires_at);

    CREATE TABLE annotations (
      id bigserial PRIMARY KEY,
      task_id bigint NOT NULL REFERENCES annotation_tasks(id) ON DELETE CASCADE,
      annotator text NOT NULL,
      boxes jsonb NOT NULL,
      no_objects boolean NOT NULL DEFAULT false,
      task_version integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX annotations_task ON annotations (task_id, created_at);

    CREATE TABLE dataset_exports (
      id text PRIMARY KEY,
      format text NOT NULL CHECK (format IN ('coco','yolo','voc')),
      status text NOT NULL CHECK (status IN ('running','done','failed')),
      progress real NOT NULL DEFAULT 0,
      counts jsonb NOT NULL DEFAULT '{}',
      file_path text,
      error text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`DROP TABLE IF EXISTS dataset_exports, annotations, annotation_tasks, hard_examples, models, notifications,
    push_subscriptions, alert_events, alerts, tracks, rules, zones, cameras, audit_log, refresh_tokens, users, sentinel_meta CASCADE;`);
}
