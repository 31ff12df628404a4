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

  peer(id: string): Peer | undefined {
    return this.peers.get(id);
  }
}
