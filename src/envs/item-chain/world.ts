import type { Rng } from '../core/rng.ts';
import { MAT, MATERIALS } from './items.ts';

const MATERIAL_NAME = MATERIALS.map((m) => m.name);

/**
 * Map generation for ItemChain, in the spirit of Crafter's worldgen (envs-ppo.md §3.1): smooth noise
 * fields decide water (with sand shores), grassland with tree groves, and mountains of stone with
 * tunnels, coal, and (deeper in) iron and diamonds. The agent starts on a grass clearing near the centre.
 *
 * Guarantee: every map is winnable. The generator checks reachability stage by stage, as the tools
 * unlock cells (a cell counts as reachable when it is walkable, or minable with the tools of that
 * stage, and 4-connected to the start):
 *
 * | stage | may cross | must contain (reachable) |
 * |---|---|---|
 * | 0 (no tool) | grass, sand, path, tree | ≥ MIN_TREES trees |
 * | 1 (wooden pickaxe) | + stone, coal | ≥ MIN_STONE stone, ≥ MIN_COAL coal |
 * | 2 (stone pickaxe) | + iron | ≥ MIN_IRON iron |
 * | 3 (iron pickaxe) | + diamond | ≥ 1 diamond |
 *
 * A map that falls short is redrawn (up to a few times) and then repaired: missing trees are planted on
 * reachable grass, missing stone is raised on reachable grass, missing coal / iron / diamonds replace
 * reachable stone (iron and diamonds the farthest from the start); raised stone can cut a grass corridor,
 * so the repair repeats until the check passes. Stations the agent places can in principle
 * wall off a corridor; the generator cannot foresee that.
 */

/** What the expert's route needs, with slack (recipes in items.ts: 3 logs, 11 cobblestone, 3 coal, 3 iron ore). */
export const MIN_TREES = 6;
export const MIN_STONE = 16;
export const MIN_COAL = 3;
export const MIN_IRON = 3;
export const MIN_DIAMONDS = 1;

const REDRAWS = 4;

/** Fills `cells` (material codes, row-major `[y * size + x]`, size × size) with a new map drawn from `rng`; returns the start cell. */
export function generateWorld(cells: Uint8Array, size: number, rng: Rng): { spawnX: number; spawnY: number } {
  const spawnX = (size >> 1) + rng.integer(5) - 2;
  const spawnY = (size >> 1) + rng.integer(5) - 2;
  const scratch = new WorldScratch(size);
  for (let attempt = 0; attempt <= REDRAWS; attempt++) {
    drawTerrain(cells, size, spawnX, spawnY, rng);
    if (attempt < REDRAWS && missingResources(cells, size, spawnX, spawnY, scratch) === null) return { spawnX, spawnY };
  }
  // Raising stone on grass can cut a grass corridor and strand trees, so repair until nothing is missing.
  for (let round = 0; round < 8; round++) {
    repairWorld(cells, size, spawnX, spawnY, rng, scratch);
    if (missingResources(cells, size, spawnX, spawnY, scratch) === null) return { spawnX, spawnY };
  }
  throw new Error(`ItemChain: could not make a winnable ${size}×${size} map (${missingResources(cells, size, spawnX, spawnY, scratch)}); this is a bug in world.ts`);
}

// ---------------------------------------------------------------------------------------------------
// Terrain

