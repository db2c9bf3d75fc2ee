/**
 * Line plots on a plain 2D canvas: a few series against x, a vertical marker at the current step. The
 * data arrays are held by reference (the test hook reads the same arrays the plot draws).
 *
 * The marker is a 1-pixel element over the canvas, moved by a CSS transform: during playback it moves every
 * frame, and moving it costs the browser no canvas redraw (with software GL, a canvas redrawn per frame was
 * a good part of a frame's cost).
 */

export interface Series {
  name: string;
  color: string;
  /** y values; x is `xs[i]` when given, else `x0 + i`. */
  data: readonly number[];
}

/** Space above and below the plotted area (title, x labels), px. */
const PAD_T = 18, PAD_B = 18;

export class LinePlot {
  private series: Series[] = [];
  private xs: readonly number[] | null = null;
  private x0 = 0;
  private marker: number | null = null;
  private readonly ctx: CanvasRenderingContext2D;
  /** The marker line, over the canvas (the canvas is wrapped in a positioned box for it). */
  private readonly markerLine: HTMLElement;
  private markerX: ((x: number) => number) | null = null;
  private xRange: [number, number] = [0, 0];
  private shownAt: number | null = null;

  constructor(readonly canvas: HTMLCanvasElement, private title: string) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
    const box = document.createElement('div');
    box.className = 'plot-box';
    box.style.cssText = `position: relative; width: ${canvas.width}px; contain: layout paint;`;
    canvas.parentElement?.replaceChild(box, canvas);
    box.appendChild(canvas);
    this.markerLine = document.createElement('div');
    this.markerLine.className = 'plot-marker';
    this.markerLine.style.cssText = `position: absolute; left: 0; top: ${PAD_T}px; width: 0; height: ${canvas.height - PAD_T - PAD_B}px; border-left: 1px dashed #ffffff; display: none; will-change: transform; pointer-events: none;`;
    box.appendChild(this.markerLine);
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
    this.placeMarker();
  }

  /** Redraws the data, and places the marker on the new scale. */
  draw(): void {
    this.drawData();
    this.placeMarker();
  }

  /** Where the marker is drawn (canvas pixels from the left), or null when hidden: for tests. */
  get markerPixel(): number | null {
    return this.shownAt;
  }

  private placeMarker(): void {
    const x = this.marker, px = this.markerX;
    const at = x === null || !px || x < this.xRange[0] || x > this.xRange[1] ? null : Math.round(px(x));
    if (at === this.shownAt) return; // a long episode moves it a pixel every few frames
    this.shownAt = at;
    if (at === null) this.markerLine.style.display = 'none';
    else {
      this.markerLine.style.display = 'block';
      this.markerLine.style.transform = `translateX(${at}px)`;
    }
  }

  private drawData(): void {
    const { ctx, canvas } = this;
    const W = canvas.width, H = canvas.height;
    const L = 44, R = 8, T = PAD_T, B = PAD_B;
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
