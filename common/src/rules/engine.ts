import { createHash } from 'node:crypto';
import { cross, type Pt, pointInPolygon, segmentsIntersect } from '../geometry.ts';
import type { DetectionBatch, TrackedDetection } from '../schemas/detection.ts';
import type { Rule, Zone } from '../schemas/rule.ts';
import { isScheduleArmed } from './schedule.ts';

/**
 * The rule evaluator: pure, no I/O, deterministic (its clock is the frames' `capturedAt`), so the
 * live rule worker, `rules:replay` and the gateway's "test this rule" run the same code.
 *
 * - An object is inside a zone when the bottom-centre of its box is; the state flips only after
 *   `zone.inertiaFrames` consecutive frames agree (no flicker at the border).
 * - Only confirmed tracks of the rule's labels with score >= minScore count.
 * - Cooldown per (rule, track): a track fires at most once per `cooldownSeconds`. De-duplication per
 *   (rule, camera): while an alert of the rule is open on the camera and younger than the cooldown,
 *   new tracks join it (an `update`) instead of opening another alert.
 * - Stationary objects: once a stationary object has alerted, its place becomes an anchor; any track
 *   of the same label at that place (IoU >= 0.5, e.g. the same parked car under a new track id) is
 *   suppressed until nothing was seen there for `stationaryRearmSeconds`.
 * - Auto-resolve: an alert resolves `autoResolveSeconds` after its objects left (left the zone for
 *   zone conditions, left the scene for exit/line_cross, count below threshold for occupancy).
 * - Redelivery: a frame already processed returns the outputs it produced the first time (so the
 *   caller can retry persisting them), and frames older than the last one are ignored.
 */
export type RuleEntry = { rule: Rule; zones: Zone[] };

export type EngineOptions = {
  /** A track not seen for this long is gone (default 5 s). */
  trackTimeoutSeconds?: number;
  /** A track counts for occupancy if seen within this window (default 2 s). */
  occupancyGraceSeconds?: number;
};

export type RuleOpen = {
  type: 'open';
  alertId: string;
  dedupKey: string;
  ruleId: string;
  cameraId: string;
  trackId?: string;
  zoneId?: string;
  label: string;
  box?: [number, number, number, number];
  condition: string;
  message: string;
  frameId: string;
  capturedAt: number;
  details: Record<string, unknown>;
};
export type RuleUpdate = {
  type: 'update';
  alertId: string;
  eventKey: string;
  ruleId: string;
  cameraId: string;
  trackId: string;
  frameId: string;
  capturedAt: number;
  details: Record<string, unknown>;
};
export type RuleResolve = {
  type: 'resolve';
  alertId: string;
  ruleId: string;
  cameraId: string;
  at: number;
  reason: string;
};
export type RuleSuppressed = {
  type: 'suppressed';
  ruleId: string;
  cameraId: string;
  trackId?: string;
  reason: 'schedule' | 'cooldown' | 'stationary';
  condition: string;
  frameId: string;
  capturedAt: number;
};
export type RuleOutput = RuleOpen | RuleUpdate | RuleResolve | RuleSuppressed;

/** An alert still open in storage, handed back to a fresh evaluator. `openedAt` is the capture time. */
export type RestoredAlert = {
  alertId: string;
  cameraId: string;
  trackIds: string[];
  zoneId?: string;
  label: string;
  openedAt: number;
  box?: [number, number, number, number];
  /** The alerted object is parked here (from the `tracks` table): re-create its stationary anchor. */
  stationaryAt?: { box: [number, number, number, number]; lastSeen: number };
};

type ZoneState = { inside: boolean; streak: number; enteredAt: number | null; lastInsideAt: number | null };
type TrackState = {
  id: string;
  label: string;
  lastSeen: number;
  box: [number, number, number, number];
  stationary: boolean;
  zones: Map<string, ZoneState>;
  lineSide: -1 | 1 | 0;
  linePoint: Pt | null;
  lastFiredAt: number | null;
  dwellFired: boolean;
  alertId: string | null;
};
type OpenAlert = {
  alertId: string;
  openedAt: number;
  tracks: Set<string>;
  leftAt: number | null;
  occupancy: boolean;
};
type Anchor = { label: string; box: [number, number, number, number]; lastSeen: number };
type CameraState = {
  lastAt: number;
  lastFrameId: string;
  recent: Map<string, RuleOutput[]>;
  tracks: Map<string, TrackState>;
  anchors: Anchor[];
  open: Map<string, OpenAlert>;
  lastOpen: { alertId: string; at: number } | null;
  occAboveSince: number | null;
  occFired: boolean;
};

