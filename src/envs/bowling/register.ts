import { optionNames } from '../core/env-options.ts';
import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { BOWLING_MAX_STEPS, BOWLING_TIME_LIMIT, BowlingEnv, type BowlingOptions } from './bowling.ts';
import { bowlingExpert } from './expert.ts';

// Bowling-v0 ends every game itself, within BOWLING_MAX_STEPS (2331) steps thanks to its idle and roll
// limits; the TimeLimit of 2500 is a safety net that never cuts a game. The default reward is the
// RUDDER setting, `delayed` (make's DelayedReward: the final score at the last step); `reward: 'natural'`
// pays each ball's score delta.
if (BOWLING_TIME_LIMIT <= BOWLING_MAX_STEPS) throw new Error('Bowling-v0: the TimeLimit must exceed the longest possible game');
register('Bowling-v0', (kw: EnvKwargs) => new BowlingEnv(kw), {
  maxEpisodeSteps: BOWLING_TIME_LIMIT,
  kwargs: { reward: 'delayed' },
  expert: bowlingExpert,
  options: optionNames<BowlingOptions>({ reward: true }),
});
