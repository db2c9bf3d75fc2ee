/**
 * A learning curve as a small standalone SVG (episode returns as points, their moving average as a line),
 * written into the run folder so a run can be looked at without any tooling.
 */
export function curveSvg(points: readonly { x: number; y: number }[], opts: { title: string; xLabel: string; yLabel: string; window?: number }): string {
  const W = 640, H = 360, L = 64, R = 16, T = 32, B = 44;
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  if (points.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-family="sans-serif">${esc(opts.title)}: no episodes yet</text></svg>\n`;
  }
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y1 - y0 < 1e-9) { y0 -= 1; y1 += 1; }
  const px = (x: number): number => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y: number): number => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const win = opts.window ?? 20;
  const avg: string[] = [];
  let sum = 0;
  points.forEach((p, i) => {
    sum += p.y;
    if (i >= win) sum -= points[i - win]!.y;
    avg.push(`${px(p.x).toFixed(1)},${py(sum / Math.min(i + 1, win)).toFixed(1)}`);
  });
  const step = Math.max(1, Math.ceil(points.length / 2000)); // keep the file small
  const dots = points.filter((_, i) => i % step === 0).map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="1.5"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const yv = y0 + f * (y1 - y0), xv = x0 + f * (x1 - x0);
    return `<text x="${L - 6}" y="${py(yv) + 4}" text-anchor="end">${fmt(yv)}</text><line x1="${L}" x2="${W - R}" y1="${py(yv)}" y2="${py(yv)}" stroke="#ddd"/>` +
      `<text x="${px(xv)}" y="${H - B + 16}" text-anchor="middle">${fmt(xv)}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="#fff"/>${ticks}
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${esc(opts.xLabel)}</text>
<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${esc(opts.yLabel)}</text>
<g fill="#9ab" opacity="0.6">${dots}</g>
<polyline fill="none" stroke="#c33" stroke-width="2" points="${avg.join(' ')}"/>
<text x="${W - R}" y="${T + 4}" text-anchor="end" fill="#c33">mean of last ${win}</text>
</svg>
`;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
