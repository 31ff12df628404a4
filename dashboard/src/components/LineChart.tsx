import { useElementSize } from '../app/hooks.ts';
import { linePath, niceTicks, type Plot, type Series } from '../lib/charts.ts';
import { labelColour } from '../lib/overlay-geometry.ts';

/** Multi-series line chart in plain SVG, sized to its container. */
export function LineChart({
  times,
  series,
  height = 240,
}: {
  times: number[];
  series: Series[];
  height?: number;
}) {
  const [ref, size] = useElementSize<HTMLDivElement>();
  const width = Math.max(200, size.width);
  const plot: Plot = { width, height, left: 40, right: 12, top: 10, bottom: 28 };
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const ticks = niceTicks(max);
  const yMax = ticks.at(-1)!;
  const h = height - plot.top - plot.bottom;
  const w = width - plot.left - plot.right;
  const labelEvery = Math.max(1, Math.ceil(times.length / Math.max(2, Math.floor(w / 70))));
  const spanDays = times.length > 1 ? (times.at(-1)! - times[0]!) / 86_400_000 : 0;
  const fmt = (t: number) =>
    spanDays > 1.5
      ? new Date(t).toLocaleDateString(undefined, { weekday: 'short', hour: '2-digit' })
      : new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return (
    <div ref={ref} className="chart" data-testid="history-chart">
      <svg width={width} height={height} role="img" aria-label="Detections over time">
        {ticks.map((t) => {
          const y = plot.top + h - (t / yMax) * h;
          return (
            <g key={t} className="grid">
              <line x1={plot.left} x2={width - plot.right} y1={y} y2={y} />
              <text x={plot.left - 6} y={y + 4} textAnchor="end">
                {t}
              </text>
            </g>
          );
        })}
        {times.map((t, i) =>
          i % labelEvery === 0 ? (
            <text
              key={t}
              className="axis"
              x={plot.left + (times.length === 1 ? w / 2 : (i / (times.length - 1)) * w)}
              y={height - 8}
              textAnchor="middle"
            >
              {fmt(t)}
            </text>
          ) : null,
        )}
        {series.map((s) => (
          <path
            key={s.key}
            d={linePath(s.values, yMax, plot)}
            stroke={labelColour(s.key)}
            className="series"
            data-series={s.key}
          />
        ))}
      </svg>
      <ul className="legend">
        {series.map((s) => (
          <li key={s.key}>
            <span className="swatch" style={{ background: labelColour(s.key) }} /> {s.key}{' '}
            <span className="muted">({s.total})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
