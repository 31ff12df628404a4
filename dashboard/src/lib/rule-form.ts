/**
 * The rules and zones editor's form model: what the inputs hold (strings for numbers, drawing drafts for
 * geometry), its conversion to the API bodies, and validation with the shared zod schemas so the editor
 * shows exactly the messages the gateway would answer with, next to the field they concern.
 */
import {
  type RuleReferenceContext,
  validateRuleReferences,
} from '@sentinel/common/rules/validate-references';
import { type Rule, ruleSchema, type Zone, zoneSchema } from '@sentinel/common/schemas/rule';
import type { z } from 'zod';
import type { LineDraft, PolygonDraft } from './polygon-drawing.ts';

export type ConditionType = 'enter' | 'exit' | 'dwell' | 'line_cross' | 'occupancy' | 'sequence';
export const CONDITION_TYPES: { value: ConditionType; label: string; help: string }[] = [
  { value: 'enter', label: 'Enters zone', help: 'An object moves into the zone.' },
  { value: 'exit', label: 'Leaves zone', help: 'An object moves out of the zone.' },
  { value: 'dwell', label: 'Loiters in zone', help: 'An object stays in the zone longer than N seconds.' },
  {
    value: 'line_cross',
    label: 'Crosses line',
    help: 'An object crosses the drawn line (optionally one way).',
  },
  {
    value: 'occupancy',
    label: 'Zone occupancy',
    help: 'At least N objects are in the zone for S seconds.',
  },
  {
    value: 'sequence',
    label: 'Zone sequence',
    help: 'An object visits zone A then zone B within N seconds.',
  },
];

export type ScheduleWindowDraft = { days: number[]; start: string; end: string };

/** Everything the rule form holds. Numbers stay strings until validation so typing "1." is not lost. */
export type RuleDraft = {
  id: string;
  name: string;
  enabled: boolean;
  cameraIds: string[];
  labels: string[];
  minScore: string;
  conditionType: ConditionType;
  zoneId: string;
  /** Second zone of a sequence. */
  zoneId2: string;
  seconds: string;
  count: string;
  line: LineDraft;
  scheduleEnabled: boolean;
  timezone: string;
  windows: ScheduleWindowDraft[];
  cooldownSeconds: string;
  severity: 'info' | 'warning' | 'critical';
  autoResolveSeconds: string;
  stationaryRearmSeconds: string;
  webPush: boolean;
  webhooks: string;
};

export type ZoneDraft = {
  id: string;
  cameraId: string;
  name: string;
  polygon: PolygonDraft;
  inertiaFrames: string;
};

/** Messages keyed by dotted path ('' for the whole object), e.g. `condition.seconds`, `schedule.windows.0.end`. */
export type FieldErrors = Record<string, string[]>;

const browserTimeZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

/** A short random id suffix that satisfies idSchema. */
export const randomSuffix = () => Math.random().toString(36).slice(2, 8).padEnd(6, '0');

/** Slug of a name usable in ids: lowercase letters, digits and '-'. */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'item'
  );
}

export function newRuleDraft(cameraId?: string): RuleDraft {
  return {
    id: `rule-${randomSuffix()}`,
    name: '',
    enabled: true,
    cameraIds: cameraId ? [cameraId] : [],
    labels: ['person'],
    minScore: '0.5',
    conditionType: 'enter',
    zoneId: '',
    zoneId2: '',
    seconds: '10',
    count: '2',
    line: { direction: 'any' },
    scheduleEnabled: false,
    timezone: browserTimeZone(),
    windows: [{ days: [1, 2, 3, 4, 5], start: '18:00', end: '07:00' }],
    cooldownSeconds: '60',
    severity: 'warning',
    autoResolveSeconds: '30',
    stationaryRearmSeconds: '60',
    webPush: true,
    webhooks: '',
  };
}

export function newZoneDraft(cameraId: string): ZoneDraft {
  return {
    id: `zone-${randomSuffix()}`,
    cameraId,
    name: '',
    polygon: { points: [], closed: false },
    inertiaFrames: '3',
  };
}

