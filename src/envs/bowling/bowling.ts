import { EMPTY_INFO, type EnvStateSpec, type RenderMode, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { SceneRenderedEnv } from '../core/scene-rendered-env.ts';
import { EventTable, oneLayerScene, type Scene, type Sprite } from '../core/scene.ts';
import { finishedEpisodeStep } from '../core/finished-episode.ts';
import { rewardOption } from '../core/env-options.ts';
import { Box } from '../spaces/box.ts';
import { Discrete } from '../spaces/discrete.ts';
import { LANE, LaneState, PIN, PIN_COUNT, stepLane } from './physics.ts';
import { BowlingScorer, FRAMES, MAX_ROLLS, ROLL, scoreSheet } from './scoring.ts';
import { writeStep } from '../core/step-result.ts';

/** ALE's minimal action set for Bowling (envs-ppo.md §5), in ALE's order. */
export const BOWLING_ACTIONS = Object.freeze({ NOOP: 0, FIRE: 1, UP: 2, DOWN: 3, UPFIRE: 4, DOWNFIRE: 5 });
export const BOWLING_ACTION_NAMES: readonly string[] = Object.freeze(['NOOP', 'FIRE', 'UP', 'DOWN', 'UPFIRE', 'DOWNFIRE']);

/** Steps the bowler may hold the ball; on the last of them the ball is thrown from where the bowler stands. */
export const IDLE_LIMIT = 40;
/** How far the bowler moves across the lane per UP/DOWN step (lane units), and where he may stand. */
export const BOWLER_STEP = 0.5;
export const BOWLER_MIN_Y = 0.5;
export const BOWLER_MAX_Y = LANE.width - 0.5;
export const BOWLER_START_Y = LANE.width / 2;
/**
 * No game is longer than this: at most 21 balls, each held at most IDLE_LIMIT steps (the last of them the
 * throw) and rolling at most `LANE.rollLimit` steps (the throw step included).
 */
export const BOWLING_MAX_STEPS = MAX_ROLLS * (IDLE_LIMIT + LANE.rollLimit - 1);
/** The registered TimeLimit: above BOWLING_MAX_STEPS, so only a safety net that never cuts a game. */
export const BOWLING_TIME_LIMIT = 2500;

/** Stable `info.events` names. */
export const BOWLING_EVENTS = Object.freeze({
  /** The ball was released (FIRE, UPFIRE, DOWNFIRE, or the idle limit). */
  throw: 'throw',
  /** The release came from the idle limit, not from the agent. */
  autoThrow: 'auto_throw',
  /** The one curve of this roll started. */
  curve: 'curve',
  /** The ball dropped into a gutter. */
  gutter: 'gutter',
  /** The ball touched its first pin. */
  ballHitPins: 'ball_hit_pins',
  strike: 'strike',
  spare: 'spare',
  /** The roll ended its frame (every frame, the 10th included). */
  frameEnd: 'frame_end',
  /** The roll ended the game (same step as the last frame_end; the episode terminates). */
  gameOver: 'game_over',
});

/** The event of a roll's end: it knocked down `n` pins (0..10). Every roll ends with exactly one of these. */
export function pinsKnockedEvent(n: number): string {
  return `pins_knocked_${n}`;
}

/** Every event name, in the order events appear within one step's `info.events`. */
export const BOWLING_EVENT_NAMES: readonly string[] = Object.freeze([
  'throw', 'auto_throw', 'curve', 'gutter', 'ball_hit_pins',
  ...Array.from({ length: 11 }, (_, n) => pinsKnockedEvent(n)),
  'strike', 'spare', 'frame_end', 'game_over',
]);
const EVENTS = new EventTable(BOWLING_EVENT_NAMES);
const EV_THROW = EVENTS.bit('throw'), EV_AUTO = EVENTS.bit('auto_throw'), EV_CURVE = EVENTS.bit('curve');
const EV_GUTTER = EVENTS.bit('gutter'), EV_HIT = EVENTS.bit('ball_hit_pins');
const EV_PINS0 = EVENTS.bit('pins_knocked_0'); // pins_knocked_N is EV_PINS0 << N
const EV_STRIKE = EVENTS.bit('strike'), EV_SPARE = EVENTS.bit('spare'), EV_FRAME = EVENTS.bit('frame_end'), EV_OVER = EVENTS.bit('game_over');

/**
 * The observation layout: `obs[OBS.name]`. Positions are divided by the lane's width (y) or the pit's x
 * (x), so most entries lie in [0, 1].
 */
export const OBS = Object.freeze({
  /** Bowler's y / lane width, in [1/18, 17/18]. */
  bowlerY: 0,
  /** Ball x / pitX (the held ball sits at the release point in front of the bowler). */
  ballX: 1,
  /** Ball y / lane width; a gutter ball is just outside [0, 1]. */
  ballY: 2,
  /** Ball velocity along the lane / release speed, in [−1, 1]. */
  ballVx: 3,
  /** Sideways ball velocity / maximum curve speed, in [−1, 1]. */
  ballVy: 4,
  /** 1 while the bowler holds the ball (UP/DOWN move him, FIRE throws). */
  aiming: 5,
  /** 1 while the ball rolls and the pins fall (UP/DOWN curve the ball). */
  rolling: 6,
  /** The curve taken this roll: −1 up, +1 down, 0 none yet. */
  curve: 7,
  /** 1 when UP/DOWN would start a curve now (rolling, no curve yet, no pin touched, not in a gutter). */
  canCurve: 8,
  /** `pins + i` is 1 while pin i + 1 stands (i = 0..9; pin 1 the head pin, 7–10 the back row). */
  pins: 9,
  /** Frame of the next (or current) ball: (frame − 1) / 9. */
  frame: 19,
  /** Ball within the frame: 0, 0.5, 1 for the 1st, 2nd, 3rd (10th frame only) ball. */
  ball: 20,
  /** Running score / 300 (each ball credited with its pins × multiplier when rolled). */
  score: 21,
  /** Extra multiplier the next ball earns from earlier strikes/spares, / 2 (0, 0.5, 1). */
  bonusNext: 22,
  /** Extra multiplier the ball after it earns (0 or 1). */
  bonusAfter: 23,
  /** Steps the ball has been held / IDLE_LIMIT (at 1 it is thrown automatically). */
  idle: 24,
  /** Steps since the throw / the roll limit. */
  rollTime: 25,
  size: 26,
});

const OBS_LOW = new Float32Array(OBS.size);
const OBS_HIGH = new Float32Array(OBS.size).fill(1);
OBS_LOW[OBS.ballY] = -0.2;
OBS_HIGH[OBS.ballY] = 1.2;
OBS_HIGH[OBS.ballX] = 1.1;
OBS_LOW[OBS.ballVx] = -1;
OBS_LOW[OBS.ballVy] = -1;
OBS_LOW[OBS.curve] = -1;

export interface BowlingOptions {
  renderMode?: RenderMode | null;
  /**
   * Only `natural` (the class's default): each ball's score delta when its roll ends (pins × multiplier,
   * the Atari score display's change and so ALE's reward); they sum to the final score. Bowling-v0
   * registers `reward: 'delayed'` as its default (the RUDDER setting): the DelayedReward wrapper pays
   * that sum, the game's final score, at its last step and 0 at every other (integers: exactly the score).
   */
  reward?: 'natural';
}

/** What BowlingEnv.getState saves besides its RNG: the bowler, the lane's physics and the score sheet. */
const BOWLING_FIELDS = {
  scalars: ['bowlerY', 'phase', 'idleSteps', 'rollSteps', 'curveDir', 'standingAtThrow', 't'],
  arrays: ['obs'],
  objects: {
    lane: { scalars: ['ballX', 'ballY', 'ballVx', 'ballVy', 'ballAy', 'ballLive', 'ballInGutter', 'ballHitPin', 'movingCount'], arrays: ['px', 'py', 'pvx', 'pvy', 'pin', 'moving'] },
    scorer: { scalars: ['frame', 'ball', 'standing', 'score', 'lastDelta', 'bonusNext', 'bonusAfter', 'count', 'rackBall', 'firstPins'], arrays: ['rolls', 'frameTotals'] },
  },
} as const;

const PHASE_AIM = 0, PHASE_ROLL = 1, PHASE_OVER = 2;

/**
 * Bowling-v0: ten-pin bowling on a 2D lane after Atari Bowling, one game of 10 frames per episode.
 *
 * A roll has two phases:
 * - **Aim.** The bowler stands at the left end with the ball and moves across the lane with UP / DOWN
 *   (`BOWLER_STEP` per step, within [0.5, 8.5]). FIRE throws; UPFIRE / DOWNFIRE move, then throw, in the
 *   same step. After `IDLE_LIMIT` (40) steps holding the ball, the ball is thrown from where he stands
 *   (event `auto_throw`), so NOOP forever still ends the game.
 * - **Roll.** The ball rolls right at constant speed. Once per roll, UP / DOWN (or UPFIRE / DOWNFIRE)
 *   start a curve towards that side (constant sideways acceleration), at any time before the ball first
 *   touches a pin or drops into a gutter.
 *   FIRE and NOOP do nothing. The pins fall by the physics of `physics.ts` (impulses, pin-to-pin
 *   knock-ons, kickbacks, the pit). The roll ends when ball and pins are still, at the latest
 *   `LANE.rollLimit` (72) steps after the throw; its knocked-down pins are scored, the deadwood cleared
 *   (or a fresh rack set up) and the bowler is back at the lane's centre with the next ball.
 *
 * Scoring is standard ten-pin (scoring.ts): strikes and spares with their bonus balls, the 10th frame's
 * bonus balls; a perfect game is 300. The episode terminates on the step the game's last roll ends.
 * The only randomness is a small turn of every contact normal drawn from the env's RNG, so a game is
 * deterministic given the seed and the actions. A ball takes ≈ 60 steps (a few to aim, 34 to reach the
 * pit, the rest for the pins to settle): the expert's games take ≈ 750 steps, random play ≈ 750, NOOP
 * forever ≈ 1660 (every ball held to the idle limit); none ever more than {@link BOWLING_MAX_STEPS} (2331).
 *
 * Observation: Float32Array(26), laid out as {@link OBS} documents; reused across steps. It holds the
 * score-sheet state (frame, ball, score, owed bonuses), so the game is Markov apart from the positions of
 * sliding pins, which no action can influence.
 *
 * `info.events`: see {@link BOWLING_EVENTS} and {@link pinsKnockedEvent}; frozen shared arrays (scene.ts).
 */
export class BowlingEnv extends SceneRenderedEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(6);
  readonly observationSpace = new Box(OBS_LOW, OBS_HIGH, [OBS.size], 'float32');
  /** The lane: ball and pins (read-only outside the env). */
  readonly lane = new LaneState();
  /** The game's score sheet (read-only outside the env). */
  readonly scorer = new BowlingScorer();
  bowlerY = BOWLER_START_Y;
  /** 0 aim, 1 roll, 2 game over. */
  phase = PHASE_AIM;
  /** Steps the ball has been held this roll. */
  idleSteps = 0;
  /** Steps since the throw (the throw step counts 1). */
  rollSteps = 0;
  /** The curve taken this roll: −1, +1, or 0. */
  curveDir = 0;
  /** Standing pins at the throw, bit i = pin i + 1 (the rack this roll is played on). */
  standingAtThrow = 0;
  /** Steps in this episode. */
  t = 0;
  private readonly obs = new Float32Array(OBS.size);
  private readonly info: { events: readonly string[] } = { events: EVENTS.get(0) };
  private readonly result: StepResult<Float32Array> = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: this.info };
  private readonly resetResult: ResetResult<Float32Array> = { obs: this.obs, info: EMPTY_INFO };

  constructor(options: BowlingOptions = {}) {
    super(options.renderMode, { renderFps: 30, envName: 'Bowling', actionNames: BOWLING_ACTION_NAMES });
    rewardOption('Bowling', options.reward, ['natural']);
  }

  get phaseName(): 'aim' | 'roll' | 'over' {
    return this.phase === PHASE_AIM ? 'aim' : this.phase === PHASE_ROLL ? 'roll' : 'over';
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    this.scorer.reset();
    this.lane.rack();
    this.standingAtThrow = this.lane.standingMask();
    this.newRoll();
    this.t = 0;
    this.info.events = EVENTS.get(0);
    this.writeObs();
    return this.resetResult;
  }

  step(action: number): StepResult<Float32Array> {
    if (!(action === 0 || action === 1 || action === 2 || action === 3 || action === 4 || action === 5)) this.invalidAction(action);
    if (this.phase === PHASE_OVER) return finishedEpisodeStep(this.result, this.info);
    const r = this.result;
    this.t++;
    // UP = 2, UPFIRE = 4 → −1; DOWN = 3, DOWNFIRE = 5 → +1.
    const dir = action === 2 || action === 4 ? -1 : action === 3 || action === 5 ? 1 : 0;
    const lane = this.lane;
    let mask = 0, reward = 0, terminated = false;
    if (this.phase === PHASE_AIM) {
      this.idleSteps++;
      if (dir !== 0) this.bowlerY = Math.min(BOWLER_MAX_Y, Math.max(BOWLER_MIN_Y, this.bowlerY + dir * BOWLER_STEP));
      let fire = action === 1 || action === 4 || action === 5;
      if (!fire && this.idleSteps >= IDLE_LIMIT) {
        fire = true;
        mask |= EV_AUTO;
      }
      if (fire) {
        this.standingAtThrow = lane.standingMask();
        lane.throwBall(this.bowlerY);
        this.phase = PHASE_ROLL;
        mask |= EV_THROW;
      }
    } else if (dir !== 0 && lane.canCurve()) {
      lane.curve(dir);
      this.curveDir = dir;
      mask |= EV_CURVE;
    }
    if (this.phase === PHASE_ROLL) {
      const gutterBefore = lane.ballInGutter;
      if (stepLane(lane, this.rng)) mask |= EV_HIT;
      if (lane.ballInGutter && !gutterBefore) mask |= EV_GUTTER;
      this.rollSteps++;
      if (lane.settled() || this.rollSteps >= LANE.rollLimit) {
        const knocked = popcount(this.standingAtThrow) - lane.countStanding();
        const flags = this.scorer.roll(knocked);
        mask |= EV_PINS0 << knocked;
        if (flags & ROLL.STRIKE) mask |= EV_STRIKE;
        if (flags & ROLL.SPARE) mask |= EV_SPARE;
        if (flags & ROLL.FRAME_END) mask |= EV_FRAME;
        reward = this.scorer.lastDelta;
        if (flags & ROLL.GAME_OVER) {
          mask |= EV_OVER;
          terminated = true;
          this.phase = PHASE_OVER;
        } else {
          if (flags & ROLL.NEW_RACK) lane.rack();
          else lane.clearDeck();
          this.newRoll();
        }
      }
    }
    this.writeObs();
    this.info.events = EVENTS.get(mask);
    return writeStep(r, reward, terminated, false);
  }

  protected override stateSpec(): EnvStateSpec {
    return { kind: 'Bowling', config: {}, fields: BOWLING_FIELDS };
  }

  /** The bowler back at the centre with the ball, curve unused. */
  private newRoll(): void {
    this.phase = PHASE_AIM;
    this.bowlerY = BOWLER_START_Y;
    this.idleSteps = 0;
    this.rollSteps = 0;
    this.curveDir = 0;
  }

  private writeObs(): void {
    const o = this.obs, l = this.lane, s = this.scorer, W = LANE.width;
    const aiming = this.phase === PHASE_AIM;
    o[OBS.bowlerY] = this.bowlerY / W;
    o[OBS.ballX] = Math.min(1.1, (aiming ? LANE.releaseX : l.ballX) / LANE.pitX);
    o[OBS.ballY] = (aiming ? this.bowlerY : l.ballY) / W;
    o[OBS.ballVx] = aiming ? 0 : clamp1(l.ballVx / LANE.ballSpeed);
    o[OBS.ballVy] = aiming ? 0 : clamp1(l.ballVy / LANE.maxCurveVy);
    o[OBS.aiming] = aiming ? 1 : 0;
    o[OBS.rolling] = this.phase === PHASE_ROLL ? 1 : 0;
    o[OBS.curve] = this.curveDir;
    o[OBS.canCurve] = this.phase === PHASE_ROLL && l.canCurve() ? 1 : 0;
    for (let i = 0; i < PIN_COUNT; i++) o[OBS.pins + i] = l.pin[i] === PIN.STANDING ? 1 : 0;
    o[OBS.frame] = Math.min(s.frame, FRAMES - 1) / (FRAMES - 1);
    o[OBS.ball] = s.ball / 2;
    o[OBS.score] = s.score / 300;
    o[OBS.bonusNext] = s.bonusNext / 2;
    o[OBS.bonusAfter] = s.bonusAfter;
    o[OBS.idle] = this.idleSteps / IDLE_LIMIT;
    o[OBS.rollTime] = this.rollSteps / LANE.rollLimit;
  }

  /**
   * The lane as a scene: 40 × 13 cells (kickback walls, gutters, the 9-cell lane, the approach, foul line,
   * aiming arrows, pin deck and pit), the bowler, the ball and the pins as sprites; the score sheet as text.
   */
  scene(): Scene {
    const W = SCENE_W, H = SCENE_H, tiles = new Array<number>(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const laneRow = y - LANE_TOP; // 0..8 on the lane
        let c: number;
        if (x >= PIT_COL) c = T.pit;
        else if (y === 0 || y === H - 1) c = T.wall;
        else if (x < FOUL_COL) c = T.approach;
        else if (laneRow < 0 || laneRow >= LANE.width) c = T.gutter;
        else if (x === FOUL_COL) c = T.foulLine;
        else if (x >= DECK_COL) c = T.pinDeck;
        else if (x === ARROW_COL && laneRow % 2 === 1) c = T.arrow;
        else c = T.lane;
        tiles[y * W + x] = c;
      }
    }
    const l = this.lane, sprites: Sprite[] = [];
    const sx = (x: number): number => x - 0.5, sy = (y: number): number => y + LANE_TOP - 0.5;
    for (let i = 0; i < PIN_COUNT; i++) {
      const st = l.pin[i]!;
      if (st === PIN.STANDING) sprites.push({ kind: 'pin', id: `pin${i + 1}`, x: sx(l.px[i]!), y: sy(l.py[i]!), color: '#ffffff', size: (2 * LANE.pinRadius) / 0.6 });
      else if (st === PIN.DOWN) sprites.push({ kind: 'fallen_pin', id: `pin${i + 1}`, x: sx(l.px[i]!), y: sy(l.py[i]!), color: '#a0a0a0', size: (2 * LANE.pinRadius) / 0.6 });
    }
    sprites.push({ kind: 'agent', id: 'bowler', x: sx(LANE.bowlerX), y: sy(this.bowlerY), facing: 'right', color: '#e04040' });
    if (this.phase === PHASE_AIM) sprites.push({ kind: 'ball', id: 'ball', x: sx(LANE.releaseX - 0.5), y: sy(this.bowlerY), color: '#3050ff', size: (2 * LANE.ballRadius) / 0.6 });
    else if (l.ballLive) sprites.push({ kind: 'ball', id: 'ball', x: sx(l.ballX), y: sy(l.ballY), color: '#3050ff', size: (2 * LANE.ballRadius) / 0.6 });
    const s = this.scorer;
    return oneLayerScene({
      title: this.spec?.id ?? 'Bowling',
      palette: PALETTE,
      layer: { name: 'lane', width: W, height: H, tiles },
      sprites,
      hud: {
        frame: Math.min(s.frame + 1, FRAMES),
        ball: s.ball + 1,
        score: s.score,
        pinsStanding: l.countStanding(),
        phase: this.phaseName,
        curve: this.curveDir === 0 ? (this.phase === PHASE_ROLL && l.canCurve() ? 'available' : 'none') : this.curveDir < 0 ? 'up' : 'down',
        autoThrowIn: this.phase === PHASE_AIM ? IDLE_LIMIT - this.idleSteps : 0,
        step: this.t,
      },
      text: scoreSheet(s.rolls, s.count),
      events: this.info.events,
    });
  }
}

