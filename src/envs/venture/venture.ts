import { EMPTY_INFO, type EnvStateSpec, type RenderMode, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { SceneRenderedEnv } from '../core/scene-rendered-env.ts';
import { DIR, DIR_DX, DIR_DY, DIR_FACING } from '../core/directions.ts';
import { EventTable, oneLayerScene, type Scene, type Sprite } from '../core/scene.ts';
import { numberIn, rewardOption } from '../core/env-options.ts';
import { finishedEpisodeStep } from '../core/finished-episode.ts';
import { Box } from '../spaces/box.ts';
import { Discrete } from '../spaces/discrete.ts';
import { MAP_CELLS, MAP_H, MAP_W, MAPS, MAX_ROOM_MONSTERS, ROOM_COUNT, TILE, VENTURE_PALETTE } from './maps.ts';
import { writeStep } from '../core/step-result.ts';

/**
 * Actions (Discrete(6)): a move also turns the player to face its direction, even when a wall blocks
 * it; FIRE shoots an arrow in the facing direction (rooms only, one arrow in flight at a time).
 * Atari's 18 actions are cut to these six: diagonals and move+fire add nothing on a grid.
 */
export const VENTURE_ACTIONS = Object.freeze({ NOOP: 0, UP: 1, RIGHT: 2, DOWN: 3, LEFT: 4, FIRE: 5 });
export const VENTURE_ACTION_NAMES: readonly string[] = Object.freeze(['noop', 'up', 'right', 'down', 'left', 'fire']);

/**
 * Venture's directions 0..3 = up, right, down, left (the order of its move actions, of `facing` and of
 * the observation's facing one-hot): move action a goes in direction a − 1. As directions of the shared
 * table; the order stays Venture's own because monster headings are drawn as indices into it.
 */
export const VENTURE_DIRS = Int8Array.of(DIR.NORTH, DIR.EAST, DIR.SOUTH, DIR.WEST);
export const VENTURE_DIR_DX = Int8Array.from(VENTURE_DIRS, (d) => DIR_DX[d]!);
export const VENTURE_DIR_DY = Int8Array.from(VENTURE_DIRS, (d) => DIR_DY[d]!);

/** Atari pays in multiples of 100 (envs-ppo.md §5). Index = room number (0 unused). */
export const TREASURE_REWARD = Object.freeze([0, 200, 300, 400, 500]);
/** Paid for shooting a monster of room N only once room N's treasure is taken; 0 before. */
export const KILL_REWARD = Object.freeze([0, 100, 100, 200, 300]);

export const VENTURE_MAX_STEPS = 1000;
export const VENTURE_LIVES = 4;
export const VENTURE_HALL_MONSTERS = 3;
/** Cells the arrow flies per step. */
export const ARROW_SPEED = 2;
/** A wandering monster keeps its heading unless blocked, or with this probability picks a new one. */
const TURN_PROBABILITY = 0.25;
/** Probabilities as uint32 thresholds: `rng.nextUint32() < p · 2³²` is one draw where `random() < p` takes two. */
const TWO_32 = 0x100000000;
const TURN_THRESHOLD = TURN_PROBABILITY * TWO_32;
/** Hall monsters are placed at least this far (Manhattan) from the start cell, at reset and after a death. */
const HALL_SPAWN_DISTANCE = 6;

/** Stable `info.events` names (scene.ts's frozen-array contract: NO_EVENTS on quiet steps). */
export const VENTURE_EVENTS = Object.freeze({
  enterRoom: Object.freeze(['enter_room_1', 'enter_room_2', 'enter_room_3', 'enter_room_4']),
  leaveRoom: 'leave_room',
  treasure: Object.freeze(['treasure_1', 'treasure_2', 'treasure_3', 'treasure_4']),
  arrowFired: 'arrow_fired',
  /** A room monster was shot (paid KILL_REWARD only after the room's treasure). */
  killMonster: 'kill_monster',
  /** Lingering: a hall monster entered the room the player is in. */
  hallMonsterReleased: 'hall_monster_released',
  killedByHallMonster: 'killed_by_hall_monster',
  killedByRoomMonster: 'killed_by_room_monster',
  /** The last life was lost (the episode terminates). */
  gameOver: 'game_over',
  /** The fourth treasure was taken (the episode terminates). */
  allTreasures: 'all_treasures',
});

const E = VENTURE_EVENTS;
const EVENTS = new EventTable([
  ...E.enterRoom, E.leaveRoom, ...E.treasure, E.arrowFired, E.killMonster, E.hallMonsterReleased,
  E.killedByHallMonster, E.killedByRoomMonster, E.gameOver, E.allTreasures,
]);
const EV_ENTER = [0, ...E.enterRoom.map((n) => EVENTS.bit(n))];
const EV_TREASURE = [0, ...E.treasure.map((n) => EVENTS.bit(n))];
const EV_LEAVE = EVENTS.bit(E.leaveRoom), EV_FIRE = EVENTS.bit(E.arrowFired), EV_KILL = EVENTS.bit(E.killMonster);
const EV_RELEASED = EVENTS.bit(E.hallMonsterReleased), EV_HALL_DEATH = EVENTS.bit(E.killedByHallMonster);
const EV_ROOM_DEATH = EVENTS.bit(E.killedByRoomMonster), EV_GAME_OVER = EVENTS.bit(E.gameOver), EV_ALL = EVENTS.bit(E.allTreasures);

/**
 * Observation layout (Float32Array(OBS_DIM), all values in [0, 1], reused across steps):
 * - `[0, GRID)`: the current map, `[MAP_H, MAP_W, OBS_CHANNELS]` row-major, channels
 *   0 wall (walls and the solid room blocks of the hallway), 1 door, 2 treasure (not yet taken),
 *   3 player, 4 hall monster (in the hallway, or the one released into a room), 5 room monster (alive),
 *   6 arrow. A floor cell is all zeros.
 * - `GRID + 0..4`: current map one-hot (hallway, room 1..4)
 * - `GRID + 5..8`: facing one-hot (up, right, down, left)
 * - `GRID + 9..12`: treasure of room 1..4 taken
 * - `GRID + 13`: lives / starting lives
 * - `GRID + 14`: steps in this room / lingerSteps (capped at 1; 0 in the hallway)
 * - `GRID + 15`: a hall monster has been released into this room
 * - `GRID + 16`: an arrow is in flight
 * - `GRID + 17`: t / maxSteps
 * - `GRID + 18, 19`: player x / (MAP_W − 1), y / (MAP_H − 1)
 */
export const OBS_CHANNELS = 7;
export const OBS_GRID = MAP_CELLS * OBS_CHANNELS;
export const OBS_EXTRA = 20;
export const OBS_DIM = OBS_GRID + OBS_EXTRA;
const CH_WALL = 0, CH_DOOR = 1, CH_TREASURE = 2, CH_PLAYER = 3, CH_HALL = 4, CH_ROOM = 5, CH_ARROW = 6;

/** What VentureEnv.getState saves besides its RNG: player, monsters, arrow, and the observation's marks. */
const VENTURE_FIELDS = {
  scalars: ['map', 'px', 'py', 'facing', 'lives', 'score', 't', 'linger', 'released', 'releasedX', 'releasedY', 'arrow', 'arrowX', 'arrowY', 'arrowDir', 'done', 'arrowKilled', 'markCount', 'obsMap'],
  arrays: ['taken', 'hallX', 'hallY', 'hallDir', 'roomX', 'roomY', 'roomDir', 'roomAlive', 'obs', 'marks'],
} as const;

export interface VentureOptions {
  renderMode?: RenderMode | null;
  /**
   * Only `natural` (the default): each reward when it is earned. (`make('Venture-v0', { reward:
   * 'delayed' })` pays the whole return at the last step, terminated or truncated at maxSteps, 0 before:
   * the DelayedReward wrapper.)
   */
  reward?: 'natural';
  /** The env truncates itself after this many steps (default 1000). */
  maxSteps?: number;
  /** Steps in one room after which a hall monster is released into it (default 80). */
  lingerSteps?: number;
  /** Lives at the start (default 4). */
  lives?: number;
  /** Probability that a hall monster moves on a step (default 0.75; the player moves every step). */
  hallMonsterSpeed?: number;
  /** Probability that a room monster moves on a step (default 0.75). */
  roomMonsterSpeed?: number;
  /** Probability that the released hall monster moves (towards the player) on a step (default 0.75). */
  releasedMonsterSpeed?: number;
}

/**
 * Venture-v0: a grid version of Atari Venture (envs-ppo.md §5), a sparse, delayed-reward exploration task.
 *
 * The hallway holds four rooms and VENTURE_HALL_MONSTERS hall monsters. Stepping onto a room's doorway
 * switches to that room's map (the player appears inside its exit); stepping onto the exit returns to
 * the hallway, in front of the doorway. Rules, in the order a step applies them:
 *
 * 1. The player acts: a move (turning to face its direction; walls block) or FIRE (rooms only, when no
 *    arrow is in flight: an arrow starts on the player's cell, heading where the player faces).
 *    Stepping onto a door switches map; a switch step ends the player's phase (no treasure, no contact,
 *    no room-monster moves). On entering a room its living monsters go back to their spawn cells.
 * 2. In a room: stepping onto the treasure takes it (once per episode) and pays TREASURE_REWARD[N]
 *    (200, 300, 400, 500 for rooms 1..4). Taking the fourth treasure ends the episode (terminated)
 *    before anything moves.
 * 3. Walking into a monster costs a life.
 * 4. The arrow flies ARROW_SPEED cells, stopped by anything but floor; the first room monster it
 *    meets dies (`kill_monster`), paying KILL_REWARD[N] (100, 100, 200, 300) if room N's treasure is
 *    already taken, 0 otherwise. Killed monsters stay dead for the episode. Hall monsters cannot be
 *    killed: arrows pass through them.
 * 5. Monsters move, each with its speed probability, by one cell onto floor: room monsters (only in the
 *    player's room) and hall monsters (always, wherever the player is) wander, keeping their heading
 *    unless blocked or with probability 0.25; the released hall monster steps along a shortest path
 *    towards the player. A room monster moving onto the arrow dies as in 4. A monster on the player's
 *    cell costs a life (`killed_by_room_monster` / `killed_by_hall_monster`).
 * 6. Lingering: after `lingerSteps` steps in one room (counted from entering) a hall monster is released
 *    into it, on its exit door (`hall_monster_released`); it leaves when the player does. It is an extra
 *    monster: the hallway keeps its own.
 * 7. A lost life puts the player back at the hallway start (from a room too, without `leave_room`), with
 *    the hall monsters re-placed at random away from it; with no life left the episode terminates
 *    (`game_over`). Taken treasures and killed monsters stay so.
 * 8. The env truncates itself after `maxSteps` steps (so that `reward: 'delayed'` always pays the return).
 *
 * Monster speeds default to 0.75 (the player moves every step): the expert (expert.ts) wins every one of
 * 300 seeds even at speed 1, but a released monster as fast as the player can guard a room's exit for
 * ever, so it is kept slower. All randomness (monster moves, hall-monster placement) comes from
 * `this.rng`; with the defaults a uniformly random policy scores 0 (as PPO does on Atari Venture).
 * Difficulty: the speeds and `lingerSteps` are the knobs (the defaults are the game's rules). Plain PPO
 * learns the natural reward with slower monsters and more patience (`VENTURE_EASY` in
 * src/experiments/venture.ts: hall and room monsters 0.25, lingerSteps 500), where random actions score
 * in about 5 % of games; BENCHMARKS.md "Venture-v0" has the figures.
 *
 * Observation: see {@link OBS_DIM}. `info.events`: see {@link VENTURE_EVENTS}.
 *
 * Speed: `step` allocates nothing (0 GCs over millions of steps) and runs at about 3 M steps/s through
 * `make` with random actions (Node 20, a loaded 2-core machine). Most of the time goes to the monsters'
 * moves (their rng draws), then to the observation, of which a step rewrites only the moving things
 * and the extras; a map switch rewrites the map part (MAP_CELLS × OBS_CHANNELS floats), and a released
 * monster runs a breadth-first search over the room on each of its moves.
 */
export class VentureEnv extends SceneRenderedEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(6);
  readonly observationSpace = new Box(0, 1, [OBS_DIM], 'float32');
  readonly maxSteps: number;
  readonly lingerSteps: number;
  readonly startLives: number;
  readonly hallMonsterSpeed: number;
  readonly roomMonsterSpeed: number;
  readonly releasedMonsterSpeed: number;

  // State, read by the expert and tests; do not write from outside.
  /** 0 = hallway, N = room N. */
  map = 0;
  px = 0;
  py = 0;
  /** 0..3 = up, right, down, left. */
  facing = 0;
  lives = VENTURE_LIVES;
  /** Sum of the natural rewards so far. */
  score = 0;
  /** Steps taken in this episode. */
  t = 0;
  /** Steps since the player entered the current room (0 in the hallway). */
  linger = 0;
  /** `taken[N]` = 1 once room N's treasure is taken (index 0 unused). */
  readonly taken = new Uint8Array(ROOM_COUNT + 1);
  /** Hall monsters' positions and headings (hallway coordinates). */
  readonly hallX = new Int8Array(VENTURE_HALL_MONSTERS);
  readonly hallY = new Int8Array(VENTURE_HALL_MONSTERS);
  readonly hallDir = new Int8Array(VENTURE_HALL_MONSTERS);
  /** Room monsters, slot `N * MAX_ROOM_MONSTERS + k` for the k-th monster of room N (slots past the room's count unused). */
  readonly roomX = new Int8Array((ROOM_COUNT + 1) * MAX_ROOM_MONSTERS);
  readonly roomY = new Int8Array((ROOM_COUNT + 1) * MAX_ROOM_MONSTERS);
  readonly roomDir = new Int8Array((ROOM_COUNT + 1) * MAX_ROOM_MONSTERS);
  readonly roomAlive = new Uint8Array((ROOM_COUNT + 1) * MAX_ROOM_MONSTERS);
  /** The hall monster released into the current room. */
  released = false;
  releasedX = 0;
  releasedY = 0;
  arrow = false;
  arrowX = 0;
  arrowY = 0;
  arrowDir = 0;

  private done = false;
  /** The arrow killed a monster this step (reported as `kill_monster`). */
  private arrowKilled = false;
  private readonly obs = new Float32Array(OBS_DIM);
  /** Observation indices set to 1 for moving things at the last write, cleared before the next. */
  private readonly marks = new Int32Array(16);
  private markCount = 0;
  private obsMap = -1;
  /** Hallway floor cells far enough from the start for hall monsters to be placed on. */
  private readonly hallSpawnCells: Int16Array;
  // Breadth-first search buffers for the released monster.
  private readonly bfsDist = new Int16Array(MAP_CELLS);
  private readonly bfsQueue = new Int16Array(MAP_CELLS);
  private readonly hallThreshold: number;
  private readonly roomThreshold: number;
  private readonly releasedThreshold: number;
  private readonly info: { events: readonly string[] } = { events: EVENTS.get(0) };
  private readonly result: StepResult<Float32Array> = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: this.info };
  private readonly resetResult: ResetResult<Float32Array> = { obs: this.obs, info: EMPTY_INFO };

  constructor(options: VentureOptions = {}) {
    super(options.renderMode, { renderFps: 15, envName: 'Venture', actionNames: VENTURE_ACTION_NAMES });
    const name = 'Venture';
    rewardOption(name, options.reward, ['natural']);
    this.maxSteps = numberIn(name, 'maxSteps', options.maxSteps, 1, 1e9, VENTURE_MAX_STEPS, true);
    this.lingerSteps = numberIn(name, 'lingerSteps', options.lingerSteps, 1, 1e9, 80, true);
    this.startLives = numberIn(name, 'lives', options.lives, 1, 99, VENTURE_LIVES, true);
    this.hallMonsterSpeed = numberIn(name, 'hallMonsterSpeed', options.hallMonsterSpeed, 0, 1, 0.75);
    this.roomMonsterSpeed = numberIn(name, 'roomMonsterSpeed', options.roomMonsterSpeed, 0, 1, 0.75);
    this.releasedMonsterSpeed = numberIn(name, 'releasedMonsterSpeed', options.releasedMonsterSpeed, 0, 1, 0.75);
    this.hallThreshold = this.hallMonsterSpeed * TWO_32;
    this.roomThreshold = this.roomMonsterSpeed * TWO_32;
    this.releasedThreshold = this.releasedMonsterSpeed * TWO_32;
    const hall = MAPS[0]!, start = hall.entry;
    const sx = start % MAP_W, sy = (start - sx) / MAP_W;
    const spawn: number[] = [];
    for (let i = 0; i < MAP_CELLS; i++) {
      const x = i % MAP_W, y = (i - x) / MAP_W;
      if (hall.cells[i] === TILE.FLOOR && Math.abs(x - sx) + Math.abs(y - sy) >= HALL_SPAWN_DISTANCE) spawn.push(i);
    }
    this.hallSpawnCells = Int16Array.from(spawn);
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    this.lives = this.startLives;
    this.score = 0;
    this.t = 0;
    this.done = false;
    this.taken.fill(0);
    this.roomAlive.fill(0);
    for (let n = 1; n <= ROOM_COUNT; n++) {
      const spawns = MAPS[n]!.monsterSpawns;
      for (let k = 0; k < spawns.length; k++) this.roomAlive[n * MAX_ROOM_MONSTERS + k] = 1;
    }
    this.toStart();
    this.info.events = EVENTS.get(0);
    this.markCount = 0;
    this.obsMap = -1;
    this.writeObs();
    return this.resetResult;
  }

  step(action: number): StepResult<Float32Array> {
    if (!(action === 0 || action === 1 || action === 2 || action === 3 || action === 4 || action === 5)) this.invalidAction(action);
    if (this.done) return finishedEpisodeStep(this.result, this.info);
    const r = this.result;
    this.t++;
    let mask = 0, reward = 0, terminated = false;
    /** 0: alive, else the event bit of what killed the player. */
    let death = 0;
    let switched = false;
    const map = this.map, cells = MAPS[map]!.cells;

    // 1. The player.
    if (action >= 1 && action <= 4) {
      const d = action - 1;
      this.facing = d;
      const nx = this.px + VENTURE_DIR_DX[d]!, ny = this.py + VENTURE_DIR_DY[d]!;
      const code = cells[ny * MAP_W + nx]!;
      if (code === TILE.FLOOR) {
        this.px = nx;
        this.py = ny;
      } else if (code === TILE.DOOR) {
        if (this.released && this.releasedX === nx && this.releasedY === ny) {
          // The released monster stands in the doorway: walking into it is contact, not an exit.
          this.px = nx;
          this.py = ny;
        } else {
          mask |= this.switchMap(ny * MAP_W + nx);
          switched = true;
        }
      }
    } else if (action === VENTURE_ACTIONS.FIRE && map !== 0 && !this.arrow) {
      this.arrow = true;
      this.arrowX = this.px;
      this.arrowY = this.py;
      this.arrowDir = this.facing;
      mask |= EV_FIRE;
    }

    if (!switched && map !== 0) {
      // 2. Treasure.
      if (this.taken[map] === 0 && this.py * MAP_W + this.px === MAPS[map]!.treasure) {
        this.taken[map] = 1;
        reward += TREASURE_REWARD[map]!;
        mask |= EV_TREASURE[map]!;
        if (this.takenCount() === ROOM_COUNT) {
          terminated = true;
          mask |= EV_ALL;
        }
      }
      if (!terminated) {
        // 3. Walking into a monster.
        death = this.contact();
        // 4, 5. Arrow, room monsters, released monster.
        if (this.arrow) reward += this.flyArrow(map);
        if (death === 0) {
          const base = map * MAX_ROOM_MONSTERS, count = MAPS[map]!.monsterSpawns.length;
          for (let k = base; k < base + count; k++) {
            if (this.roomAlive[k] === 1) this.wander(this.roomX, this.roomY, this.roomDir, k, cells, this.roomThreshold);
          }
          if (this.arrow) reward += this.arrowHits(map);
          if (this.released && this.rng.nextUint32() < this.releasedThreshold) this.chase(cells);
        }
      }
    } else if (!switched && map === 0) {
      death = this.contact();
    }
    if (this.arrowKilled) mask |= EV_KILL;
    this.arrowKilled = false;

    // Hall monsters move wherever the player is.
    if (!terminated) {
      const hall = MAPS[0]!.cells;
      for (let k = 0; k < VENTURE_HALL_MONSTERS; k++) this.wander(this.hallX, this.hallY, this.hallDir, k, hall, this.hallThreshold);
    }
    if (death === 0 && !terminated) death = this.contact();

    // 6. Lingering.
    if (death === 0 && !terminated && this.map !== 0 && !switched) {
      this.linger++;
      if (this.linger === this.lingerSteps && !this.released) {
        const exit = MAPS[this.map]!.exit;
        this.released = true;
        this.releasedX = exit % MAP_W;
        this.releasedY = (exit - this.releasedX) / MAP_W;
        mask |= EV_RELEASED;
      }
    }

    // 7. Lives.
    if (death !== 0) {
      mask |= death;
      this.lives--;
      if (this.lives === 0) {
        terminated = true;
        mask |= EV_GAME_OVER;
      } else this.toStart();
    }

    // 8. Time limit.
    const truncated = !terminated && this.t >= this.maxSteps;
    if (terminated || truncated) this.done = true;
    this.score += reward;
    this.writeObs();
    this.info.events = EVENTS.get(mask);
    return writeStep(r, reward, terminated, truncated);
  }

  /** Treasures taken so far (0..4). */
  takenCount(): number {
    let n = 0;
    for (let i = 1; i <= ROOM_COUNT; i++) n += this.taken[i]!;
    return n;
  }

  /** True when the cell (x, y) of the current map holds a monster that kills on contact. */
  monsterAt(x: number, y: number): boolean {
    return this.contactAt(x, y) !== 0;
  }

  protected override stateSpec(): EnvStateSpec {
    return {
      kind: 'Venture',
      config: { maxSteps: this.maxSteps, lingerSteps: this.lingerSteps, lives: this.startLives, hallMonsterSpeed: this.hallMonsterSpeed, roomMonsterSpeed: this.roomMonsterSpeed, releasedMonsterSpeed: this.releasedMonsterSpeed },
      fields: VENTURE_FIELDS,
    };
  }

  scene(): Scene {
    const map = MAPS[this.map]!;
    const tiles = Array.from(map.cells);
    if (this.map === 0) for (let n = 1; n <= ROOM_COUNT; n++) if (this.taken[n] === 1) tiles[map.doorway[n]!] = TILE.DOOR_DONE;
    const sprites: Sprite[] = [];
    const at = (i: number): { x: number; y: number } => ({ x: i % MAP_W, y: Math.floor(i / MAP_W) });
    if (this.map !== 0 && this.taken[this.map] === 0) sprites.push({ kind: 'item', id: 'treasure', label: 'T', color: '#ffd700', ...at(map.treasure) });
    if (this.map === 0) {
      for (let k = 0; k < VENTURE_HALL_MONSTERS; k++) sprites.push({ kind: 'monster', id: `hall_monster_${k}`, label: 'H', color: '#ff3030', x: this.hallX[k]!, y: this.hallY[k]! });
    } else {
      const base = this.map * MAX_ROOM_MONSTERS;
      for (let k = 0; k < map.monsterSpawns.length; k++) {
        if (this.roomAlive[base + k] === 1) sprites.push({ kind: 'monster', id: `room_monster_${k}`, label: 'M', color: '#30d030', x: this.roomX[base + k]!, y: this.roomY[base + k]! });
      }
      if (this.released) sprites.push({ kind: 'monster', id: 'hall_monster_released', label: 'H', color: '#ff3030', x: this.releasedX, y: this.releasedY });
      if (this.arrow) sprites.push({ kind: 'arrow', id: 'arrow', label: this.arrowDir % 2 === 0 ? '|' : '-', color: '#ffffff', size: 0.5, x: this.arrowX, y: this.arrowY });
    }
    sprites.push({ kind: 'agent', id: 'agent', x: this.px, y: this.py, facing: DIR_FACING[VENTURE_DIRS[this.facing]!]!, color: '#ff80ff' });
    return oneLayerScene({
      palette: VENTURE_PALETTE,
      layer: { name: this.map === 0 ? 'hallway' : `room_${this.map}`, width: MAP_W, height: MAP_H, tiles },
      sprites,
      hud: {
        step: this.t,
        score: this.score,
        lives: this.lives,
        room: this.map === 0 ? 'hallway' : `room ${this.map}`,
        treasures: `${this.takenCount()}/${ROOM_COUNT}`,
        linger: this.map === 0 ? 0 : this.linger,
      },
      title: this.spec?.id ?? 'Venture',
      text: 'take the treasure of every room; shoot room monsters; avoid hall monsters',
      events: this.info.events,
    });
  }

  // -------------------------------------------------------------------------------------------------

  /** The player stepped onto the door at `cell` of the current map: switch maps. Returns the event bits. */
  private switchMap(cell: number): number {
    this.arrow = false;
    this.released = false;
    this.linger = 0;
    if (this.map === 0) {
      const n = MAPS[0]!.doorRoom[cell]!;
      const room = MAPS[n]!;
      this.map = n;
      this.place(room.entry);
      const base = n * MAX_ROOM_MONSTERS;
      for (let k = 0; k < room.monsterSpawns.length; k++) {
        const s = room.monsterSpawns[k]!;
        this.roomX[base + k] = s % MAP_W;
        this.roomY[base + k] = (s - (s % MAP_W)) / MAP_W;
        this.roomDir[base + k] = this.rng.integer(4);
      }
      return EV_ENTER[n]!;
    }
    const n = this.map;
    this.map = 0;
    this.place(MAPS[0]!.outside[n]!);
    return EV_LEAVE;
  }

  private place(cell: number): void {
    this.px = cell % MAP_W;
    this.py = (cell - this.px) / MAP_W;
  }

  /** Back to the hallway start, with the hall monsters re-placed at random away from it. */
  private toStart(): void {
    this.map = 0;
    this.place(MAPS[0]!.entry);
    this.facing = 0;
    this.linger = 0;
    this.released = false;
    this.arrow = false;
    const cells = this.hallSpawnCells;
    for (let k = 0; k < VENTURE_HALL_MONSTERS; k++) {
      const c = cells[this.rng.integer(cells.length)]!;
      this.hallX[k] = c % MAP_W;
      this.hallY[k] = (c - (c % MAP_W)) / MAP_W;
      this.hallDir[k] = this.rng.integer(4);
    }
  }

  /** The death event bit if a monster of the current map is on the player's cell, else 0. */
  private contact(): number {
    return this.contactAt(this.px, this.py);
  }

  private contactAt(x: number, y: number): number {
    if (this.map === 0) {
      for (let k = 0; k < VENTURE_HALL_MONSTERS; k++) if (this.hallX[k] === x && this.hallY[k] === y) return EV_HALL_DEATH;
      return 0;
    }
    if (this.released && this.releasedX === x && this.releasedY === y) return EV_HALL_DEATH;
    const base = this.map * MAX_ROOM_MONSTERS, count = MAPS[this.map]!.monsterSpawns.length;
    for (let k = base; k < base + count; k++) if (this.roomAlive[k] === 1 && this.roomX[k] === x && this.roomY[k] === y) return EV_ROOM_DEATH;
    return 0;
  }

  /** Advances the arrow ARROW_SPEED cells; returns the reward of a kill. */
  private flyArrow(map: number): number {
    const cells = MAPS[map]!.cells;
    // A fresh arrow starts on the player's cell: a monster there is hit before the arrow moves.
    let reward = this.arrowHits(map);
    for (let s = 0; s < ARROW_SPEED && this.arrow; s++) {
      const nx = this.arrowX + VENTURE_DIR_DX[this.arrowDir]!, ny = this.arrowY + VENTURE_DIR_DY[this.arrowDir]!;
      if (cells[ny * MAP_W + nx] !== TILE.FLOOR) {
        this.arrow = false;
        break;
      }
      this.arrowX = nx;
      this.arrowY = ny;
      reward += this.arrowHits(map);
    }
    return reward;
  }

  /** Kills the first living room monster on the arrow's cell (the arrow is spent); returns its reward. */
  private arrowHits(map: number): number {
    if (!this.arrow) return 0;
    const base = map * MAX_ROOM_MONSTERS, count = MAPS[map]!.monsterSpawns.length;
    for (let k = base; k < base + count; k++) {
      if (this.roomAlive[k] === 1 && this.roomX[k] === this.arrowX && this.roomY[k] === this.arrowY) {
        this.roomAlive[k] = 0;
        this.arrow = false;
        this.arrowKilled = true;
        return this.taken[map] === 1 ? KILL_REWARD[map]! : 0;
      }
    }
    return 0;
  }

  /** One wandering move of monster `k`, with probability `threshold` / 2³²: keep heading unless blocked or turning. */
  private wander(xs: Int8Array, ys: Int8Array, dirs: Int8Array, k: number, cells: Uint8Array, threshold: number): void {
    const rng = this.rng;
    if (rng.nextUint32() >= threshold) return;
    const x = xs[k]!, y = ys[k]!;
    let d = dirs[k]!;
    if (cells[(y + VENTURE_DIR_DY[d]!) * MAP_W + x + VENTURE_DIR_DX[d]!] !== TILE.FLOOR || rng.nextUint32() < TURN_THRESHOLD) {
      let open = 0;
      for (let e = 0; e < 4; e++) if (cells[(y + VENTURE_DIR_DY[e]!) * MAP_W + x + VENTURE_DIR_DX[e]!] === TILE.FLOOR) open++;
      if (open === 0) return;
      let pick = rng.integer(open);
      for (d = 0; d < 4; d++) {
        if (cells[(y + VENTURE_DIR_DY[d]!) * MAP_W + x + VENTURE_DIR_DX[d]!] === TILE.FLOOR && pick-- === 0) break;
      }
      dirs[k] = d;
    }
    xs[k] = x + VENTURE_DIR_DX[d]!;
    ys[k] = y + VENTURE_DIR_DY[d]!;
  }

  /** The released monster steps onto the floor neighbour nearest (by path) to the player. */
  private chase(cells: Uint8Array): void {
    const dist = this.bfsDist, queue = this.bfsQueue;
    dist.fill(-1);
    const start = this.py * MAP_W + this.px;
    let head = 0, tail = 0;
    dist[start] = 0;
    queue[tail++] = start;
    while (head < tail) {
      const c = queue[head++]!;
      for (let d = 0; d < 4; d++) {
        const n = c + VENTURE_DIR_DY[d]! * MAP_W + VENTURE_DIR_DX[d]!;
        if (dist[n] === -1 && cells[n] === TILE.FLOOR) {
          dist[n] = dist[c]! + 1;
          queue[tail++] = n;
        }
      }
    }
    let best = -1, bestDist = 0x7fff;
    for (let d = 0; d < 4; d++) {
      const x = this.releasedX + VENTURE_DIR_DX[d]!, y = this.releasedY + VENTURE_DIR_DY[d]!;
      if (x < 0 || y < 0 || x >= MAP_W || y >= MAP_H) continue; // it may stand in a doorway on the map's edge
      const v = dist[y * MAP_W + x]!;
      if (v >= 0 && v < bestDist) {
        bestDist = v;
        best = d;
      }
    }
    if (best >= 0) {
      this.releasedX += VENTURE_DIR_DX[best]!;
      this.releasedY += VENTURE_DIR_DY[best]!;
    }
  }

  /** Rewrites the observation: the map part when the map changed, then the moving things and the extras. */
  private writeObs(): void {
    const o = this.obs;
    for (let i = 0; i < this.markCount; i++) o[this.marks[i]!] = 0;
    this.markCount = 0;
    const map = MAPS[this.map]!;
    if (this.obsMap !== this.map) {
      o.fill(0, 0, OBS_GRID);
      const cells = map.cells;
      for (let i = 0; i < MAP_CELLS; i++) {
        const c = cells[i]!;
        if (c === TILE.WALL || c === TILE.ROOM_BLOCK) o[i * OBS_CHANNELS + CH_WALL] = 1;
        else if (c === TILE.DOOR) o[i * OBS_CHANNELS + CH_DOOR] = 1;
      }
      this.obsMap = this.map;
    }
    this.mark(this.px, this.py, CH_PLAYER);
    if (this.map === 0) {
      for (let k = 0; k < VENTURE_HALL_MONSTERS; k++) this.mark(this.hallX[k]!, this.hallY[k]!, CH_HALL);
    } else {
      if (this.taken[this.map] === 0) this.markCell(map.treasure, CH_TREASURE);
      const base = this.map * MAX_ROOM_MONSTERS;
      for (let k = base; k < base + map.monsterSpawns.length; k++) if (this.roomAlive[k] === 1) this.mark(this.roomX[k]!, this.roomY[k]!, CH_ROOM);
      if (this.released) this.mark(this.releasedX, this.releasedY, CH_HALL);
      if (this.arrow) this.mark(this.arrowX, this.arrowY, CH_ARROW);
    }
    const g = OBS_GRID;
    o.fill(0, g, g + 9);
    o[g + this.map] = 1;
    o[g + 5 + this.facing] = 1;
    for (let n = 1; n <= ROOM_COUNT; n++) o[g + 8 + n] = this.taken[n]!;
    o[g + 13] = this.lives / this.startLives;
    o[g + 14] = this.map === 0 ? 0 : Math.min(1, this.linger / this.lingerSteps);
    o[g + 15] = this.released ? 1 : 0;
    o[g + 16] = this.arrow ? 1 : 0;
    o[g + 17] = Math.min(1, this.t / this.maxSteps);
    o[g + 18] = this.px / (MAP_W - 1);
    o[g + 19] = this.py / (MAP_H - 1);
  }

  private mark(x: number, y: number, channel: number): void {
    this.markCell(y * MAP_W + x, channel);
  }

  private markCell(cell: number, channel: number): void {
    const i = cell * OBS_CHANNELS + channel;
    this.obs[i] = 1;
    this.marks[this.markCount++] = i;
  }
}