/** Text input → number for the schema: blank → undefined (schema default or "required"), junk → NaN. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** The rule form → the body of POST/PUT /rules (not yet validated). */
export function ruleDraftToInput(d: RuleDraft): Record<string, unknown> {
  const seconds = parseNumber(d.seconds);
  let condition: Record<string, unknown>;
  switch (d.conditionType) {
    case 'enter':
    case 'exit':
      condition = { type: d.conditionType, zoneId: d.zoneId };
      break;
    case 'dwell':
      condition = { type: 'dwell', zoneId: d.zoneId, seconds };
      break;
    case 'occupancy':
      condition = { type: 'occupancy', zoneId: d.zoneId, count: parseNumber(d.count), seconds };
      break;
    case 'sequence':
      condition = { type: 'sequence', zoneIds: [d.zoneId, d.zoneId2], withinSeconds: seconds };
      break;
    case 'line_cross':
      condition = { type: 'line_cross', line: { a: d.line.a, b: d.line.b, direction: d.line.direction } };
      break;
  }
  const webhooks = d.webhooks
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    id: d.id,
    name: d.name.trim(),
    enabled: d.enabled,
    cameraIds: d.cameraIds,
    labels: d.labels,
    minScore: parseNumber(d.minScore),
    condition,
    ...(d.scheduleEnabled ? { schedule: { timezone: d.timezone.trim(), windows: d.windows } } : {}),
    cooldownSeconds: parseNumber(d.cooldownSeconds),
    severity: d.severity,
    autoResolveSeconds: parseNumber(d.autoResolveSeconds),
    stationaryRearmSeconds: parseNumber(d.stationaryRearmSeconds),
    notify: { webPush: d.webPush, webhooks },
  };
}

/** A stored rule → the form (for editing). */
export function ruleToDraft(r: Rule): RuleDraft {
  const base = newRuleDraft();
  const c = r.condition;
  const d: RuleDraft = {
    ...base,
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    cameraIds: [...r.cameraIds],
    labels: [...r.labels],
    minScore: String(r.minScore),
    conditionType: c.type,
    cooldownSeconds: String(r.cooldownSeconds),
    severity: r.severity,
    autoResolveSeconds: String(r.autoResolveSeconds),
    stationaryRearmSeconds: String(r.stationaryRearmSeconds),
    webPush: r.notify.webPush,
    webhooks: r.notify.webhooks.join('\n'),
    scheduleEnabled: Boolean(r.schedule),
    timezone: r.schedule?.timezone ?? base.timezone,
    windows: r.schedule?.windows.map((w) => ({ ...w, days: [...w.days] })) ?? base.windows,
  };
  if (c.type === 'enter' || c.type === 'exit') d.zoneId = c.zoneId;
  if (c.type === 'dwell') {
    d.zoneId = c.zoneId;
    d.seconds = String(c.seconds);
  }
  if (c.type === 'occupancy') {
    d.zoneId = c.zoneId;
    d.count = String(c.count);
    d.seconds = String(c.seconds);
  }
  if (c.type === 'sequence') {
    d.zoneId = c.zoneIds[0];
    d.zoneId2 = c.zoneIds[1];
    d.seconds = String(c.withinSeconds);
  }
  if (c.type === 'line_cross')
    d.line = { a: [...c.line.a] as const, b: [...c.line.b] as const, direction: c.line.direction };
  return d;
}

/** A stored zone → the form. */
export function zoneToDraft(z: Zone): ZoneDraft {
  return {
    id: z.id,
    cameraId: z.cameraId,
    name: z.name,
    polygon: { points: z.polygon.map((p) => [p[0], p[1]] as const), closed: true },
    inertiaFrames: String(z.inertiaFrames),
  };
}

/** Friendlier wording for zod's generic type messages; specific messages from the schema pass through. */
function friendly(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const received = (issue as { input?: unknown }).input;
    if (received === undefined || received === '') return 'is required';
    if (typeof received === 'number' && Number.isNaN(received)) return 'must be a number';
    return `must be a ${issue.expected}`;
  }
  if (issue.code === 'invalid_union' && issue.path.at(-1) === 'type') return 'pick a condition';
  // zod's generic range messages ("Too small: expected number to be >=0") in plain words; messages
  // written in the schema (e.g. 'pick at least one camera') are kept as they are.
  if ((issue.code === 'too_small' || issue.code === 'too_big') && /^Too (small|big)/.test(issue.message)) {
    const small = issue.code === 'too_small';
    const bound = Number((small ? issue.minimum : issue.maximum) ?? 0);
    const inclusive = issue.inclusive !== false;
    if (issue.origin === 'string') {
      if (small && bound === 1) return 'is required';
      return small ? `must be at least ${bound} characters` : `must be at most ${bound} characters`;
    }
    if (issue.origin === 'array' || issue.origin === 'set')
      return small ? `needs at least ${bound}` : `allows at most ${bound}`;
    return `must be ${small ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<'} ${bound}`;
  }
  return issue.message;
}

