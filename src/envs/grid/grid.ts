import type { RenderMode } from '../core/env.ts';
import type { Rng } from '../core/rng.ts';
import { SceneRenderedEnv } from '../core/scene-rendered-env.ts';
import { oneLayerScene, type HudValue, type Scene, type Sprite, type TileLayer } from '../core/scene.ts';
import { CELL, CELL_COUNT, GRID_PALETTE, type CellCode } from './cells.ts';

/**
 * A rectangle of cell codes (see `cells.ts`), row-major: `cells[y * width + x]`. This is the whole world
 * state of a grid env apart from the agent; the env's step function reads and writes `cells` directly.
 */
export class Grid {
  readonly cells: Uint8Array;

  constructor(readonly width: number, readonly height: number, fill: CellCode = CELL.EMPTY) {
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
      throw new RangeError(`Grid: width and height must be integers ≥ 1, got ${width}×${height}`);
    }
    this.cells = new Uint8Array(width * height).fill(fill);
  }

  index(x: number, y: number): number {
    return y * this.width + x;
  }

  inBounds(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  get(x: number, y: number): number {
    return this.cells[y * this.width + x]!;
  }

  set(x: number, y: number, code: CellCode): void {
    this.cells[y * this.width + x] = code;
  }

  /** Fill the rectangle [x, x+w) × [y, y+h). */
  fillRect(x: number, y: number, w: number, h: number, code: CellCode): void {
    for (let j = y; j < y + h; j++) this.cells.fill(code, j * this.width + x, j * this.width + x + w);
  }

  /** The outline of the rectangle [x, x+w) × [y, y+h) (a room's walls). */
  outline(x: number, y: number, w: number, h: number, code: CellCode = CELL.WALL): void {
    this.fillRect(x, y, w, 1, code);
    this.fillRect(x, y + h - 1, w, 1, code);
    this.fillRect(x, y, 1, h, code);
    this.fillRect(x + w - 1, y, 1, h, code);
  }

  /** Copy `src` into this grid with its top-left cell at (x, y). */
  blit(src: Grid, x: number, y: number): void {
    for (let j = 0; j < src.height; j++) this.cells.set(src.cells.subarray(j * src.width, (j + 1) * src.width), (y + j) * this.width + x);
  }

  /** A scene tile layer of the cells (a copy: scenes are JSON). */
  tileLayer(name = 'cells'): TileLayer {
    return { name, width: this.width, height: this.height, tiles: Array.from(this.cells) };
  }
}

/** A scene of one grid with the shared palette. */
export function gridScene(grid: Grid, sprites: Sprite[], hud: Record<string, HudValue>, extra: { title?: string; text?: string; events?: readonly string[] } = {}): Scene {
  return oneLayerScene({ palette: GRID_PALETTE, layer: grid.tileLayer(), sprites, hud, ...extra });
}

/** How a grid env encodes its cells in the observation. */
export type GridObsMode = 'codes' | 'onehot' | 'image';

/** Agent facing channels in `image` mode (one per direction, core/directions.ts's order). */
const FACING_CHANNELS = 4;

/**
 * The symbolic (fully observed) grid part of a Float32 observation, kept up to date incrementally so
 * that a step writes O(1) numbers:
 *
 * - `codes`:  `[width * height]` cell codes (the agent is not in the grid part; the env adds its position).
 * - `onehot`: `[height, width, CELL_COUNT + 1]` one-hot per cell: one channel per cell code, then an agent
 *   channel (1 where the agent stands).
 * - `image`:  `[height, width, CELL_COUNT + 4 + planes]`, channels-last for a CNN: one channel per cell code,
 *   then 4 agent channels, one per facing (core/directions.ts's order: east, south, west, north), 1 at the agent's
 *   cell in the channel of its facing (MiniGrid draws the agent and its direction into the image too), then
 *   `planes` channels of the env's own, each constant over the image (e.g. carrying the key: 1 everywhere),
 *   so that every convolution window sees them and the image alone is the full state.
 *
 * The env's own flat fields (position, facing, carrying… in `codes` / `onehot`) follow at `extraOffset`.
 */
export class GridObs {
  readonly buf: Float32Array;
  readonly channels: number;
  readonly extraOffset: number;
  // `image` state: where the agent's facing mark is, and the planes' current values.
  private agentCell = 0;
  private facing = 0;
  private readonly planeValues: Float32Array;

  constructor(readonly mode: GridObsMode, readonly cellCount: number, extra: number, readonly planes = 0) {
    if (mode !== 'codes' && mode !== 'onehot' && mode !== 'image') throw new RangeError(`grid observation must be 'codes', 'onehot' or 'image', got ${String(mode)}`);
    if (planes > 0 && mode !== 'image') throw new RangeError(`grid observation: planes are for 'image' mode, got ${planes} in '${mode}'`);
    this.channels = mode === 'codes' ? 1 : mode === 'onehot' ? CELL_COUNT + 1 : CELL_COUNT + FACING_CHANNELS + planes;
    this.extraOffset = cellCount * this.channels;
    this.buf = new Float32Array(this.extraOffset + extra);
    this.planeValues = new Float32Array(planes);
  }

