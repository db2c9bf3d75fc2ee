import { CartPoleEnv } from './classic/cartpole.ts';
import { CartPoleVectorEnv } from './classic/cartpole-vector.ts';
import { cartPoleExpert } from './classic/cartpole-expert.ts';
import { registerExpert } from './core/experts.ts';
import type { EnvKwargs } from './core/spec.ts';
import { register } from './core/registry.ts';

// The built-in envs, registered on import (as `import gymnasium` does).
register('CartPole-v1', (kw: EnvKwargs) => new CartPoleEnv(kw), {
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  vectorFactory: (n, kw) => new CartPoleVectorEnv(n, { maxEpisodeSteps: 500, ...kw }),
});
register('CartPole-v0', (kw: EnvKwargs) => new CartPoleEnv(kw), {
  maxEpisodeSteps: 200,
  rewardThreshold: 195,
  vectorFactory: (n, kw) => new CartPoleVectorEnv(n, { maxEpisodeSteps: 200, ...kw }),
});
registerExpert('CartPole-v1', () => cartPoleExpert() as (obs: unknown) => unknown);
registerExpert('CartPole-v0', () => cartPoleExpert() as (obs: unknown) => unknown);
import './delayed-registrations.ts';
