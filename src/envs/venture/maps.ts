import type { PaletteEntry } from '../core/scene.ts';

/**
 * Venture's five maps, all MAP_W × MAP_H: the hallway (map 0) and the four rooms (maps 1..4), as in
 * Atari Venture where entering a room's doorway switches the screen to that room.
 *
 * Map text, one character a cell:
 * - `#` wall, `.` floor, `%` the inside of a room seen from the hallway (solid there);
 * - `1`..`4` (hallway) the doorway of room N; `E` (room) the room's exit back to the hallway;
 * - `S` (hallway) the player's start, `T` (room) the treasure, `M` (room) a room monster's spawn cell;
 *   all three are floor.
 *
 * Every map is closed by walls or doors, so no move, monster or arrow can leave it.
 */
export const MAP_W = 19;
export const MAP_H = 13;
export const MAP_CELLS = MAP_W * MAP_H;
/** Rooms are maps 1..ROOM_COUNT. */
export const ROOM_COUNT = 4;
/** The most monsters any room holds. */
export const MAX_ROOM_MONSTERS = 3;

/** Tile codes of the maps (one byte a cell). Only FLOOR is walkable; stepping onto a DOOR switches map. */
export const TILE = Object.freeze({
  FLOOR: 0,
  WALL: 1,
  /** The inside of a room, drawn on the hallway map; solid. */
  ROOM_BLOCK: 2,
  DOOR: 3,
  /** Scenes only: the hallway doorway of a room whose treasure is taken (the map itself keeps DOOR). */
  DOOR_DONE: 4,
});

export const VENTURE_PALETTE: readonly PaletteEntry[] = Object.freeze([
  { code: TILE.FLOOR, name: 'floor', color: '#101018', char: '.' },
  { code: TILE.WALL, name: 'wall', color: '#3050b0', char: '#' },
  { code: TILE.ROOM_BLOCK, name: 'room', color: '#202038', char: '%' },
  { code: TILE.DOOR, name: 'door', color: '#c8a000', char: 'D' },
  { code: TILE.DOOR_DONE, name: 'door_done', color: '#505050', char: 'd' },
].map((e) => Object.freeze(e)));

const HALLWAY = [
  '###################',
  '#.................#',
  '#.#####.....#####.#',
  '#.#%%%#.....#%%%#.#',
  '#.#%%%1.....2%%%#.#',
  '#.#####.....#####.#',
  '#.................#',
  '#.#####.....#####.#',
  '#.#%%%3.....4%%%#.#',
  '#.#%%%#.....#%%%#.#',
  '#.#####.....#####.#',
  '#........S........#',
  '###################',
];

// Each room's exit is on the wall facing the hallway's middle corridor, as its doorway there.
const ROOMS = [
  [
    '###################',
    '#.................#',
    '#.T...............#',
    '#.......#.........#',
    '#.......#....M....#',
    '#....####.........#',
    '#.................E',
    '#....####.........#',
    '#.......#.........#',
    '#.......#....M....#',
    '#.................#',
    '#.................#',
    '###################',
  ],
  [
    '###################',
    '#.................#',
    '#...M.........##..#',
    '#..........#...#..#',
    '#..........#...#T.#',
    '#...####...#...#..#',
    'E..........#......#',
    '#...####..........#',
    '#..............#..#',
    '#.....M.....####..#',
    '#.................#',
    '#.................#',
    '###################',
  ],
  [
    '###################',
    '#.................#',
    '#..M.....#........#',
    '#........#...M....#',
    '#..###...#........#',
    '#..#T#............#',
    '#..#.#...###......E',
    '#........#........#',
    '#........#........#',
    '#...M....#........#',
    '#.................#',
    '#.................#',
    '###################',
  ],
  [
    '###################',
    '#.................#',
    '#.......#.....M...#',
    '#.......#.........#',
    '#...#...#...#.....#',
    '#...#.......#..T..#',
    'E...#...M...#.....#',
    '#...#.......#.....#',
    '#.......#...#.....#',
    '#.......#.........#',
    '#.......#.....M...#',
    '#.................#',
    '###################',
  ],
];