  /** Rewrite the grid part from `grid`, the agent at cell index `agent` facing `facing` (used in `image` mode). */
  writeAll(grid: Grid, agent: number, facing = 0): void {
    const b = this.buf, c = grid.cells;
    if (this.mode === 'codes') {
      for (let i = 0; i < this.cellCount; i++) b[i] = c[i]!;
      return;
    }
    b.fill(0, 0, this.extraOffset);
    const C = this.channels;
    for (let i = 0; i < this.cellCount; i++) b[i * C + c[i]!] = 1;
    if (this.mode === 'onehot') {
      b[agent * C + CELL_COUNT] = 1;
      return;
    }
    this.agentCell = agent;
    this.facing = facing;
    b[agent * C + CELL_COUNT + facing] = 1;
    for (let p = 0; p < this.planes; p++) {
      const v = this.planeValues[p]!;
      if (v !== 0) for (let i = 0, o = CELL_COUNT + FACING_CHANNELS + p; i < this.cellCount; i++, o += C) b[o] = v;
    }
  }

  /** Cell `i` changed from `from` to `to`. */
  cellChanged(i: number, from: number, to: number): void {
    if (this.mode === 'codes') this.buf[i] = to;
    else {
      const C = this.channels;
      this.buf[i * C + from] = 0;
      this.buf[i * C + to] = 1;
    }
  }

  /** The agent moved from cell index `from` to `to` (nothing to do in `codes` mode). */
  agentMoved(from: number, to: number): void {
    const C = this.channels;
    if (this.mode === 'onehot') {
      this.buf[from * C + CELL_COUNT] = 0;
      this.buf[to * C + CELL_COUNT] = 1;
    } else if (this.mode === 'image') {
      this.buf[from * C + CELL_COUNT + this.facing] = 0;
      this.buf[to * C + CELL_COUNT + this.facing] = 1;
      this.agentCell = to;
    }
  }

  /** The agent now faces `facing` (0..3; `image` mode draws it, the other modes leave it to the env's fields). */
  agentTurned(facing: number): void {
    if (this.mode !== 'image' || facing === this.facing) return;
    const at = this.agentCell * this.channels + CELL_COUNT;
    this.buf[at + this.facing] = 0;
    this.buf[at + facing] = 1;
    this.facing = facing;
  }

  /** `image` mode: set env plane `p` to `value` over the whole image (O(1) when unchanged). */
  setPlane(p: number, value: number): void {
    if (this.planeValues[p] === value) return;
    if (!(p >= 0 && p < this.planes)) throw new RangeError(`grid observation: plane ${p} is outside 0..${this.planes - 1}`);
    this.planeValues[p] = value;
    const C = this.channels;
    for (let i = 0, o = CELL_COUNT + FACING_CHANNELS + p; i < this.cellCount; i++, o += C) this.buf[o] = value;
  }

  /** The largest value in the grid part (for the observation space's bound). */
  get gridHigh(): number {
    return this.mode === 'codes' ? CELL_COUNT - 1 : 1;
  }
}

/**
 * The base of grid envs: Discrete actions, a Float32Array observation, and renders drawn from `scene()`
 * (SceneRenderedEnv) at 16 pixels per cell.
 */
export abstract class GridEnv extends SceneRenderedEnv<Float32Array, number> {
  constructor(renderMode: RenderMode | null | undefined, actionNames: readonly string[]) {
    super(renderMode, { renderFps: 10, tilePx: 16, actionNames });
  }
}

/** State fields (env-state contract) of a Grid, a GridObs and a UniformBlock, for the grid envs' lists. */
export const GRID_FIELDS = { arrays: ['cells'] } as const;
export const GRID_OBS_FIELDS = { scalars: ['agentCell', 'facing'], arrays: ['buf', 'planeValues'] } as const;
export const UNIFORM_BLOCK_FIELDS = { scalars: ['i'], arrays: ['u'] } as const;

/**
 * Uniform [0, 1) draws made in blocks of 256 into a Float64Array. A step reads `u[i++]` (after
 * `if (i === BLOCK) refill(rng)`) instead of calling `rng.random()`: when that call is not inlined
 * (deep wrapper stacks exhaust the inlining budget) its double result is boxed, one allocation per step.
 * Call `discard()` after reseeding so the next draw comes from the new stream.
 */
export class UniformBlock {
  static readonly SIZE = 256;
  readonly u = new Float64Array(UniformBlock.SIZE);
  i = UniformBlock.SIZE;

  refill(rng: Rng): void {
    for (let k = 0; k < this.u.length; k++) this.u[k] = rng.random();
    this.i = 0;
  }

  discard(): void {
    this.i = this.u.length;
  }
}
