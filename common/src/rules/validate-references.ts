import type { Pool, PoolClient } from 'pg';
import { COCO_LABELS } from '../schemas/coco-labels.ts';
import { type Rule, type Schedule, type Zone, zoneSchema } from '../schemas/rule.ts';

type Queryable = Pool | PoolClient;

/** One problem with a rule, with the JSON path of the offending field (e.g. `condition.zoneId`). */
export type RuleIssue = { path: string; message: string };

/** What a rule may refer to: known cameras, zones, and labels of custom models (COCO is always known). */
export type RuleReferenceContext = {
  cameraIds: Iterable<string>;
  zones: Iterable<Zone>;
  extraLabels?: Iterable<string>;
};

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
  return d[a.length]![b.length]!;
}

/** Minutes of the week [start, end) covered by each window (overnight windows spill into the next day). */
function windowIntervals(w: Schedule['windows'][number]): Array<[number, number, number]> {
  const s = minutes(w.start);
  const e = minutes(w.end);
  const out: Array<[number, number, number]> = [];
  for (const day of w.days) {
    const base = day * 1440;
    if (s < e) out.push([base + s, base + e, day]);
    else {
      out.push([base + s, base + 1440, day]);
      if (e > 0) out.push([((day + 1) % 7) * 1440, ((day + 1) % 7) * 1440 + e, day]);
    }
  }
  return out;
}

/** Schedule problems zod cannot see: repeated days, a start of 24:00, windows that overlap. */
export function validateSchedule(schedule: Schedule, basePath = 'schedule'): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const spans: Array<{ w: number; iv: [number, number, number] }> = [];
  schedule.windows.forEach((w, i) => {
    const path = `${basePath}.windows.${i}`;
    const dup = w.days.filter((d, k) => w.days.indexOf(d) !== k);
    if (dup.length)
      issues.push({ path: `${path}.days`, message: `day ${DAY_NAMES[dup[0]!]} is listed more than once` });
    if (w.start === '24:00')
      issues.push({ path: `${path}.start`, message: 'a window cannot start at 24:00 (use 00:00)' });
    for (const iv of windowIntervals(w)) spans.push({ w: i, iv });
  });
  for (let a = 0; a < spans.length; a++)
    for (let b = a + 1; b < spans.length; b++) {
      const x = spans[a]!;
      const y = spans[b]!;
      if (x.w === y.w) continue;
      if (x.iv[0] < y.iv[1] && y.iv[0] < x.iv[1]) {
        issues.push({
          path: `${basePath}.windows.${y.w}`,
          message: `overlaps window ${x.w} on ${DAY_NAMES[Math.floor(Math.max(x.iv[0], y.iv[0]) / 1440)]} (contradictory schedule: merge them)`,
        });
        return issues;
      }
    }
  return issues;
}

/**
 * Check what a schema-valid rule refers to: cameras that exist, zones that exist and belong to the
 * rule's cameras (a zone condition watches exactly the zone's camera), known object classes (COCO
 * plus custom model labels, with a "did you mean" hint), and a consistent schedule. Empty list = OK.
 */
export function validateRuleReferences(rule: Rule, ctx: RuleReferenceContext): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const cameras = new Set(ctx.cameraIds);
  const zones = new Map([...ctx.zones].map((z) => [z.id, z]));
  const labels = new Set<string>([...COCO_LABELS, ...(ctx.extraLabels ?? [])]);

  rule.cameraIds.forEach((id, i) => {
    if (!cameras.has(id)) issues.push({ path: `cameraIds.${i}`, message: `unknown camera '${id}'` });
    else if (rule.cameraIds.indexOf(id) !== i)
      issues.push({ path: `cameraIds.${i}`, message: `camera '${id}' is listed twice` });
  });
  rule.labels.forEach((label, i) => {
    if (labels.has(label)) return;
    let best = '';
    let bestD = Number.POSITIVE_INFINITY;
    for (const l of labels) {
      const d = editDistance(label.toLowerCase(), l);
      if (d < bestD) [best, bestD] = [l, d];
    }
    issues.push({
      path: `labels.${i}`,
      message: `unknown object class '${label}'${bestD <= 2 ? ` (did you mean '${best}'?)` : ''}`,
    });
  });

  const c = rule.condition;
  const zoneRefs: Array<[string, string]> =
    c.type === 'line_cross'
      ? []
      : c.type === 'sequence'
        ? [
            [c.zoneIds[0], 'condition.zoneIds.0'],
            [c.zoneIds[1], 'condition.zoneIds.1'],
          ]
        : [[c.zoneId, 'condition.zoneId']];
  for (const [zoneId, path] of zoneRefs) {
    const zone = zones.get(zoneId);
    if (!zone) {
      issues.push({ path, message: `unknown zone '${zoneId}'` });
      continue;
    }
    if (!rule.cameraIds.includes(zone.cameraId))
      issues.push({
        path,
        message: `zone '${zoneId}' is on camera '${zone.cameraId}', which the rule does not watch`,
      });
    const others = rule.cameraIds.filter((id) => id !== zone.cameraId);
    if (others.length)
      issues.push({
        path: 'cameraIds',
        message: `zone '${zoneId}' exists only on camera '${zone.cameraId}', not on ${others.map((o) => `'${o}'`).join(', ')} (make one rule per camera)`,
      });
  }
  if (rule.schedule) issues.push(...validateSchedule(rule.schedule));
  return issues;
}

/** Load the reference context from PostgreSQL (cameras, zones, labels of registered models). */
export async function loadRuleReferenceContext(db: Queryable): Promise<RuleReferenceContext> {
  const [cams, zoneRows, models] = await Promise.all([
    db.query('SELECT id FROM cameras'),
    db.query('SELECT id, camera_id, name, definition FROM zones'),
    db.query('SELECT labels FROM models'),
  ]);
  return {
    cameraIds: cams.rows.map((r) => r.id as string),
    zones: zoneRows.rows.flatMap((r) => {
      const z = zoneFromRow(r);
      return z ? [z] : [];
    }),
    extraLabels: models.rows.flatMap((r) => (Array.isArray(r.labels) ? (r.labels as string[]) : [])),
  };
}

/** A `zones` row as a Zone (definition jsonb, with the columns as the source of id/camera/name). */
export function zoneFromRow(r: {
  id: string;
  camera_id: string;
  name: string;
  definition: unknown;
}): Zone | null {
  const parsed = zoneSchema.safeParse({
    ...(r.definition as object),
    id: r.id,
    cameraId: r.camera_id,
    name: r.name,
  });
  return parsed.success ? parsed.data : null;
}
