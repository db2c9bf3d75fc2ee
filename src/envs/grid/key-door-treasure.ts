import { EMPTY_INFO, type EnvStateSpec, type RenderMode, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { EventTable, type Scene, type Sprite } from '../core/scene.ts';
import { Box } from '../spaces/box.ts';
import { Discrete } from '../spaces/discrete.ts';
import { DIR_DX, DIR_DY, DIR_FACING } from '../core/directions.ts';
import { CELL, PASSABLE, PICKABLE } from './cells.ts';
import { numberIn, oneOf, rewardOption } from '../core/env-options.ts';
import { finishedEpisodeStep } from '../core/finished-episode.ts';
import { Grid, GRID_FIELDS, GRID_OBS_FIELDS, GridEnv, GridObs, gridScene, UNIFORM_BLOCK_FIELDS, UniformBlock, type GridObsMode } from './grid.ts';
import { writeStep } from '../core/step-result.ts';
import type { DelayPhaseRewards } from '../wrappers/delayed-reward.ts';

/**
 * Actions, MiniGrid-style: the agent has a facing direction, turns, walks forward, and acts on the cell
 * in front of it. (Chosen over 4-way moves + interact because it is MiniGrid DoorKey's action set minus
 * the two useless actions, so results compare with DoorKey's.)
 */
export const KDT_ACTIONS = Object.freeze({ LEFT: 0, RIGHT: 1, FORWARD: 2, PICKUP: 3, OPEN: 4 });
export const KDT_ACTION_NAMES: readonly string[] = Object.freeze(['left', 'right', 'forward', 'pickup', 'open']);

/** Stable `info.events` names. */
export const KDT_EVENTS = Object.freeze({
  pickedUpKey: 'picked_up_key',
  /** `open` on the locked door without the key. */
  triedLockedDoor: 'tried_locked_door',
  openedDoor: 'opened_door',
  /** Stepped from the door into the treasure room (every time). */
  enteredTreasureRoom: 'entered_treasure_room',
  reachedTreasure: 'reached_treasure',
  /** A distractor reward was paid (option `distractors`). */
  distractorReward: 'distractor_reward',
});

const EVENTS = new EventTable(Object.values(KDT_EVENTS));
const EV_KEY = EVENTS.bit(KDT_EVENTS.pickedUpKey);
const EV_TRIED = EVENTS.bit(KDT_EVENTS.triedLockedDoor);
const EV_OPENED = EVENTS.bit(KDT_EVENTS.openedDoor);
const EV_ENTERED = EVENTS.bit(KDT_EVENTS.enteredTreasureRoom);
const EV_TREASURE = EVENTS.bit(KDT_EVENTS.reachedTreasure);
const EV_DISTRACTOR = EVENTS.bit(KDT_EVENTS.distractorReward);

/** What KeyDoorTreasureEnv.getState saves besides its RNG: agent, layout, world, observation, distractor draws. */
const KDT_FIELDS = {
  scalars: ['agentX', 'agentY', 'facing', 'carrying', 'wallX', 'doorY', 'treasureX', 'treasureY', 't', 'done'],
  objects: { grid: GRID_FIELDS, gobs: GRID_OBS_FIELDS, uniforms: UNIFORM_BLOCK_FIELDS },
} as const;

export interface KeyDoorTreasureOptions {
  renderMode?: RenderMode | null;
  /** Side of the square grid, border walls included (default 8; 5..64). */
  size?: number;
  /** The env truncates after this many steps (default 10·size², MiniGrid's); it also scales the reward. */
  maxSteps?: number;
  /**
   * `natural` (default): the treasure's reward when it is reached, distractor rewards when they occur.
   * `shaped`: `natural` plus +0.1 for picking up the key and +0.1 for opening the door, each once: the
   * dense baseline against which plain PPO on the delayed reward is compared.
   * (`make('KeyDoorTreasure-v0', { reward: 'delayed' })` pays the natural return at the last step,
   * terminal or truncated, 0 before: the DelayedReward wrapper, exact as the env truncates itself.
   * `{ reward: 'delayed', delay: D }` keeps the episode running D steps after the treasure, then pays.)
   */
  reward?: 'natural' | 'shaped';
  /**
   * Small random rewards unrelated to the task: on each step, with `probability` (default 0.1), ±`magnitude`
   * (default 0.1, either sign equally likely). Zero-mean, so the optimal policy is unchanged; they only add
   * return variance (RUDDER's task II). `true` uses the defaults. Through `make(id, { reward: 'delayed',
   * delay: D })` they go on for the D steps after the treasure too (`delayStepReward`), in the delayed return.
   */
  distractors?: boolean | { probability?: number; magnitude?: number };
  /** Observation: `codes` (default) or `onehot` flat vectors for an MLP, or an `image` for a CNN (see GridObs and below). */
  observation?: GridObsMode;
}

/**
 * KeyDoorTreasure-v0: an N×N grid split by a vertical wall with a locked door. The key and the agent
 * start left of the wall, the treasure is right of it; all positions (wall column, door row, key, agent
 * and its facing, treasure) are drawn anew on every reset.
 *
 * Rules:
 * - `left` / `right` turn; `forward` moves into the cell in front if it is passable (floor, open door,
 *   treasure); walls, the locked door and the key block.
 * - `pickup` takes the key when it is in front and the hands are empty (the key is then carried for the
 *   rest of the episode).
 * - `open` on the locked door in front unlocks and opens it if the key is carried; without the key the
 *   door stays locked (event `tried_locked_door`). An open door stays open.
 * - Reaching the treasure ends the episode (terminated) with reward `1 − 0.9·t/maxSteps` (MiniGrid's
 *   scaling; t counts this step). Nothing else is rewarded. After `maxSteps` steps the env truncates
 *   itself (the registration has no TimeLimit: the horizon is part of the reward).
 *
 * Observation (Float32Array, reused across steps):
 * - `codes`:  `[size²]` cell codes (cells.ts) then `[agentX, agentY, facing, carrying]`.
 * - `onehot`: `[size, size, 9]` one-hot cells + agent channel, then `[facing one-hot ×4, carrying]`.
 * - `image`:  a Box of shape `[size, size, 13]`, channels-last: 8 one-hot cell channels (cells.ts codes), 4
 *   agent channels (1 at the agent's cell in the channel of its facing: east, south, west, north), and a
 *   carrying plane (1 over the whole image once the key is picked up). Nothing else: the image is the state.
 *
 * `info.events`: see {@link KDT_EVENTS}; frozen shared arrays (scene.ts).
 */
export class KeyDoorTreasureEnv extends GridEnv implements DelayPhaseRewards {
  readonly actionSpace = new Discrete(5);
  readonly observationSpace: Box;
  readonly size: number;
  readonly maxSteps: number;
  readonly rewardMode: 'natural' | 'shaped';
  readonly distractorProbability: number;
  readonly distractorMagnitude: number;
  /** The world: walls, door, key (while on the floor), treasure. Read-only outside the env. */
  readonly grid: Grid;
  // Agent and layout state (read by the expert; do not write).
  agentX = 1;
  agentY = 1;
  /** 0 = east, 1 = south, 2 = west, 3 = north. */
  facing = 0;
  carrying = false;
  wallX = 2;
  doorY = 1;
  treasureX = 0;
  treasureY = 0;
  /** Steps taken in this episode. */
  t = 0;
  private done = false;
  private readonly uniforms = new UniformBlock();
  private readonly gobs: GridObs;
  private readonly info: { events: readonly string[] } = { events: EVENTS.get(0) };
  private readonly result: StepResult<Float32Array>;
  private readonly resetResult: ResetResult<Float32Array>;

  constructor(options: KeyDoorTreasureOptions = {}) {
    super(options.renderMode, KDT_ACTION_NAMES);
    const name = 'KeyDoorTreasure';
    this.size = numberIn(name, 'size', options.size, 5, 64, 8, true);
    this.maxSteps = numberIn(name, 'maxSteps', options.maxSteps, 1, 1e9, 10 * this.size * this.size, true);
    this.rewardMode = rewardOption(name, options.reward, ['natural', 'shaped']);
    const d = options.distractors;
    const dOpts = typeof d === 'object' && d !== null ? d : {};
    this.distractorProbability = d ? numberIn(name, 'distractors.probability', dOpts.probability, 0, 1, 0.1) : 0;
    this.distractorMagnitude = numberIn(name, 'distractors.magnitude', dOpts.magnitude, 0, 1e6, 0.1);
    const mode = oneOf<GridObsMode>(name, 'observation', options.observation, ['codes', 'onehot', 'image'], 'codes');
    const n = this.size;
    this.grid = new Grid(n, n);
    if (mode === 'image') {
      this.gobs = new GridObs(mode, n * n, 0, 1); // plane 0: carrying
      this.observationSpace = new Box(0, 1, [n, n, this.gobs.channels], 'float32');
    } else {
      this.gobs = new GridObs(mode, n * n, mode === 'codes' ? 4 : 5);
      const hi = new Float64Array(this.gobs.buf.length).fill(this.gobs.gridHigh);
      if (mode === 'codes') hi.set([n - 1, n - 1, 3, 1], this.gobs.extraOffset);
      else hi.fill(1, this.gobs.extraOffset);
      this.observationSpace = new Box(0, hi, [hi.length], 'float32');
    }
    this.result = { obs: this.gobs.buf, reward: 0, terminated: false, truncated: false, info: this.info };
    this.resetResult = { obs: this.gobs.buf, info: EMPTY_INFO };
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    if (options?.seed !== undefined) this.uniforms.discard();
    const rng = this.rng, n = this.size, g = this.grid;
    g.cells.fill(CELL.EMPTY);
    g.outline(0, 0, n, n);
    // Wall column in [2, n−3] so both rooms are at least one column wide; the door anywhere on it.
    this.wallX = 2 + rng.integer(n - 4);
    g.fillRect(this.wallX, 1, 1, n - 2, CELL.WALL);
    this.doorY = 1 + rng.integer(n - 2);
    g.set(this.wallX, this.doorY, CELL.DOOR_LOCKED);
    const leftW = this.wallX - 1, rows = n - 2;
    const keyCell = rng.integer(leftW * rows);
    g.set(1 + (keyCell % leftW), 1 + Math.floor(keyCell / leftW), CELL.KEY);
    let agentCell = rng.integer(leftW * rows - 1);
    if (agentCell >= keyCell) agentCell++;
    this.agentX = 1 + (agentCell % leftW);
    this.agentY = 1 + Math.floor(agentCell / leftW);
    this.facing = rng.integer(4);
    const rightW = n - 2 - this.wallX;
    const tc = rng.integer(rightW * rows);
    this.treasureX = this.wallX + 1 + (tc % rightW);
    this.treasureY = 1 + Math.floor(tc / rightW);
    g.set(this.treasureX, this.treasureY, CELL.TREASURE);
    this.carrying = false;
    this.t = 0;
    this.done = false;
    this.info.events = EVENTS.get(0);
    this.gobs.writeAll(g, this.agentY * n + this.agentX, this.facing);
    this.writeExtras();
    return this.resetResult;
  }

  step(action: number): StepResult<Float32Array> {
    if (!(action === 0 || action === 1 || action === 2 || action === 3 || action === 4)) this.invalidAction(action);
    if (this.done) return finishedEpisodeStep(this.result, this.info);
    const r = this.result;
    const t = ++this.t;
    const n = this.size, cells = this.grid.cells;
    const fx = this.agentX + DIR_DX[this.facing]!, fy = this.agentY + DIR_DY[this.facing]!;
    const front = fy * n + fx; // always inside: the border is wall
    const code = cells[front]!;
    let mask = 0, reward = 0, terminated = false;
    switch (action) {
      case 0:
        this.facing = (this.facing + 3) & 3;
        break;
      case 1:
        this.facing = (this.facing + 1) & 3;
        break;
      case 2:
        if (PASSABLE[code] === 1) {
          if (this.agentX === this.wallX && fx > this.wallX) mask |= EV_ENTERED;
          this.gobs.agentMoved(this.agentY * n + this.agentX, front);
          this.agentX = fx;
          this.agentY = fy;
          if (code === CELL.TREASURE) {
            terminated = true;
            reward = 1 - (0.9 * t) / this.maxSteps;
            mask |= EV_TREASURE;
          }
        }
        break;
      case 3:
        if (!this.carrying && PICKABLE[code] === 1) {
          cells[front] = CELL.EMPTY;
          this.gobs.cellChanged(front, code, CELL.EMPTY);
          this.carrying = true;
          mask |= EV_KEY;
          if (this.rewardMode === 'shaped') reward += 0.1; // the key is picked up once per episode
        }
        break;
      default:
        if (code === CELL.DOOR_LOCKED) {
          if (this.carrying) {
            cells[front] = CELL.DOOR_OPEN;
            this.gobs.cellChanged(front, code, CELL.DOOR_OPEN);
            mask |= EV_OPENED;
            if (this.rewardMode === 'shaped') reward += 0.1; // the door opens once per episode
          } else mask |= EV_TRIED;
        }
    }
    if (this.distractorProbability > 0) {
      const u = this.uniforms;
      if (u.i >= UniformBlock.SIZE - 1) u.refill(this.rng);
      if (u.u[u.i++]! < this.distractorProbability) {
        reward += u.u[u.i++]! < 0.5 ? this.distractorMagnitude : -this.distractorMagnitude;
        mask |= EV_DISTRACTOR;
      }
    }
    const truncated = !terminated && t >= this.maxSteps;
    if (terminated || truncated) this.done = true;
    this.writeExtras();
    this.info.events = EVENTS.get(mask);
    return writeStep(r, reward, terminated, truncated);
  }

  /**
   * One step of a DelayedReward delay after the treasure (DelayPhaseRewards): the distractors keep
   * coming, from the same seeded stream, and join the delayed return; nothing else happens (the agent
   * stays on the treasure, `t` and the step limit stand still). 0 without distractors.
   */
  delayStepReward(): number {
    return this.distractorProbability > 0 ? this.distractor() : 0;
  }

  /** One step's distractor reward (0 or ±magnitude), from the env's uniforms, drawn as `step` draws them. */
  private distractor(): number {
    const u = this.uniforms;
    if (u.i >= UniformBlock.SIZE - 1) u.refill(this.rng);
    if (u.u[u.i++]! < this.distractorProbability) return u.u[u.i++]! < 0.5 ? this.distractorMagnitude : -this.distractorMagnitude;
    return 0;
  }

  protected override stateSpec(): EnvStateSpec {
    return {
      kind: 'KeyDoorTreasure',
      config: { size: this.size, maxSteps: this.maxSteps, reward: this.rewardMode, distractorProbability: this.distractorProbability, distractorMagnitude: this.distractorMagnitude, observation: this.gobs.mode },
      fields: KDT_FIELDS,
    };
  }

  scene(): Scene {
    const sprites: Sprite[] = [{ kind: 'agent', id: 'agent', x: this.agentX, y: this.agentY, facing: DIR_FACING[this.facing]!, color: '#ff3030', ...(this.carrying ? { label: 'key' } : {}) }];
    return gridScene(this.grid, sprites, { step: this.t, maxSteps: this.maxSteps, carrying: this.carrying ? 'key' : 'nothing', doorOpen: this.grid.get(this.wallX, this.doorY) === CELL.DOOR_OPEN }, {
      title: this.spec?.id ?? 'KeyDoorTreasure',
      text: 'pick up the key, open the door, reach the treasure',
      events: this.info.events,
    });
  }

  private writeExtras(): void {
    const b = this.gobs.buf, o = this.gobs.extraOffset;
    if (this.gobs.mode === 'image') {
      this.gobs.agentTurned(this.facing);
      this.gobs.setPlane(0, this.carrying ? 1 : 0);
    } else if (this.gobs.mode === 'codes') {
      b[o] = this.agentX;
      b[o + 1] = this.agentY;
      b[o + 2] = this.facing;
      b[o + 3] = this.carrying ? 1 : 0;
    } else {
      b[o] = b[o + 1] = b[o + 2] = b[o + 3] = 0;
      b[o + this.facing] = 1;
      b[o + 4] = this.carrying ? 1 : 0;
    }
  }
}
