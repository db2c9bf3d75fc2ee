import { CELL_COUNT } from '../envs/grid/cells.ts';
import type { ObservationFeatures } from './episode-trace.ts';

/**
 * Position-invariant LSTM features of a grid env's `codes` observation (`[size²]` cell codes, then `extras`
 * values such as KeyDoorTreasure's `[agentX, agentY, facing, carrying]`): how many cells hold each code,
 * then the extras. As Δ-states, "the key was picked up" and "the door opened" are then the same inputs
 * wherever the key and the door are.
 */
export function gridCodeCounts(size: number, extras: number): ObservationFeatures {
  const cells = size * size;
  return {
    dim: CELL_COUNT + extras,
    write(obs, at, out, outAt) {
      out.fill(0, outAt, outAt + CELL_COUNT);
      for (let i = 0; i < cells; i++) out[outAt + obs[at + i]!]!++;
      for (let j = 0; j < extras; j++) out[outAt + CELL_COUNT + j] = obs[at + cells + j]!;
    },
  };
}

/**
 * gridCodeCounts without the agent's pose: the code counts, then the extras after the first `pose` ones
 * (KeyDoorTreasure: `[agentX, agentY, facing]` dropped, `carrying` and a delay counter kept). As Δ-states the
 * input is zero except on the steps where something happened (a pickup, a door, the treasure, the delay's
 * clock), so the LSTM need not learn to ignore the walk: offline on random-policy episodes of KeyDoorTreasure
 * 8×8 with a 200-step delay it put 77 % of a success's return on its arrival step (with a time encoding) where the
 * flat observation put 35 % (measurements-2026-12.md §1, 2026-12-03).
 */
export function gridEvents(size: number, extras: number, pose = 3): ObservationFeatures {
  if (!(extras >= pose)) throw new RangeError(`gridEvents: ${extras} extras cannot hold the agent's pose (${pose} values)`);
  const cells = size * size, kept = extras - pose;
  return {
    dim: CELL_COUNT + kept,
    write(obs, at, out, outAt) {
      out.fill(0, outAt, outAt + CELL_COUNT);
      for (let i = 0; i < cells; i++) out[outAt + obs[at + i]!]!++;
      for (let j = 0; j < kept; j++) out[outAt + CELL_COUNT + j] = obs[at + cells + pose + j]!;
    },
  };
}
