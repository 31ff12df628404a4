import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import {
  type DetectionBatch,
  deadLetter,
  decodeJson,
  detectionBatchSchema,
  insertDetectionBatches,
  type Logger,
  type Pool,
  type StorageMode,
  streamNames,
  subjects,
} from '@sentinel/common';
import { ensureDurable } from './jetstream-util.ts';
import type { AlertsMetrics } from './metrics.ts';

export type HistoryWriterOptions = {
  js: JetStreamClient;
  jsm: JetStreamManager;
  db: Pool;
  logger: Logger;
  metrics?: AlertsMetrics;
  /** Durable consumer name (shared by every writer process: they split the messages). */
  consumerName?: string;
  /** Subject filter (default every camera). */
  filterSubject?: string;
  batchSize?: number;
  /** Longest wait for a batch to fill, ms (>= 1000, JetStream pull minimum). */
  fetchExpiresMs?: number;
  maxDeliver?: number;
  storageMode?: StorageMode;
};

const TRACK_PATH_POINTS = 100;

/**
 * Detection history writer: pulls batches of `detections.>` messages, inserts them with
 * `insertDetectionBatches` (idempotent) and upserts `tracks` in one transaction, then acks. While
 * PostgreSQL is down it keeps the fetched batch in memory, extends the messages' ack deadline
 * (working) and retries with backoff, fetching nothing new, so nothing is lost and JetStream holds
 * the rest. Redelivery never duplicates: detections are keyed, and `tracks.frames` only counts frames
 * not yet stored.
 */
export class HistoryWriter {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly name: string;
  rowsWritten = 0;
  messagesWritten = 0;

  constructor(private readonly o: HistoryWriterOptions) {
    this.name = o.consumerName ?? 'alerts-history-writer';
  }

  get consumerName() {
    return this.name;
  }

  async start(): Promise<void> {
    await ensureDurable(this.o.jsm, streamNames.detections, {
      name: this.name,
      filterSubject: this.o.filterSubject ?? subjects.detectionsAll,
      maxDeliver: this.o.maxDeliver ?? 20,
      maxAckPending: Math.max(1000, (this.o.batchSize ?? 500) * 4),
      ackWaitMs: 30_000,
    });
    this.running = true;
    this.loop = this.run().catch((err) => this.o.logger.error({ err }, 'history writer stopped'));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run() {
    const consumer = await this.o.js.consumers.get(streamNames.detections, this.name);
    let lagCheck = 0;
    while (this.running) {
      const msgs: JsMsg[] = [];
      try {
        const it = await consumer.fetch({
          max_messages: this.o.batchSize ?? 500,
          expires: Math.max(1000, this.o.fetchExpiresMs ?? 1000),
        });
        for await (const m of it) msgs.push(m);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'fetch failed');
        await sleep(500);
        continue;
      }
      if (msgs.length) await this.writeWithRetry(msgs);
      if (Date.now() - lagCheck > 2000) {
        lagCheck = Date.now();
        const info = await consumer.info(true).catch(() => null);
        if (info) this.o.metrics?.writerLag.set(info.num_pending + info.num_ack_pending);
      }
    }
  }

