import { registerExpert } from './core/experts.ts';
import { register } from './core/registry.ts';
import type { EnvKwargs } from './core/spec.ts';
import { keyDoorTreasureExpert, roomsExpert } from './grid/experts.ts';
import { KeyDoorTreasureEnv } from './grid/key-door-treasure.ts';
import { ROOMS_MAX_STEPS, RoomsEnv } from './grid/rooms.ts';
import { WATCH_REPAIR_STEPS, WatchRepairEnv, watchRepairExpert } from './watch-repair/watch-repair.ts';

// The delayed-reward tasks, with their scripted experts.

// No TimeLimit: the env truncates itself at maxSteps = 10·size² (default 640), which also scales its
// reward, so the horizon follows the `size` kwarg (as MiniGrid registers DoorKey).
register('KeyDoorTreasure-v0', (kw: EnvKwargs) => new KeyDoorTreasureEnv(kw), { maxEpisodeSteps: null });

// The Align-RUDDER gridworlds: 200 steps (the env also ends itself there, paying the +1 distractor).
// v0 reproduces the reference's unusable east doors (start rooms 4, 6, 10, 18); v1 fixes them.
register('FourRooms-v0', (kw: EnvKwargs) => new RoomsEnv({ chainRooms: 3, ...kw }), { maxEpisodeSteps: ROOMS_MAX_STEPS });
register('FourRooms-v1', (kw: EnvKwargs) => new RoomsEnv({ chainRooms: 3, fixEastDoors: true, ...kw }), { maxEpisodeSteps: ROOMS_MAX_STEPS });
register('EightRooms-v0', (kw: EnvKwargs) => new RoomsEnv({ chainRooms: 7, ...kw }), { maxEpisodeSteps: ROOMS_MAX_STEPS });
register('EightRooms-v1', (kw: EnvKwargs) => new RoomsEnv({ chainRooms: 7, fixEastDoors: true, ...kw }), { maxEpisodeSteps: ROOMS_MAX_STEPS });

register('WatchRepair-v0', (kw: EnvKwargs) => new WatchRepairEnv(kw), { maxEpisodeSteps: WATCH_REPAIR_STEPS });

registerExpert('KeyDoorTreasure-v0', keyDoorTreasureExpert);
for (const id of ['FourRooms-v0', 'FourRooms-v1', 'EightRooms-v0', 'EightRooms-v1']) registerExpert(id, roomsExpert);
registerExpert('WatchRepair-v0', watchRepairExpert);

// Envs with their own register module.
import './bowling/register.ts';
import './item-chain/register.ts';
import './venture/register.ts';
