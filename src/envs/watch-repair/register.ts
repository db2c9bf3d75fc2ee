import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { WATCH_REPAIR_STEPS, WatchRepairEnv, watchRepairExpert } from './watch-repair.ts';

register('WatchRepair-v0', (kw: EnvKwargs) => new WatchRepairEnv(kw), { maxEpisodeSteps: WATCH_REPAIR_STEPS, expert: watchRepairExpert });
