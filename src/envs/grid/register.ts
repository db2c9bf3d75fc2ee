import { optionNames } from '../core/env-options.ts';
import { register } from '../core/registry.ts';
import type { EnvKwargs } from '../core/spec.ts';
import { keyDoorTreasureExpert, roomsExpert } from './experts.ts';
import { KeyDoorTreasureEnv, type KeyDoorTreasureOptions } from './key-door-treasure.ts';
import { ROOMS_MAX_STEPS, RoomsEnv, type RoomsOptions } from './rooms.ts';

// No TimeLimit: the env truncates itself at maxSteps = 10·size² (default 640), which also scales its
// reward, so the horizon follows the `size` kwarg (as MiniGrid registers DoorKey).
register('KeyDoorTreasure-v0', (kw: EnvKwargs) => new KeyDoorTreasureEnv(kw), {
  maxEpisodeSteps: null,
  expert: keyDoorTreasureExpert,
  options: optionNames<KeyDoorTreasureOptions>({ size: true, maxSteps: true, reward: true, distractors: true, observation: true }),
});

// The Align-RUDDER gridworlds: 200 steps (the env also ends itself there, paying the +1 distractor).
// v0 reproduces the reference's unusable east doors (start rooms 4, 6, 10, 18); v1 fixes them.
const rooms = {
  maxEpisodeSteps: ROOMS_MAX_STEPS,
  expert: roomsExpert,
  options: optionNames<RoomsOptions>({ chainRooms: true, fixEastDoors: true, actionNoise: true, reward: true, observation: true }),
};
register('FourRooms-v0', (kw: EnvKwargs) => new RoomsEnv({ chainRooms: 3, ...kw }), rooms);
register('FourRooms-v1', (kw: EnvKwargs) => new RoomsEnv({ chainRooms: 3, fixEastDoors: true, ...kw }), rooms);
register('EightRooms-v0', (kw: EnvKwargs) => new RoomsEnv({ chainRooms: 7, ...kw }), rooms);
register('EightRooms-v1', (kw: EnvKwargs) => new RoomsEnv({ chainRooms: 7, fixEastDoors: true, ...kw }), rooms);
