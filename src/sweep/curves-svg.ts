/**
 * Learning curves of a sweep's arms as one standalone SVG: per arm the median over seeds as a line and the
 * band between the first and third quartiles, on a shared axis of environment steps.
 */

export interface BandSeries {
  name: string;
  /** x of each point (environment steps), increasing. */
  x: readonly number[];
  /** Median, first and third quartile over seeds at each x (NaN: no seed has a value there yet). */
  median: readonly number[];
  q1: readonly number[];
  q3: readonly number[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function bandPlotSvg(series: readonly BandSeries[], opts: { title: string; subtitle?: string; xLabel: string; yLabel: string; threshold?: number | null }): string {
  const W = 720, H = 420, L = 64, R = 150, T = 52, B = 48;
  const pw = W - L - R, ph = H - T - B;
  const xs = series.flatMap((s) => s.x), ys = series.flatMap((s) => [...s.q1, ...s.q3, ...s.median]).filter((v) => Number.isFinite(v));
  if (opts.threshold != null) ys.push(opts.threshold);
  const x0 = 0, x1 = Math.max(1, ...xs);
  let y0 = ys.length ? Math.min(...ys) : 0, y1 = ys.length ? Math.max(...ys) : 1;
  if (y1 - y0 < 1e-9) { y0 -= 1; y1 += 1; }
  const px = (v: number): number => L + ((v - x0) / (x1 - x0)) * pw;
  const py = (v: number): number => T + ph * (1 - (v - y0) / (y1 - y0));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(opts.title)}</text>`,
  ];
  if (opts.subtitle) out.push(`<text x="${L}" y="40" fill="#555">${esc(opts.subtitle)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + (i / 4) * (y1 - y0), xv = x0 + (i / 4) * (x1 - x0);
    out.push(`<line x1="${L}" x2="${L + pw}" y1="${py(yv).toFixed(1)}" y2="${py(yv).toFixed(1)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${L - 6}" y="${py(yv).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${fmt(yv)}</text>`);
    out.push(`<text x="${px(xv).toFixed(1)}" y="${T + ph + 16}" text-anchor="middle">${fmt(xv)}</text>`);
  }
  out.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${T + ph}" stroke="#333"/><line x1="${L}" x2="${L + pw}" y1="${T + ph}" y2="${T + ph}" stroke="#333"/>`);
  out.push(`<text x="${L + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${T + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  if (opts.threshold != null) {
    const yt = py(opts.threshold).toFixed(1);
    out.push(`<line x1="${L}" x2="${L + pw}" y1="${yt}" y2="${yt}" stroke="#999" stroke-dasharray="5,4"/><text x="${L + 4}" y="${Number(yt) - 5}" fill="#666">threshold ${fmt(opts.threshold)}</text>`);
  }
  series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length]!;
    const idx = s.x.map((_, i) => i).filter((i) => Number.isFinite(s.median[i]!));
    if (idx.length) {
      const upper = idx.map((i) => `${px(s.x[i]!).toFixed(1)},${py(s.q3[i]!).toFixed(1)}`);
      const lower = idx.map((i) => `${px(s.x[i]!).toFixed(1)},${py(s.q1[i]!).toFixed(1)}`).reverse();
      out.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
      out.push(`<polyline class="median" points="${idx.map((i) => `${px(s.x[i]!).toFixed(1)},${py(s.median[i]!).toFixed(1)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const ly = T + 10 + si * 20;
    out.push(`<line x1="${L + pw + 10}" x2="${L + pw + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/><text x="${L + pw + 36}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push(`<text x="${L + pw + 10}" y="${T + 16 + series.length * 20}" fill="#666">line: median over seeds</text>`);
  out.push(`<text x="${L + pw + 10}" y="${T + 32 + series.length * 20}" fill="#666">band: quartiles</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Compact numbers for axes: 800, 12k, 1.5M, 0.25. */
export function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
}