const RECENT_FRAMES = 64;
const LINE_EPS = 0.002;

/** Bottom-centre of a normalised [x, y, w, h] box. */
export const bottomCentre = (b: readonly number[]): Pt => [b[0]! + b[2]! / 2, b[1]! + b[3]!];

export function iou(a: readonly number[], b: readonly number[]): number {
  const x1 = Math.max(a[0]!, b[0]!);
  const y1 = Math.max(a[1]!, b[1]!);
  const x2 = Math.min(a[0]! + a[2]!, b[0]! + b[2]!);
  const y2 = Math.min(a[1]! + a[3]!, b[1]! + b[3]!);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2]! * a[3]! + b[2]! * b[3]! - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Side of the directed line a→b on which p lies, in image coordinates (y down): -1 = left of a
 * walker going from a to b, +1 = right, 0 = on the line (within a small margin).
 * `left_to_right` fires when an object moves from the left side to the right side.
 */
export function lineSide(a: Pt, b: Pt, p: Pt): -1 | 0 | 1 {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const d = cross(a, b, p) / len;
  if (Math.abs(d) < LINE_EPS) return 0;
  return d < 0 ? -1 : 1;
}

export const alertIdFor = (dedupKey: string) =>
  `al_${createHash('sha256').update(dedupKey).digest('hex').slice(0, 32)}`;

export class RuleEvaluator {
  readonly rule: Rule;
  private readonly zones: Map<string, Zone>;
  private readonly cameras = new Map<string, CameraState>();
  private readonly trackTimeoutMs: number;
  private readonly occupancyGraceMs: number;

  constructor(entry: RuleEntry, opts: EngineOptions = {}) {
    this.rule = entry.rule;
    this.zones = new Map(entry.zones.map((z) => [z.id, z]));
    this.trackTimeoutMs = (opts.trackTimeoutSeconds ?? 5) * 1000;
    this.occupancyGraceMs = (opts.occupancyGraceSeconds ?? 2) * 1000;
  }

  /** Alerts this evaluator holds open (for tests and the worker's status). */
  openAlerts(cameraId: string): string[] {
    return [...(this.cameras.get(cameraId)?.open.keys() ?? [])];
  }

  /**
   * Re-attach an alert that is still open in the database (after a worker restart or a rule edit):
   * its tracks are taken as inside the alert's zone and already alerted, so the same object does not
   * fire again, and the alert auto-resolves once they are gone, as if the state had never been lost.
   */
  restore(a: RestoredAlert): void {
    if (!this.watches(a.cameraId)) return;
    const cs = this.camera(a.cameraId);
    if (cs.open.has(a.alertId)) return;
    const occupancy = this.rule.condition.type === 'occupancy';
    cs.open.set(a.alertId, {
      alertId: a.alertId,
      openedAt: a.openedAt,
      tracks: new Set(occupancy ? [] : a.trackIds),
      leftAt: null,
      occupancy,
    });
    if (!cs.lastOpen || cs.lastOpen.at < a.openedAt) cs.lastOpen = { alertId: a.alertId, at: a.openedAt };
    if (occupancy) cs.occFired = true;
    if (a.stationaryAt && !this.anchorFor(cs, a.label, a.stationaryAt.box))
      cs.anchors.push({ label: a.label, box: [...a.stationaryAt.box], lastSeen: a.stationaryAt.lastSeen });
    for (const id of a.trackIds) {
      if (cs.tracks.has(id)) continue;
      const zones = new Map<string, ZoneState>();
      const zoneCondition = ['enter', 'dwell', 'sequence'].includes(this.rule.condition.type);
      if (a.zoneId && zoneCondition)
        zones.set(a.zoneId, { inside: true, streak: 0, enteredAt: a.openedAt, lastInsideAt: a.openedAt });
      cs.tracks.set(id, {
        id,
        label: a.label,
        lastSeen: a.openedAt,
        box: a.box ?? [0, 0, 0, 0],
        stationary: false,
        zones,
        lineSide: 0,
        linePoint: null,
        lastFiredAt: a.openedAt,
        dwellFired: true,
        alertId: a.alertId,
      });
    }
  }

