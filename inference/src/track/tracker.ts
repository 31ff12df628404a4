/**
 * ByteTrack-style multi-object tracker for one camera.
 *
 * Each frame: predict every track with its Kalman filter, then associate by IoU (optimal assignment,
 * Hungarian) in two stages — confirmed and lost tracks against high-score detections first, then the
 * confirmed tracks left over against low-score detections (so an object partly occluded, whose score
 * dips, keeps its id instead of spawning a new one) — then tentative tracks against what is left.
 *
 * Lifecycle: tentative (fewer than `minHits` matches) → confirmed → lost (unmatched, kept and matched
 * against for `maxLostMs`, longer when stationary) → removed. An unmatched tentative track is removed
 * at once (a one-frame blip never becomes an object).
 *
 * Stationary: when a confirmed box has stayed within `stationaryIou` of where it settled for
 * `stationaryMs`, the track is flagged stationary, its velocity frozen, and it survives long occlusions
 * (`maxLostStationaryMs`): a parked car stays one object.
 */
import { randomBytes } from 'node:crypto';
import type { Detection, NormBox, TrackedDetection } from '@sentinel/common';
import { munkres } from 'munkres';
import { iou } from '../batch/geometry.ts';
import { BoxKalman, defaultKalmanNoise, type KalmanNoise } from './kalman.ts';

export type TrackerOptions = {
  /** Detections at or above this score take part in the first association stage. */
  highScore: number;
  /** Per-label overrides of highScore (per-class thresholds); newTrackScore keeps its margin above. */
  classHighScore?: Readonly<Record<string, number>>;
  /** Detections below this score are ignored. */
  lowScore: number;
  /** Unmatched detections at or above this score start a new track. */
  newTrackScore: number;
  /** Minimum IoU to match a high-score detection to a confirmed or lost track. */
  matchIou: number;
  /** Minimum IoU to match a low-score detection (second stage). */
  lowMatchIou: number;
  /** Minimum IoU to match a tentative track. */
  tentativeMatchIou: number;
  /** Matches needed before a track is confirmed. */
  minHits: number;
  /** How long an unmatched confirmed track is kept as lost. */
  maxLostMs: number;
  /** The same for a stationary track. */
  maxLostStationaryMs: number;
  /** IoU with its settled position below which a box counts as moved. */
  stationaryIou: number;
  /** Time without moving before a track is flagged stationary. */
  stationaryMs: number;
  /** Added to the cost of matching a detection whose label differs from the track's. */
  labelMismatchCost: number;
  /** Also report lost tracks (with their last box) in the output. */
  reportLost: boolean;
  kalman: KalmanNoise;
};

export const defaultTrackerOptions: TrackerOptions = {
  highScore: 0.5,
  lowScore: 0.1,
  newTrackScore: 0.6,
  matchIou: 0.2,
  lowMatchIou: 0.5,
  tentativeMatchIou: 0.3,
  minHits: 3,
  maxLostMs: 2000,
  maxLostStationaryMs: 60_000,
  stationaryIou: 0.8,
  stationaryMs: 3000,
  labelMismatchCost: 0.3,
  reportLost: true,
  kalman: defaultKalmanNoise,
};

export type TrackState = 'tentative' | 'confirmed' | 'lost';

/** What the miner and metrics learn about a track when it ends. */
export type EndedTrack = {
  trackId: string;
  label: string;
  wasConfirmed: boolean;
  hits: number;
  frames: number;
  labelSwitches: number;
  firstSeenAt: number;
  lastSeenAt: number;
  lastFrameId: string;
  lastBox: NormBox;
  lastScore: number;
};

export type LabelSwitch = { trackId: string; from: string; to: string; switches: number };

export type TrackerUpdate = {
  detections: TrackedDetection[];
  ended: EndedTrack[];
  labelSwitches: LabelSwitch[];
};

type Track = {
  id: string;
  kf: BoxKalman;
  state: TrackState;
  hits: number;
  frames: number;
  /** Score-weighted votes per label; the track's label is the heaviest. */
  votes: Map<string, { weight: number; classId: number }>;
  label: string;
  classId: number;
  lastLabel: string;
  labelSwitches: number;
  lastBox: NormBox;
  lastScore: number;
  firstSeenAt: number;
  lastSeenAt: number;
  lastFrameId: string;
  anchor: NormBox;
  anchorSince: number;
  stationary: boolean;
};

