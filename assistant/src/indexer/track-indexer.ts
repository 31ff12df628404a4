import type { Logger, Pool } from '@sentinel/common';
import type { Catalog } from '../data/catalog.ts';
import { readState, writeState } from '../data/index-state.ts';
import { finishedTracksAfter, type TrackCursor, zonesVisited } from '../data/tracks-repo.ts';
import { renderTrackDoc } from '../events/render.ts';
import type { EventIndex } from './event-index.ts';
import type { IndexerMetrics } from './metrics.ts';

const STATE_KEY = 'tracks.cursor';
const PAGE = 200;

/**
 * Track summaries: polls the `tracks` table (written by the alerts service's history writer) for
 * tracks idle for `settleSeconds` and indexes one document per track. Progress is a cursor
 * (last_seen, camera_id, track_id), kept in `assistant_index_state`; a track that comes back later is simply
 * re-indexed (documents are upserted by id). Chosen over a `detections.>` consumer because the
 * tracks table already holds one summarised row per object.
 */
export class TrackIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly index: EventIndex,
    private readonly catalog: Catalog,
    private readonly opts: {
      timeZone: string;
      settleSeconds: number;
      pollSeconds: number;
      logger: Logger;
      metrics?: IndexerMetrics;
    },
  ) {}

  /** Index every finished track since the watermark; returns how many documents were written. */
  async indexOnce(nowMs = Date.now()): Promise<number> {
    let cursor = await readState<TrackCursor>(this.pool, STATE_KEY);
    let total = 0;
    for (;;) {
      const tracks = await finishedTracksAfter(this.pool, cursor, this.opts.settleSeconds, PAGE, nowMs);
      if (tracks.length === 0) break;
      const zones = await this.catalog.zones();
      const docs = await Promise.all(
        tracks.map(async (t) =>
          renderTrackDoc(t, {
            cameraName: await this.catalog.cameraName(t.cameraId),
            zones: zonesVisited(t, zones),
            timeZone: this.opts.timeZone,
          }),
        ),
      );
      await this.index.upsert(docs);
      total += docs.length;
      this.opts.metrics?.indexed.inc({ source: 'track', result: 'ok' }, docs.length);
      const last = tracks[tracks.length - 1]!;
      cursor = { lastSeenMs: last.lastSeen, cameraId: last.cameraId, trackId: last.trackId };
      await writeState(this.pool, STATE_KEY, cursor);
      if (tracks.length < PAGE) break;
      this.opts.logger.info({ indexed: total }, 'indexing tracks');
    }
    return total;
  }

  start(): void {
    const tick = () => {
      this.running = this.indexOnce().catch((err) => {
        this.opts.logger.warn({ err }, 'track indexing failed; will retry');
        return 0;
      });
      void this.running.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.opts.pollSeconds * 1000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    if (t) clearTimeout(t);
    await this.running;
  }
}