  /**
   * An operator resolved the alert: stop tracking it, so new objects open a fresh alert instead of
   * joining a closed one. Per-track cooldowns and stationary anchors stay. Returns whether it was known.
   */
  forget(cameraId: string, alertId: string): boolean {
    const cs = this.cameras.get(cameraId);
    if (!cs?.open.delete(alertId)) return false;
    if (cs.lastOpen?.alertId === alertId) cs.lastOpen = null;
    return true;
  }

  watches(cameraId: string): boolean {
    return this.rule.enabled && this.rule.cameraIds.includes(cameraId);
  }

  /** Evaluate one frame's detections; returns what to persist/publish. Idempotent per frame. */
  process(batch: DetectionBatch): RuleOutput[] {
    if (!this.watches(batch.cameraId)) return [];
    const cs = this.camera(batch.cameraId);
    const t = batch.capturedAt;
    const frameKey = `${batch.frameId}@${t}`;
    const cached = cs.recent.get(frameKey);
    if (cached) return cached;
    if (t < cs.lastAt) return [];
    cs.lastAt = t;
    cs.lastFrameId = batch.frameId;

    const out: RuleOutput[] = [];
    const armed = isScheduleArmed(this.rule.schedule, t);
    const dets = batch.detections.filter(
      (d) =>
        d.trackState === 'confirmed' && d.score >= this.rule.minScore && this.rule.labels.includes(d.label),
    );
    this.refreshAnchors(cs, dets, t);

    const cond = this.rule.condition;
    const fire = (track: TrackState, zoneId: string | undefined, message: string, extra = {}) =>
      this.fireTrack(cs, batch, track, zoneId, message, armed, extra, out);

    for (const d of dets) {
      const track = this.track(cs, d, t);
      const p = bottomCentre(d.box);
      const transitions = new Map<string, 'entered' | 'exited'>();
      for (const zone of this.zones.values()) {
        if (zone.cameraId !== batch.cameraId) continue;
        const tr = this.updateZone(track, zone, p, t);
        if (tr) transitions.set(zone.id, tr);
      }
      switch (cond.type) {
        case 'enter': {
          if (transitions.get(cond.zoneId) === 'entered')
            fire(track, cond.zoneId, `${d.label} entered ${this.zoneName(cond.zoneId)}`);
          break;
        }
        case 'exit': {
          if (transitions.get(cond.zoneId) === 'exited')
            fire(track, cond.zoneId, `${d.label} left ${this.zoneName(cond.zoneId)}`);
          break;
        }
        case 'dwell': {
          const zs = track.zones.get(cond.zoneId);
          if (transitions.get(cond.zoneId) === 'exited') track.dwellFired = false;
          if (
            zs?.inside &&
            !track.dwellFired &&
            zs.enteredAt !== null &&
            t - zs.enteredAt >= cond.seconds * 1000
          ) {
            const fired = fire(
              track,
              cond.zoneId,
              `${d.label} has been in ${this.zoneName(cond.zoneId)} for ${Math.round((t - zs.enteredAt) / 1000)} s`,
              { dwellSeconds: (t - zs.enteredAt) / 1000 },
            );
            if (fired !== 'schedule') track.dwellFired = true;
          }
          break;
        }
        case 'line_cross': {
          const side = lineSide(cond.line.a, cond.line.b, p);
          if (side === 0) break;
          if (track.lineSide !== 0 && track.lineSide !== side && track.linePoint) {
            const crossed = segmentsIntersect(track.linePoint, p, cond.line.a, cond.line.b);
            const dir = track.lineSide === -1 ? 'left_to_right' : 'right_to_left';
            if (crossed && (cond.line.direction === 'any' || cond.line.direction === dir))
              fire(track, undefined, `${d.label} crossed the line (${dir.replaceAll('_', ' ')})`, {
                direction: dir,
              });
          }
          track.lineSide = side;
          track.linePoint = p;
          break;
        }
        case 'sequence': {
          const [a, b] = cond.zoneIds;
          const za = track.zones.get(a);
          if (transitions.get(b) === 'entered' && za?.lastInsideAt != null) {
            const gap = t - za.lastInsideAt;
            if (gap <= cond.withinSeconds * 1000)
              fire(
                track,
                b,
                `${d.label} went from ${this.zoneName(a)} to ${this.zoneName(b)} in ${Math.round(gap / 1000)} s`,
                {
                  fromZoneId: a,
                },
              );
          }
          break;
        }
        case 'occupancy':
          break;
      }
      if (track.stationary && (track.alertId || track.lastFiredAt !== null)) this.anchor(cs, track, t);
    }

    if (cond.type === 'occupancy') this.evaluateOccupancy(cs, batch, cond, armed, out);
    this.resolveAndExpire(cs, t, out);
    cs.recent.set(frameKey, out);
    if (cs.recent.size > RECENT_FRAMES) cs.recent.delete(cs.recent.keys().next().value!);
    return out;
  }

