/**
 * Hard-example miner: picks frames worth annotating, so the model can be fine-tuned where it is weak.
 *
 * Policies (automatic, under the sampling caps):
 * - track_flicker: a track's label switched at least `minLabelSwitches` times;
 * - short_track: a track ended after at most `shortTrackMaxHits` matches within `shortTrackMs`
 *   (a detection that came and went: likely a false positive, or a miss around it);
 * - low_confidence: a detection scored inside the uncertainty band [band[0], band[1]).
 * Operator feedback (an alert marked false positive on `annotate.feedback`) always yields an example,
 * under its own hourly cap.
 *
 * The miner keeps the last few frames of each camera (pixels and boxes) so that a short track, which
 * is only known to be short once it has ended, or a feedback message naming a recent frame, can still
 * be turned into an image. It returns jobs; the publisher encodes and sends them.
 */
import { createHash } from 'node:crypto';
import type {
  AnnotationFeedback,
  Detection,
  FrameMeta,
  HardExample,
  TrackedDetection,
} from '@sentinel/common';
import { iou } from '../batch/geometry.ts';
import type { EndedTrack, LabelSwitch } from '../track/tracker.ts';
import { type CapOptions, defaultCapOptions, SamplingCaps } from './caps.ts';

export type MinerOptions = {
  enabled: boolean;
  /** Uncertainty band for low_confidence: [low, high). */
  band: [number, number];
  minLabelSwitches: number;
  shortTrackMaxHits: number;
  shortTrackMs: number;
  /** Recent frames kept per camera (pixels included). */
  frameHistory: number;
  caps: CapOptions;
};

export const defaultMinerOptions: MinerOptions = {
  enabled: true,
  band: [0.35, 0.6],
  minLabelSwitches: 2,
  shortTrackMaxHits: 2,
  shortTrackMs: 1500,
  frameHistory: 2,
  caps: defaultCapOptions,
};

export type PreAnnotation = HardExample['boxes'][number];

/** One processed frame as the miner sees it. */
export type MinerFrame = {
  meta: Pick<FrameMeta, 'cameraId' | 'frameId' | 'capturedAt' | 'width' | 'height' | 'source' | 'letterbox'>;
  /** RGB24 payload of the frame (width x height). */
  pixels: Uint8Array;
  modelId: string;
  /** Everything the model found (normalised), before tracking, down to the decode threshold. */
  raw: readonly Detection[];
  /** What was published for the frame. */
  tracked: readonly TrackedDetection[];
  ended: readonly EndedTrack[];
  labelSwitches: readonly LabelSwitch[];
};

export type HardExampleImage =
  | { kind: 'frame'; pixels: Uint8Array; meta: MinerFrame['meta'] }
  | { kind: 'stored'; key: string };

export type HardExampleJob = {
  exampleId: string;
  reason: HardExample['reason'];
  cameraId: string;
  frameId: string;
  capturedAt: number;
  modelId: string;
  trackId?: string;
  boxes: PreAnnotation[];
  image: HardExampleImage;
};

export type MinerSkip = { skipped: 'disabled' | 'hourly_cap' | 'no_image'; detail: string };

type CachedFrame = { frame: MinerFrame; boxes: PreAnnotation[] };

export class HardExampleMiner {
  readonly opts: MinerOptions;
  private readonly caps: SamplingCaps;
  private readonly history = new Map<string, CachedFrame[]>();
  /** Skips of automatic candidates, by why (for metrics and tests). */
  readonly skipped = new Map<string, number>();

  constructor(opts: Partial<MinerOptions> = {}) {
    this.opts = { ...defaultMinerOptions, ...opts, caps: { ...defaultCapOptions, ...opts.caps } };
    this.caps = new SamplingCaps(this.opts.caps);
  }

  /** Look at one processed frame; returns at most one job (the caps space examples out). */
  observe(frame: MinerFrame, now = Date.now()): HardExampleJob[] {
    if (!this.opts.enabled) return [];
    const cached: CachedFrame = { frame, boxes: preAnnotations(frame, this.opts.band[0]) };
    const cam = frame.meta.cameraId;
    const list = this.history.get(cam) ?? [];
    list.push(cached);
    while (list.length > this.opts.frameHistory) list.shift();
    this.history.set(cam, list);

    for (const c of this.candidates(frame)) {
      const trackKey = c.trackId ? `${c.trackId}|${c.reason}` : undefined;
      const decision = this.caps.check(cam, now, trackKey);
      if (!decision.ok) {
        this.skipped.set(decision.why, (this.skipped.get(decision.why) ?? 0) + 1);
        continue;
      }
      const source =
        c.frameId === frame.meta.frameId ? cached : list.find((f) => f.frame.meta.frameId === c.frameId);
      if (!source) {
        this.skipped.set('no_image', (this.skipped.get('no_image') ?? 0) + 1);
        continue;
      }
      this.caps.record(cam, now, trackKey);
      return [this.job(c.reason, source, c.trackId)];
    }
    return [];
  }

