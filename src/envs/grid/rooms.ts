import { EMPTY_INFO, type EnvStateSpec, type RenderMode, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { EventTable, type Scene, type Sprite } from '../core/scene.ts';
import { Box } from '../spaces/box.ts';
import { Discrete } from '../spaces/discrete.ts';
import { CELL, PASSABLE, type CellCode } from './cells.ts';
import { DIR, DIR_DX, DIR_DY } from '../core/directions.ts';
import { numberIn, oneOf, rewardOption } from '../core/env-options.ts';
import { finishedEpisodeStep } from '../core/finished-episode.ts';
import { Grid, GridEnv, gridScene, UNIFORM_BLOCK_FIELDS, UniformBlock } from './grid.ts';
import { writeStep } from '../core/step-result.ts';

/**
 * FourRooms / EightRooms, the Align-RUDDER gridworlds (rudder.md §4.1), from their written rules.
 *
 * The world is a stack of 6×6 rooms (walls on the border, interior rows and cols 1–4); the state is
 * (room, row, col). Rooms 0–19 are start rooms; rooms 20… form a chain of 3 (FourRooms) or 7
 * (EightRooms), so a path crosses 4 or 8 rooms.
 *
 * - Start: cell (3, 3) of a start room drawn uniformly (or `reset({ options: { startRoom } })`).
 * - Each start room has one door, in the middle of the wall given by {@link START_DOOR_WALLS}
 *   (N (0,3), W (3,0), E (3,5), S (5,3)); it leads to the entry door (0,3) of the first chain room.
 * - Chain rooms: entry door N (0,3); exits alternate E (3,5), W (3,0), … starting with E, each leading to
 *   the next chain room's entry; the goal is at (4,4) of the last chain room.
 * - Doors are passable wall cells. Standing on a door and moving in the door's direction (out of the
 *   room) teleports to the paired door cell: crossing a door takes 2 moves. Entry doors lead back to the
 *   previous chain room's exit, except the first chain room's entry, which all 20 start rooms share and
 *   which is therefore one-way.
 * - Actions 0 = N (row −1), 1 = S (+1), 2 = W (col −1), 3 = E (+1); moves into walls leave the agent in
 *   place. With probability `actionNoise` (0.01) the action is replaced by a uniformly random one (which
 *   may be the same).
 * - Reward: reaching the goal ends the episode (terminated) with `3 − t/200 + 53.32/200` (t = steps
 *   taken, this one included). Otherwise step 200 pays +1 and the env truncates itself (the reference's
 *   distractor: failing still returns 1). Nothing else is rewarded; the `reward` option is accepted for
 *   uniformity, but both placements are the same here (all reward is at the last step already).
 *
 * **v0 vs v1.** v0 reproduces the reference's quirk: the door of start rooms 4, 6, 10, 18 (east wall)
 * cannot be used (the reference pairs it with column −1, which never matches), so those episodes cannot
 * reach the goal and end at step 200 with return 1 (≈ 20 % of episodes). v1 makes those doors work.
 * Not reproduced: the reference's EightRooms pairs one chain room's entry door with itself; here every
 * entry door but the first leads back.
 *
 * Observation (Float32Array, reused): `coords` (default) `[row, col, room]`; `onehot`
 * `[numRooms·36]`, one-hot of the state index `room·36 + row·6 + col`.
 *
 * Steps are one lookup in a precomputed transition table (`transitions`), which planners share.
 */
export const START_DOOR_WALLS: readonly number[] = Object.freeze([0, 3, 1, 0, 2, 3, 2, 3, 0, 3, 2, 1, 3, 3, 1, 3, 3, 3, 2, 0]);
/** Wall codes of START_DOOR_WALLS. */
export const WALL_N = 0, WALL_W = 1, WALL_E = 2, WALL_S = 3;
export const NUM_START_ROOMS = 20;
export const ROOM_SIZE = 6;
export const ROOM_CELLS = ROOM_SIZE * ROOM_SIZE;
export const ROOMS_MAX_STEPS = 200;
/** Start rooms whose door is on the east wall: unsolvable in v0. */
export const EAST_DOOR_START_ROOMS: readonly number[] = Object.freeze(START_DOOR_WALLS.flatMap((w, i) => (w === WALL_E ? [i] : [])));

export const ROOMS_ACTIONS = Object.freeze({ NORTH: 0, SOUTH: 1, WEST: 2, EAST: 3 });
export const ROOMS_ACTION_NAMES: readonly string[] = Object.freeze(['north', 'south', 'west', 'east']);
// Each action's step in rows and columns, through the shared direction table.
const ACTION_DIRS = [DIR.NORTH, DIR.SOUTH, DIR.WEST, DIR.EAST];
const DR = Int8Array.from(ACTION_DIRS, (d) => DIR_DY[d]!);
const DC = Int8Array.from(ACTION_DIRS, (d) => DIR_DX[d]!);
// The action that leaves a room through a door on each wall (N, W, E, S), and the door's cell.
const WALL_ACTION = [0, 2, 3, 1];
const WALL_DOOR: readonly (readonly [number, number])[] = [[0, 3], [3, 0], [3, 5], [5, 3]];

/** The reference's goal reward: 3 − t/200 + 53.32/200. */
export function roomsGoalReward(t: number): number {
  return 3 - t / ROOMS_MAX_STEPS + 53.32 / ROOMS_MAX_STEPS;
}

/** Stable `info.events` names: `entered_room_k` for the k-th room of the path (k = 1 … chain), `reached_goal`, `time_up`. */
export function roomsEventNames(chainRooms: number): string[] {
  return [...Array.from({ length: chainRooms }, (_, i) => `entered_room_${i + 1}`), 'reached_goal', 'time_up'];
}

/** What RoomsEnv.getState saves besides its RNG. */
const ROOMS_FIELDS = { scalars: ['state', 'startRoom', 't', 'noisyActions', 'done'], arrays: ['obs'], objects: { uniforms: UNIFORM_BLOCK_FIELDS } } as const;

export interface RoomsOptions {
  renderMode?: RenderMode | null;
  /** Rooms in the chain after the start room: 3 (FourRooms, default) or 7 (EightRooms); 1–10 allowed. */
  chainRooms?: number;
  /** v1: make the east doors of start rooms 4, 6, 10, 18 work (default false: the reference's v0). */
  fixEastDoors?: boolean;
  /** Probability that an action is replaced by a uniformly random one (default 0.01). */
  actionNoise?: number;
  /**
   * Only `natural` (the default) here: all reward already comes at the last step, so
   * `make(id, { reward: 'delayed' })` (the DelayedReward wrapper) pays the same.
   */
  reward?: 'natural';
  observation?: 'coords' | 'onehot';
}

export class RoomsEnv extends GridEnv {
  readonly actionSpace = new Discrete(4);
  readonly observationSpace: Box;
  readonly chainRooms: number;
  readonly numRooms: number;
  readonly numStates: number;
  readonly fixEastDoors: boolean;
  readonly actionNoise: number;
  readonly observationMode: 'coords' | 'onehot';
  /** Cell codes of every room, `[numRooms, 6, 6]`. */
  readonly roomCells: Uint8Array;
  /** `transitions[s * 4 + a]`: the state after action a in state s, without noise. */
  readonly transitions: Int16Array;
  readonly goalState: number;
  /** Stable event names of this env (see roomsEventNames). */
  readonly eventNames: readonly string[];
  /** The current state index `room·36 + row·6 + col` (read-only outside the env). */
  state = 0;
  startRoom = 0;
  /** Steps taken in this episode. */
  t = 0;
  /** Actions replaced by noise since construction (for tests and diagnostics). */
  noisyActions = 0;
  private done = false;
  private readonly uniforms = new UniformBlock();
  private readonly roomOfState: Uint8Array;
  private readonly eventOfState: Int32Array;
  private readonly events: EventTable;
  private readonly evGoal: number;
  private readonly evTimeUp: number;
  private readonly obs: Float32Array;
  private readonly atlas: Grid;
  private readonly info: { events: readonly string[] };
  private readonly result: StepResult<Float32Array>;
  private readonly resetResult: ResetResult<Float32Array>;

  constructor(options: RoomsOptions = {}) {
    super(options.renderMode, ROOMS_ACTION_NAMES);
    const name = 'Rooms';
    this.chainRooms = numberIn(name, 'chainRooms', options.chainRooms, 1, 10, 3, true);
    this.fixEastDoors = options.fixEastDoors ?? false;
    this.actionNoise = numberIn(name, 'actionNoise', options.actionNoise, 0, 1, 0.01);
    rewardOption(name, options.reward, ['natural']);
    this.observationMode = oneOf(name, 'observation', options.observation, ['coords', 'onehot'], 'coords');
    this.numRooms = NUM_START_ROOMS + this.chainRooms;
    this.numStates = this.numRooms * ROOM_CELLS;
    this.roomCells = buildRooms(this.chainRooms);
    const { transitions, goal } = buildTransitions(this.roomCells, this.chainRooms, this.fixEastDoors);
    this.transitions = transitions;
    this.goalState = goal;
    this.roomOfState = Uint8Array.from({ length: this.numStates }, (_, s) => Math.floor(s / ROOM_CELLS));
    this.eventNames = Object.freeze(roomsEventNames(this.chainRooms));
    this.events = new EventTable(this.eventNames);
    this.evGoal = this.events.bit('reached_goal');
    this.evTimeUp = this.events.bit('time_up');
    // The event mask of arriving in a state's room from another room.
    this.eventOfState = Int32Array.from({ length: this.numStates }, (_, s) => {
      const room = Math.floor(s / ROOM_CELLS);
      return room >= NUM_START_ROOMS ? this.events.bit(`entered_room_${room - NUM_START_ROOMS + 1}`) : 0;
    });
    if (this.observationMode === 'coords') {
      this.obs = new Float32Array(3);
      this.observationSpace = new Box(0, [ROOM_SIZE - 1, ROOM_SIZE - 1, this.numRooms - 1], [3], 'float32');
    } else {
      this.obs = new Float32Array(this.numStates);
      this.observationSpace = new Box(0, 1, [this.numStates], 'float32');
    }
    this.atlas = buildAtlas(this.roomCells, this.numRooms);
    this.tilePx = 8;
    this.info = { events: this.events.get(0) };
    this.result = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: this.info };
    this.resetResult = { obs: this.obs, info: EMPTY_INFO };
  }

  /** `room·36 + row·6 + col`. */
  stateIndex(room: number, row: number, col: number): number {
    return room * ROOM_CELLS + row * ROOM_SIZE + col;
  }

  get room(): number {
    return this.roomOfState[this.state]!;
  }

  get row(): number {
    return Math.floor((this.state % ROOM_CELLS) / ROOM_SIZE);
  }

  get col(): number {
    return this.state % ROOM_SIZE;
  }

  /** Whether the goal can be reached from start room `k` (false for 4, 6, 10, 18 in v0). */
  startRoomSolvable(k: number): boolean {
    return this.fixEastDoors || START_DOOR_WALLS[k] !== WALL_E;
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    if (options?.seed !== undefined) this.uniforms.discard();
    const k = options?.options?.startRoom;
    if (k !== undefined && !(Number.isInteger(k) && (k as number) >= 0 && (k as number) < NUM_START_ROOMS)) {
      throw new RangeError(`${this.name}: reset option startRoom must be an integer in 0..${NUM_START_ROOMS - 1}, got ${JSON.stringify(k)}`);
    }
    this.startRoom = k === undefined ? this.rng.integer(NUM_START_ROOMS) : (k as number);
    this.t = 0;
    this.done = false;
    this.info.events = this.events.get(0);
    if (this.observationMode === 'onehot') this.obs.fill(0);
    this.moveTo(this.stateIndex(this.startRoom, 3, 3));
    return this.resetResult;
  }

  /** Put the agent in a passable cell (for tests and planners); the episode's clock is not changed. */
  placeAgent(room: number, row: number, col: number): void {
    const s = this.stateIndex(room, row, col);
    if (!(room >= 0 && room < this.numRooms && row >= 0 && row < ROOM_SIZE && col >= 0 && col < ROOM_SIZE) || PASSABLE[this.roomCells[s]!] !== 1) {
      throw new RangeError(`${this.name}: (room ${room}, row ${row}, col ${col}) is not a passable cell`);
    }
    this.moveTo(s);
  }

  step(action: number): StepResult<Float32Array> {
    if (!(action === 0 || action === 1 || action === 2 || action === 3)) this.invalidAction(action);
    if (this.done) return finishedEpisodeStep(this.result, this.info);
    const r = this.result;
    if (this.actionNoise > 0) {
      const u = this.uniforms;
      if (u.i === UniformBlock.SIZE) u.refill(this.rng);
      if (u.u[u.i++]! < this.actionNoise) {
        action = this.rng.integer(4);
        this.noisyActions++;
      }
    }
    const t = ++this.t;
    const from = this.state;
    const to = this.transitions[from * 4 + action]!;
    let mask = this.roomOfState[to] !== this.roomOfState[from] ? this.eventOfState[to]! : 0;
    if (to !== from) this.moveTo(to);
    let reward = 0, terminated = false, truncated = false;
    if (to === this.goalState) {
      terminated = true;
      reward = roomsGoalReward(t);
      mask |= this.evGoal;
    } else if (t >= ROOMS_MAX_STEPS) {
      truncated = true;
      reward = 1;
      mask |= this.evTimeUp;
    }
    this.done = terminated || truncated;
    this.info.events = this.events.get(mask);
    return writeStep(r, reward, terminated, truncated);
  }

  protected override stateSpec(): EnvStateSpec {
    return { kind: 'Rooms', config: { chainRooms: this.chainRooms, fixEastDoors: this.fixEastDoors, actionNoise: this.actionNoise, observation: this.observationMode }, fields: ROOMS_FIELDS };
  }

  scene(): Scene {
    const [ox, oy] = atlasOrigin(this.room);
    const sprites: Sprite[] = [{ kind: 'agent', id: 'agent', x: ox + this.col, y: oy + this.row, color: '#ff3030' }];
    const room = this.room;
    return gridScene(this.atlas, sprites, {
      step: this.t,
      room: room < NUM_START_ROOMS ? `start ${room}` : `path ${room - NUM_START_ROOMS + 1}/${this.chainRooms}`,
      startRoom: this.startRoom,
      row: this.row,
      col: this.col,
    }, {
      title: this.spec?.id ?? (this.chainRooms === 7 ? 'EightRooms' : this.chainRooms === 3 ? 'FourRooms' : 'Rooms'),
      text: 'start rooms in the top rows; the chain of rooms to the goal in the bottom row',
      events: this.info.events,
    });
  }

  private moveTo(s: number): void {
    const prev = this.state;
    this.state = s;
    const o = this.obs;
    if (this.observationMode === 'coords') {
      o[0] = Math.floor((s % ROOM_CELLS) / ROOM_SIZE);
      o[1] = s % ROOM_SIZE;
      o[2] = this.roomOfState[s]!;
    } else {
      o[prev] = 0;
      o[s] = 1;
    }
  }
}

