import { createHash } from 'node:crypto';

/** Rendezvous (highest random weight) hashing: the live worker preferred for a camera. */
export function preferredWorker(cameraId: string, workers: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const w of workers) {
    const score = createHash('sha1').update(`${w}\u0000${cameraId}`).digest().readBigUInt64BE(0);
    if (score > bestScore) {
      bestScore = score;
      best = w;
    }
  }
  return best;
}

/**
 * Rendezvous hashing with bounded loads: cameras (in id order) go to their highest-ranked worker
 * that still has room under ceil(cameras / workers) and its capacity. Every worker computes the same
 * map from the same camera and worker sets, so they agree without talking.
 */
export function assignCameras(
  cameraIds: readonly string[],
  workers: ReadonlyArray<{ id: string; capacity: number }>,
): Map<string, string> {
  const out = new Map<string, string>();
  if (workers.length === 0) return out;
  const bound = Math.ceil(cameraIds.length / workers.length);
  const load = new Map(workers.map((w) => [w.id, 0]));
  for (const cam of [...cameraIds].sort()) {
    const ranked = workers
      .map((w) => ({
        w,
        score: createHash('sha1').update(`${w.id}\u0000${cam}`).digest().readBigUInt64BE(0),
      }))
      .sort((a, b) => (a.score === b.score ? 0 : a.score > b.score ? -1 : 1));
    const pick = ranked.find(({ w }) => (load.get(w.id) ?? 0) < Math.min(bound, w.capacity));
    if (!pick) continue;
    out.set(cam, pick.w.id);
    load.set(pick.w.id, (load.get(pick.w.id) ?? 0) + 1);
  }
  return out;
}

export type Peer = { workerId: string; at: number; owned: number; capacity: number };

/** Tracks live ingest workers from their heartbeats. */
export class Membership {
  private readonly peers = new Map<string, Peer>();
  constructor(
    private readonly selfId: string,
    private readonly staleMs: number,
  ) {}

  seen(p: Peer, alive: boolean): void {
    if (p.workerId === this.selfId) return;
    if (alive) this.peers.set(p.workerId, p);
    else this.peers.delete(p.workerId);
  }

  /** Live workers (self included), sorted. */
  live(now = Date.now()): Peer[] {
    for (const [id, p] of this.peers) if (now - p.at > this.staleMs) this.peers.delete(id);
    return [...this.peers.values()];
  }

  liveIds(now = Date.now()): string[] {
    return [this.selfId, ...this.live(now).map((p) => p.workerId)].sort();
  }

  /** Live workers with their capacities (self included). */
  liveWorkers(selfCapacity: number, now = Date.now()): Array<{ id: string; capacity: number }> {
    return [
      { id: this.selfId, capacity: selfCapacity },
      ...this.live(now).map((p) => ({ id: p.workerId, capacity: p.capacity })),
    ];
  }

  peer(id: string): Peer | undefined {
    return this.peers.get(id);
  }
}