export class Tracker {
  private tracks: Track[] = [];
  private lastAt: number | undefined;
  private nextId = 1;
  private readonly prefix: string;
  readonly opts: TrackerOptions;

  constructor(opts: Partial<TrackerOptions> = {}, idPrefix = randomBytes(4).toString('hex')) {
    this.opts = { ...defaultTrackerOptions, ...opts };
    this.prefix = idPrefix;
  }

  /** Tracks alive (tentative, confirmed or lost). */
  get size(): number {
    return this.tracks.length;
  }

  /** Confirmed or lost tracks (an object is believed to be there). */
  get activeCount(): number {
    return this.tracks.filter((t) => t.state !== 'tentative').length;
  }

  /** The time of the last update (frame capture time), if any. */
  get lastUpdateAt(): number | undefined {
    return this.lastAt;
  }

  /**
   * Feed the detections of one frame (boxes normalised to the source picture), captured at `at` (ms).
   * Frames must come in capture order; an older frame is ignored.
   */
  update(dets: readonly Detection[], at: number, frameId: string): TrackerUpdate {
    const o = this.opts;
    const out: TrackerUpdate = { detections: [], ended: [], labelSwitches: [] };
    if (this.lastAt !== undefined && at < this.lastAt) return out;
    const dt = this.lastAt === undefined ? 0 : (at - this.lastAt) / 1000;
    this.lastAt = at;
    for (const t of this.tracks) t.kf.predict(dt);

    const highOf = (d: Detection) => o.classHighScore?.[d.label] ?? o.highScore;
    const newTrackOf = (d: Detection) => highOf(d) + Math.max(0, o.newTrackScore - o.highScore);
    const usable = dets.filter((d) => d.score >= o.lowScore);
    const high = usable.filter((d) => d.score >= highOf(d));
    const low = usable.filter((d) => d.score < highOf(d));

    const matched = new Map<Track, Detection>();
    // Stage 1: confirmed and lost tracks vs high-score detections.
    const pool = this.tracks.filter((t) => t.state !== 'tentative');
    const s1 = this.associate(pool, high, o.matchIou);
    for (const [ti, di] of s1.pairs) matched.set(pool[ti]!, high[di]!);
    // Stage 2: confirmed tracks that were seen last frame, left over, vs low-score detections.
    const pool2 = s1.unmatchedTracks.map((i) => pool[i]!).filter((t) => t.state === 'confirmed');
    const s2 = this.associate(pool2, low, o.lowMatchIou);
    for (const [ti, di] of s2.pairs) matched.set(pool2[ti]!, low[di]!);
    // Stage 3: tentative tracks vs high-score detections nobody took.
    const restHigh = s1.unmatchedDets.map((i) => high[i]!);
    const tentative = this.tracks.filter((t) => t.state === 'tentative');
    const s3 = this.associate(tentative, restHigh, o.tentativeMatchIou);
    for (const [ti, di] of s3.pairs) matched.set(tentative[ti]!, restHigh[di]!);
    const newDets = s3.unmatchedDets.map((i) => restHigh[i]!).filter((d) => d.score >= newTrackOf(d));

    const survivors: Track[] = [];
    for (const t of this.tracks) {
      const d = matched.get(t);
      if (d) {
        this.apply(t, d, at, frameId, out);
        survivors.push(t);
        continue;
      }
      t.frames++;
      if (t.state === 'tentative') {
        out.ended.push(ended(t));
        continue;
      }
      if (t.state === 'confirmed') t.state = 'lost';
      const keep = t.stationary ? o.maxLostStationaryMs : o.maxLostMs;
      if (at - t.lastSeenAt > keep) {
        out.ended.push(ended(t));
        continue;
      }
      survivors.push(t);
    }
    const created = new Set(newDets.map((d) => this.create(d, at, frameId)));
    this.tracks = [...survivors, ...created];

    for (const t of this.tracks)
      if (matched.has(t) || created.has(t) || (t.state === 'lost' && o.reportLost))
        out.detections.push(this.report(t));
    return out;
  }