/** The rooms' cell codes `[numRooms, 6, 6]`: walls, doors (open, passable), the goal. */
function buildRooms(chain: number): Uint8Array {
  const numRooms = NUM_START_ROOMS + chain;
  const g = new Grid(ROOM_SIZE, ROOM_SIZE * numRooms);
  const setCell = (room: number, row: number, col: number, code: CellCode): void => g.set(col, room * ROOM_SIZE + row, code);
  for (let room = 0; room < numRooms; room++) g.outline(0, room * ROOM_SIZE, ROOM_SIZE, ROOM_SIZE);
  for (let k = 0; k < NUM_START_ROOMS; k++) {
    const [r, c] = WALL_DOOR[START_DOOR_WALLS[k]!]!;
    setCell(k, r, c, CELL.DOOR_OPEN);
  }
  for (let i = 0; i < chain; i++) {
    const room = NUM_START_ROOMS + i;
    setCell(room, 0, 3, CELL.DOOR_OPEN);
    if (i < chain - 1) {
      const [r, c] = WALL_DOOR[chainExitWall(i)]!;
      setCell(room, r, c, CELL.DOOR_OPEN);
    } else setCell(room, 4, 4, CELL.GOAL);
  }
  return g.cells;
}

function chainExitWall(i: number): number {
  return i % 2 === 0 ? WALL_E : WALL_W;
}