// Scene geometry: lane row 0 is scene row LANE_TOP; lane x is scene x (one cell per lane unit).
const SCENE_W = 40, SCENE_H = 13, LANE_TOP = 2;
const FOUL_COL = LANE.foulX, ARROW_COL = 12, DECK_COL = LANE.headPinX - 2, PIT_COL = LANE.pitX;
const T = Object.freeze({ wall: 0, approach: 1, foulLine: 2, lane: 3, arrow: 4, gutter: 5, pinDeck: 6, pit: 7 });
const PALETTE = [
  { code: T.wall, name: 'wall', color: '#303030', char: '#' },
  { code: T.approach, name: 'approach', color: '#8a6a3a', char: ':' },
  { code: T.foulLine, name: 'foul_line', color: '#c03030', char: '|' },
  { code: T.lane, name: 'lane', color: '#c89a5a', char: '.' },
  { code: T.arrow, name: 'arrow', color: '#6a4a2a', char: '>' },
  { code: T.gutter, name: 'gutter', color: '#505a66', char: '_' },
  { code: T.pinDeck, name: 'pin_deck', color: '#d8b070', char: ',' },
  { code: T.pit, name: 'pit', color: '#101010', char: ' ' },
];

function clamp1(v: number): number {
  return v > 1 ? 1 : v < -1 ? -1 : v;
}

function popcount(m: number): number {
  let n = 0;
  for (; m !== 0; m &= m - 1) n++;
  return n;
}
