import { CartPoleEnv } from './classic/cartpole.ts';
import type { EnvKwargs } from './core/spec.ts';
import { register } from './core/registry.ts';

// The built-in envs, registered on import (as `import gymnasium` does).
register('CartPole-v1', (kw: EnvKwargs) => new CartPoleEnv(kw), { maxEpisodeSteps: 500, rewardThreshold: 475 });
register('CartPole-v0', (kw: EnvKwargs) => new CartPoleEnv(kw), { maxEpisodeSteps: 200, rewardThreshold: 195 });
