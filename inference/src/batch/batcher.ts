/**
 * Dynamic cross-camera batcher (DeepStream/Triton style).
 *
 * - One pending slot per camera: a newer frame replaces the waiting one (latest frame wins) and the
 *   camera keeps its place in the line, so a busy camera can never hold more than one seat in a batch.
 * - Round robin: each batch takes the pending cameras served least recently (never served first), so
 *   how often or in which order cameras send frames cannot move them ahead of the others.
 * - A batch is flushed when it is as full as it can get — `maxBatchSize` frames, or every camera seen
 *   in the last `activeWindowMs` has a frame waiting (one slot per camera: waiting longer cannot add
 *   more) — or when the oldest pending frame has waited `maxDelayMs` (0: flush on the next turn of the
 *   event loop); and only while fewer than `maxInFlight` batches are running (backpressure: frames wait
 *   in their slot, where newer ones replace them).
 * - Frames older than `maxFrameAgeMs` (from `capturedAt`) are dropped on arrival and at flush time.
 */
export type BatchableFrame = { cameraId: string; capturedAt: number };

export type BatcherOptions = {
  maxBatchSize: number;
  /** Longest time the oldest pending frame waits for the batch to fill. */
  maxDelayMs: number;
  /** Frames captured longer ago than this are dropped. */
  maxFrameAgeMs: number;
  /** Batches running at once; more frames wait (and are replaced by newer ones). */
  maxInFlight: number;
  /** A camera counts as active while it sent a frame this recently (default 1000 ms; 0: always wait for maxBatchSize). */
  activeWindowMs?: number;
  now?: () => number;
};

export type DropReason = 'stale' | 'superseded' | 'closed';

export type Batch<T> = {
  items: T[];
  /** Milliseconds each item waited in the batcher (same order as items). */
  queueAgesMs: number[];
  formedAt: number;
  trigger: 'full' | 'timeout' | 'drain';
};

export type BatcherHooks<T> = {
  onDrop?: (item: T, reason: DropReason) => void;
  /** Called when running a batch rejects; the batcher goes on. */
  onError?: (err: unknown, batch: Batch<T>) => void;
};

type Slot<T> = { item: T; enqueuedAt: number; waitingSince: number };

export class DynamicBatcher<T extends BatchableFrame> {
  /** Pending frames; insertion order = how long the camera has been waiting (oldest first). */
  private readonly slots = new Map<string, Slot<T>>();
  /** When each camera was last served, as a running count of frames served (round robin). */
  private readonly lastServed = new Map<string, number>();
  private servedSeq = 0;
  private lastPruneSeq = 0;
  /** Last frame time per camera, to know how full a batch can get. */
  private readonly lastPushAt = new Map<string, number>();
  private readonly now: () => number;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private draining = false;

  constructor(
    private readonly opts: BatcherOptions,
    private readonly run: (batch: Batch<T>) => Promise<void>,
    private readonly hooks: BatcherHooks<T> = {},
  ) {
    if (!(opts.maxBatchSize >= 1)) throw new Error('maxBatchSize must be >= 1');
    if (!(opts.maxDelayMs >= 0)) throw new Error('maxDelayMs must be >= 0');
    if (!(opts.maxInFlight >= 1)) throw new Error('maxInFlight must be >= 1');
    this.now = opts.now ?? Date.now;
  }

  /** Frames waiting for a batch. */
  get pending(): number {
    return this.slots.size;
  }

  get running(): number {
    return this.inFlight;
  }

  /** Offer a frame. Returns false when it was dropped at once (stale or closed). */
  push(item: T): boolean {
    if (this.closed) {
      this.hooks.onDrop?.(item, 'closed');
      return false;
    }
    const now = this.now();
    if (now - item.capturedAt > this.opts.maxFrameAgeMs) {
      this.hooks.onDrop?.(item, 'stale');
      return false;
    }
    this.lastPushAt.set(item.cameraId, now);
    const existing = this.slots.get(item.cameraId);
    if (existing) {
      this.hooks.onDrop?.(existing.item, 'superseded');
      // Map.set on an existing key keeps the camera's place in the line.
      this.slots.set(item.cameraId, { item, enqueuedAt: now, waitingSince: existing.waitingSince });
    } else {
      this.slots.set(item.cameraId, { item, enqueuedAt: now, waitingSince: now });
    }
    this.schedule();
    return true;
  }

