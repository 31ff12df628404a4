/** Series and scales for the history charts (plain SVG). Pure. */

export type CountBucket = { bucket: number; cameraId: string; label: string; count: number };
export type Series = { key: string; values: number[]; total: number };

/** Bucket start times from `from` to `to` (exclusive) every `intervalMs`, aligned down to the interval. */
export function bucketTimes(from: number, to: number, intervalMs: number): number[] {
  const out: number[] = [];
  const start = Math.floor(from / intervalMs) * intervalMs;
  for (let t = start; t < to && out.length < 10_000; t += intervalMs) out.push(t);
  return out;
}

/**
 * Rollup rows → one series per label (or per camera), a value per bucket time (0 where no row), sorted
 * by total, largest first. Rows for buckets outside `times` are ignored.
 */
export function toSeries(
  rows: readonly CountBucket[],
  times: readonly number[],
  by: 'label' | 'cameraId',
): Series[] {
  const index = new Map(times.map((t, i) => [t, i]));
  const map = new Map<string, number[]>();
  for (const r of rows) {
    const i = index.get(r.bucket);
    if (i === undefined) continue;
    const key = r[by];
    let values = map.get(key);
    if (!values) {
      values = new Array(times.length).fill(0);
      map.set(key, values);
    }
    values[i]! += r.count;
  }
  return [...map.entries()]
    .map(([key, values]) => ({ key, values, total: values.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
}

/** Round `max` up to a "nice" axis maximum and return evenly spaced ticks from 0. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= rough) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9 || ticks.length < 2; v += step)
    ticks.push(Number(v.toPrecision(12)));
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

export type Plot = {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
};

/** SVG path of one series on a plot whose y axis runs 0..yMax. */
export function linePath(values: readonly number[], yMax: number, p: Plot): string {
  const n = values.length;
  if (n === 0) return '';
  const w = p.width - p.left - p.right;
  const h = p.height - p.top - p.bottom;
  const x = (i: number) => p.left + (n === 1 ? w / 2 : (i / (n - 1)) * w);
  const y = (v: number) => p.top + h - (yMax > 0 ? (v / yMax) * h : 0);
  return values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`).join(' ');
}

/** A bucket width that gives ~24-96 points for the range (whole minutes, as the API requires). */
export function intervalFor(rangeMs: number): number {
  const candidates = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86_400];
  const target = rangeMs / 1000 / 48;
  return candidates.find((c) => c >= target) ?? 86_400;
}
