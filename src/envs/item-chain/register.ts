import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { itemChainExpert } from './expert.ts';
import { ItemChainEnv } from './item-chain.ts';
import { ITEM_COUNT, ITEM_NAMES } from './items.ts';

// ItemChain-v0 truncates itself at `maxSteps` (default ITEM_CHAIN_MAX_STEPS = 2000), so there is no
// TimeLimit: a TimeLimit would cut a `maxSteps` kwarg above its own limit, and `reward: 'delayed'`
// (make's DelayedReward) pays at the env's own last step (the same choice as KeyDoorTreasure-v0).
// Its events (Align-RUDDER) are the inventory's changes: measurements-2026-12.md §2.
register('ItemChain-v0', (kw: EnvKwargs) => new ItemChainEnv(kw), {
  maxEpisodeSteps: null,
  expert: itemChainExpert,
  eventFeatures: (env) => ({ name: 'inventory', offset: (env.unwrapped as ItemChainEnv).inventoryOffset, length: ITEM_COUNT, names: ITEM_NAMES }),
});
