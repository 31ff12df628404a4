/**
 * Sampling caps for the hard-example miner: at most N examples per camera in any hour (sliding
 * window), a minimum gap between two examples of one camera, and one example per track and reason.
 */
export type CapOptions = {
  /** Examples per camera per hour from the automatic policies. */
  maxPerCameraPerHour: number;
  /** Examples per camera per hour from operator feedback (counted apart). */
  maxFeedbackPerCameraPerHour: number;
  /** Minimum time between two automatic examples of one camera. */
  minIntervalMs: number;
};

export const defaultCapOptions: CapOptions = {
  maxPerCameraPerHour: 30,
  maxFeedbackPerCameraPerHour: 120,
  minIntervalMs: 10_000,
};

const HOUR = 3_600_000;
const MAX_REMEMBERED_TRACKS = 2000;

export type CapDecision = { ok: true } | { ok: false; why: 'hourly_cap' | 'min_interval' | 'track_seen' };

export class SamplingCaps {
  private readonly taken = new Map<string, number[]>();
  private readonly feedbackTaken = new Map<string, number[]>();
  /** `${camera}|${track}|${reason}` already sampled, oldest first. */
  private readonly seenTracks = new Set<string>();

  constructor(readonly opts: CapOptions = defaultCapOptions) {}

  /** May an automatic example be taken now? Does not record it. */
  check(cameraId: string, now: number, trackKey?: string): CapDecision {
    if (trackKey && this.seenTracks.has(`${cameraId}|${trackKey}`)) return { ok: false, why: 'track_seen' };
    const times = prune(this.taken.get(cameraId), now);
    if (times.length >= this.opts.maxPerCameraPerHour) return { ok: false, why: 'hourly_cap' };
    const last = times[times.length - 1];
    if (last !== undefined && now - last < this.opts.minIntervalMs) return { ok: false, why: 'min_interval' };
    return { ok: true };
  }

  record(cameraId: string, now: number, trackKey?: string): void {
    const times = prune(this.taken.get(cameraId), now);
    times.push(now);
    this.taken.set(cameraId, times);
    if (trackKey) this.rememberTrack(`${cameraId}|${trackKey}`);
  }

  /** Operator feedback: its own hourly cap, no minimum interval. Records when allowed. */
  takeFeedback(cameraId: string, now: number): CapDecision {
    const times = prune(this.feedbackTaken.get(cameraId), now);
    if (times.length >= this.opts.maxFeedbackPerCameraPerHour) return { ok: false, why: 'hourly_cap' };
    times.push(now);
    this.feedbackTaken.set(cameraId, times);
    return { ok: true };
  }

  private rememberTrack(key: string): void {
    this.seenTracks.add(key);
    if (this.seenTracks.size > MAX_REMEMBERED_TRACKS) {
      const oldest = this.seenTracks.values().next().value;
      if (oldest !== undefined) this.seenTracks.delete(oldest);
    }
  }
}

function prune(times: number[] | undefined, now: number): number[] {
  if (!times) return [];
  let i = 0;
  while (i < times.length && now - times[i]! >= HOUR) i++;
  return i > 0 ? times.slice(i) : times;
}