  /** Flush everything pending regardless of size and delay, and wait until no batch is running. */
  async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.slots.size > 0 || this.inFlight > 0) {
        if (this.slots.size > 0 && this.inFlight < this.opts.maxInFlight) this.flush('drain');
        else await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      }
    } finally {
      this.draining = false;
    }
  }

  /** Stop accepting frames, drop what is pending and wait for running batches. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimers();
    for (const slot of this.slots.values()) this.hooks.onDrop?.(slot.item, 'closed');
    this.slots.clear();
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private oldestWaitingSince(): number {
    // The first slot in the map is the one waiting longest (insertion order).
    for (const slot of this.slots.values()) return slot.waitingSince;
    return Number.POSITIVE_INFINITY;
  }

  private schedule(): void {
    if (this.closed || this.slots.size === 0) return;
    if (this.inFlight >= this.opts.maxInFlight) return; // re-evaluated when a batch completes
    if (this.slots.size >= this.fullSize()) {
      this.clearTimers();
      this.flush('full');
      return;
    }
    const dueIn = this.oldestWaitingSince() + this.opts.maxDelayMs - this.now();
    if (dueIn <= 0) {
      // Let frames that arrived in the same event-loop turn join the batch.
      if (!this.immediate && !this.timer)
        this.immediate = setImmediate(() => {
          this.immediate = undefined;
          this.onTimer();
        });
      return;
    }
    if (!this.timer)
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.onTimer();
      }, dueIn);
  }

  private onTimer(): void {
    if (this.closed || this.slots.size === 0) return;
    if (this.inFlight >= this.opts.maxInFlight) return;
    const dueIn = this.oldestWaitingSince() + this.opts.maxDelayMs - this.now();
    if (dueIn > 0 && this.slots.size < this.fullSize()) {
      // The slot that set the timer was served meanwhile; wait for the current oldest.
      this.schedule();
      return;
    }
    this.flush(this.slots.size >= this.fullSize() ? 'full' : 'timeout');
  }

  /** The batch size worth waiting for: maxBatchSize, or fewer when fewer cameras are sending. */
  private fullSize(): number {
    const now = this.now();
    const window = this.opts.activeWindowMs ?? 1000;
    if (window === 0) return this.opts.maxBatchSize;
    let active = 0;
    for (const [id, at] of this.lastPushAt) {
      if (now - at <= window) active++;
      else if (!this.slots.has(id)) this.lastPushAt.delete(id);
      if (active >= this.opts.maxBatchSize) break;
    }
    return Math.max(1, Math.min(this.opts.maxBatchSize, active));
  }

  private flush(trigger: Batch<T>['trigger']): void {
    const now = this.now();
    const items: T[] = [];
    const queueAgesMs: number[] = [];
    // Least recently served first; among equals, the one waiting longest (map order, sort is stable).
    const order = [...this.slots.keys()].sort(
      (a, b) => (this.lastServed.get(a) ?? -1) - (this.lastServed.get(b) ?? -1),
    );
    for (const cameraId of order) {
      if (items.length >= this.opts.maxBatchSize) break;
      const slot = this.slots.get(cameraId)!;
      this.slots.delete(cameraId);
      if (now - slot.item.capturedAt > this.opts.maxFrameAgeMs) {
        this.hooks.onDrop?.(slot.item, 'stale');
        continue;
      }
      this.lastServed.set(cameraId, ++this.servedSeq);
      items.push(slot.item);
      queueAgesMs.push(now - slot.enqueuedAt);
    }
    this.pruneIdleCameras(this.servedSeq);
    if (items.length === 0) {
      this.schedule();
      return;
    }
    const batch: Batch<T> = { items, queueAgesMs, formedAt: now, trigger };
    this.inFlight++;
    void (async () => {
      try {
        await this.run(batch);
      } catch (err) {
        this.hooks.onError?.(err, batch);
      } finally {
        this.inFlight--;
        this.afterBatch();
      }
    })();
    // More than one batch may be ready (many cameras, several workers).
    if (!this.draining) this.schedule();
  }

  /** Forget cameras not served for many batches so the map does not grow without bound. */
  private pruneIdleCameras(seq: number): void {
    if (this.lastServed.size <= 256 || seq - this.lastPruneSeq < 4096) return;
    this.lastPruneSeq = seq;
    for (const [id, served] of this.lastServed)
      if (!this.slots.has(id) && seq - served > 100_000) this.lastServed.delete(id);
  }

  private afterBatch(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
    if (!this.draining) this.schedule();
  }
}
