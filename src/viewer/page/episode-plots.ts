/**
 * The plots beside the episode: reward per step (env and redistributed), cumulative return against
 * cumulative redistribution (with the model's return prediction), trust per episode; and the run's
 * learning curve from metrics rows.
 */
import type { MetricsMessage } from '../protocol.ts';
import type { Episode } from './episode.ts';
import { LinePlot } from './plots.ts';
import type { PlotState, ViewerState } from './state.ts';

export class EpisodePlots {
  private readonly reward: LinePlot;
  private readonly cumulative: LinePlot;
  private readonly trust: LinePlot;
  private readonly trustLine: HTMLElement;
  private readonly seenTrust = new Set<number>();

  constructor(root: HTMLElement, private readonly state: PlotState) {
    this.reward = new LinePlot(canvas(root, 'plot-reward'), 'reward per step');
    this.cumulative = new LinePlot(canvas(root, 'plot-cumulative'), 'cumulative');
    this.trustLine = document.createElement('div');
    this.trustLine.id = 'trust-line';
    root.appendChild(this.trustLine);
    this.trust = new LinePlot(canvas(root, 'plot-trust'), 'trust q per episode');
  }

  /** What the episode plots' data were last computed from: show() redoes them only when one of these changed. */
  private drawn: { ep: Episode | null; steps: number; r: Episode['redistribution'] } | null = null;
  private trustDrawn = -1;

  /**
   * Recomputes the plot data for `ep` (after a switch, a step or its redistribution) and, unless `draw` is
   * false, draws them. A canvas redrawn is a canvas chromium composites anew: the page calls this at every
   * episode switch, end and slow refresh, so data that did not change (an episode that ended after the last
   * refresh drew its steps) is not redrawn.
   */
  show(ep: Episode | null, draw = true): void {
    const s = this.state;
    const r = ep?.redistribution ?? null;
    const d = this.drawn;
    if (d && d.ep === ep && d.steps === (ep?.rewards.length ?? 0) && d.r === r) {
      if (draw && this.undrawn) this.draw();
      return;
    }
    this.drawn = { ep, steps: ep?.rewards.length ?? 0, r };
    // The redistribution carries the env rewards too; before it arrives, the steps' rewards stand in.
    s.rewards = r ? r.rewards.slice() : ep ? ep.rewards.slice() : [];
    s.redistributed = r ? r.redistributed.slice() : [];
    s.predictions = r ? r.predictions.slice() : [];
    s.cumReturn = cumsum(s.rewards);
    s.cumRedistributed = cumsum(s.redistributed);
    s.quality = r ? r.quality : null;
    s.error = r ? r.error : null;
    if (r && !this.seenTrust.has(r.episode)) {
      this.seenTrust.add(r.episode);
      s.trust.episodes.push(r.episode);
      s.trust.quality.push(r.quality);
    }
    this.undrawn = true;
    if (draw) this.draw();
  }

  /** The data are newer than the canvases (`show` with `draw` false: the page draws them with its other changes). */
  private undrawn = false;

  private draw(): void {
    const s = this.state;
    const r = this.drawn?.r ?? null;
    const ep = this.drawn?.ep ?? null;
    this.undrawn = false;
    this.reward.set([
      { name: 'env', color: '#6cb6ff', data: s.rewards },
      { name: 'redistributed', color: '#ff9f43', data: s.redistributed },
    ], { x0: 1 });
    this.cumulative.set([
      { name: 'return', color: '#6cb6ff', data: s.cumReturn },
      { name: 'redistribution', color: '#ff9f43', data: s.cumRedistributed },
      { name: 'prediction', color: '#9be37d', data: s.predictions },
    ], { x0: 1 });
    if (this.trustDrawn !== s.trust.quality.length) {
      this.trustDrawn = s.trust.quality.length; // it only grows
      this.trust.set([{ name: 'q', color: '#d98cff', data: s.trust.quality }], { xs: s.trust.episodes });
    }
    const line = r ? `${r.method}: trust q = ${r.quality.toFixed(3)}, model error = ${r.error.toFixed(4)}` : ep ? 'no redistribution for this episode yet' : '';
    if (this.trustLine.textContent !== line) this.trustLine.textContent = line;
  }

  /** Marks step t (frame t is after action t, so it sits at x = t). */
  mark(t: number): void {
    const x = t >= 1 ? t : null;
    this.reward.mark(x);
    this.cumulative.mark(x);
  }
}

/** Learning curves from metrics rows: y column chosen in a select (episode return by default). */
export class LearningCurves {
  private readonly plot: LinePlot;
  private readonly select: HTMLSelectElement;
  private rows: MetricsMessage['rows'] = [];

  constructor(root: HTMLElement, private readonly state: ViewerState['metrics']) {
    this.select = document.createElement('select');
    this.select.id = 'metrics-column';
    this.select.addEventListener('change', () => this.draw());
    root.appendChild(this.select);
    this.plot = new LinePlot(canvas(root, 'plot-metrics'), 'learning curve');
  }

  set(m: MetricsMessage): void {
    this.rows = m.rows;
    const numeric = new Set<string>();
    for (const row of m.rows) for (const k in row) if (typeof row[k] === 'number' && k !== 'global_step') numeric.add(k);
    const cols = [...numeric].sort();
    const keep = cols.includes(this.select.value) ? this.select.value : cols.includes('episode_return') ? 'episode_return' : cols[0] ?? '';
    this.select.replaceChildren(...cols.map((c) => {
      const o = document.createElement('option');
      o.value = c;
      o.textContent = c;
      return o;
    }));
    this.select.value = keep;
    this.draw(m.runId);
  }

  private draw(runId?: string): void {
    const col = this.select.value;
    const x: number[] = [], y: number[] = [];
    this.rows.forEach((row, i) => {
      const v = row[col];
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const gs = row.global_step;
      x.push(typeof gs === 'number' ? gs : i);
      y.push(v);
    });
    this.state.column = col;
    this.state.x = x;
    this.state.y = y;
    this.plot.set([{ name: col, color: '#6cb6ff', data: y }], { xs: x, ...(runId ? { title: `learning curve: ${runId}` } : {}) });
  }
}

function canvas(root: HTMLElement, id: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.id = id;
  c.width = 400;
  c.height = 130;
  root.appendChild(c);
  return c;
}

function cumsum(a: readonly number[]): number[] {
  const out = new Array<number>(a.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) out[i] = s += a[i]!;
  return out;
}