  /** Operator feedback: an alert was a false positive. */
  feedback(fb: AnnotationFeedback, now = Date.now()): HardExampleJob | MinerSkip {
    if (!this.opts.enabled) return { skipped: 'disabled', detail: 'miner disabled' };
    const list = this.history.get(fb.cameraId) ?? [];
    let source = fb.frameId ? list.find((f) => f.frame.meta.frameId === fb.frameId) : undefined;
    if (!source && !fb.snapshotKey && fb.trackId)
      source = [...list].reverse().find((f) => f.boxes.some((b) => b.trackId === fb.trackId));
    if (!source && !fb.snapshotKey)
      return {
        skipped: 'no_image',
        detail: `no snapshotKey and frame ${fb.frameId ?? '(none)'} of ${fb.cameraId} is no longer in memory`,
      };
    const decision = this.caps.takeFeedback(fb.cameraId, now);
    if (!decision.ok) return { skipped: 'hourly_cap', detail: `feedback cap reached for ${fb.cameraId}` };
    if (source) return this.job('operator_false_positive', source, fb.trackId, fb.alertId);
    const trackBoxes = fb.trackId
      ? [...list]
          .reverse()
          .flatMap((f) => f.boxes.filter((b) => b.trackId === fb.trackId))
          .slice(0, 1)
      : [];
    const modelId = list[list.length - 1]?.frame.modelId ?? 'unknown';
    return {
      exampleId: exampleId(
        fb.cameraId,
        fb.frameId ?? fb.alertId,
        'operator_false_positive',
        fb.trackId,
        fb.alertId,
      ),
      reason: 'operator_false_positive',
      cameraId: fb.cameraId,
      frameId: fb.frameId ?? `alert-${fb.alertId}`,
      capturedAt: fb.capturedAt ?? fb.at,
      modelId,
      ...(fb.trackId ? { trackId: fb.trackId } : {}),
      boxes: trackBoxes,
      image: { kind: 'stored', key: fb.snapshotKey! },
    };
  }

  /** Forget a camera's frames (camera removed). */
  forget(cameraId: string): void {
    this.history.delete(cameraId);
  }

  private *candidates(
    frame: MinerFrame,
  ): Generator<{ reason: HardExample['reason']; frameId: string; trackId?: string }> {
    const o = this.opts;
    for (const s of frame.labelSwitches)
      if (s.switches >= o.minLabelSwitches)
        yield { reason: 'track_flicker', frameId: frame.meta.frameId, trackId: s.trackId };
    for (const e of frame.ended)
      if (e.hits <= o.shortTrackMaxHits && e.lastSeenAt - e.firstSeenAt <= o.shortTrackMs)
        yield { reason: 'short_track', frameId: e.lastFrameId, trackId: e.trackId };
    const uncertain = frame.raw
      .filter((d) => d.score >= o.band[0] && d.score < o.band[1])
      .sort((a, b) => Math.abs(a.score - 0.5) - Math.abs(b.score - 0.5))[0];
    if (uncertain) {
      const track = frame.tracked.find((t) => t.trackState !== 'lost' && iou(t.box, uncertain.box) > 0.7);
      yield {
        reason: 'low_confidence',
        frameId: frame.meta.frameId,
        ...(track ? { trackId: track.trackId } : {}),
      };
    }
  }

  private job(
    reason: HardExample['reason'],
    source: CachedFrame,
    trackId?: string,
    salt?: string,
  ): HardExampleJob {
    const m = source.frame.meta;
    return {
      exampleId: exampleId(m.cameraId, m.frameId, reason, trackId, salt),
      reason,
      cameraId: m.cameraId,
      frameId: m.frameId,
      capturedAt: m.capturedAt,
      modelId: source.frame.modelId,
      ...(trackId ? { trackId } : {}),
      boxes: source.boxes,
      image: { kind: 'frame', pixels: source.frame.pixels, meta: m },
    };
  }
}

/** Deterministic id: the same candidate twice is one example (JetStream dedup, same object key). */
export function exampleId(
  cameraId: string,
  frameId: string,
  reason: string,
  trackId?: string,
  salt?: string,
): string {
  const h = createHash('sha256')
    .update([cameraId, frameId, reason, trackId ?? '', salt ?? ''].join('\u0000'))
    .digest('hex')
    .slice(0, 24);
  return `he-${h}`;
}

/** The model's boxes as pre-annotations: tracked boxes seen in this frame, plus untracked ones above minScore. */
function preAnnotations(frame: MinerFrame, minScore: number): PreAnnotation[] {
  const seen = frame.tracked.filter((t) => t.trackState !== 'lost');
  const boxes: PreAnnotation[] = seen.map((t) => ({
    label: t.label,
    classId: t.classId,
    score: t.score,
    box: t.box,
    trackId: t.trackId,
  }));
  for (const d of frame.raw)
    if (d.score >= minScore && !seen.some((t) => iou(t.box, d.box) > 0.7))
      boxes.push({ label: d.label, classId: d.classId, score: d.score, box: d.box });
  return boxes.slice(0, 500);
}
