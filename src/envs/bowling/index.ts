// The public surface of Bowling-v0. Module-internal short names (LANE, PIN, OBS, ROLL…) are exported
// under BOWLING_-prefixed names so that `export * from './bowling/index.ts'` cannot clash with other envs.
export {
  BowlingEnv, BOWLING_ACTIONS, BOWLING_ACTION_NAMES, BOWLING_EVENTS, BOWLING_EVENT_NAMES, BOWLING_MAX_STEPS, BOWLING_TIME_LIMIT, pinsKnockedEvent,
  OBS as BOWLING_OBS, IDLE_LIMIT as BOWLING_IDLE_LIMIT, BOWLER_STEP, BOWLER_MIN_Y, BOWLER_MAX_Y, BOWLER_START_Y,
  type BowlingOptions,
} from './bowling.ts';
export { bowlingExpert, nextBowlingAction, planThrow as planBowlingThrow, type BowlingPlan } from './expert.ts';
export {
  LANE as BOWLING_LANE, PIN as BOWLING_PIN, PIN_SPOTS as BOWLING_PIN_SPOTS, LaneState as BowlingLaneState,
  stepLane as stepBowlingLane, simulateThrow as simulateBowlingThrow, type Jitter as BowlingJitter,
} from './physics.ts';
export { BowlingScorer, ROLL as BOWLING_ROLL, scoreGame as scoreBowlingGame, scoreSheet as bowlingScoreSheet, type GameScore as BowlingGameScore } from './scoring.ts';
