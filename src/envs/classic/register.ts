import type { ExpertFactory, Policy } from '../core/experts.ts';
import { optionNames } from '../core/env-options.ts';
import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { CartPoleEnv, type CartPoleOptions } from './cartpole.ts';
import { cartPoleExpert } from './cartpole-expert.ts';
import { CartPoleVectorEnv } from './cartpole-vector.ts';

// Gymnasium's two CartPole versions; they differ only in the step limit and the solved threshold.
// The expert reads only the observation, so any CartPole env (wrapped or not) can use it.
const expert: ExpertFactory = () => cartPoleExpert() as Policy;
const options = optionNames<CartPoleOptions>({ suttonBartoReward: true });
register('CartPole-v1', (kw: EnvKwargs) => new CartPoleEnv(kw), {
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  vectorFactory: (n, kw) => new CartPoleVectorEnv(n, { maxEpisodeSteps: 500, ...kw }),
  expert,
  options,
});
register('CartPole-v0', (kw: EnvKwargs) => new CartPoleEnv(kw), {
  maxEpisodeSteps: 200,
  rewardThreshold: 195,
  vectorFactory: (n, kw) => new CartPoleVectorEnv(n, { maxEpisodeSteps: 200, ...kw }),
  expert,
  options,
});
