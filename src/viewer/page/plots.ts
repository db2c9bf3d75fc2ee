/**
 * Line plots on a plain 2D canvas: a few series against x, a vertical marker at the current step. The
 * data arrays are held by reference (the test hook reads the same arrays the plot draws).
 */

export interface Series {
  name: string;
  color: string;
  /** y values; x is `xs[i]` when given, else `x0 + i`. */
  data: readonly number[];
}

export class LinePlot {
  private series: Series[] = [];
  private xs: readonly number[] | null = null;
  private x0 = 0;
  private marker: number | null = null;
  private readonly ctx: CanvasRenderingContext2D;
  /** The plot without the marker: moving the marker (every frame in playback) is one blit and a line. */
  private readonly base: HTMLCanvasElement;
  private readonly baseCtx: CanvasRenderingContext2D;
  private markerX: ((x: number) => number) | null = null;
  private xRange: [number, number] = [0, 0];

  constructor(readonly canvas: HTMLCanvasElement, private title: string) {
    const ctx = canvas.getContext('2d');
    this.base = document.createElement('canvas');
    this.base.width = canvas.width;
    this.base.height = canvas.height;
    const baseCtx = this.base.getContext('2d');
    if (!ctx || !baseCtx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
    this.baseCtx = baseCtx;
  }

  /** Replaces the data; `x0` is the x of data[0] when `xs` is not given. */
  set(series: Series[], options: { xs?: readonly number[]; x0?: number; title?: string } = {}): void {
    this.series = series;
    this.xs = options.xs ?? null;
    this.x0 = options.x0 ?? 0;
    if (options.title !== undefined) this.title = options.title;
    this.draw();
  }

  /** Moves the current-step marker (null hides it). */
  mark(x: number | null): void {
    if (x === this.marker) return;
    this.marker = x;
    this.present();
  }

  /** Redraws the data into the base canvas, then shows it with the marker. */
  draw(): void {
    this.drawBase();
    this.present();
  }

  private present(): void {
    const { ctx, canvas } = this;
    ctx.drawImage(this.base, 0, 0);
    const x = this.marker, px = this.markerX;
    if (x === null || !px || x < this.xRange[0] || x > this.xRange[1]) return;
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(px(x), 18);
    ctx.lineTo(px(x), canvas.height - 18);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  private drawBase(): void {
    const ctx = this.baseCtx, canvas = this.base;
    const W = canvas.width, H = canvas.height;
    const L = 44, R = 8, T = 18, B = 18;
    ctx.fillStyle = '#1b1e26';
    ctx.fillRect(0, 0, W, H);
    ctx.font = '11px monospace';
    ctx.fillStyle = '#c8c8c8';
    ctx.fillText(this.title, L, 12);

    let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
    for (const s of this.series) {
      for (let i = 0; i < s.data.length; i++) {
        const y = s.data[i]!;
        if (!Number.isFinite(y)) continue;
        const x = this.x(i);
        if (x < xmin) xmin = x;
        if (x > xmax) xmax = x;
        if (y < ymin) ymin = y;
        if (y > ymax) ymax = y;
      }
    }
    this.markerX = null;
    if (xmin === Infinity) return;
    if (ymin > 0) ymin = 0; // rewards read best against zero
    if (ymax < 0) ymax = 0;
    if (ymax === ymin) ymax = ymin + 1;
    if (xmax === xmin) xmax = xmin + 1;
    const px = (x: number): number => L + ((x - xmin) / (xmax - xmin)) * (W - L - R);
    this.markerX = px;
    this.xRange = [xmin, xmax];
    const py = (y: number): number => T + (1 - (y - ymin) / (ymax - ymin)) * (H - T - B);

    ctx.strokeStyle = '#444a58';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(L, py(0));
    ctx.lineTo(W - R, py(0));
    ctx.stroke();
    ctx.fillStyle = '#8a90a0';
    ctx.fillText(fmt(ymax), 2, T + 8);
    ctx.fillText(fmt(ymin), 2, H - B);
    ctx.fillText(fmt(xmin), L, H - 4);
    const xr = fmt(xmax);
    ctx.fillText(xr, W - R - ctx.measureText(xr).width, H - 4);

    let lx = L + ctx.measureText(this.title).width + 12;
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < s.data.length; i++) {
        const y = s.data[i]!;
        if (!Number.isFinite(y)) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(px(this.x(i)), py(y));
        else ctx.moveTo(px(this.x(i)), py(y));
        pen = true;
      }
      ctx.stroke();
      ctx.fillStyle = s.color;
      if (s.data.length === 1 && Number.isFinite(s.data[0]!)) ctx.fillRect(px(this.x(0)) - 2, py(s.data[0]!) - 2, 4, 4); // a lone point
      ctx.fillText(s.name, lx, 12);
      lx += ctx.measureText(s.name).width + 10;
    }
  }

  private x(i: number): number {
    return this.xs ? this.xs[i]! : this.x0 + i;
  }
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-2 ? v.toExponential(1) : Number.isInteger(v) ? String(v) : v.toFixed(2);
}
