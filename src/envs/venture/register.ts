import { registerExpert } from '../core/experts.ts';
import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { ventureExpert } from './expert.ts';
import { VENTURE_MAX_STEPS, VentureEnv } from './venture.ts';

// Venture-v0 truncates itself at its `maxSteps` (default VENTURE_MAX_STEPS), so that the `delayed`
// return is paid on the last step; the TimeLimit at the same count only records the horizon in the spec.
// A larger `maxSteps` kwarg needs a matching `maxEpisodeSteps` in make's options.
register('Venture-v0', (kw: EnvKwargs) => new VentureEnv(kw), { maxEpisodeSteps: VENTURE_MAX_STEPS });
registerExpert('Venture-v0', ventureExpert);
