import { optionNames } from '../core/env-options.ts';
import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { WATCH_REPAIR_STEPS, WatchRepairEnv, watchRepairExpert, type WatchRepairOptions } from './watch-repair.ts';

// RUDDER's demonstration task, delayed by default (make's DelayedReward: the whole return at step 50);
// `reward: 'natural'` pays each cost and the sale when they happen.
register('WatchRepair-v0', (kw: EnvKwargs) => new WatchRepairEnv(kw), {
  maxEpisodeSteps: WATCH_REPAIR_STEPS,
  kwargs: { reward: 'delayed' },
  expert: watchRepairExpert,
  options: optionNames<WatchRepairOptions>({ reward: true }),
});
