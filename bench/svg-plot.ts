/**
 * A small hand-written SVG plot for the benchmarks: per-seed points and a median line for each series over
 * categorical x values, log-scaled y. Values above the budget (not reached) are drawn at the budget line as
 * open markers, labelled "> budget".
 */

import { censoredMedian } from '../src/stats/summary.ts';

export { censoredMedian };

export interface PlotSeries {
  name: string;
  color: string;
  /** One entry per x value: the per-seed values (null: censored, not reached within the budget). */
  values: (number | null)[][];
}

export interface PlotSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** The x categories, in order (e.g. the delays). */
  x: (number | string)[];
  series: PlotSeries[];
  /** Censoring level: null values are drawn here (log scale). */
  budget: number;
  /** `log` (default): step counts, censored at the budget. `linear`: 0..yMax, no censoring (null values are left out). */
  yScale?: 'log' | 'linear';
  /** The linear scale's top (default: the largest value). */
  yMax?: number;
  /** Tick labels of the linear scale (default: the number). */
  yFormat?: (v: number) => string;
  /** Plot width in pixels (default 680); x labels are slanted when the categories are many. */
  width?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Compact step counts: 800, 12k, 1.5M. */
export function fmtSteps(n: number): string {
  if (n >= 1e6) return `${Number((n / 1e6).toPrecision(3))}M`;
  if (n >= 1e3) return `${Number((n / 1e3).toPrecision(3))}k`;
  return String(Math.round(n));
}

export function svgPlot(p: PlotSpec): string {
  const nx = p.x.length, slant = nx > 8;
  const longest = Math.max(0, ...p.series.map((s) => s.name.length));
  const W = p.width ?? 680, H = slant ? 470 : 420, L = 78, R = Math.max(170, 7 * longest + 44), T = 56, B = slant ? 108 : 58; // R: room for the legend
  const pw = W - L - R, ph = H - T - B;
  const linear = p.yScale === 'linear';
  const all = p.series.flatMap((s) => s.values.flat()).filter((v): v is number => v !== null && (linear || v > 0));
  const lo = Math.min(p.budget, ...all), hi = p.budget;
  const yMin = linear ? 0 : 10 ** Math.floor(Math.log10(lo)), yMax = linear ? p.yMax ?? Math.max(1e-9, ...all) : hi * 1.5;
  const y = linear ? (v: number): number => T + ph * (1 - v / yMax)
    : (v: number): number => T + ph * (1 - (Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)));
  const x = (i: number): number => L + (nx === 1 ? pw / 2 : (pw * (i + 0.5)) / nx);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${L}" y="22" font-size="15" font-weight="bold">${esc(p.title)}</text>`);
  if (p.subtitle) out.push(`<text x="${L}" y="40" fill="#555">${esc(p.subtitle)}</text>`);
  // y grid: five steps (linear), or decades and 2×, 5× (log)
  if (linear) {
    for (let k = 0; k <= 5; k++) {
      const v = (yMax * k) / 5, yy = y(v).toFixed(1);
      out.push(`<line x1="${L}" x2="${L + pw}" y1="${yy}" y2="${yy}" stroke="${k === 0 ? '#ccc' : '#eee'}"/>`);
      out.push(`<text x="${L - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#333">${esc((p.yFormat ?? String)(v))}</text>`);
    }
  }
  for (let d = yMin; !linear && d <= yMax * 1.0001; d *= 10) {
    for (const m of [1, 2, 5]) {
      const v = d * m;
      if (v > yMax * 1.0001) break;
      const yy = y(v).toFixed(1);
      out.push(`<line x1="${L}" x2="${L + pw}" y1="${yy}" y2="${yy}" stroke="${m === 1 ? '#ccc' : '#eee'}"/>`);
      out.push(`<text x="${L - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#333">${fmtSteps(v)}</text>`);
    }
  }
  // budget line
  const yb = y(p.budget).toFixed(1);
  if (!linear) {
    out.push(`<line x1="${L}" x2="${L + pw}" y1="${yb}" y2="${yb}" stroke="#999" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${L + 6}" y="${(Number(yb) - 6).toFixed(1)}" fill="#666">budget ${fmtSteps(p.budget)} (open circles: not reached)</text>`);
  }
  // axes
  out.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${T + ph}" stroke="#333"/><line x1="${L}" x2="${L + pw}" y1="${T + ph}" y2="${T + ph}" stroke="#333"/>`);
  p.x.forEach((v, i) => out.push(slant
    ? `<text transform="translate(${x(i).toFixed(1)} ${T + ph + 14}) rotate(-40)" text-anchor="end">${esc(String(v))}</text>`
    : `<text x="${x(i).toFixed(1)}" y="${T + ph + 18}" text-anchor="middle">${esc(String(v))}</text>`));
  out.push(`<text x="${L + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${T + ph / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  // series: points jittered apart, then the median polyline
  const ns = p.series.length, band = Math.min(60, pw / nx / 1.6);
  p.series.forEach((s, si) => {
    const off = ns === 1 ? 0 : band * (si / (ns - 1) - 0.5);
    const med: string[] = [];
    s.values.forEach((vals, i) => {
      vals.forEach((v, k) => {
        if (v === null && linear) return;
        const jitter = vals.length === 1 ? 0 : ((k / (vals.length - 1)) - 0.5) * band * 0.35;
        const cx = (x(i) + off + jitter).toFixed(1), cy = (v === null ? y(p.budget) : y(v)).toFixed(1);
        out.push(v === null
          ? `<circle cx="${cx}" cy="${cy}" r="4" fill="white" stroke="${s.color}" stroke-width="1.5"><title>${esc(s.name)}, ${esc(String(p.x[i]))}: &gt; ${fmtSteps(p.budget)}</title></circle>`
          : `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${s.color}" fill-opacity="0.6"><title>${esc(s.name)}, ${esc(String(p.x[i]))}: ${linear ? esc((p.yFormat ?? String)(v)) : fmtSteps(v)}</title></circle>`);
      });
      if (linear && !vals.some((v) => v !== null)) return;
      const m = censoredMedian(linear ? vals.filter((v) => v !== null) : vals);
      const mx = x(i) + off, my = m === null ? y(p.budget) : y(m);
      med.push(`${mx.toFixed(1)},${my.toFixed(1)}`);
      out.push(`<rect x="${(mx - 9).toFixed(1)}" y="${(my - 1.5).toFixed(1)}" width="18" height="3" fill="${s.color}"/>`);
    });
    out.push(`<polyline points="${med.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    const ly = T + 10 + si * 20;
    out.push(`<line x1="${L + pw + 6}" x2="${L + pw + 26}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${L + pw + 32}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push(`<text x="${L + pw + 6}" y="${T + 16 + ns * 20}" fill="#666">line: median; dots: seeds</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
