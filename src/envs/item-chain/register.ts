import { optionNames } from '../core/env-options.ts';
import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { itemChainExpert } from './expert.ts';
import { ItemChainEnv, type ItemChainOptions } from './item-chain.ts';
import { ITEM_COUNT, ITEM_NAMES } from './items.ts';

// ItemChain-v0 truncates itself at `maxSteps` (default ITEM_CHAIN_MAX_STEPS = 2000), so there is no
// TimeLimit: a TimeLimit would cut a `maxSteps` kwarg above its own limit, and `reward: 'delayed'`
// (make's DelayedReward) pays at the env's own last step (the same choice as KeyDoorTreasure-v0).
register('ItemChain-v0', (kw: EnvKwargs) => new ItemChainEnv(kw), {
  maxEpisodeSteps: null,
  expert: itemChainExpert,
  options: optionNames<ItemChainOptions>({ size: true, maxSteps: true, reward: true, view: true, encoding: true }),
  eventFeatures: (env) => ({ name: 'inventory', offset: (env.unwrapped as ItemChainEnv).inventoryOffset, length: ITEM_COUNT, names: ITEM_NAMES }),
});
