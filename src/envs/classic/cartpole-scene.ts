import { oneLayerScene, type PaletteEntry, type Scene } from '../core/scene.ts';
import { CARTPOLE } from './cartpole-physics.ts';

// Gymnasium's 600×400 picture on a grid of 12.5-px cells (0.1 track units per cell): 48 × 32 cells.
const CELLS_PER_UNIT = 48 / (CARTPOLE.xThreshold * 2);
const W = 48, H = 32;
const CART_ROW = 24; // the cart's centre row (Gymnasium: image row 300 of 400)
const TRACK_ROW = 25;
const PALETTE: readonly PaletteEntry[] = Object.freeze([
  { code: 0, name: 'sky', color: '#ffffff', char: ' ' },
  { code: 1, name: 'track', color: '#000000', char: '-' },
]);
// Static: the sky and one track row. Built once and shared; scenes copy nothing they do not change.
const TILES: number[] = Array.from({ length: W * H }, (_, i) => (Math.floor(i / W) === TRACK_ROW ? 1 : 0));

/**
 * CartPole as a scene: the cart a black `rect`, the pole a `line` at the pole's angle (θ from vertical,
 * positive leaning right), the axle a disc; the HUD has x, θ in degrees and the step.
 */
export function cartPoleScene(s: Float64Array, step: number): Scene {
  const x = s[0]!, theta = s[2]!;
  const cx = W / 2 + x * CELLS_PER_UNIT - 0.5; // sprite x is the cell whose centre is the cart's centre
  const axleY = CART_ROW - 0.6 - 0.5;
  const poleLen = 2 * CARTPOLE.length * CELLS_PER_UNIT;
  return oneLayerScene({
    palette: PALETTE,
    layer: { name: 'track', width: W, height: H, tiles: TILES.slice() },
    sprites: [
      { kind: 'cart', id: 'cart', shape: 'rect', x: cx, y: CART_ROW - 0.5, w: 4, h: 2.4, color: '#000000' },
      { kind: 'pole', id: 'pole', shape: 'line', x: cx, y: axleY, w: poleLen, h: 0.8, angle: theta - Math.PI / 2, color: '#ca9865' },
      { kind: 'axle', id: 'axle', x: cx, y: axleY, size: 1.33, color: '#8184cb' },
    ],
    hud: { step, x: round(x), thetaDeg: round((theta * 180) / Math.PI), xDot: round(s[1]!), thetaDot: round(s[3]!) },
    title: 'CartPole',
  });
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