  /** Optimal IoU assignment; pairs below `minIou` are not matches. */
  private associate(tracks: Track[], dets: readonly Detection[], minIou: number) {
    const pairs: Array<[number, number]> = [];
    const unmatchedTracks = new Set(tracks.keys());
    const unmatchedDets = new Set(dets.keys());
    if (tracks.length > 0 && dets.length > 0) {
      const ious = tracks.map((t) => {
        const p = t.kf.box();
        return dets.map((d) => iou(p, d.box));
      });
      const cost = tracks.map((t, i) =>
        dets.map((d, j) => {
          const v = ious[i]![j]!;
          if (v < minIou) return 1e6;
          return 1 - v + (d.label === t.label ? 0 : this.opts.labelMismatchCost);
        }),
      );
      for (const [ti, di] of munkres(cost)) {
        if (ious[ti]![di]! < minIou) continue;
        pairs.push([ti, di]);
        unmatchedTracks.delete(ti);
        unmatchedDets.delete(di);
      }
    }
    return { pairs, unmatchedTracks: [...unmatchedTracks], unmatchedDets: [...unmatchedDets] };
  }

  private create(d: Detection, at: number, frameId: string): Track {
    const box = [...d.box] as NormBox;
    return {
      id: `${this.prefix}-${(this.nextId++).toString(36)}`,
      kf: new BoxKalman(box, this.opts.kalman),
      state: this.opts.minHits <= 1 ? 'confirmed' : 'tentative',
      hits: 1,
      frames: 0,
      votes: new Map([[d.label, { weight: d.score, classId: d.classId }]]),
      label: d.label,
      classId: d.classId,
      lastLabel: d.label,
      labelSwitches: 0,
      lastBox: box,
      lastScore: d.score,
      firstSeenAt: at,
      lastSeenAt: at,
      lastFrameId: frameId,
      anchor: box,
      anchorSince: at,
      stationary: false,
    };
  }

  private apply(t: Track, d: Detection, at: number, frameId: string, out: TrackerUpdate): void {
    const o = this.opts;
    t.kf.update(d.box);
    t.hits++;
    t.frames++;
    if (t.state === 'lost' || (t.state === 'tentative' && t.hits >= o.minHits)) t.state = 'confirmed';
    if (d.label !== t.lastLabel) {
      t.labelSwitches++;
      out.labelSwitches.push({ trackId: t.id, from: t.lastLabel, to: d.label, switches: t.labelSwitches });
    }
    t.lastLabel = d.label;
    const vote = t.votes.get(d.label) ?? { weight: 0, classId: d.classId };
    vote.weight += d.score;
    t.votes.set(d.label, vote);
    let best = t.label;
    let bestW = -1;
    for (const [label, v] of t.votes)
      if (v.weight > bestW) {
        best = label;
        bestW = v.weight;
      }
    t.label = best;
    t.classId = t.votes.get(best)!.classId;
    t.lastBox = [...d.box] as NormBox;
    t.lastScore = d.score;
    t.lastSeenAt = at;
    t.lastFrameId = frameId;
    // Stationary: the box stays where it settled.
    if (iou(d.box, t.anchor) >= o.stationaryIou) {
      if (!t.stationary && t.state === 'confirmed' && at - t.anchorSince >= o.stationaryMs)
        t.stationary = true;
    } else {
      t.anchor = [...d.box] as NormBox;
      t.anchorSince = at;
      t.stationary = false;
    }
    if (t.stationary) t.kf.freeze();
  }

  private report(t: Track): TrackedDetection {
    const [vx, vy] = t.kf.velocity();
    const lim = (v: number) => Math.max(-100, Math.min(100, Number.isFinite(v) ? v : 0));
    return {
      label: t.label,
      classId: t.classId,
      score: t.lastScore,
      box: t.lastBox,
      trackId: t.id,
      trackState: t.state,
      stationary: t.stationary,
      age: t.frames,
      velocity: [lim(vx), lim(vy)],
    };
  }
}

function ended(t: Track): EndedTrack {
  return {
    trackId: t.id,
    label: t.label,
    wasConfirmed: t.state !== 'tentative',
    hits: t.hits,
    frames: t.frames,
    labelSwitches: t.labelSwitches,
    firstSeenAt: t.firstSeenAt,
    lastSeenAt: t.lastSeenAt,
    lastFrameId: t.lastFrameId,
    lastBox: t.lastBox,
    lastScore: t.lastScore,
  };
}
