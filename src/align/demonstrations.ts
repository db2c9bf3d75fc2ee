import { checkDemonstration, type Demonstration } from '../envs/core/demonstration.ts';
import type { Env } from '../envs/core/env.ts';
import type { AlignDemo } from './align-rudder.ts';

/**
 * A demonstration file's episode as Align-RUDDER's input: replays it (checking its rewards) and reads the
 * state index of the env after reset and after every step with `stateOf` (e.g. `(env) => (env.unwrapped as
 * RoomsEnv).state`), so s_0..s_T with the final state included.
 */
export function alignDemoFrom(demo: Demonstration, stateOf: (env: Env<unknown, number>) => number, label = 'demonstration'): AlignDemo {
  const states: number[] = [];
  checkDemonstration(demo, label, { onReset: (env) => void states.push(stateOf(env)), onStep: (s) => void states.push(stateOf(s.env)) });
  return { states: Int32Array.from(states), actions: Int32Array.from(demo.actions), ret: demo.return };
}