function drawTerrain(cells: Uint8Array, size: number, sx: number, sy: number, rng: Rng): void {
  const water = valueNoise(size, 9, rng);
  const mountain = valueNoise(size, 10, rng);
  const tunnels = valueNoise(size, 5, rng);
  const trees = valueNoise(size, 6, rng);
  const detail = valueNoise(size, 3, rng);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      // Near the start the land is flat and dry (Crafter lowers water and mountains around the spawn).
      const d = Math.hypot(x - sx, y - sy);
      const near = Math.max(0, 1 - d / 7);
      const w = water[i]! - 0.35 * near;
      const m = 0.75 * mountain[i]! + 0.25 * detail[i]! - 0.5 * near;
      let c: number;
      if (d < 2.5) c = MAT.GRASS;
      else if (w > 0.72) c = MAT.WATER;
      else if (w > 0.66) c = MAT.SAND;
      else if (m > 0.52) {
        const depth = m - 0.52;
        const u = rng.random();
        if (tunnels[i]! > 0.7 && depth < 0.12) c = MAT.PATH;
        else if (depth > 0.12 && u < 0.012) c = MAT.DIAMOND;
        else if (depth > 0.06 && u < 0.06) c = MAT.IRON;
        else if (u < 0.12) c = MAT.COAL;
        else c = MAT.STONE;
      } else if (trees[i]! > 0.58 && rng.random() < 0.55) c = MAT.TREE;
      else if (rng.random() < 0.02) c = MAT.TREE;
      else c = MAT.GRASS;
      cells[i] = c;
    }
  }
}

/** Smooth noise in [0, 1]: random values on a lattice of spacing `scale` cells, bicubic-smoothed (two octaves). */
export function valueNoise(size: number, scale: number, rng: Rng): Float32Array {
  const out = new Float32Array(size * size);
  let amplitude = 1, total = 0;
  for (let octave = 0; octave < 2; octave++, scale /= 2, amplitude /= 2) {
    const n = Math.ceil(size / scale) + 2;
    const lattice = new Float32Array(n * n);
    for (let i = 0; i < lattice.length; i++) lattice[i] = rng.random();
    for (let y = 0; y < size; y++) {
      const gy = y / scale, y0 = Math.floor(gy), ty = smooth(gy - y0);
      for (let x = 0; x < size; x++) {
        const gx = x / scale, x0 = Math.floor(gx), tx = smooth(gx - x0);
        const a = lattice[y0 * n + x0]!, b = lattice[y0 * n + x0 + 1]!;
        const c = lattice[(y0 + 1) * n + x0]!, e = lattice[(y0 + 1) * n + x0 + 1]!;
        out[y * size + x]! += amplitude * ((a + (b - a) * tx) * (1 - ty) + (c + (e - c) * tx) * ty);
      }
    }
    total += amplitude;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= total;
  // Stretch to [0, 1] so thresholds mean the same on every map.
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < out.length; i++) {
    lo = Math.min(lo, out[i]!);
    hi = Math.max(hi, out[i]!);
  }
  const span = hi - lo || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i]! - lo) / span;
  return out;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

// ---------------------------------------------------------------------------------------------------
// Reachability by stage

/** Materials each stage may cross (stage k includes the materials of the earlier stages). */
const STAGE_CROSSES: readonly (readonly number[])[] = [
  [MAT.GRASS, MAT.SAND, MAT.PATH, MAT.TREE],
  [MAT.STONE, MAT.COAL],
  [MAT.IRON],
  [MAT.DIAMOND],
];

/** Buffers for the reachability searches (one allocation per generateWorld call, not per search). */
class WorldScratch {
  readonly reached: Uint8Array;
  readonly queue: Int32Array;
  readonly crossable = new Uint8Array(16);
  constructor(size: number) {
    this.reached = new Uint8Array(size * size);
    this.queue = new Int32Array(size * size);
  }
}

/** Marks in `s.reached` the cells 4-connected to the spawn through materials of stages ≤ `stage`. */
function reachable(cells: Uint8Array, size: number, sx: number, sy: number, stage: number, s: WorldScratch): Uint8Array {
  s.crossable.fill(0);
  for (let k = 0; k <= stage; k++) for (const m of STAGE_CROSSES[k]!) s.crossable[m] = 1;
  const seen = s.reached.fill(0), q = s.queue;
  let head = 0, tail = 0;
  const start = sy * size + sx;
  seen[start] = 1;
  q[tail++] = start;
  while (head < tail) {
    const c = q[head++]!, x = c % size, y = (c - x) / size;
    for (let d = 0; d < 4; d++) {
      const nx = x + (d === 0 ? 1 : d === 2 ? -1 : 0), ny = y + (d === 1 ? 1 : d === 3 ? -1 : 0);
      if (nx < 0 || ny < 0 || nx >= size || ny >= size) continue;
      const n = ny * size + nx;
      if (seen[n] === 0 && s.crossable[cells[n]!] === 1) {
        seen[n] = 1;
        q[tail++] = n;
      }
    }
  }
  return seen;
}

