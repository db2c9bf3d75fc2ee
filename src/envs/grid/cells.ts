import type { PaletteEntry } from '../core/scene.ts';

/**
 * The cell codes every grid env shares (one byte per cell in a Uint8Array), and the rules asked of them.
 * A grid env's layout is only these codes; what the agent may do with a cell is looked up here, so the
 * rules live in one place (as MiniGrid's `can_overlap` / `can_pickup`).
 */
export const CELL = Object.freeze({
  EMPTY: 0,
  WALL: 1,
  DOOR_LOCKED: 2,
  DOOR_OPEN: 3,
  KEY: 4,
  GOAL: 5,
  TREASURE: 6,
  /** Outside every room (gaps in a layout of several rooms); never entered. */
  VOID: 7,
});

export type CellCode = (typeof CELL)[keyof typeof CELL];

interface CellType {
  /** Stable name, used in scenes (palette names) and messages. */
  name: string;
  color: string;
  char: string;
  /** The agent may stand on it. */
  passable: boolean;
  /** The agent may pick it up (it then becomes EMPTY). */
  pickable: boolean;
}

/** Indexed by cell code. */
export const CELL_TYPES: readonly CellType[] = Object.freeze([
  { name: 'empty', color: '#141414', char: '.', passable: true, pickable: false },
  { name: 'wall', color: '#7f7f7f', char: '#', passable: false, pickable: false },
  { name: 'door_locked', color: '#c8a000', char: 'D', passable: false, pickable: false },
  { name: 'door_open', color: '#5a4800', char: '_', passable: true, pickable: false },
  { name: 'key', color: '#ffd700', char: 'k', passable: false, pickable: true },
  { name: 'goal', color: '#00c000', char: 'G', passable: true, pickable: false },
  { name: 'treasure', color: '#ff8c00', char: 'T', passable: true, pickable: false },
  { name: 'void', color: '#000000', char: ' ', passable: false, pickable: false },
]);

export const CELL_COUNT = CELL_TYPES.length;

/** 1 where the agent may stand, by cell code (a typed array: step functions index it). */
export const PASSABLE = Uint8Array.from(CELL_TYPES, (t) => (t.passable ? 1 : 0));

/** 1 where the agent may pick the cell's object up, by cell code. */
export const PICKABLE = Uint8Array.from(CELL_TYPES, (t) => (t.pickable ? 1 : 0));

/** The scene palette of the shared codes. */
export const GRID_PALETTE: readonly PaletteEntry[] = Object.freeze(
  CELL_TYPES.map((t, code) => Object.freeze({ code, name: t.name, color: t.color, char: t.char })),
);
