/**
 * Keeps a short history of detection batches for one camera and answers "which boxes belong to the
 * picture on screen now". The live picture lags the capture clock by the video path's latency (JSMpeg
 * transcoding, WebRTC jitter buffer); detections lag it by inference time. Drawing the batch whose
 * capturedAt is closest below `now - videoDelayMs` keeps boxes on the objects instead of ahead of them.
 */

export type TimedBatch<T> = { capturedAt: number; receivedAt: number; items: T[] };

export class DetectionTimeline<T> {
  private batches: TimedBatch<T>[] = [];

  constructor(
    private readonly opts: {
      /** How long after its capture a batch may still be shown when nothing newer arrived. */
      holdMs: number;
      /** How many batches to keep at most. */
      capacity?: number;
    },
  ) {}

  /** Add a batch; out-of-order batches are inserted in capture order, duplicates replaced. */
  push(batch: TimedBatch<T>): void {
    const list = this.batches;
    let i = list.length;
    while (i > 0 && list[i - 1]!.capturedAt > batch.capturedAt) i--;
    if (i > 0 && list[i - 1]!.capturedAt === batch.capturedAt) list[i - 1] = batch;
    else list.splice(i, 0, batch);
    const cap = this.opts.capacity ?? 64;
    if (list.length > cap) list.splice(0, list.length - cap);
  }

  /**
   * The batch to show at wall-clock `now` for a video path `videoDelayMs` behind real time: the newest
   * batch captured at or before `now - videoDelayMs`, unless it is older than `holdMs`. When every batch is
   * newer than the video (detections faster than video), the oldest one is used.
   */
  at(now: number, videoDelayMs = 0): TimedBatch<T> | undefined {
    const target = now - this.clockSkew() - videoDelayMs;
    // Drop what can never be shown again (older than the hold time at the current video time).
    const stale = this.batches.findIndex((b) => target - b.capturedAt <= this.opts.holdMs);
    this.batches.splice(0, stale === -1 ? this.batches.length : stale);
    let pick: TimedBatch<T> | undefined;
    for (const b of this.batches) {
      if (b.capturedAt <= target) pick = b;
      else break;
    }
    pick ??= this.batches[0];
    return pick;
  }

  /**
   * Browser clock minus server clock, when they clearly disagree: the smallest receive latency seen is
   * negative (batches "from the future") or longer than the hold time. 0 when the clocks look in step.
   */
  clockSkew(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const b of this.batches) min = Math.min(min, b.receivedAt - b.capturedAt);
    if (!Number.isFinite(min)) return 0;
    return min < 0 || min > this.opts.holdMs ? min : 0;
  }

  /** Latest receive latency (receivedAt - capturedAt) seen, to suggest a video delay. */
  lastLatency(): number | undefined {
    const b = this.batches.at(-1);
    return b ? b.receivedAt - b.capturedAt : undefined;
  }

  get size(): number {
    return this.batches.length;
  }

  clear(): void {
    this.batches = [];
  }
}