/** zod issues → messages keyed by dotted path. */
export function issuesToFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join('.');
    const list = out[key] ?? [];
    const msg = friendly(issue);
    if (!list.includes(msg)) list.push(msg);
    out[key] = list;
  }
  return out;
}

/**
 * Messages to show next to a field: those at `path` and (unless `exact`) below it, e.g.
 * `errorsAt(e, 'condition.line')` also gets `condition.line.b`.
 */
export function errorsAt(errors: FieldErrors, path: string, exact = false): string[] {
  const out: string[] = [];
  for (const [key, msgs] of Object.entries(errors)) {
    if (key === path || (!exact && key.startsWith(`${path}.`))) out.push(...msgs);
  }
  return [...new Set(out)];
}

export type Validation<T> = { ok: true; value: T; errors: FieldErrors } | { ok: false; errors: FieldErrors };

/**
 * Validate the rule form with the shared schema, then (when the cameras and zones are known) with the
 * gateway's own reference checks (`validateRuleReferences`: zones exist on the rule's camera, known
 * classes, non-overlapping schedule windows). Adds the editor's checks: a zone picked, the line drawn.
 */
export function validateRuleDraft(d: RuleDraft, refs?: RuleReferenceContext): Validation<Rule> {
  const input = ruleDraftToInput(d);
  const parsed = ruleSchema.safeParse(input, { reportInput: true });
  const errors = parsed.success ? {} : issuesToFieldErrors(parsed.error.issues);
  const add = (path: string, msg: string) => {
    const list = errors[path] ?? [];
    if (!list.includes(msg)) list.push(msg);
    errors[path] = list;
  };
  if (d.conditionType === 'line_cross') {
    if (!d.line.a) add('condition.line', 'draw the line on the snapshot (click two points)');
    else if (!d.line.b) add('condition.line', 'click the second point of the line');
  } else {
    const picked =
      d.conditionType === 'sequence'
        ? ([
            ['condition.zoneIds.0', d.zoneId],
            ['condition.zoneIds.1', d.zoneId2],
          ] as const)
        : ([['condition.zoneId', d.zoneId]] as const);
    for (const [path, zoneId] of picked) if (!zoneId) errors[path] = ['pick a zone'];
  }
  if (parsed.success && refs)
    for (const issue of validateRuleReferences(parsed.data, refs)) add(issue.path, issue.message);
  if (parsed.success && Object.keys(errors).length === 0) return { ok: true, value: parsed.data, errors };
  return { ok: false, errors };
}

/** The zone form → body of POST/PUT /zones (not yet validated). */
export function zoneDraftToInput(d: ZoneDraft): Record<string, unknown> {
  return {
    id: d.id,
    cameraId: d.cameraId,
    name: d.name.trim(),
    polygon: d.polygon.points.map((p) => [p[0], p[1]]),
    inertiaFrames: parseNumber(d.inertiaFrames),
  };
}

/** Validate the zone form: an unfinished polygon is reported before the schema's own checks. */
export function validateZoneDraft(d: ZoneDraft): Validation<Zone> {
  const parsed = zoneSchema.safeParse(zoneDraftToInput(d), { reportInput: true });
  const errors = parsed.success ? {} : issuesToFieldErrors(parsed.error.issues);
  if (!d.polygon.closed) {
    const msg =
      d.polygon.points.length < 3
        ? `click at least ${3 - d.polygon.points.length} more point(s) on the snapshot`
        : 'close the polygon: click its first point or press Enter';
    errors.polygon = [msg]; // the schema's whole-polygon messages only make sense once it is closed
  }
  if (parsed.success && d.polygon.closed) return { ok: true, value: parsed.data, errors };
  return { ok: false, errors };
}