  private async writeWithRetry(msgs: JsMsg[]) {
    const valid: Array<{ m: JsMsg; b: DetectionBatch }> = [];
    for (const m of msgs) {
      try {
        valid.push({ m, b: decodeJson(detectionBatchSchema, 'detection batch', m.data) });
      } catch (err) {
        this.o.metrics?.dlqTotal.inc({ consumer: 'writer' });
        await deadLetter(this.o.js, streamNames.detections, m, (err as Error).message).catch(() =>
          m.nak(1000),
        );
      }
    }
    if (!valid.length) return;
    this.o.metrics?.writerBuffered.set(valid.length);
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      try {
        const rows = await this.write(valid.map((v) => v.b));
        for (const v of valid) v.m.ack();
        this.rowsWritten += rows;
        this.messagesWritten += valid.length;
        this.o.metrics?.writerRows.inc(rows);
        this.o.metrics?.writerBatches.inc(valid.length);
        this.o.metrics?.writerBuffered.set(0);
        if (attempt > 1) this.o.logger.info({ attempt, messages: valid.length }, 'history write recovered');
        return;
      } catch (err) {
        this.o.metrics?.writerErrors.inc();
        if (attempt === 1 || attempt % 10 === 0)
          this.o.logger.warn(
            { err: (err as Error).message, attempt, buffered: valid.length },
            'history write failed; holding the batch and retrying',
          );
        if (!this.running) {
          // shutting down: let JetStream redeliver them to the next writer
          for (const v of valid) v.m.nak();
          return;
        }
        for (const v of valid) v.m.working();
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** One transaction: detections (idempotent) + tracks for frames not stored before. Returns rows inserted. */
  async write(batches: DetectionBatch[]): Promise<number> {
    const c = await this.o.db.connect();
    try {
      await c.query('BEGIN');
      const existing = await c.query(
        `SELECT DISTINCT camera_id, frame_id, time FROM detections
          WHERE det_index = 0 AND (camera_id, frame_id, time) IN (
            SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]))`,
        [
          batches.map((b) => b.cameraId),
          batches.map((b) => b.frameId),
          batches.map((b) => new Date(b.capturedAt)),
        ],
      );
      const seen = new Set(
        existing.rows.map((r) => `${r.camera_id}|${r.frame_id}|${(r.time as Date).getTime()}`),
      );
      const fresh = batches.filter((b) => !seen.has(`${b.cameraId}|${b.frameId}|${b.capturedAt}`));
      const { inserted } = await insertDetectionBatches(c, batches, this.o.storageMode ?? 'partitioned');
      const tracks = aggregateTracks(fresh);
      if (tracks.length)
        await c.query(
          `INSERT INTO tracks (camera_id, track_id, label, first_seen, last_seen, max_score, frames, stationary, last_box, path)
           SELECT camera_id, track_id, label, first_seen, last_seen, max_score, frames, stationary, last_box::real[], path
             FROM jsonb_to_recordset($1::jsonb) AS x(camera_id text, track_id text, label text, first_seen timestamptz,
               last_seen timestamptz, max_score real, frames int, stationary boolean, last_box text, path jsonb)
           ON CONFLICT (camera_id, track_id) DO UPDATE SET
             first_seen = LEAST(tracks.first_seen, EXCLUDED.first_seen),
             last_seen = GREATEST(tracks.last_seen, EXCLUDED.last_seen),
             max_score = GREATEST(tracks.max_score, EXCLUDED.max_score),
             frames = tracks.frames + EXCLUDED.frames,
             label = CASE WHEN EXCLUDED.last_seen >= tracks.last_seen THEN EXCLUDED.label ELSE tracks.label END,
             stationary = CASE WHEN EXCLUDED.last_seen >= tracks.last_seen THEN EXCLUDED.stationary ELSE tracks.stationary END,
             last_box = CASE WHEN EXCLUDED.last_seen >= tracks.last_seen THEN EXCLUDED.last_box ELSE tracks.last_box END,
             path = (SELECT coalesce(jsonb_agg(e ORDER BY (e->>2)::bigint), '[]'::jsonb) FROM (
                       SELECT e FROM jsonb_array_elements(tracks.path || EXCLUDED.path) e
                       ORDER BY (e->>2)::bigint DESC LIMIT ${TRACK_PATH_POINTS}) s)`,
          [JSON.stringify(tracks)],
        );
      await c.query('COMMIT');
      return inserted;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }
}

type TrackAgg = {
  camera_id: string;
  track_id: string;
  label: string;
  first_seen: string;
  last_seen: string;
  max_score: number;
  frames: number;
  stationary: boolean;
  last_box: string;
  path: Array<[number, number, number]>;
  lastAt: number;
};

/** Per (camera, track): first/last seen, best score, frame count, last box and path points [x, y, t]. */
export function aggregateTracks(batches: DetectionBatch[]): Omit<TrackAgg, 'lastAt'>[] {
  const m = new Map<string, TrackAgg>();
  for (const b of batches)
    for (const d of b.detections) {
      const key = `${b.cameraId}|${d.trackId}`;
      const p: [number, number, number] = [
        Math.round((d.box[0] + d.box[2] / 2) * 1e4) / 1e4,
        Math.round((d.box[1] + d.box[3]) * 1e4) / 1e4,
        b.capturedAt,
      ];
      let t = m.get(key);
      if (!t) {
        t = {
          camera_id: b.cameraId,
          track_id: d.trackId,
          label: d.label,
          first_seen: new Date(b.capturedAt).toISOString(),
          last_seen: new Date(b.capturedAt).toISOString(),
          max_score: d.score,
          frames: 0,
          stationary: d.stationary,
          last_box: `{${d.box.join(',')}}`,
          path: [],
          lastAt: b.capturedAt,
        };
        m.set(key, t);
      }
      t.frames++;
      t.max_score = Math.max(t.max_score, d.score);
      if (b.capturedAt < Date.parse(t.first_seen)) t.first_seen = new Date(b.capturedAt).toISOString();
      if (b.capturedAt >= t.lastAt) {
        t.lastAt = b.capturedAt;
        t.last_seen = new Date(b.capturedAt).toISOString();
        t.label = d.label;
        t.stationary = d.stationary;
        t.last_box = `{${d.box.join(',')}}`;
      }
      t.path.push(p);
    }
  return [...m.values()].map(({ lastAt: _l, path, ...rest }) => ({
    ...rest,
    path: path.sort((a, b) => a[2] - b[2]).slice(-TRACK_PATH_POINTS),
  }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
