import { optionNames } from '../core/env-options.ts';
import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { ventureExpert } from './expert.ts';
import { OBS_GRID, VentureEnv, type VentureOptions } from './venture.ts';

// Venture-v0 truncates itself at its `maxSteps` (default VENTURE_MAX_STEPS = 1000), so there is no
// TimeLimit: a TimeLimit would cut a larger `maxSteps` kwarg first, and `reward: 'delayed'` (make's
// DelayedReward) pays at the env's own last step (the same choice as KeyDoorTreasure-v0 and ItemChain-v0).
register('Venture-v0', (kw: EnvKwargs) => new VentureEnv(kw), {
  maxEpisodeSteps: null,
  expert: ventureExpert,
  // Events: the map one-hot (entering a room), facing, the treasures taken and the lives (see OBS_DIM's layout).
  eventFeatures: () => ({ name: 'progress', offset: OBS_GRID, length: 14, names: ['hallway', 'room 1', 'room 2', 'room 3', 'room 4', 'face up', 'face right', 'face down', 'face left', 'treasure 1', 'treasure 2', 'treasure 3', 'treasure 4', 'lives'] }),
  options: optionNames<VentureOptions>({
    reward: true, maxSteps: true, lingerSteps: true, lives: true, hallMonsterSpeed: true, roomMonsterSpeed: true, releasedMonsterSpeed: true,
  }),
});
