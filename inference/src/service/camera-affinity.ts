/**
 * Camera affinity across inference workers. Frames arrive through the `inference` queue group, so any
 * worker may receive any camera's frame; but the tracker keeps per-camera state, so every camera must be
 * processed by one worker. Workers announce themselves on `inference.heartbeat.<group>`; the owner of a
 * camera is the rendezvous-hash choice among the live workers, and a worker that receives a frame it
 * does not own forwards it (same bytes, same headers) to the owner. A worker that stops heartbeating is
 * dropped after `expireMs` and its cameras move to the others.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { rendezvousOwner, subjects } from '@sentinel/common';

export type CameraAffinityOptions = {
  group: string;
  heartbeatMs?: number;
  expireMs?: number;
  workerId?: string;
};

const enc = new TextEncoder();
const dec = new TextDecoder();

export class CameraAffinity {
  readonly workerId: string;
  private readonly members = new Map<string, number>();
  private subs: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;
  private readonly expireMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: CameraAffinityOptions,
  ) {
    const host = hostname()
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '-')
      .slice(0, 24);
    this.workerId = opts.workerId ?? `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.heartbeatMs = opts.heartbeatMs ?? 1_000;
    this.expireMs = opts.expireMs ?? 3_500;
  }

  /** Start heartbeating and receiving frames forwarded to this worker. */
  start(onForwarded: (msg: Msg) => void): void {
    const { group } = this.opts;
    this.subs.push(
      this.nc.subscribe(subjects.inferenceHeartbeat(group), {
        callback: (_err, msg) => {
          const id = dec.decode(msg.data);
          if (id.startsWith('-')) this.members.delete(id.slice(1));
          else if (id) this.members.set(id, Date.now());
        },
      }),
      this.nc.subscribe(subjects.inferenceForwardAll(group, this.workerId), {
        callback: (_err, msg) => onForwarded(msg),
      }),
    );
    const beat = () => this.nc.publish(subjects.inferenceHeartbeat(group), enc.encode(this.workerId));
    beat();
    this.timer = setInterval(beat, this.heartbeatMs);
    this.timer.unref();
  }

  /** Live workers (including this one). */
  liveWorkers(now = Date.now()): string[] {
    const live = [this.workerId];
    for (const [id, seen] of this.members) {
      if (id === this.workerId) continue;
      if (now - seen <= this.expireMs) live.push(id);
      else this.members.delete(id);
    }
    return live;
  }

  ownerOf(cameraId: string): string {
    return rendezvousOwner(cameraId, this.liveWorkers()) ?? this.workerId;
  }

  /** Forward a frame to its owner; returns false when this worker owns the camera. */
  forwardIfNotOwner(cameraId: string, msg: Msg): boolean {
    const owner = this.ownerOf(cameraId);
    if (owner === this.workerId) return false;
    this.nc.publish(subjects.inferenceForward(this.opts.group, owner, cameraId), msg.data, {
      ...(msg.headers ? { headers: msg.headers } : {}),
    });
    return true;
  }

  /** Leave: tell the others at once so they take this worker's cameras without waiting for expiry. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (!this.nc.isClosed())
      this.nc.publish(subjects.inferenceHeartbeat(this.opts.group), enc.encode(`-${this.workerId}`));
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }
}
