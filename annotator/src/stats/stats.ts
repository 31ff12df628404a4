import type { AnnotationBox } from '@sentinel/common';
import type { Pool } from 'pg';
import { boxSetAgreement } from '../lib/boxes.ts';

export type AnnotatorThroughput = {
  annotator: string;
  annotations: number;
  lastHour: number;
  last24h: number;
  /** Annotations per hour over the user's active span in the last 24 h (first to last submit, min 1 h). */
  perHour24h: number;
  reviewsDone: number;
  /** Of this user's reviewed annotations: share accepted (null before any review). */
  acceptanceRate: number | null;
};

export type AgreementStats = {
  /** Tasks annotated by at least two people (e.g. annotator + correcting reviewer, or re-annotation after rejection). */
  tasks: number;
  /** Mean pairwise agreement (F1 of same-label IoU>=0.5 matching), null when no task has two annotators. */
  mean: number | null;
  pairs: Array<{ a: string; b: string; tasks: number; mean: number }>;
};

export async function throughput(pool: Pool): Promise<AnnotatorThroughput[]> {
  const { rows } = await pool.query<{
    annotator: string;
    total: string;
    last_hour: string;
    last_day: string;
    first_day: Date | null;
    last_at: Date | null;
  }>(`SELECT annotator, count(*)::text AS total,
        count(*) FILTER (WHERE created_at > now() - interval '1 hour')::text AS last_hour,
        count(*) FILTER (WHERE created_at > now() - interval '24 hours')::text AS last_day,
        min(created_at) FILTER (WHERE created_at > now() - interval '24 hours') AS first_day,
        max(created_at) AS last_at
      FROM annotations GROUP BY annotator ORDER BY annotator`);
  const reviews = await pool.query<{ reviewer: string; n: string }>(
    'SELECT reviewer, count(*)::text AS n FROM annotation_reviews GROUP BY reviewer',
  );
  const outcomes = await pool.query<{ annotator: string; accepted: string; reviewed: string }>(
    `SELECT a.annotator, count(*) FILTER (WHERE r.decision = 'accept')::text AS accepted, count(*)::text AS reviewed
       FROM annotation_reviews r
       JOIN LATERAL (SELECT annotator FROM annotations x WHERE x.task_id = r.task_id AND x.created_at <= r.created_at
                     AND x.annotator <> r.reviewer ORDER BY x.id DESC LIMIT 1) a ON true
      GROUP BY a.annotator`,
  );
  const reviewsBy = new Map(reviews.rows.map((r) => [r.reviewer, Number(r.n)]));
  const outcomeBy = new Map(outcomes.rows.map((r) => [r.annotator, r]));
  const names = new Set([...rows.map((r) => r.annotator), ...reviewsBy.keys()]);
  return [...names].sort().map((name) => {
    const r = rows.find((x) => x.annotator === name);
    const o = outcomeBy.get(name);
    const last24h = Number(r?.last_day ?? 0);
    const spanH =
      r?.first_day && r.last_at ? Math.max(1, (r.last_at.getTime() - r.first_day.getTime()) / 3_600_000) : 1;
    return {
      annotator: name,
      annotations: Number(r?.total ?? 0),
      lastHour: Number(r?.last_hour ?? 0),
      last24h,
      perHour24h: Math.round((last24h / spanH) * 100) / 100,
      reviewsDone: reviewsBy.get(name) ?? 0,
      acceptanceRate: o && Number(o.reviewed) > 0 ? Number(o.accepted) / Number(o.reviewed) : null,
    };
  });
}

/** Pairwise agreement between the latest annotation of each person on the same task. */
export async function agreement(pool: Pool): Promise<AgreementStats> {
  const { rows } = await pool.query<{ task_id: string; annotator: string; boxes: AnnotationBox[] }>(
    `SELECT DISTINCT ON (task_id, annotator) task_id, annotator, boxes FROM annotations
      WHERE task_id IN (SELECT task_id FROM annotations GROUP BY task_id HAVING count(DISTINCT annotator) > 1)
      ORDER BY task_id, annotator, id DESC`,
  );
  const byTask = new Map<string, Array<{ annotator: string; boxes: AnnotationBox[] }>>();
  for (const r of rows) {
    const list = byTask.get(r.task_id) ?? [];
    list.push({ annotator: r.annotator, boxes: r.boxes });
    byTask.set(r.task_id, list);
  }
  return computeAgreement([...byTask.values()]);
}

/** Pure part of {@link agreement}: tasks → per-pair and overall mean agreement. */
export function computeAgreement(
  tasks: Array<Array<{ annotator: string; boxes: readonly AnnotationBox[] }>>,
): AgreementStats {
  const pairSums = new Map<string, { a: string; b: string; sum: number; n: number }>();
  let sum = 0;
  let n = 0;
  for (const list of tasks) {
    for (let i = 0; i < list.length; i++)
      for (let j = i + 1; j < list.length; j++) {
        const [x, y] = [list[i]!, list[j]!].sort((p, q) => p.annotator.localeCompare(q.annotator)) as [
          (typeof list)[number],
          (typeof list)[number],
        ];
        const v = boxSetAgreement(x.boxes, y.boxes);
        const key = `${x.annotator}\u0000${y.annotator}`;
        const p = pairSums.get(key) ?? { a: x.annotator, b: y.annotator, sum: 0, n: 0 };
        p.sum += v;
        p.n++;
        pairSums.set(key, p);
        sum += v;
        n++;
      }
  }
  return {
    tasks: tasks.filter((t) => t.length > 1).length,
    mean: n > 0 ? sum / n : null,
    pairs: [...pairSums.values()].map((p) => ({ a: p.a, b: p.b, tasks: p.n, mean: p.sum / p.n })),
  };
}
