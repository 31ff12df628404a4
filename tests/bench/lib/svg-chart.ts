/** Minimal SVG charts for the benchmark report (bar histogram and line chart), no dependencies. */
const W = 640;
const H = 320;
const M = { l: 56, r: 16, t: 36, b: 44 };
const esc = (s: string) => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  body: string,
  xTicks: string,
  yMax: number,
): string {
  const yTicks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const y = M.t + (H - M.t - M.b) * (1 - f);
      return `<line x1="${M.l - 4}" x2="${W - M.r}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${M.l - 8}" y="${y + 4}" text-anchor="end" font-size="11">${+(yMax * f).toPrecision(3)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>
${yTicks}${body}${xTicks}
<text x="${W / 2}" y="${H - 6}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>
<text x="14" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${H / 2})">${esc(yLabel)}</text>
</svg>\n`;
}

/** Histogram of values in `bins` equal-width bins. */
export function histogramSvg(
  values: readonly number[],
  opts: { title: string; xLabel: string; bins?: number },
): string {
  const bins = opts.bins ?? 20;
  const max = values.length ? Math.max(...values) : 1;
  const width = max / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / width))]!++;
  const yMax = Math.max(1, ...counts);
  const plotW = W - M.l - M.r;
  const plotH = H - M.t - M.b;
  const bw = plotW / bins;
  const bars = counts
    .map((c, i) => {
      const h = (c / yMax) * plotH;
      return `<rect x="${M.l + i * bw + 1}" y="${M.t + plotH - h}" width="${bw - 2}" height="${h}" fill="#3b82f6"/>`;
    })
    .join('');
  const ticks = [0, bins / 2, bins]
    .map(
      (i) =>
        `<text x="${M.l + i * bw}" y="${H - M.b + 16}" text-anchor="middle" font-size="11">${Math.round(i * width)}</text>`,
    )
    .join('');
  return frame(opts.title, opts.xLabel, 'count', bars, ticks, yMax);
}

/** Line chart of one or more series over shared numeric x values. */
export function lineSvg(
  series: { name: string; points: [number, number][] }[],
  opts: { title: string; xLabel: string; yLabel: string },
): string {
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yMax = Math.max(1, ...all.map((p) => p[1])) * 1.1;
  const plotW = W - M.l - M.r;
  const plotH = H - M.t - M.b;
  const colors = ['#3b82f6', '#ef4444', '#10b981', '#f59e0b'];
  const px = (x: number) => M.l + (x / xMax) * plotW;
  const py = (y: number) => M.t + plotH - (y / yMax) * plotH;
  const body = series
    .map((s, i) => {
      const c = colors[i % colors.length];
      const path = s.points.map((p, j) => `${j ? 'L' : 'M'}${px(p[0])},${py(p[1])}`).join(' ');
      const dots = s.points
        .map((p) => `<circle cx="${px(p[0])}" cy="${py(p[1])}" r="3" fill="${c}"/>`)
        .join('');
      return `<path d="${path}" fill="none" stroke="${c}" stroke-width="2"/>${dots}<text x="${W - M.r - 4}" y="${M.t + 14 * (i + 1)}" text-anchor="end" font-size="11" fill="${c}">${esc(s.name)}</text>`;
    })
    .join('');
  const xs = [...new Set(all.map((p) => p[0]))];
  const ticks = xs
    .map((x) => `<text x="${px(x)}" y="${H - M.b + 16}" text-anchor="middle" font-size="11">${x}</text>`)
    .join('');
  return frame(opts.title, opts.xLabel, opts.yLabel, body, ticks, yMax);
}