/** The deterministic transition table and the goal state. */
function buildTransitions(cells: Uint8Array, chain: number, fixEastDoors: boolean): { transitions: Int16Array; goal: number } {
  const numStates = cells.length;
  const idx = (room: number, row: number, col: number): number => room * ROOM_CELLS + row * ROOM_SIZE + col;
  // Door pairs: door cell → [action that uses it, target cell].
  const doorAction = new Int8Array(numStates).fill(-1);
  const doorTarget = new Int32Array(numStates).fill(-1);
  const link = (from: number, action: number, to: number): void => {
    doorAction[from] = action;
    doorTarget[from] = to;
  };
  const firstEntry = idx(NUM_START_ROOMS, 0, 3);
  for (let k = 0; k < NUM_START_ROOMS; k++) {
    const wall = START_DOOR_WALLS[k]!;
    const [r, c] = WALL_DOOR[wall]!;
    // v0: the east door's pair never matches (see the class doc), so it leads nowhere.
    if (wall !== WALL_E || fixEastDoors) link(idx(k, r, c), WALL_ACTION[wall]!, firstEntry);
  }
  for (let i = 0; i < chain - 1; i++) {
    const wall = chainExitWall(i);
    const [r, c] = WALL_DOOR[wall]!;
    const exit = idx(NUM_START_ROOMS + i, r, c), nextEntry = idx(NUM_START_ROOMS + i + 1, 0, 3);
    link(exit, WALL_ACTION[wall]!, nextEntry);
    link(nextEntry, WALL_ACTION[WALL_N]!, exit);
  }
  const transitions = new Int16Array(numStates * 4);
  for (let s = 0; s < numStates; s++) {
    const room = Math.floor(s / ROOM_CELLS), row = Math.floor((s % ROOM_CELLS) / ROOM_SIZE), col = s % ROOM_SIZE;
    for (let a = 0; a < 4; a++) {
      let to = s;
      if (PASSABLE[cells[s]!] === 1) {
        if (doorAction[s] === a) to = doorTarget[s]!;
        else {
          const nr = row + DR[a]!, nc = col + DC[a]!;
          if (nr >= 0 && nr < ROOM_SIZE && nc >= 0 && nc < ROOM_SIZE && PASSABLE[cells[idx(room, nr, nc)]!] === 1) to = idx(room, nr, nc);
        }
      }
      transitions[s * 4 + a] = to;
    }
  }
  return { transitions, goal: idx(NUM_START_ROOMS + chain - 1, 4, 4) };
}

// Scene layout: start rooms in two rows of 10, the chain in a third row, one void cell between rooms.
const ATLAS_COLS = 10, ATLAS_STRIDE = ROOM_SIZE + 1;

function atlasOrigin(room: number): [number, number] {
  const slot = room < NUM_START_ROOMS ? room : 2 * ATLAS_COLS + (room - NUM_START_ROOMS);
  return [(slot % ATLAS_COLS) * ATLAS_STRIDE, Math.floor(slot / ATLAS_COLS) * ATLAS_STRIDE];
}

function buildAtlas(cells: Uint8Array, numRooms: number): Grid {
  const rows = 2 + Math.ceil((numRooms - NUM_START_ROOMS) / ATLAS_COLS);
  const atlas = new Grid(ATLAS_COLS * ATLAS_STRIDE - 1, rows * ATLAS_STRIDE - 1, CELL.VOID);
  const room = new Grid(ROOM_SIZE, ROOM_SIZE);
  for (let k = 0; k < numRooms; k++) {
    room.cells.set(cells.subarray(k * ROOM_CELLS, (k + 1) * ROOM_CELLS));
    const [ox, oy] = atlasOrigin(k);
    atlas.blit(room, ox, oy);
  }
  return atlas;
}