function countIn(cells: Uint8Array, reached: Uint8Array, material: number): number {
  let n = 0;
  for (let i = 0; i < cells.length; i++) if (reached[i] === 1 && cells[i] === material) n++;
  return n;
}

/** What a map lacks for the item chain (the first shortfall, as text), or null when it has everything. */
export function missingResources(cells: Uint8Array, size: number, sx: number, sy: number, scratch: WorldScratch = new WorldScratch(size)): string | null {
  const needs: readonly (readonly [number, number, number])[] = [
    [0, MAT.TREE, MIN_TREES], [1, MAT.STONE, MIN_STONE], [1, MAT.COAL, MIN_COAL], [2, MAT.IRON, MIN_IRON], [3, MAT.DIAMOND, MIN_DIAMONDS],
  ];
  let stage = -1, reached = scratch.reached;
  for (const [st, material, min] of needs) {
    if (st !== stage) reached = reachable(cells, size, sx, sy, (stage = st), scratch);
    const have = countIn(cells, reached, material);
    if (have < min) return `stage ${st}: ${have} reachable ${MATERIAL_NAME[material]!}, need ${min}`;
  }
  return null;
}

/** Adds what is missing, stage by stage (see the module doc). */
function repairWorld(cells: Uint8Array, size: number, sx: number, sy: number, rng: Rng, s: WorldScratch): void {
  const spawn = sy * size + sx;
  const candidates = (reached: Uint8Array, material: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < cells.length; i++) if (reached[i] === 1 && cells[i] === material && i !== spawn) out.push(i);
    return out;
  };
  const distance = (i: number): number => Math.abs((i % size) - sx) + Math.abs(Math.floor(i / size) - sy);
  // Picks `k` of `from` at random (or the farthest from the start) and sets them to `material`.
  const convert = (from: number[], k: number, material: number, farthest: boolean): void => {
    if (farthest) from.sort((a, b) => distance(b) - distance(a) || a - b);
    for (let j = 0; j < k && j < from.length; j++) {
      const pick = farthest ? j : j + rng.integer(from.length - j);
      const tmp = from[j]!;
      from[j] = from[pick]!;
      from[pick] = tmp;
      cells[from[j]!] = material;
    }
  };
  const grassNotNextToSpawn = (reached: Uint8Array): number[] =>
    candidates(reached, MAT.GRASS).filter((i) => Math.abs((i % size) - sx) + Math.abs(Math.floor(i / size) - sy) > 1);

  let r = reachable(cells, size, sx, sy, 0, s);
  convert(grassNotNextToSpawn(r), MIN_TREES - countIn(cells, r, MAT.TREE), MAT.TREE, false);
  r = reachable(cells, size, sx, sy, 1, s);
  // Enough stone for the quota plus the coal, iron and diamonds that may be carved out of it below.
  convert(grassNotNextToSpawn(r), MIN_STONE + MIN_COAL + MIN_IRON + MIN_DIAMONDS - countIn(cells, r, MAT.STONE), MAT.STONE, false);
  r = reachable(cells, size, sx, sy, 1, s);
  convert(candidates(r, MAT.STONE), MIN_COAL - countIn(cells, r, MAT.COAL), MAT.COAL, false);
  r = reachable(cells, size, sx, sy, 2, s);
  convert(candidates(r, MAT.STONE), MIN_IRON - countIn(cells, r, MAT.IRON), MAT.IRON, true);
  r = reachable(cells, size, sx, sy, 3, s);
  convert(candidates(r, MAT.STONE), MIN_DIAMONDS - countIn(cells, r, MAT.DIAMOND), MAT.DIAMOND, true);
}
