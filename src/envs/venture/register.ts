import { optionNames } from '../core/env-options.ts';
import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { ventureExpert } from './expert.ts';
import { VentureEnv, type VentureOptions } from './venture.ts';

// Venture-v0 truncates itself at its `maxSteps` (default VENTURE_MAX_STEPS = 1000), so there is no
// TimeLimit: a TimeLimit would cut a larger `maxSteps` kwarg first, and `reward: 'delayed'` (make's
// DelayedReward) pays at the env's own last step (the same choice as KeyDoorTreasure-v0 and ItemChain-v0).
register('Venture-v0', (kw: EnvKwargs) => new VentureEnv(kw), {
  maxEpisodeSteps: null,
  expert: ventureExpert,
  options: optionNames<VentureOptions>({
    reward: true, maxSteps: true, lingerSteps: true, lives: true, hallMonsterSpeed: true, roomMonsterSpeed: true, releasedMonsterSpeed: true,
  }),
});
