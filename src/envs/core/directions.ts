import type { Facing } from './scene.ts';

/**
 * The four grid directions, MiniGrid's order: 0 = east (+x), 1 = south (+y, rows grow downwards),
 * 2 = west, 3 = north. Turning left is (d + 3) % 4, right (d + 1) % 4. Envs whose actions or observations
 * list directions in another order keep that order as indices into this table (Venture, Rooms), so
 * there is one table of steps.
 */
export const DIR = Object.freeze({ EAST: 0, SOUTH: 1, WEST: 2, NORTH: 3 });

/** The x step of each direction (typed arrays: step functions index them). */
export const DIR_DX = Int8Array.of(1, 0, -1, 0);
/** The y step of each direction. */
export const DIR_DY = Int8Array.of(0, 1, 0, -1);
/** Each direction as a scene sprite's `facing`. */
export const DIR_FACING: readonly Facing[] = Object.freeze(['right', 'down', 'left', 'up']);
export const DIR_NAMES: readonly string[] = Object.freeze(['east', 'south', 'west', 'north']);