  /** Advance time without a frame (wall clock): resolve alerts whose objects left, drop stale tracks. */
  tick(now: number): RuleOutput[] {
    const out: RuleOutput[] = [];
    for (const cs of this.cameras.values()) if (now >= cs.lastAt) this.resolveAndExpire(cs, now, out);
    return out;
  }

  private camera(cameraId: string): CameraState {
    let cs = this.cameras.get(cameraId);
    if (!cs) {
      cs = {
        lastAt: 0,
        lastFrameId: '',
        recent: new Map(),
        tracks: new Map(),
        anchors: [],
        open: new Map(),
        lastOpen: null,
        occAboveSince: null,
        occFired: false,
      };
      this.cameras.set(cameraId, cs);
    }
    return cs;
  }

  private track(cs: CameraState, d: TrackedDetection, t: number): TrackState {
    let tr = cs.tracks.get(d.trackId);
    if (!tr) {
      tr = {
        id: d.trackId,
        label: d.label,
        lastSeen: t,
        box: [...d.box],
        stationary: d.stationary,
        zones: new Map(),
        lineSide: 0,
        linePoint: null,
        lastFiredAt: null,
        dwellFired: false,
        alertId: null,
      };
      cs.tracks.set(d.trackId, tr);
    }
    tr.lastSeen = t;
    tr.box = [...d.box];
    tr.stationary = d.stationary;
    tr.label = d.label;
    return tr;
  }

  private zoneName(id: string) {
    return this.zones.get(id)?.name ?? id;
  }

  private updateZone(track: TrackState, zone: Zone, p: Pt, t: number): 'entered' | 'exited' | null {
    let zs = track.zones.get(zone.id);
    if (!zs) {
      zs = { inside: false, streak: 0, enteredAt: null, lastInsideAt: null };
      track.zones.set(zone.id, zs);
    }
    const inZone = pointInPolygon(p, zone.polygon);
    let transition: 'entered' | 'exited' | null = null;
    if (inZone !== zs.inside) {
      zs.streak++;
      if (zs.streak >= zone.inertiaFrames) {
        zs.inside = inZone;
        zs.streak = 0;
        transition = inZone ? 'entered' : 'exited';
        if (inZone) zs.enteredAt = t;
      }
    } else zs.streak = 0;
    if (zs.inside) zs.lastInsideAt = t;
    return transition;
  }

  private anchorFor(cs: CameraState, label: string, box: readonly number[]): Anchor | undefined {
    return cs.anchors.find((a) => a.label === label && iou(a.box, box) >= 0.5);
  }

  private anchor(cs: CameraState, track: TrackState, t: number) {
    const a = this.anchorFor(cs, track.label, track.box);
    if (a) {
      a.lastSeen = t;
      a.box = [...track.box];
    } else cs.anchors.push({ label: track.label, box: [...track.box], lastSeen: t });
  }

  private refreshAnchors(cs: CameraState, dets: TrackedDetection[], t: number) {
    const rearmMs = this.rule.stationaryRearmSeconds * 1000;
    for (const a of cs.anchors) {
      const seen = dets.find((d) => d.label === a.label && iou(a.box, d.box) >= 0.5);
      if (seen) a.lastSeen = t;
    }
    cs.anchors = cs.anchors.filter((a) => t - a.lastSeen < rearmMs);
  }

