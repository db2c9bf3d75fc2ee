import type { Env } from '../core/env.ts';
import type { ExpertFactory, Policy } from '../core/experts.ts';
import { Rng } from '../core/rng.ts';
import { BOWLER_MAX_Y, BOWLER_MIN_Y, BOWLER_STEP, BOWLING_ACTIONS, BowlingEnv } from './bowling.ts';
import { LaneState, PIN, PIN_COUNT, simulateThrow } from './physics.ts';

/** A throw: where to release, and when (steps after the throw step) to curve which way. */
export interface BowlingPlan {
  /** Release y (a position the bowler can reach: the centre ± k · BOWLER_STEP). */
  y: number;
  /** −1 curve up, +1 down, 0 straight. */
  dir: -1 | 0 | 1;
  /** The roll step (1 = the step after the throw) on which to press UP/DOWN. */
  curveStep: number;
  /** Mean pins knocked down over the planner's jittered trials. */
  meanPins: number;
  /** Fraction of those trials that cleared the deck. */
  clearRate: number;
}

/** The latest curve step the planner tries: by then the ball is near the pins. */
const MAX_CURVE_STEP = 30;
/** Candidates re-scored under jitter, and trials per candidate. */
const SHORTLIST = 12;
const TRIALS = 24;

const plans = new Map<number, BowlingPlan>();
const startState = new LaneState();
const scratch = new LaneState();

/**
 * The expert's throw for a rack (bit i of `standingMask` = pin i + 1 stands). A planner over the whole
 * discrete throw space (17 release positions × straight or a curve either way on any of steps
 * 1..30): each throw is played once on the env's own physics without jitter; the 12 best are replayed 24
 * times with jitter from a fixed-seed RNG and the throw with the best mean pins + 5 × clear rate (a clear
 * deck earns a bonus) is taken. On a full rack this finds a hooked ball into the pocket; on a spare it
 * finds the line through what stands. Pure in the mask, so plans are cached for the process.
 */
export function planThrow(standingMask: number): BowlingPlan {
  const cached = plans.get(standingMask);
  if (cached) return cached;
  startState.rack();
  for (let i = 0; i < PIN_COUNT; i++) if ((standingMask & (1 << i)) === 0) startState.pin[i] = PIN.ABSENT;
  const cands: { y: number; dir: -1 | 0 | 1; k: number; pins: number }[] = [];
  const nPos = Math.round((BOWLER_MAX_Y - BOWLER_MIN_Y) / BOWLER_STEP);
  for (let p = 0; p <= nPos; p++) {
    const y = BOWLER_MIN_Y + p * BOWLER_STEP;
    cands.push({ y, dir: 0, k: 0, pins: simulateThrow(startState, scratch, y, 0, 0, null) });
    for (const dir of [-1, 1] as const) {
      for (let k = 1; k <= MAX_CURVE_STEP; k++) cands.push({ y, dir, k, pins: simulateThrow(startState, scratch, y, dir, k, null) });
    }
  }
  // Stable sort: ties keep the enumeration order, so the plan does not depend on the engine.
  cands.sort((a, b) => b.pins - a.pins);
  const rng = new Rng(standingMask);
  const standing = startState.countStanding();
  let best: BowlingPlan | null = null, bestValue = -Infinity;
  for (const c of cands.slice(0, SHORTLIST)) {
    let sum = 0, clears = 0;
    for (let t = 0; t < TRIALS; t++) {
      const n = simulateThrow(startState, scratch, c.y, c.dir, c.k, rng);
      sum += n;
      if (n === standing) clears++;
    }
    const value = sum / TRIALS + (5 * clears) / TRIALS;
    if (value > bestValue) {
      bestValue = value;
      best = { y: c.y, dir: c.dir, curveStep: c.k, meanPins: sum / TRIALS, clearRate: clears / TRIALS };
    }
  }
  plans.set(standingMask, best!);
  return best!;
}

/**
 * The expert's action in a BowlingEnv: while aiming, walk to the plan's release point and FIRE; while
 * rolling, press the plan's curve on its step; NOOP otherwise. It reads the env's state (the rack), not
 * only the observation.
 */
export function nextBowlingAction(env: BowlingEnv): number {
  if (env.phaseName === 'over') return BOWLING_ACTIONS.NOOP;
  if (env.phaseName === 'aim') {
    const plan = planThrow(env.lane.standingMask());
    const d = plan.y - env.bowlerY;
    if (d > BOWLER_STEP / 2) return BOWLING_ACTIONS.DOWN;
    if (d < -BOWLER_STEP / 2) return BOWLING_ACTIONS.UP;
    return BOWLING_ACTIONS.FIRE;
  }
  // simulateThrow curves on loop step k; the env's rollSteps is k on that step (the throw step counts 1).
  const plan = planThrow(env.standingAtThrow);
  if (plan.dir !== 0 && env.rollSteps === plan.curveStep && env.lane.canCurve()) return plan.dir < 0 ? BOWLING_ACTIONS.UP : BOWLING_ACTIONS.DOWN;
  return BOWLING_ACTIONS.NOOP;
}

export const bowlingExpert: ExpertFactory = (env: Env<unknown, unknown>): Policy => {
  const inner = env.unwrapped;
  if (!(inner instanceof BowlingEnv)) throw new TypeError(`the Bowling expert needs a Bowling env, got ${String(inner)}`);
  return () => nextBowlingAction(inner);
};
