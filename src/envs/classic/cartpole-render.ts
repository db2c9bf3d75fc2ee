import type { RgbaFrame } from '../core/env.ts';
import { fillCircle, fillQuad, fillRect, newFrame } from '../core/raster.ts';
import { CARTPOLE } from './cartpole-physics.ts';

const W = 600, H = 400;

/** Gymnasium's 600×400 CartPole picture: track, cart, pole and axle. */
export function drawCartPole(s: Float64Array): RgbaFrame {
  const f = newFrame(W, H);
  const scale = W / (CARTPOLE.xThreshold * 2);
  const poleLen = scale * (2 * CARTPOLE.length);
  const cartY = H - 100; // top of the cart, in image rows (y grows downwards)
  const cx = s[0]! * scale + W / 2;
  fillRect(f, 0, cartY + 15, W, 1, [0, 0, 0]); // track
  fillRect(f, cx - 25, cartY - 15, 50, 30, [0, 0, 0]); // cart
  const th = s[2]!;
  const ax = cx, ay = cartY - 15 + 7.5; // axle
  const dx = Math.sin(th), dy = -Math.cos(th);
  const px = Math.cos(th) * 5, py = Math.sin(th) * 5; // half pole width, perpendicular
  fillQuad(f, [[ax - px, ay - py], [ax + px, ay + py], [ax + px + dx * poleLen, ay + py + dy * poleLen], [ax - px + dx * poleLen, ay - py + dy * poleLen]], [202, 152, 101]);
  fillCircle(f, ax, ay, 5, [129, 132, 203]);
  return f;
}