/** One parsed map. Cell indices are `y * MAP_W + x`. */
export interface VentureMap {
  /** 0 = hallway, N = room N. */
  readonly index: number;
  readonly name: string;
  readonly cells: Uint8Array;
  /** Hallway only: `doorway[N]` is room N's doorway cell (index 0 unused); -1 in rooms. */
  readonly doorway: Int16Array;
  /** Hallway only: `outside[N]` is the floor cell in front of room N's doorway, where the player arrives on leaving room N. */
  readonly outside: Int16Array;
  /** Hallway only: the door cell → the room it leads to (0 elsewhere). */
  readonly doorRoom: Uint8Array;
  /** Rooms: the exit door cell; -1 in the hallway. */
  readonly exit: number;
  /** Rooms: the floor cell inside the exit, where the player arrives; the hallway: the start cell. */
  readonly entry: number;
  /** Rooms: the treasure's cell; -1 in the hallway. */
  readonly treasure: number;
  /** Rooms: the room monsters' spawn cells. */
  readonly monsterSpawns: readonly number[];
}

const DX = [0, 1, 0, -1];
const DY = [-1, 0, 1, 0];

function parseMap(index: number, rows: readonly string[]): VentureMap {
  const name = index === 0 ? 'hallway' : `room ${index}`;
  if (rows.length !== MAP_H || rows.some((r) => r.length !== MAP_W)) throw new Error(`Venture ${name}: every map must be ${MAP_W}×${MAP_H}`);
  const cells = new Uint8Array(MAP_CELLS);
  const doorway = new Int16Array(ROOM_COUNT + 1).fill(-1);
  const outside = new Int16Array(ROOM_COUNT + 1).fill(-1);
  const doorRoom = new Uint8Array(MAP_CELLS);
  let exit = -1, entry = -1, treasure = -1;
  const monsterSpawns: number[] = [];
  for (let y = 0; y < MAP_H; y++) {
    for (let x = 0; x < MAP_W; x++) {
      const ch = rows[y]![x]!, i = y * MAP_W + x;
      let code: number = TILE.FLOOR;
      if (ch === '#') code = TILE.WALL;
      else if (ch === '%') code = TILE.ROOM_BLOCK;
      else if (ch >= '1' && ch <= '4') {
        code = TILE.DOOR;
        doorway[Number(ch)] = i;
        doorRoom[i] = Number(ch);
      } else if (ch === 'E') {
        code = TILE.DOOR;
        exit = i;
      } else if (ch === 'S') entry = i;
      else if (ch === 'T') treasure = i;
      else if (ch === 'M') monsterSpawns.push(i);
      else if (ch !== '.') throw new Error(`Venture ${name}: unknown map character ${JSON.stringify(ch)} at (${x}, ${y})`);
      cells[i] = code;
    }
  }
  // The one floor neighbour of a door is where the player stands after passing through it.
  const floorNeighbour = (door: number): number => {
    const x = door % MAP_W, y = (door - x) / MAP_W;
    for (let d = 0; d < 4; d++) {
      const nx = x + DX[d]!, ny = y + DY[d]!;
      if (nx >= 0 && ny >= 0 && nx < MAP_W && ny < MAP_H && cells[ny * MAP_W + nx] === TILE.FLOOR) return ny * MAP_W + nx;
    }
    throw new Error(`Venture ${name}: the door at (${x}, ${y}) has no floor next to it`);
  };
  if (index === 0) {
    for (let n = 1; n <= ROOM_COUNT; n++) {
      if (doorway[n] === -1) throw new Error(`Venture hallway: no doorway for room ${n}`);
      outside[n] = floorNeighbour(doorway[n]!);
    }
    if (entry === -1) throw new Error('Venture hallway: no start cell S');
  } else {
    if (exit === -1 || treasure === -1) throw new Error(`Venture ${name}: needs an exit E and a treasure T`);
    if (monsterSpawns.length > MAX_ROOM_MONSTERS) throw new Error(`Venture ${name}: at most ${MAX_ROOM_MONSTERS} monsters`);
    entry = floorNeighbour(exit);
  }
  return Object.freeze({ index, name, cells, doorway, outside, doorRoom, exit, entry, treasure, monsterSpawns: Object.freeze(monsterSpawns) });
}

/** `MAPS[0]` is the hallway, `MAPS[N]` room N. */
export const MAPS: readonly VentureMap[] = Object.freeze([parseMap(0, HALLWAY), ...ROOMS.map((rows, i) => parseMap(i + 1, rows))]);