  /** Returns 'fired' | 'joined' or the suppression reason. */
  private fireTrack(
    cs: CameraState,
    batch: DetectionBatch,
    track: TrackState,
    zoneId: string | undefined,
    message: string,
    armed: boolean,
    extra: Record<string, unknown>,
    out: RuleOutput[],
  ): 'fired' | 'joined' | RuleSuppressed['reason'] {
    const t = batch.capturedAt;
    const rule = this.rule;
    const suppress = (reason: RuleSuppressed['reason']) => {
      out.push({
        type: 'suppressed',
        ruleId: rule.id,
        cameraId: batch.cameraId,
        trackId: track.id,
        reason,
        condition: rule.condition.type,
        frameId: batch.frameId,
        capturedAt: t,
      });
      return reason;
    };
    if (!armed) return suppress('schedule');
    if (track.lastFiredAt !== null && t - track.lastFiredAt < rule.cooldownSeconds * 1000)
      return suppress('cooldown');
    if (this.anchorFor(cs, track.label, track.box)) return suppress('stationary');
    track.lastFiredAt = t;
    const last = cs.lastOpen;
    if (last && cs.open.has(last.alertId) && t - last.at < rule.cooldownSeconds * 1000) {
      const oa = cs.open.get(last.alertId)!;
      oa.tracks.add(track.id);
      oa.leftAt = null;
      track.alertId = oa.alertId;
      out.push({
        type: 'update',
        alertId: oa.alertId,
        eventKey: `${track.id}@${batch.frameId}`,
        ruleId: rule.id,
        cameraId: batch.cameraId,
        trackId: track.id,
        frameId: batch.frameId,
        capturedAt: t,
        details: { trackCount: oa.tracks.size, lastTrackId: track.id, lastMessage: message },
      });
      return 'joined';
    }
    const dedupKey = `${rule.id}|${batch.cameraId}|${track.id}|${batch.frameId}|${t}`;
    const alertId = alertIdFor(dedupKey);
    cs.open.set(alertId, {
      alertId,
      openedAt: t,
      tracks: new Set([track.id]),
      leftAt: null,
      occupancy: false,
    });
    cs.lastOpen = { alertId, at: t };
    track.alertId = alertId;
    out.push({
      type: 'open',
      alertId,
      dedupKey,
      ruleId: rule.id,
      cameraId: batch.cameraId,
      trackId: track.id,
      ...(zoneId ? { zoneId } : {}),
      label: track.label,
      box: [...track.box],
      condition: rule.condition.type,
      message,
      frameId: batch.frameId,
      capturedAt: t,
      details: { ...extra, box: [...track.box], trackCount: 1, stationary: track.stationary },
    });
    return 'fired';
  }

  private occupancyCount(cs: CameraState, zoneId: string, t: number): TrackState[] {
    return [...cs.tracks.values()].filter(
      (tr) => t - tr.lastSeen <= this.occupancyGraceMs && tr.zones.get(zoneId)?.inside,
    );
  }

  private evaluateOccupancy(
    cs: CameraState,
    batch: DetectionBatch,
    cond: Extract<Rule['condition'], { type: 'occupancy' }>,
    armed: boolean,
    out: RuleOutput[],
  ) {
    const t = batch.capturedAt;
    const inside = this.occupancyCount(cs, cond.zoneId, t);
    if (inside.length < cond.count) {
      cs.occAboveSince = null;
      cs.occFired = false;
      return;
    }
    cs.occAboveSince ??= t;
    if (cs.occFired || t - cs.occAboveSince < cond.seconds * 1000) return;
    const reason = !armed
      ? 'schedule'
      : cs.lastOpen && t - cs.lastOpen.at < this.rule.cooldownSeconds * 1000
        ? 'cooldown'
        : inside.every((tr) => tr.stationary && this.anchorFor(cs, tr.label, tr.box))
          ? 'stationary'
          : null;
    if (reason) {
      if (reason !== 'schedule') cs.occFired = true;
      out.push({
        type: 'suppressed',
        ruleId: this.rule.id,
        cameraId: batch.cameraId,
        reason,
        condition: 'occupancy',
        frameId: batch.frameId,
        capturedAt: t,
      });
      return;
    }
    cs.occFired = true;
    const dedupKey = `${this.rule.id}|${batch.cameraId}|occupancy|${batch.frameId}|${t}`;
    const alertId = alertIdFor(dedupKey);
    cs.open.set(alertId, { alertId, openedAt: t, tracks: new Set(), leftAt: null, occupancy: true });
    cs.lastOpen = { alertId, at: t };
    for (const tr of inside) {
      tr.alertId = alertId;
      if (tr.stationary) this.anchor(cs, tr, t);
    }
    const labels = [...new Set(inside.map((tr) => tr.label))];
    out.push({
      type: 'open',
      alertId,
      dedupKey,
      ruleId: this.rule.id,
      cameraId: batch.cameraId,
      zoneId: cond.zoneId,
      label: labels.join(','),
      condition: 'occupancy',
      message: `${inside.length} × ${labels.join('/')} in ${this.zoneName(cond.zoneId)} for ${Math.round((t - cs.occAboveSince) / 1000)} s`,
      frameId: batch.frameId,
      capturedAt: t,
      details: { count: inside.length, trackIds: inside.map((tr) => tr.id) },
    });
  }

