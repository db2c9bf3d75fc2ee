import type { RgbaFrame } from './env.ts';

/** Minimal RGBA drawing on an RgbaFrame, for envs' `rgb_array` renders (no canvas dependency in Node). */
export function newFrame(width: number, height: number, rgb: readonly [number, number, number] = [255, 255, 255]): RgbaFrame {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = rgb[0];
    data[i + 1] = rgb[1];
    data[i + 2] = rgb[2];
    data[i + 3] = 255;
  }
  return { data, width, height };
}

export type Rgb = readonly [number, number, number];

export function fillRect(f: RgbaFrame, x0: number, y0: number, w: number, h: number, rgb: Rgb): void {
  const xa = Math.max(0, Math.floor(x0)), ya = Math.max(0, Math.floor(y0));
  const xb = Math.min(f.width, Math.ceil(x0 + w)), yb = Math.min(f.height, Math.ceil(y0 + h));
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      const i = (y * f.width + x) * 4;
      f.data[i] = rgb[0];
      f.data[i + 1] = rgb[1];
      f.data[i + 2] = rgb[2];
      f.data[i + 3] = 255;
    }
  }
}

export function fillCircle(f: RgbaFrame, cx: number, cy: number, r: number, rgb: Rgb): void {
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(f.height - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(f.width - 1, Math.ceil(cx + r)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) fillRect(f, x, y, 1, 1, rgb);
    }
  }
}

/** A filled convex quadrilateral (points in order), e.g. a rotated pole. */
export function fillQuad(f: RgbaFrame, pts: readonly (readonly [number, number])[], rgb: Rgb): void {
  const ys = pts.map((p) => p[1]);
  const y0 = Math.max(0, Math.floor(Math.min(...ys))), y1 = Math.min(f.height - 1, Math.ceil(Math.max(...ys)));
  for (let y = y0; y <= y1; y++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < pts.length; i++) {
      const [ax, ay] = pts[i]!, [bx, by] = pts[(i + 1) % pts.length]!;
      if ((ay <= y + 0.5 && by > y + 0.5) || (by <= y + 0.5 && ay > y + 0.5)) {
        const x = ax + ((y + 0.5 - ay) / (by - ay)) * (bx - ax);
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
    if (lo <= hi) fillRect(f, Math.round(lo), y, Math.round(hi) - Math.round(lo) + 1, 1, rgb);
  }
}