  /** Is the object still "there" for the purpose of keeping its alert open? */
  private present(cs: CameraState, trackId: string, t: number): boolean {
    const tr = cs.tracks.get(trackId);
    if (!tr || t - tr.lastSeen > this.trackTimeoutMs) return false;
    const c = this.rule.condition;
    if (c.type === 'enter' || c.type === 'dwell') return tr.zones.get(c.zoneId)?.inside === true;
    if (c.type === 'sequence') return tr.zones.get(c.zoneIds[1])?.inside === true;
    return true;
  }

  private resolveAndExpire(cs: CameraState, t: number, out: RuleOutput[]) {
    const c = this.rule.condition;
    for (const oa of [...cs.open.values()]) {
      const active = oa.occupancy
        ? c.type === 'occupancy' && this.occupancyCount(cs, c.zoneId, t).length >= c.count
        : [...oa.tracks].some((id) => this.present(cs, id, t));
      if (active) {
        oa.leftAt = null;
        continue;
      }
      oa.leftAt ??= t;
      if (t - oa.leftAt >= this.rule.autoResolveSeconds * 1000) {
        cs.open.delete(oa.alertId);
        out.push({
          type: 'resolve',
          alertId: oa.alertId,
          ruleId: this.rule.id,
          cameraId: this.cameraIdOf(cs),
          at: t,
          reason: oa.occupancy ? 'occupancy below threshold' : 'object left',
        });
      }
    }
    for (const [id, tr] of cs.tracks) {
      if (t - tr.lastSeen <= this.trackTimeoutMs) continue;
      const stillReferenced = [...cs.open.values()].some((oa) => oa.tracks.has(id));
      if (!stillReferenced) cs.tracks.delete(id);
    }
  }

  private cameraIdOf(cs: CameraState): string {
    for (const [id, s] of this.cameras) if (s === cs) return id;
    return '';
  }
}

/** Several rules over one stream of batches: routes each batch to the evaluators watching its camera. */
export class RuleSet {
  private readonly evaluators = new Map<string, RuleEvaluator>();
  constructor(private readonly opts: EngineOptions = {}) {}

  private readonly fingerprints = new Map<string, string>();

  /**
   * Add or replace a rule. An identical definition (same rule and zones) keeps the running state
   * (open alerts, tracks, anchors); a changed one restarts it. Returns false when nothing changed.
   */
  upsert(entry: RuleEntry): boolean {
    const fp = JSON.stringify({ rule: entry.rule, zones: entry.zones });
    if (this.fingerprints.get(entry.rule.id) === fp && this.evaluators.has(entry.rule.id)) return false;
    this.fingerprints.set(entry.rule.id, fp);
    this.evaluators.set(entry.rule.id, new RuleEvaluator(entry, this.opts));
    return true;
  }
  remove(ruleId: string): boolean {
    this.fingerprints.delete(ruleId);
    return this.evaluators.delete(ruleId);
  }
  get(ruleId: string): RuleEvaluator | undefined {
    return this.evaluators.get(ruleId);
  }
  rules() {
    return [...this.evaluators.values()].map((e) => e.rule);
  }
  /** Cameras any enabled rule watches. */
  cameras(): Set<string> {
    const s = new Set<string>();
    for (const e of this.evaluators.values()) if (e.rule.enabled) for (const c of e.rule.cameraIds) s.add(c);
    return s;
  }
  process(batch: DetectionBatch): RuleOutput[] {
    const out: RuleOutput[] = [];
    for (const e of this.evaluators.values()) if (e.watches(batch.cameraId)) out.push(...e.process(batch));
    return out;
  }
  tick(now: number): RuleOutput[] {
    return [...this.evaluators.values()].flatMap((e) => e.tick(now));
  }
  /** An alert was resolved outside the engine (operator). */
  forget(ruleId: string, cameraId: string, alertId: string): boolean {
    return this.evaluators.get(ruleId)?.forget(cameraId, alertId) ?? false;
  }
}
